// Package script is Tally's replacement for CloudKitty's PyScripts rating
// module: the same API surface (named scripts with a sha512 checksum, see
// ../shared/specs/cloudkitty.md §8) but scripts are sandboxed expressions
// instead of arbitrary Python.
//
// # Why CEL
//
// Scripts are written in CEL (github.com/google/cel-go) rather than expr:
//   - Sandbox: CEL has no statements, no loops beyond bounded
//     comprehensions, no I/O, no reflection and no access to Go values
//     other than the variables and functions declared here. Every
//     identifier is resolved at compile time, so os.Getenv, file reads or
//     imports are compile errors, not runtime surprises.
//   - Compile-time type checking: a script that does not evaluate to a
//     decimal, or mixes a decimal with a float, is rejected on upload.
//   - Limits: a runtime cost limit (which also counts the size of lists
//     and strings a script builds, so it bounds memory) and interrupt
//     checks against a context, so an expensive script stops with an
//     error instead of hanging. expr offers a memory budget and MaxNodes
//     but no context interruption of a running program.
//   - Errors carry a line and a column, which the API turns into a 400
//     naming the line.
//
// # What a script sees
//
// A script is one CEL expression evaluated once per rated point. For
// naming intermediate values it may use cel.bind(name, value, rest)
// (ext.Bindings). Its read-only inputs are:
//
//	service  string               the point's usage key (metric alt_name or name)
//	qty      tally.Decimal        the point's quantity, exact
//	price    tally.Decimal        the price so far (earlier modules' charge)
//	desc     map(string, string)  the point's description (metadata ∪ groupby)
//	period   map(string, string)  "begin" and "end" of the rated period, RFC 3339 UTC
//
// and it must evaluate to a tally.Decimal: the point's new price. A
// script that changes nothing returns price.
//
// Money never becomes a float. Decimals come from dec("0.1") (parsed by
// cost.ParseAmount: exact to 24 fractional digits, below 10^14) or
// dec(3), and support + - * (exact), unary -, < <= > >= == !=,
// round(d, places) (half to even) and string(d). There is no division:
// write the exact unit price instead. Intermediate results are limited to
// 200 digits; the result is rounded by cost.Round and must be storable.
//
// Example: a flat fee of 0.05 per point plus 0.1 per unit, double for
// GPU flavours:
//
//	cel.bind(base, dec("0.05") + dec("0.1") * qty,
//	  price + (desc["flavor"].startsWith("gpu") ? base * dec(2) : base))
//
// Evaluation is deterministic: no clock, randomness or environment is
// reachable, and maps iterate in ascending key order. Only the limits
// touch the clock: a too-slow evaluation becomes an ErrLimit error, never
// a different price.
package script

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/hashmap"
)

const (
	// MaxSourceBytes bounds a script's source: scripts are pricing rules,
	// not programs, and the parser's work grows with the source.
	MaxSourceBytes = 64 << 10
	// DefaultCostLimit is the runtime cost budget of one evaluation. A
	// realistic pricing rule costs under 100; 100,000 leaves room for
	// comprehensions over a large desc while stopping runaway nesting in
	// milliseconds.
	DefaultCostLimit = 100_000
	// DefaultTimeLimit is the wall-clock budget of one evaluation, on top
	// of the caller's context deadline.
	DefaultTimeLimit = 100 * time.Millisecond
	// interruptEvery is how many comprehension iterations run between
	// context checks.
	interruptEvery = 100
)

// ErrLimit is wrapped by Eval errors of a script that exceeded its cost
// or time budget (or whose context ended). Other Eval errors wrap
// cost.ErrInvalid.
var ErrLimit = errors.New("script exceeded its evaluation limit")

// CompileError is a script that does not compile. It wraps
// cost.ErrInvalid so the API answers 400; Line and Column (both 1-based)
// point at the first problem.
type CompileError struct {
	Script       string
	Line, Column int
	Msg          string
	// More is the number of further problems not described.
	More int
}

func (e *CompileError) Error() string {
	s := fmt.Sprintf("script %q: line %d, column %d: %s", e.Script, e.Line, e.Column, e.Msg)
	if e.More > 0 {
		s += fmt.Sprintf(" (and %d more errors)", e.More)
	}
	return s
}

func (e *CompileError) Unwrap() error { return cost.ErrInvalid }

// Period is the rated period a point belongs to.
type Period struct {
	Begin, End time.Time
}

// Limits bound one evaluation. Zero fields take the defaults.
type Limits struct {
	Cost uint64
	Time time.Duration
}

// Script is a compiled script, safe for concurrent Eval.
type Script struct {
	Name     string
	Source   string
	Checksum string
	prg      cel.Program
	timeout  time.Duration
}

// Checksum is the sha512 of the source in lower-case hex, as CloudKitty
// echoes it in the script object.
func Checksum(source string) string {
	sum := sha512.Sum512([]byte(source))
	return hex.EncodeToString(sum[:])
}

var env = sync.OnceValues(func() (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.Variable("service", cel.StringType),
		cel.Variable("qty", decimalType),
		cel.Variable("price", decimalType),
		cel.Variable("desc", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("period", cel.MapType(cel.StringType, cel.StringType)),
		ext.Bindings(),
		cel.ParserExpressionSizeLimit(MaxSourceBytes),
	}
	return cel.NewEnv(append(opts, decimalFunctions()...)...)
})

// Compile checks a script with the default limits.
func Compile(name, source string) (*Script, error) {
	return CompileWithLimits(name, source, Limits{})
}

// CompileWithLimits checks a script and prepares it for evaluation under
// the given limits.
func CompileWithLimits(name, source string, lim Limits) (*Script, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: a script needs a name", cost.ErrInvalid)
	}
	if len(source) > MaxSourceBytes {
		return nil, fmt.Errorf("%w: script %q is %d bytes, more than the %d allowed", cost.ErrInvalid, name, len(source), MaxSourceBytes)
	}
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("script environment: %w", err)
	}
	ast, iss := e.Compile(source)
	if iss != nil && iss.Err() != nil {
		errs := iss.Errors()
		first := errs[0]
		return nil, &CompileError{
			Script: name,
			Line:   max(first.Location.Line(), 1),
			Column: max(first.Location.Column(), 0) + 1,
			Msg:    first.Message,
			More:   len(errs) - 1,
		}
	}
	// A dyn result cannot arise from the declared inputs, but checking
	// it at run time too (Eval) keeps this test a convenience, not the
	// only guard.
	if out := ast.OutputType(); !out.IsExactType(decimalType) && !out.IsExactType(types.DynType) {
		return nil, &CompileError{Script: name, Line: 1, Column: 1,
			Msg: fmt.Sprintf("the script evaluates to %s; it must evaluate to the new price, a decimal (use dec(...), or price to leave it unchanged)", out)}
	}
	if lim.Cost == 0 {
		lim.Cost = DefaultCostLimit
	}
	if lim.Time == 0 {
		lim.Time = DefaultTimeLimit
	}
	prg, err := e.Program(ast, cel.CostLimit(lim.Cost), cel.InterruptCheckFrequency(interruptEvery))
	if err != nil {
		return nil, fmt.Errorf("%w: script %q: %w", cost.ErrInvalid, name, err)
	}
	return &Script{Name: name, Source: source, Checksum: Checksum(source), prg: prg, timeout: lim.Time}, nil
}

// Eval rates one point: it returns the point's new price.
func (s *Script) Eval(ctx context.Context, p hashmap.Point, per Period) (decimal.Decimal, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	vars := map[string]any{
		"service": types.String(p.Service),
		"qty":     decVal{p.Qty},
		"price":   decVal{p.Price},
		"desc":    orderedMap(p.Desc),
		"period": orderedMap(map[string]string{
			"begin": per.Begin.UTC().Format(time.RFC3339),
			"end":   per.End.UTC().Format(time.RFC3339),
		}),
	}
	out, _, err := s.prg.ContextEval(ctx, vars)
	if err != nil {
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) || ctx.Err() != nil {
			return decimal.Zero, fmt.Errorf("script %q: %w: %w", s.Name, ErrLimit, err)
		}
		// Everything else is the script's own fault on this input
		// (dec("abc"), a missing desc key, a result past the digit
		// limit): invalid, so a quote answers 400 rather than 500.
		if errors.Is(err, cost.ErrInvalid) {
			return decimal.Zero, fmt.Errorf("script %q: %w", s.Name, err)
		}
		return decimal.Zero, fmt.Errorf("%w: script %q: %w", cost.ErrInvalid, s.Name, err)
	}
	d, ok := out.(decVal)
	if !ok {
		return decimal.Zero, fmt.Errorf("%w: script %q returned %s, not a decimal", cost.ErrInvalid, s.Name, out.Type().TypeName())
	}
	price := cost.Round(d.d)
	if err := cost.CheckStorable(price); err != nil {
		return decimal.Zero, fmt.Errorf("script %q: %w", s.Name, err)
	}
	return price, nil
}

// sortedMap is a CEL map whose comprehensions visit keys in ascending
// order: Go map order is random, and desc.map(k, k)[0] must not depend
// on it.
type sortedMap struct {
	traits.Mapper
	keys []string
}

func orderedMap(m map[string]string) ref.Val {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if m == nil {
		m = map[string]string{}
	}
	return sortedMap{Mapper: types.NewStringStringMap(types.DefaultTypeAdapter, m), keys: keys}
}

func (m sortedMap) Iterator() traits.Iterator {
	return types.NewStringList(types.DefaultTypeAdapter, m.keys).Iterator()
}
