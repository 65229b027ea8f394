package storetest

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testNoKubernetes: a query that does not read the Kubernetes shares gets
// the same rows, values and totals, with shares of zero, whatever else it
// asks (groups, paging, top-N, share orders, USD, raw items by hour).
func testNoKubernetes(t *testing.T, st store.Store) {
	k := Item("a1", "A", Day(3, 1), "3")
	k.Kubernetes = true
	Load(t, st, "s1", k, Item("a1", "B", Day(3, 1), "2"), Item("a2", "A", Day(3, 2), "1.5"), Item("a2", "C", Day(3, 2), "7"))
	base := query.Query{Scope: scope.All(), Window: march, Step: query.Days(1), GroupBy: []cost.Dimension{cost.DimService}}
	for name, q := range map[string]query.Query{
		"grouped": base,
		"paged":   func() query.Query { q := base; q.Limit, q.Offset = 1, 1; return q }(),
		"top":     func() query.Query { q := base; q.Top = 1; return q }(),
		"share": func() query.Query {
			q := base
			q.Sort = []query.Order{{By: query.ByShare, Index: 0, Desc: true}}
			return q
		}(),
		"usd":      func() query.Query { q := base; q.USD = true; return q }(),
		"hourly":   func() query.Query { q := base; q.Step = query.Hours(6); return q }(),
		"accounts": {Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{cost.DimSubAccountID}, Metrics: []cost.Metric{cost.Billed, cost.List}},
	} {
		want, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		q.NoKubernetes = true
		got, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Rows) != len(want.Rows) || got.Total != want.Total {
			t.Fatalf("%s: %d rows (total %d), want %d (total %d)", name, len(got.Rows), got.Total, len(want.Rows), want.Total)
		}
		for i := range want.Rows {
			g, w := got.Rows[i], want.Rows[i]
			if !reflect.DeepEqual(g.Keys, w.Keys) || !decimalsEqual(g.Values, w.Values) || g.Items != w.Items {
				t.Fatalf("%s row %d: %v %v (%d items), want %v %v (%d)", name, i, g.Keys, g.Values, g.Items, w.Keys, w.Values, w.Items)
			}
			if name != "top" && name != "share" {
				for _, x := range g.Kubernetes {
					if !x.IsZero() {
						t.Fatalf("%s row %d: Kubernetes shares %v, want zeros", name, i, g.Kubernetes)
					}
				}
			}
		}
	}
}

func decimalsEqual(a, b []decimal.Decimal) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
