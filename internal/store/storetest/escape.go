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

// escapeData loads rows that a March question of accounts 111 and 222
// must never count, each with a cost that names it: 111 and 222 in March
// (1 and 2), 333 in March (4), 111 in April (8) and February (16), and a
// superseded March run of source s1 (32 per row).
func escapeData(t *testing.T, st store.Store) {
	t.Helper()
	Load(t, st, "s1", Item("111", "AmazonEC2", Day(3, 5), "32"), Item("222", "AmazonS3", Day(3, 6), "32"))
	Load(t, st, "s1", Item("111", "AmazonEC2", Day(3, 5), "1"), Item("222", "AmazonS3", Day(3, 6), "2"))
	Load(t, st, "s2", Item("333", "AmazonRDS", Day(3, 7), "4"))
	Load(t, st, "s3", Item("111", "AmazonEC2", Day(4, 2), "8"))
	Load(t, st, "s4", Item("111", "AmazonEC2", Day(2, 2), "16"))
}

// testFilterCannotEscape: no filter, however it combines alternatives,
// reaches rows outside the window, the snapshot selection or the scope.
// Each filter below matches every row; what the question may count is
// the same with it as without it.
func testFilterCannotEscape(t *testing.T, st store.Store) {
	escapeData(t, st)
	svc := func(op filter.Op, vals ...string) filter.Cond {
		return filter.Cond{Dim: cost.DimService, Op: op, Values: vals}
	}
	everything := []filter.Expr{
		nil,
		filter.Or{Xs: []filter.Expr{svc(filter.Equals, "AmazonEC2"), filter.Not{X: svc(filter.Equals, "AmazonEC2")}}},
		svc(filter.Equals, "AmazonEC2", "AmazonS3", "AmazonRDS"),
		svc(filter.Prefix, "Amazon", "x"),
		filter.Not{X: filter.And{Xs: []filter.Expr{svc(filter.Equals, "x"), svc(filter.Equals, "y")}}},
		filter.And{Xs: []filter.Expr{filter.Or{Xs: []filter.Expr{svc(filter.Equals, "z"), filter.And{}}}}},
		filter.Or{Xs: []filter.Expr{
			filter.Cond{Dim: cost.DimSubAccountID, Op: filter.Equals, Values: []string{"333", "111"}},
			filter.Not{X: filter.Cond{Dim: cost.DimSubAccountID, Op: filter.Equals, Values: []string{"333", "111"}}},
		}},
		filter.Or{Xs: []filter.Expr{
			filter.Amount{Metric: cost.Billed, Op: filter.AtLeast, Value: decimal.Zero},
			filter.Amount{Metric: cost.Billed, Op: filter.AtMost, Value: decimal.Zero},
		}},
	}
	march := cost.Window{Start: Day(3, 1), End: Day(4, 1)}
	hours := cost.Window{Start: Day(3, 1).Add(time.Hour), End: Day(4, 1)} // off midnight: the raw line items answer
	cases := []struct {
		name string
		q    query.Query
		want string
	}{
		{"all accounts", query.Query{Window: march, Scope: scope.All()}, "7"},
		{"two accounts", query.Query{Window: march, Scope: scope.Accounts("111", "222")}, "3"},
		{"one account off midnight", query.Query{Window: hours, Scope: scope.Accounts("222")}, "2"},
		{"no accounts", query.Query{Window: march, Scope: scope.Accounts()}, ""},
		{"zero scope", query.Query{Window: march}, ""},
		{"dated", query.Query{Window: march, Scope: scope.Accounts("111"), Selection: query.Selection{Day: Day(3, 5)}}, "1"},
	}
	for _, c := range cases {
		for _, f := range everything {
			q := c.q
			q.Filter = f
			q.Metrics = []cost.Metric{cost.Billed}
			res, err := query.Collect(ctx, st, q)
			if err != nil {
				t.Fatalf("%s, filter %v: %v", c.name, f, err)
			}
			got := ""
			for _, r := range res.Rows {
				got = r.Values[0].String()
			}
			if len(res.Rows) > 1 || got != c.want {
				t.Errorf("%s, filter %v: %d rows, total %q, want %q", c.name, f, len(res.Rows), got, c.want)
			}
			if !q.Selection.IsZero() {
				continue
			}
			var sum cost.LineItem
			n, err := st.Entries(ctx, store.EntryQuery{Window: q.Window, Filter: f, Scope: q.Scope}, func(e *store.Entry) error {
				sum.Cost[cost.Billed] = sum.Cost[cost.Billed].Add(e.Item.Cost[cost.Billed])
				return nil
			})
			if err != nil {
				t.Fatalf("%s entries, filter %v: %v", c.name, f, err)
			}
			if want := c.want; (want == "" && n != 0) || (want != "" && sum.Cost[cost.Billed].String() != want) {
				t.Errorf("%s entries, filter %v: %d entries summing %s, want %q", c.name, f, n, sum.Cost[cost.Billed], want)
			}
		}
	}
}

// testNoAnswer: a question over no rows (nothing in the window, or
// nothing in scope) has no rows, in every shape: one bucket or steps,
// grouped or not, billing currency or USD, rollup or line items.
func testNoAnswer(t *testing.T, st store.Store) {
	escapeData(t, st)
	empty := cost.Window{Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}
	march := cost.Window{Start: Day(3, 1), End: Day(4, 1)}
	for _, w := range []cost.Window{empty, march, {Start: march.Start.Add(time.Hour), End: march.End}} {
		for _, sc := range []scope.Scope{scope.All(), scope.Accounts(), scope.Accounts("nobody"), {}} {
			if w != empty && sc.IsAll() {
				continue // rows are there
			}
			for _, step := range []query.Step{query.StepNone, query.Days(1)} {
				for _, usd := range []bool{false, true} {
					for _, group := range [][]cost.Dimension{nil, {cost.DimService}} {
						q := query.Query{Window: w, Scope: sc, Step: step, USD: usd, GroupBy: group}
						res, err := query.Collect(ctx, st, q)
						if err != nil {
							t.Fatalf("%+v: %v", q, err)
						}
						if len(res.Rows) != 0 || res.Total != 0 {
							t.Errorf("window %s, scope %v, step %q, usd %v, groups %v: %d rows %+v, want none",
								w, sc, step, usd, group, len(res.Rows), res.Rows)
						}
					}
				}
			}
		}
	}
}
