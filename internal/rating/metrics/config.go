// Package metrics reads CloudKitty's metrics configuration (metrics.yml)
// into typed metric configs, turns a collected value into a rated
// quantity (factor, offset, mutate) with exact arithmetic, and writes the
// PromQL query the Prometheus collector sends for a metric, a scope and a
// period. It does no I/O beyond reading the file: collectors and the
// processor build on it.
//
// The file is read with go.yaml.in/yaml/v3 (the maintained successor of
// gopkg.in/yaml.v3, kept by the YAML organisation) into its node tree
// rather than into structs: nodes carry the line and column of every key
// and value, so each configuration error can point at the place to fix,
// and scalars keep their text, so a factor such as 0.1 or "1/1048576" is
// read from the digits written, never through a float.
//
// Behaviour follows CloudKitty's collector schema (cloudkitty/collector
// and prometheus_base.py): the same keys, defaults and allowed values, a
// metric as a map or a list of maps, the scope key appended to groupby,
// groupby and metadata disjoint, mutate_map required exactly with MAP, and
// unknown keys rejected. Where upstream loses exactness (fractions turned
// into floats, quantities rounded to 9 significant digits) Tally does not:
// see Quantity.
package metrics

import (
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/errkind"
)

// ErrInvalid marks every configuration error; callers test it with
// errors.Is (it is of kind errkind.Invalid).
var ErrInvalid = errkind.Invalid.New("invalid metrics configuration")

// DefaultScopeKey is CloudKitty's default [collect] scope_key.
const DefaultScopeKey = "project_id"

// Mutate is what happens to a quantity after factor and offset.
type Mutate string

// The mutations CloudKitty knows.
const (
	MutateNone       Mutate = "NONE"
	MutateCeil       Mutate = "CEIL"
	MutateFloor      Mutate = "FLOOR"
	MutateNumBool    Mutate = "NUMBOOL"
	MutateNotNumBool Mutate = "NOTNUMBOOL"
	MutateMap        Mutate = "MAP"
)

var mutates = []Mutate{MutateNone, MutateCeil, MutateFloor, MutateNumBool, MutateNotNumBool, MutateMap}

// Config is a parsed metrics.yml.
type Config struct {
	// Metrics in file order; a metric written as a list of maps gives one
	// entry per map, all with the same Name.
	Metrics []Metric
	// Written is the file as written, ready for encoding/json: what
	// CloudKitty's GET /v1/info/config answers (no defaults filled in,
	// numbers in their written digits).
	Written map[string]any
}

// Metric is one rated type: one map under a metric name.
type Metric struct {
	// Name is the metric's name in the source (the key under metrics).
	Name string
	// AltName is alt_name as written, empty when absent.
	AltName     string
	Unit        string
	Description string
	// Factor and Offset are exact rationals: qty = collected × Factor +
	// Offset. FactorText and OffsetText are the values as written (empty
	// when absent), for info/config.
	Factor, Offset         *big.Rat
	FactorText, OffsetText string
	Mutate                 Mutate
	// MutateMap maps a quantity (after factor and offset) to another;
	// set only with MutateMap. Keys are big.Rat.RatString forms, so that
	// 1, 1.0 and 1.00 are one key.
	MutateMap map[string]decimal.Decimal
	// Groupby ends with the scope key (appended unless written).
	// Duplicates are dropped, keeping the first, as upstream's set does.
	Groupby  []string
	Metadata []string
	// SkipDatapointsExpression is kept as text; its evaluation belongs to
	// the processor.
	SkipDatapointsExpression string
	// Prometheus holds the Prometheus collector's extra_args, defaults
	// filled in. ExtraArgs holds extra_args as decoded YAML for other
	// collectors (Tally does not interpret them).
	Prometheus PrometheusArgs
	ExtraArgs  map[string]any
	// Line is the line of the metric's map in the file.
	Line int
}

// RatedName is the name used in dataframes and hashmap services: the
// alt_name, or the metric's name.
func (m *Metric) RatedName() string {
	if m.AltName != "" {
		return m.AltName
	}
	return m.Name
}

// PrometheusArgs are the Prometheus collector's extra_args.
type PrometheusArgs struct {
	// AggregationMethod defaults to max.
	AggregationMethod string
	// QueryFunction and RangeFunction are empty when absent.
	QueryFunction string
	RangeFunction string
	// QueryPrefix and QuerySuffix are PromQL text joined with a space.
	QueryPrefix string
	QuerySuffix string
}

// The values upstream's schema allows (prometheus_base.py). "irange" is
// not a PromQL function, but upstream accepts it, and a configuration
// that loads in CloudKitty must load here; Prometheus rejects the query.
var (
	aggregationMethods = []string{"avg", "count", "max", "min", "stddev", "stdvar", "sum"}
	queryFunctions     = []string{"abs", "ceil", "exp", "floor", "ln", "log2", "log10", "round", "sqrt"}
	rangeFunctions     = []string{"changes", "delta", "deriv", "idelta", "irange", "irate", "rate"}
)

// Collector names for Options.Collector.
const (
	CollectorPrometheus = "prometheus"
	// CollectorOther is any collector whose extra_args Tally does not
	// type: they are kept in Metric.ExtraArgs unchecked.
	CollectorOther = "other"
)

// Options are the [collect] settings parsing depends on.
type Options struct {
	// ScopeKey is appended to every groupby; DefaultScopeKey when empty.
	ScopeKey string
	// Collector selects how extra_args are checked: CollectorPrometheus
	// (the default when empty) types and checks them as upstream's
	// Prometheus schema does, unknown keys rejected.
	Collector string
}

// ConfigError is a configuration error at a place in the file. It
// unwraps to ErrInvalid.
type ConfigError struct {
	File         string
	Line, Column int // 0 when unknown
	Metric       string
	Key          string
	Msg          string
}

func (e *ConfigError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d:%d", e.Line, e.Column)
	}
	s += ": "
	if e.Metric != "" {
		s += fmt.Sprintf("metric %q: ", e.Metric)
	}
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ConfigError) Unwrap() error { return ErrInvalid }
