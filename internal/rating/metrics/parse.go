package metrics

import (
	"fmt"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	yaml "go.yaml.in/yaml/v3"
)

// Load reads and parses the metrics configuration at path.
func Load(path string, opt Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("metrics configuration: %w", err)
	}
	return Parse(path, data, opt)
}

// Parse parses a metrics configuration; file names it in errors.
func Parse(file string, data []byte, opt Options) (*Config, error) {
	if opt.ScopeKey == "" {
		opt.ScopeKey = DefaultScopeKey
	}
	if opt.Collector == "" {
		opt.Collector = CollectorPrometheus
	}
	p := &parser{file: file, opt: opt, seen: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// The library's text names the line ("yaml: line 3: ...").
		return nil, fmt.Errorf("%s: %w: %w", file, ErrInvalid, err)
	}
	if len(doc.Content) == 0 {
		return nil, &ConfigError{File: file, Key: "metrics", Msg: "required, the file is empty"}
	}
	budget := maxNodes
	root, err := p.expand(doc.Content[0], &budget)
	if err != nil {
		return nil, err
	}
	if err := p.mapping(root, "", "", func(k string, kn, v *yaml.Node) error {
		if k != "metrics" {
			return p.errAt(kn, "", k, "unknown key")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	metricsNode := lookup(root, "metrics")
	if metricsNode == nil {
		return nil, p.errAt(root, "", "metrics", "required")
	}
	if metricsNode.Kind != yaml.MappingNode || len(metricsNode.Content) == 0 {
		return nil, p.errAt(metricsNode, "", "metrics", "must be a non-empty map of metric names")
	}
	cfg := &Config{}
	err = p.mapping(metricsNode, "", "metrics", func(name string, kn, v *yaml.Node) error {
		if name == "" {
			return p.errAt(kn, "", "metrics", "a metric name must not be empty")
		}
		var maps []*yaml.Node
		switch v.Kind {
		case yaml.MappingNode:
			maps = []*yaml.Node{v}
		case yaml.SequenceNode:
			maps = v.Content
		}
		if len(maps) == 0 {
			return p.errAt(v, name, "", "must be a map or a non-empty list of maps")
		}
		for _, mn := range maps {
			m, err := p.metric(name, mn)
			if err != nil {
				return err
			}
			cfg.Metrics = append(cfg.Metrics, *m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cfg.Written = writtenValue(root).(map[string]any)
	return cfg, nil
}

type parser struct {
	file string
	opt  Options
	// seen maps name@#alt_name (upstream's own key) to its line.
	seen map[string]int
}

func (p *parser) errAt(n *yaml.Node, metric, key, format string, args ...any) error {
	return &ConfigError{File: p.file, Line: n.Line, Column: n.Column, Metric: metric, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// mapping calls f for each key of the map n, in order, after checking
// that n is a map with string keys, none twice.
func (p *parser) mapping(n *yaml.Node, metric, key string, f func(k string, kn, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		what := "the value"
		switch {
		case key == "" && metric == "":
			what = "the file"
		case key == "":
			what = "a metric's configuration"
		}
		return p.errAt(n, metric, key, "%s must be a map", what)
	}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			return p.errAt(kn, metric, key, "keys must be strings")
		}
		if line, dup := first[kn.Value]; dup {
			return p.errAt(kn, metric, joinKey(key, kn.Value), "written twice (first at line %d)", line)
		}
		first[kn.Value] = kn.Line
		if err := f(kn.Value, kn, v); err != nil {
			return err
		}
	}
	return nil
}

func joinKey(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// lookup returns the value of key in the map n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Legacy Prometheus name syntax: what the PromQL builder writes bare.
var (
	promMetricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	promLabelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

func (p *parser) metric(name string, n *yaml.Node) (*Metric, error) {
	m := &Metric{Name: name, Line: n.Line, Mutate: MutateNone,
		Factor: big.NewRat(1, 1), Offset: new(big.Rat),
		Groupby: []string{}, Metadata: []string{},
		Prometheus: PrometheusArgs{AggregationMethod: "max"}}
	var unitNode, mapNode, metaNode *yaml.Node
	err := p.mapping(n, name, "", func(k string, kn, v *yaml.Node) error {
		var err error
		switch k {
		case "unit":
			unitNode = v
			m.Unit, err = p.text(name, k, v)
		case "alt_name":
			m.AltName, err = p.text(name, k, v)
		case "description":
			m.Description, err = p.text(name, k, v)
		case "skip_datapoints_expression":
			m.SkipDatapointsExpression, err = p.text(name, k, v)
		case "factor":
			m.Factor, err = p.number(name, k, v, true)
			m.FactorText = v.Value
		case "offset":
			m.Offset, err = p.number(name, k, v, true)
			m.OffsetText = v.Value
		case "mutate":
			var s string
			if s, err = p.text(name, k, v); err == nil {
				if !slices.Contains(mutates, Mutate(s)) {
					return p.errAt(v, name, k, "%q is not one of %s", s, joinMutates())
				}
				m.Mutate = Mutate(s)
			}
		case "mutate_map":
			mapNode = v
			m.MutateMap, err = p.mutateMap(name, v)
		case "groupby":
			m.Groupby, err = p.names(name, k, v)
		case "metadata":
			metaNode = v
			m.Metadata, err = p.names(name, k, v)
		case "extra_args":
			err = p.extraArgs(m, v)
		default:
			err = p.errAt(kn, name, k, "unknown key")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if unitNode == nil {
		return nil, p.errAt(n, name, "unit", "required")
	}
	if m.Mutate == MutateMap && mapNode == nil {
		return nil, p.errAt(n, name, "mutate_map", "required with mutate MAP")
	}
	if m.Mutate != MutateMap && mapNode != nil {
		return nil, p.errAt(mapNode, name, "mutate_map", "allowed only with mutate MAP")
	}
	if !slices.Contains(m.Groupby, p.opt.ScopeKey) {
		m.Groupby = append(m.Groupby, p.opt.ScopeKey)
	}
	for _, a := range m.Metadata {
		if slices.Contains(m.Groupby, a) {
			what := "groupby"
			if a == p.opt.ScopeKey {
				what = "groupby (it is the scope key, always grouped by)"
			}
			return nil, p.errAt(metaNode, name, "metadata", "%q is also in %s", a, what)
		}
	}
	if p.opt.Collector == CollectorPrometheus {
		if err := p.promNames(m, n); err != nil {
			return nil, err
		}
	}
	id := name + "@#" + m.AltName
	if line, dup := p.seen[id]; dup {
		return nil, p.errAt(n, name, "alt_name", "the pair (%q, alt_name %q) is already defined at line %d; give this one another alt_name", name, m.AltName, line)
	}
	p.seen[id] = n.Line
	return m, nil
}

func joinMutates() string {
	s := make([]string, len(mutates))
	for i, m := range mutates {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// promNames checks that the builder can write the metric and label
// names bare in PromQL.
func (p *parser) promNames(m *Metric, n *yaml.Node) error {
	if !promMetricName.MatchString(m.Name) {
		return p.errAt(n, m.Name, "", "not a Prometheus metric name")
	}
	for _, kl := range []struct {
		key  string
		list []string
	}{{"groupby", m.Groupby}, {"metadata", m.Metadata}} {
		key := kl.key
		for _, a := range kl.list {
			if !promLabelName.MatchString(a) {
				if a == p.opt.ScopeKey {
					key = "scope key"
				}
				return p.errAt(n, m.Name, key, "%q is not a Prometheus label name", a)
			}
		}
	}
	return nil
}

// text reads a non-empty string scalar.
func (p *parser) text(metric, key string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.errAt(v, metric, key, "must be a string")
	}
	if v.Value == "" {
		return "", p.errAt(v, metric, key, "must not be empty")
	}
	return v.Value, nil
}

// names reads a list of non-empty strings, dropping repeats.
func (p *parser) names(metric, key string, v *yaml.Node) ([]string, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, p.errAt(v, metric, key, "must be a list of strings")
	}
	out := []string{}
	for _, e := range v.Content {
		s, err := p.text(metric, key, e)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// number reads an int, a float or (with fractions) an "a/b" string as
// an exact rational, from the digits written.
func (p *parser) number(metric, key string, v *yaml.Node, fractions bool) (*big.Rat, error) {
	if v.Kind != yaml.ScalarNode {
		return nil, p.errAt(v, metric, key, "must be a number")
	}
	switch v.Tag {
	case "!!int", "!!float":
	case "!!str":
		if fractions {
			break
		}
		fallthrough
	default:
		want := "a number"
		if fractions {
			want = `a number or a fraction such as "1/1024"`
		}
		return nil, p.errAt(v, metric, key, "%q is not %s", v.Value, want)
	}
	if v.Tag == "!!int" {
		// YAML's integer spellings (0x10, 0o17, 1_000), as the library
		// reads them; a too-large integer falls through to decimal.
		var i int64
		if v.Decode(&i) == nil {
			return new(big.Rat).SetInt64(i), nil
		}
	}
	r, err := parseRat(strings.TrimSpace(v.Value), fractions && v.Tag == "!!str")
	if err != nil {
		return nil, p.errAt(v, metric, key, "%q: %v", v.Value, err)
	}
	return r, nil
}

const maxExponent = 100

var digits = regexp.MustCompile(`^[0-9]+$`)

// parseRat reads a decimal number (exponent allowed) or, with fraction,
// also "a/b" with a signed integer a and a positive integer b, as
// Python's fractions.Fraction reads them.
func parseRat(s string, fraction bool) (*big.Rat, error) {
	if num, den, ok := strings.Cut(s, "/"); ok && fraction {
		unsigned := strings.TrimLeft(num, "+-")
		if len(num)-len(unsigned) > 1 || !digits.MatchString(unsigned) || !digits.MatchString(den) {
			return nil, fmt.Errorf("not a fraction of integers")
		}
		n, _ := new(big.Int).SetString(num, 10)
		d, _ := new(big.Int).SetString(den, 10)
		if d.Sign() == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return new(big.Rat).SetFrac(n, d), nil
	}
	// decimal reads plain and exponent forms exactly; YAML's own
	// spellings it does not know (0x10, .inf, .nan) are refused here.
	d, err := decimal.NewFromString(s)
	if err != nil {
		return nil, fmt.Errorf("not a decimal number")
	}
	// 1e500 is a valid spelling whose rational does not fit in
	// memory; no unit conversion needs such a power of ten.
	if e := d.Exponent(); e > maxExponent || e < -maxExponent {
		return nil, fmt.Errorf("out of range (exponent beyond ±%d)", maxExponent)
	}
	return d.Rat(), nil
}

func (p *parser) mutateMap(metric string, v *yaml.Node) (map[string]decimal.Decimal, error) {
	const key = "mutate_map"
	out := map[string]decimal.Decimal{}
	if v.Kind != yaml.MappingNode {
		return nil, p.errAt(v, metric, key, "must be a map of numbers to numbers")
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		kn, vn := v.Content[i], v.Content[i+1]
		from, err := p.number(metric, key, kn, false)
		if err != nil {
			return nil, err
		}
		if _, err := p.number(metric, key, vn, false); err != nil {
			return nil, err
		}
		id := from.RatString()
		if line, dup := lines[id]; dup {
			return nil, p.errAt(kn, metric, key, "%s is mapped twice (first at line %d)", kn.Value, line)
		}
		lines[id] = kn.Line
		// number read vn as a decimal spelling: this cannot fail, and
		// keeps the value as written.
		out[id] = decimal.RequireFromString(strings.TrimSpace(vn.Value))
	}
	return out, nil
}

func (p *parser) extraArgs(m *Metric, v *yaml.Node) error {
	const key = "extra_args"
	if p.opt.Collector != CollectorPrometheus {
		if v.Kind != yaml.MappingNode {
			return p.errAt(v, m.Name, key, "must be a map")
		}
		if err := v.Decode(&m.ExtraArgs); err != nil {
			return p.errAt(v, m.Name, key, "%v", err)
		}
		return nil
	}
	oneOf := func(k string, kv *yaml.Node, allowed []string, dst *string) error {
		s, err := p.text(m.Name, key+"."+k, kv)
		if err != nil {
			return err
		}
		if !slices.Contains(allowed, s) {
			return p.errAt(kv, m.Name, key+"."+k, "%q is not one of %s", s, strings.Join(allowed, ", "))
		}
		*dst = s
		return nil
	}
	return p.mapping(v, m.Name, key, func(k string, kn, kv *yaml.Node) error {
		a := &m.Prometheus
		switch k {
		case "aggregation_method":
			return oneOf(k, kv, aggregationMethods, &a.AggregationMethod)
		case "query_function":
			return oneOf(k, kv, queryFunctions, &a.QueryFunction)
		case "range_function":
			return oneOf(k, kv, rangeFunctions, &a.RangeFunction)
		case "query_prefix", "query_suffix":
			// Upstream accepts an empty string here: no prefix.
			if kv.Kind != yaml.ScalarNode || kv.Tag != "!!str" {
				return p.errAt(kv, m.Name, key+"."+k, "must be a string")
			}
			if k == "query_prefix" {
				a.QueryPrefix = kv.Value
			} else {
				a.QuerySuffix = kv.Value
			}
			return nil
		}
		return p.errAt(kn, m.Name, key+"."+k, "unknown key for the Prometheus collector")
	})
}
