package rating

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFileConfig(t *testing.T) {
	dir := t.TempDir()
	yml := "metrics:\n  Amazon Elastic Compute Cloud:\n    unit: hour\n    alt_name: ec2\n"
	if err := os.WriteFile(filepath.Join(dir, "metrics.yml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	promYml := "metrics:\n  node_cpu:\n    unit: cpu\n"
	if err := os.WriteFile(filepath.Join(dir, "prom.yml"), []byte(promYml), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, raw string
		check     func(c Config) bool
		err       string
	}{
		{"defaults", `{"metrics": "metrics.yml"}`, func(c Config) bool {
			return c.Period == time.Hour && c.WaitPeriods == 2 && c.ScopeKey == "project_id" && c.Currency == "USD" &&
				c.Collector == "tally" && c.Metrics.Metrics[0].RatedName() == "ec2"
		}, ""},
		{"seconds", `{"metrics": "metrics.yml", "period": 600, "waitPeriods": 1, "currency": "EUR"}`, func(c Config) bool {
			return c.Period == 10*time.Minute && c.WaitPeriods == 1 && c.Currency == "EUR"
		}, ""},
		{"duration", `{"metrics": "metrics.yml", "period": "1h30m"}`, func(c Config) bool { return c.Period == 90*time.Minute }, ""},
		{"prometheus", `{"metrics": "prom.yml", "collector": "http://127.0.0.1:9090"}`, func(c Config) bool {
			return c.Collector == "prometheus" && c.PrometheusURL == "http://127.0.0.1:9090"
		}, ""},
		{"prometheus names are checked", `{"metrics": "metrics.yml", "collector": "http://127.0.0.1:9090"}`, nil, "not a Prometheus metric name"},
		{"no metrics", `{}`, nil, "rating.metrics"},
		{"missing metrics file", `{"metrics": "nope.yml"}`, nil, "rating.metrics"},
		{"bad collector", `{"metrics": "metrics.yml", "collector": "gnocchi"}`, nil, "rating.collector"},
		{"short period", `{"metrics": "metrics.yml", "period": 30}`, nil, "rating.period"},
		{"bad period", `{"metrics": "metrics.yml", "period": "hourly"}`, nil, "rating.period"},
		{"negative wait", `{"metrics": "metrics.yml", "waitPeriods": -1}`, nil, "rating.waitPeriods"},
		{"unknown field", `{"metrics": "metrics.yml", "scope_key": "x"}`, nil, "unknown field"},
	}
	for _, tc := range cases {
		c, err := ParseFileConfig(json.RawMessage(tc.raw), dir)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err == "" && !tc.check(c):
			t.Errorf("%s: %+v", tc.name, c)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}
