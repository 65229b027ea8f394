package main

import (
	"context"
	"testing"

	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/processor"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// TestNewProcessorCollectors: the rating section's collector picks the
// processor's collector; an unknown one is refused.
func TestNewProcessorCollectors(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct {
		cfg rating.Config
		ok  bool
	}{
		{rating.Config{Collector: rating.CollectorTally}, true},
		{rating.Config{Collector: rating.CollectorPrometheus, PrometheusURL: "http://127.0.0.1:9090"}, true},
		{rating.Config{Collector: rating.CollectorPrometheus, PrometheusURL: "127.0.0.1:9090"}, false},
		{rating.Config{Collector: "gnocchi"}, false},
	} {
		svc, err := rating.Open(ctx, st, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = newProcessor(svc, st, processor.Config{})
		if (err == nil) != c.ok {
			t.Errorf("collector %q (%s): err %v", c.cfg.Collector, c.cfg.PrometheusURL, err)
		}
	}
}
