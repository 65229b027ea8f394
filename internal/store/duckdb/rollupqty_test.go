package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestRollupQuantities: a daily question of quantities reads the rollup
// and answers what the line items do. A file whose rollup predates its
// quantities (the column dropped, or a snapshot's rows NULL) answers the
// same from the line items while opened read only, and opened for
// writing gains them: the same answer from the rollup, the same rollup
// rows and snapshot totals.
func TestRollupQuantities(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	item := func(account, service string, at time.Time, billed, qty string) *cost.LineItem {
		li := storetest.Item(account, service, at, billed)
		if qty != "" {
			li.ConsumedQuantity = decimal.NewNullDecimal(decimal.RequireFromString(qty))
		}
		return li
	}
	d1, d2 := storetest.Day(3, 1), storetest.Day(3, 2)
	storetest.Load(t, st, "s1",
		item("a", "compute", d1, "1.5", "0.1"),
		item("a", "compute", d1.Add(5*time.Hour), "2", "0.2"),
		item("a", "storage", d1, "3", "123456789012.123456789"),
		item("a", "storage", d2, "4", ""),
		item("b", "compute", d2.Add(23*time.Hour), "5", "-7"))
	storetest.Load(t, st, "s2", item("c", "compute", d2, "0.25", "0.000001"))

	daily := query.Query{Scope: scope.All(), Window: marchWindow, Step: query.Days(1), Quantity: true,
		GroupBy: []cost.Dimension{cost.DimService}, Sort: []query.Order{query.Key(0, false)}, Metrics: []cost.Metric{cost.Billed}}
	hourly := daily
	hourly.Window.End = hourly.Window.End.Add(time.Hour) // the line items
	answer := func(s *Store, q query.Query) (string, bool) {
		t.Helper()
		return answerOf(t, s, q, func(r query.Row) string {
			return fmt.Sprintf("%s %v qty %s billed %s\n", r.Start.Format("01-02"), r.Keys, r.Quantity, r.Values[0])
		})
	}
	want := "03-01 [compute] qty 0.3 billed 3.5\n03-01 [storage] qty 123456789012.123456789 billed 3\n" +
		"03-02 [compute] qty -6.999999 billed 5.25\n03-02 [storage] qty 0 billed 4\n"
	if got, rollup := answer(st, daily); got != want || !rollup {
		t.Fatalf("daily (rollup %v):\n%s\nwant (rollup true):\n%s", rollup, got, want)
	}
	if got, rollup := answer(st, hourly); rollup || !strings.HasPrefix(got, "03-01 [compute] qty 0.3") {
		t.Fatalf("from the line items (rollup %v):\n%s", rollup, got)
	}
	rollupRows := func(s *Store) string {
		t.Helper()
		var n int
		var qty, billed string
		if err := s.db.QueryRowContext(ctx, `SELECT count(*), sum(consumed_quantity)::VARCHAR, sum(billed_cost)::VARCHAR FROM rollup_daily`).Scan(&n, &qty, &billed); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n, " rows, qty ", qty, ", billed ", billed)
	}
	totals := func(s *Store) string {
		t.Helper()
		snaps, err := s.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All()})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, sn := range snaps {
			fmt.Fprintf(&b, "%s %s %d; ", sn.Source, sn.Totals[0].Values[cost.Billed], sn.Rows)
		}
		return b.String()
	}
	rowsBefore, totalsBefore := rollupRows(st), totals(st)
	st.Close()

	for _, old := range []struct{ name, sql string }{
		{"column dropped", `ALTER TABLE rollup_daily DROP COLUMN consumed_quantity`},
		{"one snapshot's rows NULL", `UPDATE rollup_daily SET consumed_quantity = NULL WHERE snapshot_id = (SELECT min(snapshot_id) FROM rollup_daily)`},
	} {
		t.Run(old.name, func(t *testing.T) {
			st, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.db.ExecContext(ctx, old.sql); err != nil {
				t.Fatal(err)
			}
			st.Close()

			ro, err := Open(ctx, path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if got, rollup := answer(ro, daily); got != want || rollup {
				t.Errorf("read only (rollup %v):\n%s\nwant (rollup false):\n%s", rollup, got, want)
			}
			ro.Close()

			st, err = Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if got, rollup := answer(st, daily); got != want || !rollup {
				t.Errorf("reopened (rollup %v):\n%s\nwant (rollup true):\n%s", rollup, got, want)
			}
			if got := rollupRows(st); got != rowsBefore {
				t.Errorf("rebuilt rollup: %s, want %s", got, rowsBefore)
			}
			if got := totals(st); got != totalsBefore {
				t.Errorf("snapshot totals: %s, want %s", got, totalsBefore)
			}
		})
	}
}

// answerOf runs q on s and renders its rows, each with row, and whether
// the daily (or tag) rollup answered.
func answerOf(t *testing.T, s *Store, q query.Query, row func(query.Row) string) (string, bool) {
	t.Helper()
	res, err := query.Collect(context.Background(), s, q)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range res.Rows {
		b.WriteString(row(r))
	}
	return b.String(), res.Stats.Rollup
}
