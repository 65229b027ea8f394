package duckdb

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestIdleRatesKeepRollup: a USD question whose rates convert nothing
// (no item without a USD value in a rate's currency and month) is
// answered by the rollup; one whose rates convert an item reads the line
// items; both answer what the rates mean.
func TestIdleRatesKeepRollup(t *testing.T) {
	st := openTemp(t)
	eur := func(account string, day int, month int, usd string) *cost.LineItem {
		li := storetest.Item(account, "svc", storetest.Day(3, 1).AddDate(0, month-3, day-1), "10")
		li.BillingCurrency = "EUR"
		for m := range cost.NumMetrics {
			li.USD[m] = decimal.NullDecimal{}
			if usd != "" {
				li.USD[m] = decimal.NewNullDecimal(decimal.RequireFromString(usd))
			}
		}
		return li
	}
	// Tag rollups kept however small; a second source, tagged, answers
	// the same by tag.
	defer func(s int64) { tagRollupShrink = s }(tagRollupShrink)
	tagRollupShrink = 0
	storetest.Load(t, st, "s", eur("own", 3, 3, "11"), eur("bare", 5, 4, ""))
	tagged := func(li *cost.LineItem) *cost.LineItem { li.SetTag("team", "web"); return li }
	storetest.Load(t, st, "t", tagged(eur("own", 3, 3, "11")), tagged(eur("bare", 5, 4, "")))
	rate := func(month int, currency string) cost.Rate {
		return cost.Rate{Month: storetest.Day(3, 1).AddDate(0, month-3, 0), Currency: currency, USD: decimal.RequireFromString("1.5")}
	}
	march := cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
	april := cost.Window{Start: storetest.Day(4, 1), End: storetest.Day(5, 1)}
	for _, c := range []struct {
		name    string
		w       cost.Window
		rates   []cost.Rate
		want    string
		missing int64
		rollup  bool
	}{
		{"March, its items priced by the bill", march, []cost.Rate{rate(3, "EUR")}, "11", 0, true},
		{"April, a rate of another currency", april, []cost.Rate{rate(4, "NOK")}, "0", 1, true},
		{"April, a rate of another month", april, []cost.Rate{rate(3, "EUR")}, "0", 1, true},
		{"April, its rate", april, []cost.Rate{rate(4, "EUR")}, "15", 0, false},
	} {
		for _, by := range []string{"source", "tag"} {
			q := query.Query{Window: c.w, USD: true, Rates: c.rates, Metrics: []cost.Metric{cost.Billed}, Scope: scope.All(),
				Filter: filter.Cond{Dim: cost.DimSource, Op: filter.Equals, Values: []string{"s"}}}
			if by == "tag" {
				q.Filter = filter.Cond{Dim: cost.TagDimension("team"), Op: filter.Equals, Values: []string{"web"}}
			}
			res, err := query.Collect(context.Background(), st, q)
			if err != nil {
				t.Fatalf("%s by %s: %v", c.name, by, err)
			}
			got := "0"
			if len(res.Rows) > 0 {
				got = res.Rows[0].Values[0].String()
			}
			if got != c.want || res.MissingUSD != c.missing || res.Rollup != c.rollup {
				t.Errorf("%s by %s: %s, %d missing, rollup %v; want %s, %d, %v", c.name, by, got, res.MissingUSD, res.Rollup, c.want, c.missing, c.rollup)
			}
		}
	}
}
