package duckdb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

var marchWindow = cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}

// TestSumLimit: a sum of exactly cost.MaxTotal (10^26) answers exactly,
// one past it fails with ErrTooLarge naming the sum and the limit, and a
// sum past what even the split sums hold (10^38) fails with ErrTooLarge
// too, never with DuckDB's text. No test can append 10^12 maximal line
// items, so the rollup rows are set to the sums they would hold.
func TestSumLimit(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	storetest.Load(t, st, "s1",
		storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1), "0"),
		storetest.Item("a1", "AmazonEC2", storetest.Day(3, 2), "0.5"))
	// The sums are set in the daily rollup alone, past what the service
	// rollup summed from it could hold: questions read the daily rollup.
	st.serviceRollup = false
	set := func(stmt string) {
		t.Helper()
		if _, err := st.DB().Exec(stmt); err != nil {
			t.Fatal(err)
		}
		if err := st.loadSumState(ctx); err != nil {
			t.Fatal(err)
		}
	}
	q := query.Query{Scope: scope.All(), Window: marchWindow, Metrics: []cost.Metric{cost.Billed}}
	// Day 1: 5·10^25; day 2: 5·10^25 − 1 + 0.5, plus day 2's 0.5.
	set(`UPDATE rollup_daily SET billed_cost_hi = CASE WHEN day = '2024-03-01' THEN 50000000000000000000000000 ELSE 49999999999999999999999999 END,
		billed_cost = billed_cost + CASE WHEN day = '2024-03-01' THEN 0 ELSE 0.5 END`)
	res, err := st.Query(ctx, q)
	if err != nil {
		t.Fatalf("a sum of 10^26: %v", err)
	}
	if got := res.Rows[0].Values[0].String(); got != "100000000000000000000000000" {
		t.Fatalf("a sum of 10^26 = %s", got)
	}
	// One past: 10^26 + 10^-24.
	set(`UPDATE rollup_daily SET billed_cost = billed_cost + 0.000000000000000000000001 WHERE day = '2024-03-01'`)
	_, err = st.Query(ctx, q)
	if !errors.Is(err, cost.ErrTooLarge) || !strings.Contains(err.Error(), "a sum of 100000000000000000000000000.000000000000000000000001 is above 10^26") {
		t.Fatalf("a sum of 10^26 + 10^-24: err = %v, want ErrTooLarge naming the sum and the limit", err)
	}
	// Past a HUGEINT: DuckDB fails the split sum itself.
	set(`UPDATE rollup_daily SET billed_cost_hi = 100000000000000000000000000000000000000`)
	_, err = st.Query(ctx, q)
	if !errors.Is(err, cost.ErrTooLarge) || strings.Contains(err.Error(), "HUGEINT") || !strings.Contains(err.Error(), "above 10^26") {
		t.Fatalf("a sum of 2·10^38: err = %v, want ErrTooLarge naming the limit, without DuckDB's text", err)
	}
}

// TestSumPaths: the common path stays as it was: small bills never set
// a c_hi, queries over them sum in one DECIMAL and no trunc; a bill with
// a day past foldBound keeps the day's integer part in c_hi, marks the
// store wide (also when reopened), and deleting it makes it narrow again.
// Twice: the daily rollup summed from the line items, and from a tag
// rollup kept however small its gain (the wide day summed from its tag
// rollup rows).
func TestSumPaths(t *testing.T) {
	defer func(s int64) { tagRollupShrink = s }(tagRollupShrink)
	for _, shrink := range []int64{tagRollupShrink, 0} {
		tagRollupShrink = shrink
		t.Run(fmt.Sprint("shrink ", shrink), testSumPaths)
	}
}

func testSumPaths(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	storetest.Load(t, st, "small",
		storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1), "4999999999999.5"), // list: twice, below 10^13
		storetest.Item("a1", "AmazonEC2", storetest.Day(3, 2), "1.25"))
	if st.wide.Load() {
		t.Fatal("a store of small sums is wide")
	}
	q := query.Query{Scope: scope.All(), Window: marchWindow, GroupBy: []cost.Dimension{cost.DimSubAccountID}}
	b, err := query.Cut(q.Window, q.Step)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan(q, b, st.sumPlanFor(true))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.sql, "trunc(") || strings.Contains(p.sql, "HUGEINT") {
		t.Fatalf("the common path splits its sums:\n%s", p.sql)
	}

	// Two items of 6·10^13 on one day: 1.2·10^14, which DuckDB sums
	// without failing but DECIMAL(38, 24) does not hold.
	var big []*cost.LineItem
	for _, v := range []string{"60000000000000.25", "60000000000000.5"} {
		li := storetest.Item("b1", "AmazonEC2", storetest.Day(3, 1), v)
		li.Cost[cost.List], li.USD[cost.List] = li.Cost[cost.Billed], li.USD[cost.Billed]
		big = append(big, li)
	}
	snaps := storetest.Load(t, st, "big", big...)
	var hi, lo string
	if err := st.DB().QueryRow(`SELECT billed_cost_hi::VARCHAR, billed_cost::VARCHAR FROM rollup_daily WHERE sub_account_id = 'b1'`).Scan(&hi, &lo); err != nil {
		t.Fatal(err)
	}
	if hi != "120000000000000" || lo != "0.750000000000000000000000" {
		t.Fatalf("rollup row of 1.2·10^14 = %s + %s, want its integer part in billed_cost_hi", hi, lo)
	}
	if !st.wide.Load() {
		t.Fatal("a store with a c_hi is not wide")
	}
	st.Close()
	if st, err = Open(ctx, path, Options{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	if !st.wide.Load() {
		t.Fatal("a reopened store with a c_hi is not wide")
	}
	if got := storetest.Total(t, st, marchWindow, cost.Billed); got != "125000000000001.5" {
		t.Fatalf("total = %s, want 120010000000001.5", got)
	}
	st.Close()
	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteSnapshot(ctx, snaps[0].ID); err != nil {
		t.Fatal(err)
	}
	if st.wide.Load() {
		t.Fatal("the store is still wide when the only large sum is deleted")
	}
	if got := storetest.Total(t, st, marchWindow, cost.Billed); got != "5000000000000.75" {
		t.Fatalf("total after deleting = %s, want 5000000000000.75", got)
	}
}

// TestOldFileSums: a file made before the c_hi columns opens read-only
// (its sums read without them) and, opened for writing, gains them; its
// totals stay and a bill past 1.7·10^14 then ingests and answers exactly.
func TestOldFileSums(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, st, "old",
		storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1), "12.75"),
		storetest.Item("a2", "AmazonEC2", storetest.Day(3, 1), "-3.5"))
	for _, c := range rollupMoneyColumns() {
		if _, err := st.DB().Exec("ALTER TABLE rollup_daily DROP COLUMN " + c + hiSuffix); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range metricColumns {
		if _, err := st.DB().Exec("ALTER TABLE snapshot_totals DROP COLUMN " + m + hiSuffix); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	check := func(want string) {
		t.Helper()
		if got := storetest.Total(t, st, marchWindow, cost.Billed); got != want {
			t.Fatalf("total = %s, want %s", got, want)
		}
		snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Source: "old", Scope: scope.All()})
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 1 || snaps[0].Totals[0].Values[cost.Billed].String() != "9.25" {
			t.Fatalf("snapshot totals = %+v, want billed 9.25", snaps)
		}
		scoped, err := st.Snapshots(ctx, store.SnapshotFilter{Source: "old", Scope: scope.Accounts("a1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(scoped) != 1 || scoped[0].Totals[0].Values[cost.Billed].String() != "12.75" {
			t.Fatalf("scoped snapshot totals = %+v, want billed 12.75", scoped)
		}
	}
	if st, err = Open(ctx, path, Options{ReadOnly: true}); err != nil {
		t.Fatalf("opening the old file read-only: %v", err)
	}
	if st.hi {
		t.Fatal("the old file has c_hi columns")
	}
	check("9.25")
	st.Close()

	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatalf("opening the old file: %v", err)
	}
	defer st.Close()
	if !st.hi || st.wide.Load() {
		t.Fatalf("after opening the old file: hi %v, wide %v; want c_hi columns, unused", st.hi, st.wide.Load())
	}
	check("9.25")
	var big []*cost.LineItem
	for range 4 {
		big = append(big, storetest.Item("b1", "AmazonEC2", storetest.Day(3, 2), "45000000000000.25")) // list: twice
	}
	storetest.Load(t, st, "big", big...)
	check("180000000000010.25")
}
