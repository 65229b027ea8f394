package native

import (
	"context"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestTotalsOfIsTheEngineAnswer checks that the totals costs adds from
// its rows (totalsOf) are, byte for byte once rendered, what the engine
// answers to the totals question: several currencies (ordered by the
// first metric, ties by currency), Kubernetes shares, 24-digit amounts,
// days, filters and USD with exchange rates and missing USD values.
func TestTotalsOfIsTheEngineAnswer(t *testing.T) {
	ctx := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var items []*cost.LineItem
	add := func(account, service, currency string, day int, v string, k8s, usd bool) {
		li := storetest.Item(account, service, storetest.Day(3, day), v)
		li.BillingCurrency, li.Kubernetes = currency, k8s
		if !usd {
			for m := range cost.NumMetrics {
				li.USD[m] = decimal.NullDecimal{}
			}
		}
		items = append(items, li)
	}
	add("111", "AmazonEC2", "USD", 1, "1.10", true, true)
	add("111", "AmazonS3", "USD", 2, "0.000000000000000000000001", false, true)
	add("222", "AmazonEC2", "EUR", 2, "3", true, false)
	add("222", "AmazonRDS", "EUR", 3, "0.3", false, true)
	add("333", "AmazonRDS", "JPY", 4, "4.400000000000000000000001", false, false)
	add("333", "AmazonEC2", "GBP", 4, "4.400000000000000000000001", true, false) // a tie with JPY
	add("444", "AmazonEC2", "USD", 5, "-2.5", false, true)
	add("444", "AmazonEC2", "CHF", 5, "99999999999.999999999999999999", false, false)
	storetest.Load(t, st, "aws-main", items...)
	eng := engine.New(st)
	rs := rates.New(st, nil)
	eng.SetRates(rs)
	if err := eng.SetExchangeRates(ctx, storetest.Day(3, 1), []cost.Rate{{Month: storetest.Day(3, 1), Currency: "EUR", USD: decimal.RequireFromString("1.0825")}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 4, 10, 12, 0, 0, 0, time.UTC)
	for _, params := range []string{
		"window=2024-03-01,2024-04-01&groupBy=service",
		"window=2024-03-01,2024-04-01&groupBy=subAccountId,service&step=day",
		"window=2024-03-02,2024-03-05&groupBy=service&metric=billed,list",
		"window=2024-03-01,2024-04-01&groupBy=service&step=week&metric=net",
		"window=2024-03-01,2024-04-01&groupBy=service&currency=USD",
		"window=2024-03-01,2024-04-01&groupBy=subAccountId&currency=USD&step=day",
		"window=2024-03-01,2024-04-01&groupBy=region&filter=" + url.QueryEscape(`service:"AmazonEC2"`),
		"window=2024-03-01,2024-04-01",
		"window=2024-05-01,2024-06-01&groupBy=service", // no rows
	} {
		v, err := url.ParseQuery(params)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseCostsRequest(v, now)
		if err != nil {
			t.Fatalf("%s: %v", params, err)
		}
		res, err := eng.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", params, err)
		}
		tq := q
		tq.GroupBy, tq.Step, tq.Limit, tq.Offset = nil, query.StepNone, 0, 0
		want, err := eng.Query(ctx, tq)
		if err != nil {
			t.Fatalf("%s: %v", params, err)
		}
		got, err := totalsOf(tq, res)
		if err != nil {
			t.Fatalf("%s: %v", params, err)
		}
		if g, w := rows(tq, got.Rows), rows(tq, want.Rows); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: totals\n%+v\nwant\n%+v", params, g, w)
		}
		if got.MissingUSD != want.MissingUSD || !reflect.DeepEqual(got.Rates, want.Rates) {
			t.Errorf("%s: missing %d rates %v, want %d %v", params, got.MissingUSD, got.Rates, want.MissingUSD, want.Rates)
		}
		if len(want.Rows) < 2 && params != "window=2024-05-01,2024-06-01&groupBy=service" && !q.USD {
			t.Errorf("%s: %d currencies: the case does not test the order", params, len(want.Rows))
		}
	}
}
