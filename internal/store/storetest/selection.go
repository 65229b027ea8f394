package storetest

import (
	"errors"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testSelection: three daily month-to-date exports of one source, each
// restating earlier days, and a second source whose newest export lacks
// a day its previous one had. The visible selection reads each source's
// newest run; a dated selection reads, per sub-account, the newest
// completed run holding that day; a failed run is never read.
func testSelection(t *testing.T, st store.Store) {
	run := func(source string, items ...*cost.LineItem) int64 {
		t.Helper()
		return Load(t, st, source, items...)[0].ID
	}
	a := func(day int, billed string) *cost.LineItem {
		return Item("sub-a", "Virtual Machines", Day(3, day), billed)
	}
	b := func(day int, billed string) *cost.LineItem { return Item("sub-b", "Storage", Day(3, day), billed) }
	run1 := run("azure-a", a(1, "1"))
	run2 := run("azure-a", a(1, "7"), a(2, "2"))
	run("azure-a", a(1, "7"), a(2, "5"), a(3, "3"))
	run("azure-b", b(1, "100"))
	run("azure-b", b(2, "200"))
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "azure-a", Provider: "azure"})
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Append(a(1, "1000")); err != nil {
		t.Fatal(err)
	}
	imp.Fail(ctx, errors.New("broken export"))

	for _, c := range []struct {
		name string
		sel  query.Selection
		want string
	}{
		{"visible", query.Selection{}, "sub-a=15 sub-b=200"},
		{"day 1", query.Selection{Day: Day(3, 1)}, "sub-a=7 sub-b=100"},
		{"day 2", query.Selection{Day: Day(3, 2)}, "sub-a=5 sub-b=200"},
		{"day 3", query.Selection{Day: Day(3, 3)}, "sub-a=3"},
		{"day without data", query.Selection{Day: Day(3, 9)}, ""},
		{"first run", query.Selection{Snapshots: []int64{run1}}, "sub-a=1"},
		{"second run", query.Selection{Snapshots: []int64{run2}}, "sub-a=9"},
	} {
		// Through the rollup, and through the line items: a filter on a
		// dimension the rollup does not keep (matching every item).
		everyItem := filter.Not{X: filter.Cond{Dim: cost.DimResourceID, Op: filter.Equals, Values: []string{"no such resource"}}}
		for _, f := range []filter.Expr{nil, everyItem} {
			q := query.Query{Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{cost.DimSubAccountID}, Filter: f, Selection: c.sel}
			if query.UsesRollup(q) != (f == nil) {
				t.Fatalf("the test meant to use the rollup: %v", f == nil)
			}
			if got := groups(t, st, q); got != c.want {
				t.Errorf("%s (rollup %v): %q, want %q", c.name, f == nil, got, c.want)
			}
		}
	}
	if _, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: march, Selection: query.Selection{Day: Day(3, 1).Add(3600e9)}}); !errors.Is(err, cost.ErrInvalid) {
		t.Errorf("a dated selection not at midnight: %v", err)
	}
}
