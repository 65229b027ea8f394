package main

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// TestDemoPrices: the embedded metrics configuration parses, and the
// demo's price list prices what the README says it does (the demo's e2e
// test only sees totals).
func TestDemoPrices(t *testing.T) {
	ctx := context.Background()
	rc, err := demoRatingConfig()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range rc.Metrics.Metrics {
		names = append(names, m.Name+"→"+m.RatedName())
	}
	if got, want := len(names), 3; got != want || rc.Period != 24*time.Hour || rc.Collector != rating.CollectorTally {
		t.Fatalf("demo rating config: metrics %v, period %s, collector %s", names, rc.Period, rc.Collector)
	}
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := rating.Open(ctx, st, rc)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := demoPrices(ctx, svc, from); err != nil {
		t.Fatal(err)
	}
	if m, _ := svc.Modules.Module(modules.Hashmap); !m.Enabled {
		t.Error("hashmap is not enabled")
	}
	d := decimal.RequireFromString
	for _, tc := range []struct {
		name, tenant, service string
		qty                   string
		desc                  map[string]string
		want                  string
	}{
		{"instance hours", "345678901234", "compute", "10", map[string]string{"pricing_unit": "Hrs", "region": "us-east-1"}, "0.45"},
		{"us-west-2 costs 10% more", "345678901234", "compute", "10", map[string]string{"pricing_unit": "Hrs", "region": "us-west-2"}, "0.495"},
		{"negotiated price replaces the global one", demoTenant, "compute", "10", map[string]string{"pricing_unit": "Hrs", "region": "us-west-2"}, "0.385"},
		{"EBS", demoTenant, "compute", "10", map[string]string{"pricing_unit": "GB-Mo", "region": "us-east-1"}, "0.8"},
		{"no price for what the list does not name", "345678901234", "compute", "10", map[string]string{"pricing_unit": "", "region": ""}, "0"},
		{"S3 below the threshold", "345678901234", "storage", "99", map[string]string{"pricing_unit": "GB-Mo"}, "2.079"},
		{"S3 at the threshold: 10% off", "345678901234", "storage", "100", map[string]string{"pricing_unit": "GB-Mo"}, "1.89"},
		{"S3 requests are free", "345678901234", "storage", "1000", map[string]string{"pricing_unit": "Requests"}, "0"},
		{"Cloud Storage", "acme-ml-9d5e", "gcs", "100", map[string]string{"pricing_unit": "gibibyte month"}, "1.8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := hashmap.Load(svc.Book.Rules(), tc.tenant, from.AddDate(0, 1, 0))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tab.Rate(hashmap.Point{Service: tc.service, Qty: d(tc.qty), Desc: tc.desc})
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(d(tc.want)) {
				t.Errorf("price %s, want %s", got, tc.want)
			}
		})
	}
}
