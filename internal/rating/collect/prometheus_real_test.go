package collect

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/collect/prometheustest"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/metrics"
)

// hour returns hour h of the backfilled history, or n hours from it.
func hour(h, n int) cost.Window {
	start := prometheustest.Begin.Add(time.Duration(h) * time.Hour)
	return cost.Window{Start: start, End: start.Add(time.Duration(n) * time.Hour)}
}

// pointLines renders points one a line, sorted, for comparison.
func pointLines(pts []frames.Point) string {
	lines := make([]string, len(pts))
	for i, p := range pts {
		lines[i] = fmt.Sprintf("%s %s groupby=%v metadata=%v", p.Qty, p.Unit, p.Groupby, p.Metadata)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestPrometheusReal collects from a real Prometheus (Debian's package,
// started by scripts/prometheus.sh) holding the backfilled history of
// package prometheustest; the expectations are worked out by hand from
// the data set's description there.
func TestPrometheusReal(t *testing.T) {
	url := prometheustest.URL(t)
	cfg, err := metrics.Load("testdata/prometheus-metrics.yml", metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*metrics.Metric{}
	for i := range cfg.Metrics {
		byName[cfg.Metrics[i].RatedName()] = &cfg.Metrics[i]
	}
	p, err := NewPrometheus(PrometheusOptions{URL: url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	tests := []struct {
		metric, scope string
		period        cost.Window
		want          []string
	}{
		// vm-a2 starts in hour 2: its first sample (02:00:30) is outside
		// hour 1's range. vm-a3 reports 0, which NUMBOOL keeps as 0.
		{"instance", "p-alpha", hour(0, 1), []string{
			"0 instance groupby=map[id:vm-a3 project_id:p-alpha user_id:u-2] metadata=map[flavor_id:2 flavor_name:m1.small]",
			"1 instance groupby=map[id:vm-a1 project_id:p-alpha user_id:u-1] metadata=map[flavor_id:2 flavor_name:m1.small]",
		}},
		{"instance", "p-alpha", hour(2, 1), []string{
			"0 instance groupby=map[id:vm-a3 project_id:p-alpha user_id:u-2] metadata=map[flavor_id:2 flavor_name:m1.small]",
			"1 instance groupby=map[id:vm-a1 project_id:p-alpha user_id:u-1] metadata=map[flavor_id:2 flavor_name:m1.small]",
			"1 instance groupby=map[id:vm-a2 project_id:p-alpha user_id:u-1] metadata=map[flavor_id:4 flavor_name:m1.large]",
		}},
		// vm-b1 has no flavor_name label: metadata "", as upstream.
		{"instance", "p-beta", hour(1, 1), []string{
			"1 instance groupby=map[id:vm-b1 project_id:p-beta user_id:u-3] metadata=map[flavor_id:7 flavor_name:]",
			"1 instance groupby=map[id:vm-b2 project_id:p-beta user_id:u-3] metadata=map[flavor_id:2 flavor_name:m1.small]",
		}},
		{"instance", "p-beta", hour(2, 1), []string{
			"1 instance groupby=map[id:vm-b1 project_id:p-beta user_id:u-3] metadata=map[flavor_id:7 flavor_name:]",
		}},
		{"instance", "p-gamma", hour(3, 1), nil},
		{"instance", "p-gamma", hour(4, 2), []string{
			"1 instance groupby=map[id:vm-g1 project_id:p-gamma user_id:u-4] metadata=map[flavor_id:1 flavor_name:m1.tiny]",
		}},
		// 1.5 GiB, and the max of hour 3 (3 GiB from minute 30).
		{"image.size", "p-alpha", hour(2, 1), []string{"1.5 GiB groupby=map[id:img-1 project_id:p-alpha] metadata=map[]"}},
		{"image.size.ceil", "p-alpha", hour(2, 1), []string{"2 GiB groupby=map[id:img-1 project_id:p-alpha] metadata=map[]"}},
		{"image.size", "p-alpha", hour(3, 1), []string{"3 GiB groupby=map[id:img-1 project_id:p-alpha] metadata=map[]"}},
		{"image.size.ceil", "p-beta", hour(0, 1), []string{"1 GiB groupby=map[id:img-2 project_id:p-beta] metadata=map[]"}},
		{"image.size", "p-beta", hour(0, 6), []string{"0.5 GiB groupby=map[id:img-2 project_id:p-beta] metadata=map[]"}},
		// Prometheus answers "0.30000000000000004": read exactly that
		// text to 15 digits it is 0.3, so ×10 CEIL is 3, not 4.
		{"cpu", "p-alpha", hour(0, 1), []string{"0.3 core groupby=map[id:vm-a1 project_id:p-alpha] metadata=map[]"}},
		{"cpu.tenths", "p-alpha", hour(5, 1), []string{"3 tenth of a core groupby=map[id:vm-a1 project_id:p-alpha] metadata=map[]"}},
		{"cpu", "p-beta", hour(0, 1), []string{"2.675 core groupby=map[id:vm-b1 project_id:p-beta] metadata=map[]"}},
		{"cpu.tenths", "p-beta", hour(0, 1), []string{"27 tenth of a core groupby=map[id:vm-b1 project_id:p-beta] metadata=map[]"}},
		// Before the history: nothing.
		{"instance", "p-alpha", hour(-2, 1), nil},
	}
	for _, tt := range tests {
		m := byName[tt.metric]
		pts, err := p.Collect(ctx, m, "project_id", tt.scope, tt.period)
		if err != nil {
			t.Errorf("%s %s %v: %v", tt.metric, tt.scope, tt.period, err)
			continue
		}
		if got, want := pointLines(pts), strings.Join(tt.want, "\n"); got != want {
			t.Errorf("%s %s from %s for %s:\n got %s\nwant %s", tt.metric, tt.scope,
				tt.period.Start.Format(time.RFC3339), tt.period.End.Sub(tt.period.Start), got, want)
		}
	}

	// Scope discovery: the scopes with samples in the period; the
	// series without project_id (vm-orphan) is no scope.
	for _, tt := range []struct {
		period cost.Window
		want   string
	}{
		{hour(0, 1), "p-alpha,p-beta"},
		{hour(3, 1), "p-alpha,p-beta"},
		{hour(4, 1), "p-alpha,p-beta,p-gamma"},
		{hour(0, 6), "p-alpha,p-beta,p-gamma"},
		{hour(-3, 2), ""},
	} {
		got, err := p.Scopes(ctx, cfg, "project_id", tt.period)
		if err != nil {
			t.Errorf("scopes %v: %v", tt.period, err)
			continue
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("scopes from %s for %s: %v, want %s", tt.period.Start.Format(time.RFC3339),
				tt.period.End.Sub(tt.period.Start), got, tt.want)
		}
	}

	// A query Prometheus rejects names the server and the query.
	bad := *byName["instance"]
	bad.Prometheus.QuerySuffix = ") )"
	_, err = p.Collect(ctx, &bad, "project_id", "p-alpha", hour(0, 1))
	if err == nil || !strings.Contains(err.Error(), "bad_data") || !strings.Contains(err.Error(), url) ||
		!strings.Contains(err.Error(), "tally_test_instance_up") {
		t.Errorf("rejected query: %v", err)
	}
}

// TestPrometheusLive is the smoke check of live scraping: the exporter's
// current values (hour 5 of the data set), collected over the last
// minute.
func TestPrometheusLive(t *testing.T) {
	url := prometheustest.URL(t)
	cfg, err := metrics.Load("testdata/prometheus-metrics.yml", metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPrometheus(PrometheusOptions{URL: url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The end is the next whole second (periods are whole seconds), a
	// little in the future so that the latest scrape is in range.
	end := time.Now().Add(time.Second).Truncate(time.Second)
	period := cost.Window{Start: end.Add(-time.Minute), End: end}
	pts, err := p.Collect(context.Background(), &cfg.Metrics[0], "project_id", "p-alpha", period)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"0 instance groupby=map[id:vm-a3 project_id:p-alpha user_id:u-2] metadata=map[flavor_id:2 flavor_name:m1.small]",
		"1 instance groupby=map[id:vm-a1 project_id:p-alpha user_id:u-1] metadata=map[flavor_id:2 flavor_name:m1.small]",
		"1 instance groupby=map[id:vm-a2 project_id:p-alpha user_id:u-1] metadata=map[flavor_id:4 flavor_name:m1.large]",
	}, "\n")
	if got := pointLines(pts); got != want {
		t.Errorf("live:\n got %s\nwant %s", got, want)
	}
	scopes, err := p.Scopes(context.Background(), cfg, "project_id", period)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(scopes, ",") != "p-alpha,p-beta,p-gamma" {
		t.Errorf("live scopes %v", scopes)
	}
}
