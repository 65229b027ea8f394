package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestSpreadNotes: an import notes in its snapshot the items that run past
// their start day and the time they cover; a file whose snapshots lack
// the notes gets them when opened; the notes tell spreads which windows
// need no correction, and a spread answer is the same with notes as with
// the line items alone.
func TestSpreadNotes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fee := storetest.Item("a", "support", storetest.Day(4, 1), "30")
	fee.ChargePeriodEnd = storetest.Day(5, 1)
	daily := storetest.Item("a", "compute", storetest.Day(4, 2), "1")
	snap := storetest.Load(t, st, "s", fee, daily)[0].ID
	march := storetest.Load(t, st, "m", storetest.Item("b", "compute", storetest.Day(3, 2), "1"))[0].ID
	notes := func(id int64) string {
		t.Helper()
		var n int64
		var from, to *string
		if err := st.DB().QueryRow("SELECT spread_items, spread_from::VARCHAR, spread_to::VARCHAR FROM snapshots WHERE id = ?", id).Scan(&n, &from, &to); err != nil {
			t.Fatal(err)
		}
		s := func(p *string) string {
			if p == nil {
				return "-"
			}
			return *p
		}
		return fmt.Sprint(n) + " " + s(from) + " " + s(to)
	}
	if got, want := notes(snap), "1 2024-04-01 00:00:00 2024-05-01 00:00:00"; got != want {
		t.Errorf("notes of the April import: %q, want %q", got, want)
	}
	if got, want := notes(march), "0 - -"; got != want {
		t.Errorf("notes of the March import: %q, want %q", got, want)
	}
	spreadQ := func(w cost.Window) query.Query {
		return query.Query{Scope: scope.All(), Window: w, Step: query.Days(1), Spread: true, Metrics: []cost.Metric{cost.Billed}}
	}
	for _, c := range []struct {
		w    cost.Window
		want bool
	}{
		{cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}, false},
		{cost.Window{Start: storetest.Day(4, 10), End: storetest.Day(4, 11)}, true},
		{cost.Window{Start: storetest.Day(5, 1), End: storetest.Day(5, 2)}, false},
	} {
		if got, err := st.spreads(ctx, spreadQ(c.w)); err != nil || got != c.want {
			t.Errorf("spreads over %s: %v %v, want %v", c.w, got, err, c.want)
		}
	}
	sum := func(st *Store) string {
		t.Helper()
		res, err := st.Query(ctx, spreadQ(cost.Window{Start: storetest.Day(4, 10), End: storetest.Day(4, 12)}))
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, r := range res.Rows {
			out += r.Values[0].String() + " "
		}
		return out
	}
	if got, want := sum(st), "1 1 "; got != want {
		t.Errorf("spread answer with notes: %q, want %q", got, want)
	}

	// A file of a version without notes: noted when opened.
	if _, err := st.DB().Exec("UPDATE snapshots SET spread_items = NULL, spread_from = NULL, spread_to = NULL"); err != nil {
		t.Fatal(err)
	}
	st.noted = false
	if got, want := sum(st), "1 1 "; got != want {
		t.Errorf("spread answer without notes: %q, want %q", got, want)
	}
	st.Close()
	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, want := notes(snap), "1 2024-04-01 00:00:00 2024-05-01 00:00:00"; got != want {
		t.Errorf("notes after reopening: %q, want %q", got, want)
	}
	if got, want := notes(march), "0 - -"; got != want {
		t.Errorf("notes of March after reopening: %q, want %q", got, want)
	}
}

// TestSpreadsMemo: spreads remembers its answers within a data
// generation, and an import that adds an item running past its start
// day into a window already asked about changes the answer at once.
func TestSpreadsMemo(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	storetest.Load(t, st, "daily", storetest.Item("a", "compute", storetest.Day(4, 2), "1"))
	q := query.Query{Scope: scope.All(), Window: cost.Window{Start: storetest.Day(4, 1), End: storetest.Day(4, 3)}, Step: query.Days(1), Spread: true}
	for range 2 {
		if got, err := st.spreads(ctx, q); err != nil || got {
			t.Fatalf("spreads before the fee: %v %v, want false", got, err)
		}
	}
	if n := len(st.spreadsSeen.seen); n != 1 {
		t.Errorf("the memo holds %d answers after one question asked twice, want 1", n)
	}
	fee := storetest.Item("b", "support", storetest.Day(4, 1), "30")
	fee.ChargePeriodEnd = storetest.Day(5, 1)
	storetest.Load(t, st, "fee", fee)
	if got, err := st.spreads(ctx, q); err != nil || !got {
		t.Errorf("spreads after an import added a fee: %v %v, want true", got, err)
	}
	res, err := st.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// The fee's 30 over April's 30 days: 1 a day, and compute's 1.
	var got []string
	for _, r := range res.Rows {
		got = append(got, r.Values[cost.Billed].String())
	}
	if want := []string{"1", "2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("billed cost by day: %v, want %v", got, want)
	}
}
