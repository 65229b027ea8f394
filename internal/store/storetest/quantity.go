package storetest

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testQuantity: Query.Quantity sums the consumed quantities of each row
// exactly (values a float sum gets wrong; an absent quantity counts as
// zero), in hourly and daily buckets, grouped, paged (the page's rows
// keep their own sums), with top-N's Other row summing the rest, over
// mapped groups and within the scope, from the line items (hourly) and
// from the daily rollup (whole days).
func testQuantity(t *testing.T, st store.Store) {
	h := Day(6, 3)
	item := func(account, service string, at time.Time, qty string) *cost.LineItem {
		li := Item(account, service, at, "1")
		if qty != "" {
			li.ConsumedQuantity = decimal.NewNullDecimal(decimal.RequireFromString(qty))
		}
		return li
	}
	Load(t, st, "qty",
		item("a", "compute", h, "0.1"),
		item("a", "compute", h, "0.2"),
		item("a", "storage", h, "123456789012.123456"),
		item("a", "storage", h.Add(time.Hour), ""),
		item("b", "compute", h.Add(time.Hour), "7"),
		item("b", "network", h.Add(26*time.Hour), "0.000001"),
	)
	type want struct {
		start       time.Time
		keys        string
		qty, billed string
	}
	check := func(name string, q query.Query, wants []want) {
		t.Helper()
		q.Quantity, q.Metrics = true, []cost.Metric{cost.Billed}
		if q.Scope.IsNone() {
			q.Scope = scope.All()
		}
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Rows) != len(wants) {
			t.Fatalf("%s: %d rows, want %d: %+v", name, len(res.Rows), len(wants), res.Rows)
		}
		for i, w := range wants {
			r := res.Rows[i]
			keys := ""
			for _, k := range r.Keys {
				keys += k + "/"
			}
			if !r.Start.Equal(w.start) || keys != w.keys || r.Quantity.String() != w.qty || r.Values[0].String() != w.billed {
				t.Errorf("%s row %d: %s %s qty %s billed %s, want %s %s qty %s billed %s",
					name, i, r.Start, keys, r.Quantity, r.Values[0], w.start, w.keys, w.qty, w.billed)
			}
		}
	}
	day := cost.Window{Start: h, End: h.AddDate(0, 0, 2)}
	check("total", query.Query{Window: day}, []want{{h, "", "123456789019.423457", "6"}})
	check("hourly by service", query.Query{Window: cost.Window{Start: h, End: h.Add(2 * time.Hour)}, Step: query.Hours(1),
		GroupBy: []cost.Dimension{cost.DimService}, Sort: []query.Order{query.Key(0, false)}}, []want{
		{h, "compute/", "0.3", "2"},
		{h, "storage/", "123456789012.123456", "1"},
		{h.Add(time.Hour), "compute/", "7", "1"},
		{h.Add(time.Hour), "storage/", "0", "1"},
	})
	check("daily by account", query.Query{Window: day, Step: query.Days(1), GroupBy: []cost.Dimension{cost.DimSubAccountID}}, []want{
		{h, "a/", "123456789012.423456", "4"},
		{h, "b/", "7", "1"},
		{h.AddDate(0, 0, 1), "b/", "0.000001", "1"},
	})
	check("paged", query.Query{Window: day, GroupBy: []cost.Dimension{cost.DimService},
		Sort: []query.Order{query.Key(0, false)}, Offset: 1, Limit: 1}, []want{{h, "network/", "0.000001", "1"}})
	check("top", query.Query{Window: day, GroupBy: []cost.Dimension{cost.DimService},
		Sort: []query.Order{query.Key(0, false)}, Top: 2}, []want{
		{h, "compute/", "7.3", "3"},
		{h, "/", "123456789012.123457", "3"},
	})
	check("mapped", query.Query{Window: day, GroupBy: []cost.Dimension{"kind"}, Mappings: map[cost.Dimension]query.Mapping{
		"kind": {Rules: []query.Rule{{When: filter.Cond{Dim: cost.DimService, Values: []string{"compute"}}, Value: "cpu"}}},
	}}, []want{{h, "/", "123456789012.123457", "3"}, {h, "cpu/", "7.3", "3"}})
	check("scoped", query.Query{Window: day, Scope: scope.Accounts("b")}, []want{{h, "", "7.000001", "2"}})
}
