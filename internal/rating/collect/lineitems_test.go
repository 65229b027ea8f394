package collect

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

var h0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

func item(acct, service, region, team string, hour int, qty string) *cost.LineItem {
	s := h0.Add(time.Duration(hour) * time.Hour)
	li := &cost.LineItem{ProviderName: "aws", BillingAccountID: "payer", SubAccountID: acct, BillingCurrency: "USD",
		BillingPeriodStart: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), BillingPeriodEnd: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC),
		ChargePeriodStart: s, ChargePeriodEnd: s.Add(time.Hour), ChargeCategory: "Usage",
		ServiceName: service, RegionID: region, ResourceID: "r-" + region}
	if qty != "" {
		li.ConsumedQuantity = decimal.NewNullDecimal(decimal.RequireFromString(qty))
	}
	if team != "" {
		li.SetTag("team", team)
	}
	for m := range li.Cost {
		li.Cost[m] = decimal.RequireFromString("0.01")
	}
	return li
}

func TestLineItemsCollector(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "cur", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	for _, li := range []*cost.LineItem{
		item("111", "AmazonEC2", "eu-west-1", "web", 0, "0.1"),
		item("111", "AmazonEC2", "eu-west-1", "web", 0, "0.2"), // 0.1 + 0.2 is exactly 0.3
		item("111", "AmazonEC2", "us-east-1", "db", 0, "2"),
		item("111", "AmazonEC2", "us-east-1", "db", 1, "5"), // the next hour
		item("111", "AmazonS3", "eu-west-1", "web", 0, "7"),
		item("222", "AmazonEC2", "eu-west-1", "", 0, "3"),
		item("333", "AWSLambda", "eu-west-1", "", 0, "1"),
	} {
		if err := imp.Append(li); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := imp.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Rated output of scope 444 for service AmazonEC2 must never be
	// collected again.
	if _, err := frames.Write(ctx, st, "444", "USD", frames.Frame{Scope: "444", Start: h0, End: h0.Add(time.Hour),
		Usage: map[string][]frames.Point{"AmazonEC2": {{Qty: decimal.NewFromInt(9), Price: decimal.NewFromInt(1)}}}}); err != nil {
		t.Fatal(err)
	}
	cfg, err := metrics.Parse("metrics.yml", []byte(`
metrics:
  AmazonEC2:
    unit: hour
    alt_name: vm
    factor: 2
    groupby: [region]
    metadata: [team]
  AmazonS3:
    unit: GB
`), metrics.Options{Collector: metrics.CollectorOther})
	if err != nil {
		t.Fatal(err)
	}
	c := LineItems{Store: st}
	hour := cost.Window{Start: h0, End: h0.Add(time.Hour)}
	scopes, err := c.Scopes(ctx, cfg, "project_id", hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"111", "222"}; !reflect.DeepEqual(scopes, want) {
		t.Errorf("scopes %v, want %v (333 has no configured service, 444 only rated items)", scopes, want)
	}
	cases := []struct {
		metric int
		scope  string
		want   string
	}{
		{0, "111", "hour 0.6 map[region:eu-west-1] map[team:web]; hour 4 map[region:us-east-1] map[team:db]"},
		{0, "222", "hour 6 map[region:eu-west-1] map[team:]"},
		{1, "111", "GB 7 map[] map[]"},
		{0, "444", ""},
	}
	for _, tc := range cases {
		m := &cfg.Metrics[tc.metric]
		pts, err := c.Collect(ctx, m, "project_id", tc.scope, hour)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pts {
			if p.Groupby["project_id"] != tc.scope {
				t.Errorf("%s %s: groupby %v lacks the scope key", m.Name, tc.scope, p.Groupby)
			}
			delete(p.Groupby, "project_id")
			got = append(got, fmt.Sprintf("%s %s %v %v", p.Unit, p.Qty, p.Groupby, p.Metadata))
		}
		if g := strings.Join(got, "; "); g != tc.want {
			t.Errorf("%s for %s: %s, want %s", m.Name, tc.scope, g, tc.want)
		}
	}
	// One read for consecutive hours answers as one read per hour.
	hours := []cost.Window{hour, {Start: hour.End, End: hour.End.Add(time.Hour)}, {Start: hour.End.Add(time.Hour), End: hour.End.Add(2 * time.Hour)}}
	for _, m := range []*metrics.Metric{&cfg.Metrics[0], &cfg.Metrics[1]} {
		ranged, err := c.CollectRange(ctx, m, "project_id", "111", hours)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range hours {
			one, err := c.Collect(ctx, m, "project_id", "111", w)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ranged[i]) != fmt.Sprint(one) {
				t.Errorf("%s hour %d: ranged %v, alone %v", m.Name, i, ranged[i], one)
			}
		}
		if m.Name == "AmazonEC2" && (len(ranged[1]) != 1 || ranged[1][0].Qty.String() != "10") {
			t.Errorf("EC2 hour 1: %v, want one point of 5 × 2", ranged[1])
		}
	}
}
