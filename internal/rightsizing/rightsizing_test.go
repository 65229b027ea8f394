package rightsizing

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/metricsupload"
)

func TestInstanceType(t *testing.T) {
	cases := map[string]string{
		"BoxUsage:m5.xlarge":             "m5.xlarge",
		"USE2-BoxUsage:t3.micro":         "t3.micro",
		"EU-SpotUsage:c5.large":          "c5.large",
		"APN1-DedicatedUsage:r5.2xlarge": "r5.2xlarge",
		"EUC1-BoxUsage:m6g.medium":       "m6g.medium",
		"BoxUsage:u-6tb1.metal":          "u-6tb1.metal",
		"BoxUsage":                       "",
		"EBS:VolumeUsage.gp3":            "",
		"USE1-DataTransfer-Out-Bytes":    "",
		"HeavyUsage:m5.xlarge":           "",
		"boxusage:m5.xlarge":             "",
		"":                               "",
	}
	for in, want := range cases {
		got, ok := InstanceType(in)
		if got != want || ok != (want != "") {
			t.Errorf("InstanceType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestSmaller(t *testing.T) {
	cases := map[string]string{
		"m5.xlarge":   "m5.large 32/16",
		"m5.12xlarge": "m5.8xlarge 384/256",
		"c5.9xlarge":  "c5.4xlarge 288/128",
		"c5.12xlarge": "c5.9xlarge 384/288",
		"t3.micro":    "t3.nano 2/1",
		"t3.nano":     "none",
		"m5.large":    "none", // m5 starts at large
		"m6g.large":   "m6g.medium 16/8",
		"m5.metal":    "none",
		"x1.16xlarge": "none",
		"m5":          "none",
	}
	for in, want := range cases {
		s, cur, next, ok := Smaller(in)
		got := "none"
		if ok {
			got = fmt.Sprintf("%s %d/%d", s, cur, next)
		}
		if got != want {
			t.Errorf("Smaller(%q) = %s, want %s", in, got, want)
		}
	}
}

func decs(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = decimal.RequireFromString(s)
	}
	return out
}

// series returns n values: v repeated, with the last k replaced by peak.
func series(n int, v string, k int, peak string) []decimal.Decimal {
	out := slices.Repeat(decs(v), n)
	for i := n - k; i < n; i++ {
		out[i] = decimal.RequireFromString(peak)
	}
	return out
}

func TestP95(t *testing.T) {
	f := func(vs []decimal.Decimal, want string) {
		t.Helper()
		got, ok := P95(vs)
		if s := map[bool]string{true: got.String(), false: "none"}[ok]; s != want {
			t.Errorf("P95 of %d values = %s, want %s", len(vs), s, want)
		}
	}
	f(nil, "none")
	f(decs("7.5"), "7.5")
	f(decs("3", "1", "2"), "3") // ⌈2.85⌉ = 3rd of 3
	// 100 values 1..100: the 95th.
	var hundred []decimal.Decimal
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, decimal.NewFromInt(int64(i)))
	}
	f(hundred, "95")
	// 20 values: ⌈19⌉ = the 19th, so one spike of 20 is ignored, two are not.
	f(series(20, "10", 1, "99"), "10")
	f(series(20, "10", 2, "99"), "99")
	// 336 hours (14 days): ⌈319.2⌉ = 320th; 16 peak hours are ignored, 17 are not.
	f(series(336, "30", 16, "90"), "30")
	f(series(336, "30", 17, "90"), "90")
}

func TestMonthlyCost(t *testing.T) {
	f := func(amount, hours, want string) {
		t.Helper()
		got, ok := MonthlyCost(decimal.RequireFromString(amount), decimal.RequireFromString(hours))
		if s := map[bool]string{true: got.String(), false: "none"}[ok]; s != want {
			t.Errorf("MonthlyCost(%s, %s) = %s, want %s", amount, hours, s, want)
		}
	}
	f("64.512", "336", "140.16") // m5.xlarge at 0.192 an hour
	f("1", "3", "243.333333333333333333333333")
	f("5", "0", "none")
	f("0", "10", "0")
}

func TestRecommend(t *testing.T) {
	cost := decimal.RequireFromString("140.16")
	d := func(s string) *decimal.Decimal { v := decimal.RequireFromString(s); return &v }
	str := func(p *decimal.Decimal) string {
		if p == nil {
			return "-"
		}
		return p.String()
	}
	cases := []struct {
		name string
		in   Input
		want string // action proposed saving | p95 cpu/mem | projected cpu/mem
	}{
		{"both under 40% halve", Input{Type: "m5.xlarge", MonthlyCost: &cost, CPU: series(336, "20", 17, "39.99"), Memory: series(336, "35", 0, "")},
			"downsize m5.large 70.08 | 39.99/35 | 79.98/70"},
		{"CPU at 40% keeps", Input{Type: "m5.xlarge", MonthlyCost: &cost, CPU: series(336, "20", 17, "40"), Memory: series(336, "10", 0, "")},
			"keep - - | 40/10 | 80/20"},
		{"memory at 40% keeps", Input{Type: "m5.xlarge", MonthlyCost: &cost, CPU: series(336, "5", 0, ""), Memory: series(336, "40", 0, "")},
			"keep - - | 5/40 | 10/80"},
		{"16 busy hours of 336 do not count", Input{Type: "m5.xlarge", MonthlyCost: &cost, CPU: series(336, "20", 16, "100"), Memory: series(336, "20", 0, "")},
			"downsize m5.large 70.08 | 20/20 | 40/40"},
		{"a 2/3 step needs p95 under 53.33%", Input{Type: "m5.12xlarge", MonthlyCost: d("1681.92"), CPU: series(100, "53.3", 0, ""), Memory: series(100, "10", 0, "")},
			"downsize m5.8xlarge 560.64 | 53.3/10 | 79.95/15"},
		{"a 2/3 step refused at 53.34%", Input{Type: "m5.12xlarge", MonthlyCost: d("1681.92"), CPU: series(100, "53.34", 0, ""), Memory: series(100, "10", 0, "")},
			"keep - - | 53.34/10 | 80.01/15"},
		{"unknown cost: a proposal without saving", Input{Type: "t3.medium", CPU: series(72, "1", 0, ""), Memory: series(72, "1", 0, "")},
			"downsize t3.small - | 1/1 | 2/2"},
		{"smallest size", Input{Type: "t3.nano", MonthlyCost: &cost, CPU: series(72, "1", 0, ""), Memory: series(72, "1", 0, "")},
			"keep - - | 1/1 | -/-"},
		{"71 hours of memory are too few", Input{Type: "m5.xlarge", MonthlyCost: &cost, CPU: series(72, "1", 0, ""), Memory: series(71, "1", 0, "")},
			"insufficient_data - - | 1/1 | -/-"},
		{"no memory at all", Input{Type: "m5.xlarge", MonthlyCost: &cost, CPU: series(336, "1", 0, "")},
			"insufficient_data - - | 1/- | -/-"},
		{"no type in the bill", Input{CPU: series(336, "1", 0, ""), Memory: series(336, "1", 0, "")},
			"unknown_type - - | 1/1 | -/-"},
		{"a type the table does not hold", Input{Type: "x2idn.metal", CPU: series(336, "1", 0, ""), Memory: series(336, "1", 0, "")},
			"unknown_type - - | 1/1 | -/-"},
	}
	for _, c := range cases {
		r := Recommend(c.in)
		proposed := r.Proposed
		if proposed == "" {
			proposed = "-"
		}
		got := fmt.Sprintf("%s %s %s | %s/%s | %s/%s", r.Action, proposed, str(r.MonthlySaving),
			str(r.Evidence.CPUP95), str(r.Evidence.MemoryP95), str(r.Evidence.ProjectedCPUP95), str(r.Evidence.ProjectedMemoryP95))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if r.Reason == "" {
			t.Errorf("%s: no reason", c.name)
		}
	}
}

func TestUsage(t *testing.T) {
	inst := metricstore.Series{AssetType: metricsupload.AssetInstance}
	fs := metricstore.Series{AssetType: metricsupload.AssetFileSystem, MountPoint: "/"}
	at := func(h int) time.Time { return time.Date(2024, 1, 1, h, 0, 0, 0, time.UTC) }
	p := func(s metricstore.Series, h int, k, v string) metricstore.Point {
		return metricstore.Point{Series: s, Time: at(h), Key: k, Value: decimal.RequireFromString(v)}
	}
	cpu, mem := Usage([]metricstore.Point{
		p(inst, 0, "cpu:used:percent.avg", "12.5"), p(inst, 0, "cpu:used:percent.max", "99"),
		p(inst, 0, "memory:used:percent.avg", "40"), p(inst, 0, "memory:free:bytes.avg", "1"), p(inst, 0, "memory:size:bytes.avg", "4"),
		p(inst, 1, "cpu:used:percent.avg", "7"),
		p(inst, 1, "memory:free:bytes.avg", "1"), p(inst, 1, "memory:size:bytes.avg", "3"),
		p(inst, 2, "memory:free:bytes.avg", "1"),                                           // no size: no memory use that hour
		p(inst, 3, "memory:free:bytes.avg", "5"), p(inst, 3, "memory:size:bytes.avg", "4"), // free > size: ignored
		p(fs, 0, "fs:used:bytes.avg", "50"),
	})
	if got := fmt.Sprint(cpu, mem); got != "[12.5 7] [40 66.666666666666666666666667]" {
		t.Errorf("Usage = %s", got)
	}
}
