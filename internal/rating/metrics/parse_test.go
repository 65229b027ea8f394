package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// TestParseDefaultShape reads testdata/metrics.yml, written with the keys
// and shapes of CloudKitty's default configuration.
func TestParseDefaultShape(t *testing.T) {
	cfg, err := Load("testdata/metrics.yml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, rated, unit, factor, offset string
		mutate                            Mutate
		groupby, metadata                 []string
		prom                              PrometheusArgs
	}
	var got []row
	for _, m := range cfg.Metrics {
		got = append(got, row{m.Name, m.RatedName(), m.Unit, m.Factor.RatString(), m.Offset.RatString(),
			m.Mutate, m.Groupby, m.Metadata, m.Prometheus})
	}
	max := PrometheusArgs{AggregationMethod: "max"}
	want := []row{
		{"openstack_compute_instance_up", "instance", "instance", "1", "0", MutateNumBool,
			[]string{"id", "user_id", "project_id"}, []string{"flavor_name", "flavor_id", "vcpus"}, max},
		{"openstack_image_size_bytes", "image.size", "MiB", "1/1048576", "0", MutateNone,
			[]string{"id", "user_id", "project_id"}, []string{"container_format", "disk_format"}, max},
		{"openstack_image_size_bytes", "image.size.gib", "GiB", "1/1073741824", "0", MutateCeil,
			[]string{"id", "project_id"}, []string{}, max},
		{"openstack_volume_size_gigabytes", "volume.size", "GiB", "1", "0", MutateNone,
			[]string{"id", "user_id", "project_id"}, []string{"volume_type"}, max},
		{"openstack_network_outgoing_bytes_total", "network.outgoing.bytes", "MB", "1/1000000", "0", MutateFloor,
			[]string{"id", "project_id"}, []string{"instance_id"},
			PrometheusArgs{AggregationMethod: "sum", RangeFunction: "delta", QueryFunction: "abs"}},
		{"openstack_compute_instance_state", "instance.state", "instance", "1", "0", MutateMap,
			[]string{"id", "project_id"}, []string{},
			PrometheusArgs{AggregationMethod: "max", QueryPrefix: "(", QuerySuffix: ") > 0"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	vol := cfg.Metrics[3]
	if vol.SkipDatapointsExpression != "qty == 0" || vol.FactorText != "1" || vol.OffsetText != "0" {
		t.Errorf("volume: skip %q factor %q offset %q", vol.SkipDatapointsExpression, vol.FactorText, vol.OffsetText)
	}
	if d := cfg.Metrics[0].Description; d != "Running compute instances" {
		t.Errorf("description %q", d)
	}
	mm := cfg.Metrics[5].MutateMap
	if len(mm) != 3 || !mm["2"].Equal(decimal.RequireFromString("0.5")) || !mm["1"].Equal(decimal.NewFromInt(1)) {
		t.Errorf("mutate_map %v", mm)
	}
}

func TestParseValid(t *testing.T) {
	f := func(name, yml string, opt Options, check func(t *testing.T, m []Metric)) {
		t.Helper()
		cfg, err := Parse("m.yml", []byte(yml), opt)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		check(t, cfg.Metrics)
	}
	f("minimal: defaults filled in", "metrics:\n  up:\n    unit: x\n", Options{}, func(t *testing.T, m []Metric) {
		got := m[0]
		if got.RatedName() != "up" || got.AltName != "" || got.Factor.RatString() != "1" || got.Offset.Sign() != 0 ||
			got.Mutate != MutateNone || !reflect.DeepEqual(got.Groupby, []string{"project_id"}) ||
			got.Prometheus.AggregationMethod != "max" || got.Line != 3 || got.FactorText != "" {
			t.Errorf("minimal: %+v", got)
		}
	})
	f("scope key option, written scope key not repeated", "metrics:\n  up:\n    unit: x\n    groupby: [domain_id, id, id]\n",
		Options{ScopeKey: "domain_id"}, func(t *testing.T, m []Metric) {
			if !reflect.DeepEqual(m[0].Groupby, []string{"domain_id", "id"}) {
				t.Errorf("groupby %v", m[0].Groupby)
			}
		})
	f("factor and offset spellings", `metrics:
  a: {unit: x, factor: 0.1, offset: -2}
  b: {unit: x, factor: "3/4", offset: "1/3"}
  c: {unit: x, factor: 1e-3, offset: 2.50}
  e: {unit: x, factor: 0x10, offset: 1_000}
  d: {unit: x, factor: "-1/8", offset: "0.25"}
`, Options{}, func(t *testing.T, m []Metric) {
		want := [][2]string{{"1/10", "-2"}, {"3/4", "1/3"}, {"1/1000", "5/2"}, {"16", "1000"}, {"-1/8", "1/4"}}
		for i, w := range want {
			if m[i].Factor.RatString() != w[0] || m[i].Offset.RatString() != w[1] {
				t.Errorf("%s: factor %s offset %s, want %v", m[i].Name, m[i].Factor.RatString(), m[i].Offset.RatString(), w)
			}
		}
		if m[1].FactorText != "3/4" || m[2].OffsetText != "2.50" {
			t.Errorf("texts %q %q", m[1].FactorText, m[2].OffsetText)
		}
	})
	f("same name, different alt_names", "metrics:\n  up:\n    - {unit: x, alt_name: a}\n    - {unit: x, alt_name: b}\n    - {unit: x}\n",
		Options{}, func(t *testing.T, m []Metric) {
			if len(m) != 3 || m[0].RatedName() != "a" || m[2].RatedName() != "up" {
				t.Errorf("%+v", m)
			}
		})
	f("other collector keeps extra_args untyped", "metrics:\n  image.size:\n    unit: MiB\n    extra_args: {resource_type: image, aggregation_method: mean, force_granularity: 300}\n",
		Options{Collector: CollectorOther}, func(t *testing.T, m []Metric) {
			want := map[string]any{"resource_type": "image", "aggregation_method": "mean", "force_granularity": 300}
			if !reflect.DeepEqual(m[0].ExtraArgs, want) {
				t.Errorf("extra_args %#v", m[0].ExtraArgs)
			}
		})
	f("merge keys", `metrics:
  a: &d
    unit: GiB
    groupby: &g [id, user_id]
  b:
    <<: [{factor: "1/1024", unit: MiB}, *d]
    metadata: [flavor]
  c: {<<: *d, unit: x, groupby: *g, alt_name: c}
`, Options{}, func(t *testing.T, m []Metric) {
		if len(m) != 3 || m[1].Unit != "MiB" || m[1].Factor.RatString() != "1/1024" ||
			!reflect.DeepEqual(m[1].Groupby, []string{"id", "user_id", "project_id"}) ||
			!reflect.DeepEqual(m[1].Metadata, []string{"flavor"}) ||
			m[2].Unit != "x" || m[2].RatedName() != "c" || !reflect.DeepEqual(m[2].Groupby, []string{"id", "user_id", "project_id"}) {
			t.Errorf("%+v", m)
		}
	})
	f("mutate_map keys numerically", "metrics:\n  s:\n    unit: x\n    mutate: MAP\n    mutate_map: {0.0: 1.0, 1.50: 2, -3: 0.125}\n",
		Options{}, func(t *testing.T, m []Metric) {
			mm := m[0].MutateMap
			if len(mm) != 3 || !mm["0"].Equal(decimal.NewFromInt(1)) || !mm["3/2"].Equal(decimal.NewFromInt(2)) || !mm["-3"].Equal(decimal.RequireFromString("0.125")) {
				t.Errorf("mutate_map %v", mm)
			}
		})
}

// TestParseErrors checks each configuration error and its message, which
// names the file, line, column, metric and key.
func TestParseErrors(t *testing.T) {
	f := func(yml string, opt Options, want string) {
		t.Helper()
		_, err := Parse("m.yml", []byte(yml), opt)
		if err == nil {
			t.Errorf("%q: no error, want %q", yml, want)
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v is not ErrInvalid", yml, err)
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %s\nwant %s", yml, err, want)
		}
	}
	o := Options{}
	f("", o, "m.yml: metrics: required, the file is empty")
	f("metrics: [\n", o, "m.yml: invalid metrics configuration: yaml: line 1: did not find expected node content")
	f("- a\n", o, "m.yml:1:1: the file must be a map")
	f("other: 1\n", o, `m.yml:1:1: other: unknown key`)
	f("# nothing but\n{}\n", o, "m.yml:2:1: metrics: required")
	f("metrics: {}\n", o, "m.yml:1:10: metrics: must be a non-empty map of metric names")
	f("metrics: [a]\n", o, "m.yml:1:10: metrics: must be a non-empty map of metric names")
	f("metrics:\n  up: []\n", o, `m.yml:2:7: metric "up": must be a map or a non-empty list of maps`)
	f("metrics:\n  up: 3\n", o, `m.yml:2:7: metric "up": must be a map or a non-empty list of maps`)
	f("metrics:\n  up: [3]\n", o, `m.yml:2:8: metric "up": a metric's configuration must be a map`)
	f("metrics:\n  up: {unit: x}\n  up: {unit: y}\n", o, `m.yml:3:3: metrics.up: written twice (first at line 2)`)
	f("metrics:\n  up:\n    alt_name: a\n", o, `m.yml:3:5: metric "up": unit: required`)
	f("metrics:\n  up:\n    unit: \"\"\n", o, `m.yml:3:11: metric "up": unit: must not be empty`)
	f("metrics:\n  up:\n    unit: [x]\n", o, `m.yml:3:11: metric "up": unit: must be a string`)
	f("metrics:\n  up:\n    unit: ~\n", o, `m.yml:3:11: metric "up": unit: must be a string`)
	f("metrics:\n  up:\n    unit: x\n    unit: y\n", o, `m.yml:4:5: metric "up": unit: written twice (first at line 3)`)
	f("metrics:\n  up:\n    unit: x\n    colour: red\n", o, `m.yml:4:5: metric "up": colour: unknown key`)
	f("metrics:\n  up:\n    unit: x\n    factor: \"1/0\"\n", o, `m.yml:4:13: metric "up": factor: "1/0": division by zero`)
	f("metrics:\n  up:\n    unit: x\n    factor: \"1.5/2\"\n", o, `m.yml:4:13: metric "up": factor: "1.5/2": not a fraction of integers`)
	f("metrics:\n  up:\n    unit: x\n    factor: \"1/-2\"\n", o, `m.yml:4:13: metric "up": factor: "1/-2": not a fraction of integers`)
	f("metrics:\n  up:\n    unit: x\n    factor: one\n", o, `m.yml:4:13: metric "up": factor: "one": not a decimal number`)
	f("metrics:\n  up:\n    unit: x\n    factor: 1e500\n", o, `m.yml:4:13: metric "up": factor: "1e500": out of range (exponent beyond ±100)`)
	f("metrics:\n  up:\n    unit: x\n    factor: .inf\n", o, `m.yml:4:13: metric "up": factor: ".inf": not a decimal number`)
	f("metrics:\n  up:\n    unit: x\n    factor: true\n", o, `m.yml:4:13: metric "up": factor: "true" is not a number or a fraction such as "1/1024"`)
	f("metrics:\n  up:\n    unit: x\n    offset: [1]\n", o, `m.yml:4:13: metric "up": offset: must be a number`)
	f("metrics:\n  up:\n    unit: x\n    mutate: ROUND\n", o, `m.yml:4:13: metric "up": mutate: "ROUND" is not one of NONE, CEIL, FLOOR, NUMBOOL, NOTNUMBOOL, MAP`)
	f("metrics:\n  up:\n    unit: x\n    mutate: MAP\n", o, `m.yml:3:5: metric "up": mutate_map: required with mutate MAP`)
	f("metrics:\n  up:\n    unit: x\n    mutate_map: {1: 2}\n", o, `m.yml:4:17: metric "up": mutate_map: allowed only with mutate MAP`)
	f("metrics:\n  up:\n    unit: x\n    mutate: MAP\n    mutate_map: {1: 2, 1.0: 3}\n", o, `m.yml:5:24: metric "up": mutate_map: 1.0 is mapped twice (first at line 5)`)
	f("metrics:\n  up:\n    unit: x\n    mutate: MAP\n    mutate_map: {on: 1}\n", o, `m.yml:5:18: metric "up": mutate_map: "on" is not a number`)
	f("metrics:\n  up:\n    unit: x\n    mutate: MAP\n    mutate_map: {\"1\": 1}\n", o, `m.yml:5:18: metric "up": mutate_map: "1" is not a number`)
	f("metrics:\n  up:\n    unit: x\n    mutate: MAP\n    mutate_map: [1]\n", o, `m.yml:5:17: metric "up": mutate_map: must be a map of numbers to numbers`)
	f("metrics:\n  up:\n    unit: x\n    groupby: id\n", o, `m.yml:4:14: metric "up": groupby: must be a list of strings`)
	f("metrics:\n  up:\n    unit: x\n    groupby: [id, \"\"]\n", o, `m.yml:4:19: metric "up": groupby: must not be empty`)
	f("metrics:\n  up:\n    unit: x\n    groupby: [id]\n    metadata: [flavor, id]\n", o, `m.yml:5:15: metric "up": metadata: "id" is also in groupby`)
	f("metrics:\n  up:\n    unit: x\n    metadata: [project_id]\n", o, `m.yml:4:15: metric "up": metadata: "project_id" is also in groupby (it is the scope key, always grouped by)`)
	f("metrics:\n  up:\n    - {unit: x, alt_name: a}\n    - {unit: y, alt_name: a}\n", o,
		`m.yml:4:7: metric "up": alt_name: the pair ("up", alt_name "a") is already defined at line 3; give this one another alt_name`)
	f("metrics:\n  up:\n    - {unit: x}\n    - {unit: y}\n", o,
		`m.yml:4:7: metric "up": alt_name: the pair ("up", alt_name "") is already defined at line 3; give this one another alt_name`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: {aggregation_method: mean}\n", o,
		`m.yml:4:38: metric "up": extra_args.aggregation_method: "mean" is not one of avg, count, max, min, stddev, stdvar, sum`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: {query_function: log}\n", o,
		`m.yml:4:34: metric "up": extra_args.query_function: "log" is not one of abs, ceil, exp, floor, ln, log2, log10, round, sqrt`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: {range_function: increase}\n", o,
		`m.yml:4:34: metric "up": extra_args.range_function: "increase" is not one of changes, delta, deriv, idelta, irange, irate, rate`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: {query_prefix: 1}\n", o, `m.yml:4:32: metric "up": extra_args.query_prefix: must be a string`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: {resource_type: image}\n", o,
		`m.yml:4:18: metric "up": extra_args.resource_type: unknown key for the Prometheus collector`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: max\n", o, `m.yml:4:17: metric "up": extra_args: the value must be a map`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: max\n", Options{Collector: CollectorOther}, `m.yml:4:17: metric "up": extra_args: must be a map`)
	f("metrics:\n  up:\n    unit: x\n    extra_args: {a: 1, a: 2}\n", Options{Collector: CollectorOther},
		"m.yml:4:17: metric \"up\": extra_args: yaml: unmarshal errors:\n  line 4: mapping key \"a\" already defined at line 4")
	f("defaults: &d {unit: x}\nmetrics:\n  a: *d\n", o, "m.yml:1:1: defaults: unknown key")
	f("metrics:\n  a:\n    <<: 3\n    unit: x\n", o, "m.yml:3:9: <<: a merge key takes a map or a list of maps")
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'f'; i++ {
		laughs += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	f(laughs, o, "m.yml:1:32: too many nodes once aliases are expanded (more than 100000)")
	f("metrics:\n  image.size:\n    unit: x\n", o, `m.yml:3:5: metric "image.size": not a Prometheus metric name`)
	f("metrics:\n  up:\n    unit: x\n    groupby: [flavor-id]\n", o, `m.yml:3:5: metric "up": groupby: "flavor-id" is not a Prometheus label name`)
	f("metrics:\n  up:\n    unit: x\n", Options{ScopeKey: "project.id"}, `m.yml:3:5: metric "up": scope key: "project.id" is not a Prometheus label name`)
}

func TestParseErrorNamesFile(t *testing.T) {
	_, err := Load("testdata/no-such.yml", Options{})
	if err == nil || !strings.Contains(err.Error(), "no-such.yml") {
		t.Errorf("got %v", err)
	}
}

// FuzzParse checks that no input panics and that every failure is a
// configuration error.
func FuzzParse(f *testing.F) {
	f.Add([]byte("metrics:\n  up:\n    unit: x\n    factor: \"1/3\"\n    mutate: MAP\n    mutate_map: {1: 2}\n"))
	f.Add([]byte("metrics:\n  up:\n    - {unit: x, alt_name: a, extra_args: {range_function: rate}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("f.yml", data, Options{})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v is not ErrInvalid", err)
			}
			return
		}
		if _, err := json.Marshal(cfg.Written); err != nil {
			t.Fatalf("written form does not encode: %v", err)
		}
		for i := range cfg.Metrics {
			cfg.Metrics[i].Quantity(decimal.NewFromInt(7))
			if _, err := cfg.Metrics[i].PromQL("project_id", "s", 60); err != nil {
				t.Fatalf("a parsed metric does not build: %v", err)
			}
		}
	})
}

// TestWritten checks the configuration as info/config shows it: as
// written, defaults not filled in, numbers in their own digits.
func TestWritten(t *testing.T) {
	yml := `metrics:
  a: &d
    unit: GiB
    factor: 0.10
    offset: 0x10
    alt_name: A
  b:
    - {<<: *d, factor: "1/1048576", alt_name: B, groupby: [id]}
    - unit: x
      mutate: MAP
      mutate_map: {0.0: 1.50, 2: .5}
      extra_args: {query_prefix: "", aggregation_method: sum}
`
	cfg, err := Parse("m.yml", []byte(yml), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(cfg.Written)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"metrics":{"a":{"alt_name":"A","factor":0.10,"offset":16,"unit":"GiB"},` +
		`"b":[{"alt_name":"B","factor":"1/1048576","groupby":["id"],"offset":16,"unit":"GiB"},` +
		`{"extra_args":{"aggregation_method":"sum","query_prefix":""},"mutate":"MAP","mutate_map":{"0.0":1.50,"2":0.5},"unit":"x"}]}}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
