package script

import (
	"fmt"
	"reflect"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// maxDigits bounds the coefficient of every intermediate decimal. Exact
// multiplication doubles the digits each time, so a script nesting
// cel.bind(a, x*x, cel.bind(b, a*a, ...)) would otherwise allocate
// gigabytes long before the cost limit (which counts calls, not digits)
// stops it. 200 leaves room for two full-precision store amounts
// (cost.Precision = 38 digits each) multiplied and then added to a third.
const maxDigits = 200

// decimalType is the CEL type of exact amounts. It is opaque: scripts
// only reach it through dec() and the operators declared below, never
// through a float.
var decimalType = cel.OpaqueType("tally.Decimal")

// decimalRuntimeType is the same type as the interpreter sees it: the
// standard library binds operators once for all types and dispatches on
// these traits, which an opaque type cannot carry.
var decimalRuntimeType = types.NewObjectType("tally.Decimal",
	traits.AdderType|traits.SubtractorType|traits.MultiplierType|traits.NegatorType|traits.ComparerType)

// decVal carries a decimal.Decimal through the CEL interpreter.
type decVal struct{ d decimal.Decimal }

func (v decVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeOf(decimal.Decimal{}) {
		return v.d, nil
	}
	return nil, fmt.Errorf("decimal cannot be converted to %v", t)
}

func (v decVal) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case decimalType, decimalRuntimeType:
		return v
	case types.StringType:
		return types.String(v.d.String())
	case types.TypeType:
		return decimalRuntimeType
	}
	return types.NewErr("type conversion error from decimal to %s", t.TypeName())
}

func (v decVal) Equal(other ref.Val) ref.Val {
	o, ok := other.(decVal)
	if !ok {
		return types.False
	}
	return types.Bool(v.d.Equal(o.d))
}

func (v decVal) Type() ref.Type { return decimalRuntimeType }
func (v decVal) Value() any     { return v.d }

// checkAligned refuses an addition whose operands, once aligned on the
// smaller exponent, would exceed maxDigits: 1e13 + 1e-24 is fine, a
// chain of multiplications that drove an exponent to -10^6 is not.
func checkAligned(a, b decimal.Decimal) error {
	ea, eb := a.Exponent(), b.Exponent()
	lo := min(ea, eb)
	n := max(a.NumDigits()+int(ea-lo), b.NumDigits()+int(eb-lo))
	if n > maxDigits {
		return fmt.Errorf("decimal result would have %d digits, more than the %d allowed", n, maxDigits)
	}
	return nil
}

func decArgs(lhs, rhs ref.Val) (decimal.Decimal, decimal.Decimal, ref.Val) {
	a, ok1 := lhs.(decVal)
	b, ok2 := rhs.(decVal)
	if !ok1 || !ok2 {
		return decimal.Zero, decimal.Zero, types.NoSuchOverloadErr()
	}
	return a.d, b.d, nil
}

// Add implements traits.Adder.
func (v decVal) Add(other ref.Val) ref.Val {
	a, b, bad := decArgs(v, other)
	if bad != nil {
		return bad
	}
	if err := checkAligned(a, b); err != nil {
		return types.WrapErr(err)
	}
	return decVal{a.Add(b)}
}

// Subtract implements traits.Subtractor.
func (v decVal) Subtract(other ref.Val) ref.Val {
	a, b, bad := decArgs(v, other)
	if bad != nil {
		return bad
	}
	if err := checkAligned(a, b); err != nil {
		return types.WrapErr(err)
	}
	return decVal{a.Sub(b)}
}

// Multiply implements traits.Multiplier.
func (v decVal) Multiply(other ref.Val) ref.Val {
	a, b, bad := decArgs(v, other)
	if bad != nil {
		return bad
	}
	if n := a.NumDigits() + b.NumDigits(); n > maxDigits {
		return types.NewErr("decimal product would have %d digits, more than the %d allowed", n, maxDigits)
	}
	return decVal{a.Mul(b)}
}

// Negate implements traits.Negater.
func (v decVal) Negate() ref.Val { return decVal{v.d.Neg()} }

// Compare implements traits.Comparer for < <= > >=.
func (v decVal) Compare(other ref.Val) ref.Val {
	a, b, bad := decArgs(v, other)
	if bad != nil {
		return bad
	}
	return types.Int(a.Cmp(b))
}

// decimalFunctions declares the whole decimal surface a script sees.
// There is deliberately no division: a quotient is rarely exact, and a
// unit price can always be written as the exact decimal it is
// (dec("0.0009765625") rather than 1/1024).
func decimalFunctions() []cel.EnvOption {
	dd := []*cel.Type{decimalType, decimalType}
	// The standard library binds comparisons once for every type
	// (through traits.Comparer, see decVal.Compare): the overloads only
	// declare them to the type checker.
	cmp := func(op, id string) cel.EnvOption {
		return cel.Function(op, cel.Overload(id, dd, cel.BoolType))
	}
	// Likewise arithmetic goes through traits.Adder, Subtractor,
	// Multiplier and Negater (decVal's Add, Subtract, Multiply, Negate).
	op := func(op, id string, args []*cel.Type) cel.EnvOption {
		return cel.Function(op, cel.Overload(id, args, decimalType))
	}
	return []cel.EnvOption{
		cel.Function("dec",
			// Strings go through cost.ParseAmount, the rule every bill
			// amount follows: exact to 24 fractional digits, below 10^14.
			cel.Overload("dec_string", []*cel.Type{cel.StringType}, decimalType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.NoSuchOverloadErr()
					}
					d, err := cost.ParseAmount(string(s))
					if err != nil {
						return types.WrapErr(err)
					}
					return decVal{d}
				})),
			cel.Overload("dec_int", []*cel.Type{cel.IntType}, decimalType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					i, ok := v.(types.Int)
					if !ok {
						return types.NoSuchOverloadErr()
					}
					return decVal{decimal.NewFromInt(int64(i))}
				}))),
		cel.Function("string",
			cel.Overload("string_decimal", []*cel.Type{decimalType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					d, ok := v.(decVal)
					if !ok {
						return types.NoSuchOverloadErr()
					}
					return types.String(d.d.String())
				}))),
		// round(d, places) rounds half to even, Tally's one rounding rule
		// (cost.Round), to a number of fractional digits between 0 and 24.
		cel.Function("round",
			cel.Overload("round_decimal_int", []*cel.Type{decimalType, cel.IntType}, decimalType,
				cel.BinaryBinding(func(l, r ref.Val) ref.Val {
					d, ok1 := l.(decVal)
					p, ok2 := r.(types.Int)
					if !ok1 || !ok2 {
						return types.NoSuchOverloadErr()
					}
					if p < 0 || p > cost.Scale {
						return types.NewErr("round: places %d is not between 0 and %d", int64(p), cost.Scale)
					}
					return decVal{d.d.RoundBank(int32(p))}
				}))),
		op(operators.Add, "add_decimal_decimal", dd),
		op(operators.Subtract, "subtract_decimal_decimal", dd),
		op(operators.Multiply, "multiply_decimal_decimal", dd),
		op(operators.Negate, "negate_decimal", []*cel.Type{decimalType}),
		cmp(operators.Less, "less_decimal_decimal"),
		cmp(operators.LessEquals, "less_equals_decimal_decimal"),
		cmp(operators.Greater, "greater_decimal_decimal"),
		cmp(operators.GreaterEquals, "greater_equals_decimal_decimal"),
	}
}
