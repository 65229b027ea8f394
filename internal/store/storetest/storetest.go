// Package storetest is the conformance suite every cost store must pass:
// exact sums, replacing and atomic imports, filters, groups, steps,
// scope. store/duckdb runs it; store/clickhouse will run the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// Opener returns a new, empty store for one test.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("ExactSums", func(t *testing.T) { testExactSums(t, open(t)) })
	t.Run("RestatementReplaces", func(t *testing.T) { testRestatement(t, open(t)) })
	t.Run("OtherSourceUntouched", func(t *testing.T) { testOtherSource(t, open(t)) })
	t.Run("FailedImportKeepsPrevious", func(t *testing.T) { testFailed(t, open(t)) })
	t.Run("EmptyImport", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("DeclaredPeriods", func(t *testing.T) { testDeclaredPeriods(t, open(t)) })
	t.Run("NoKubernetes", func(t *testing.T) { testNoKubernetes(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, open(t)) })
	t.Run("StepsAndRollup", func(t *testing.T) { testSteps(t, open(t)) })
	t.Run("Scope", func(t *testing.T) { testScope(t, open(t)) })
	t.Run("FilterCannotEscape", func(t *testing.T) { testFilterCannotEscape(t, open(t)) })
	t.Run("NoAnswer", func(t *testing.T) { testNoAnswer(t, open(t)) })
	t.Run("FilterProperty", func(t *testing.T) { testFilterProperty(t, open(t)) })
	t.Run("ModelProperty", func(t *testing.T) { testModelProperty(t, open(t)) })
	t.Run("SpreadProperty", func(t *testing.T) { testSpreadProperty(t, open(t)) })
	t.Run("SpreadBigSums", func(t *testing.T) { testSpreadBigSums(t, open(t)) })
	t.Run("WeekStarts", func(t *testing.T) { testWeekStarts(t, open(t)) })
	t.Run("Stream", func(t *testing.T) { testStream(t, open(t)) })
	t.Run("USDAndCurrencies", func(t *testing.T) { testCurrencies(t, open(t)) })
	t.Run("ExchangeRates", func(t *testing.T) { testRates(t, open(t)) })
	t.Run("LimitOffset", func(t *testing.T) { testLimit(t, open(t)) })
	t.Run("Selection", func(t *testing.T) { testSelection(t, open(t)) })
	t.Run("Entries", func(t *testing.T) { testEntries(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open(t)) })
	t.Run("APIFields", func(t *testing.T) { testAPIFields(t, open(t)) })
	t.Run("BigSums", func(t *testing.T) { testBigSums(t, open(t)) })
	t.Run("Quantity", func(t *testing.T) { testQuantity(t, open(t)) })
	t.Run("Generation", func(t *testing.T) { testGeneration(t, open(t)) })
}

var ctx = context.Background()

// Day returns midnight UTC of 2024-month-day.
func Day(month time.Month, day int) time.Time {
	return time.Date(2024, month, day, 0, 0, 0, 0, time.UTC)
}

// Item builds a line item with the fields the suite varies.
func Item(account, service string, at time.Time, billed string) *cost.LineItem {
	li := &cost.LineItem{
		ProviderName: "AWS", BillingAccountID: "payer", SubAccountID: account, SubAccountName: account + "-name",
		ServiceName: service, RegionID: "us-east-1", ChargeCategory: "Usage", ChargeType: "Usage",
		BillingCurrency:   "USD",
		ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour),
		BillingPeriodStart: cost.MonthStart(at), BillingPeriodEnd: cost.MonthStart(at).AddDate(0, 1, 0),
	}
	d := decimal.RequireFromString(billed)
	for m := range cost.NumMetrics {
		li.Cost[m] = d
		li.USD[m] = decimal.NewNullDecimal(d)
	}
	// Make metrics differ so that a mixed-up column shows.
	li.Cost[cost.List] = d.Mul(decimal.NewFromInt(2))
	li.USD[cost.List] = decimal.NewNullDecimal(li.Cost[cost.List])
	return li
}

// Load imports items as one import of source and fails the test on error.
func Load(t *testing.T, st store.Store, source string, items ...*cost.LineItem) []store.Snapshot {
	t.Helper()
	return Import(t, st, store.ImportSpec{Source: source, Provider: "aws", Files: []string{"test.csv"}}, items...)
}

// Import is Load with the whole import spec (another provider, files,
// export runs).
func Import(t *testing.T, st store.Store, spec store.ImportSpec, items ...*cost.LineItem) []store.Snapshot {
	t.Helper()
	imp, err := st.BeginImport(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, li := range items {
		if err := imp.Append(li); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := imp.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snaps
}

// Total queries one metric over w with no groups and returns the USD row
// as text ("0" when empty).
func Total(t *testing.T, st store.Store, w cost.Window, m cost.Metric) string {
	t.Helper()
	res, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: w, Metrics: []cost.Metric{m}})
	if err != nil {
		t.Fatal(err)
	}
	switch len(res.Rows) {
	case 0:
		return "0"
	case 1:
		return res.Rows[0].Values[0].String()
	}
	t.Fatalf("want one currency row, got %d", len(res.Rows))
	return ""
}

var march = cost.Window{Start: Day(3, 1), End: Day(4, 1)}

func testExactSums(t *testing.T, st store.Store) {
	// Values with many fractional digits whose float sum would not be exact.
	vals := []string{"0.1", "0.2", "0.0000000072922557592391990000", "1234567.000000000000000000000001", "-0.3", "-0.000000000000000000000007", "0"}
	var items []*cost.LineItem
	want := decimal.Zero
	for i, v := range vals {
		items = append(items, Item("a1", "AmazonEC2", Day(3, 1+i), v))
		want = want.Add(decimal.RequireFromString(v))
	}
	snaps := Load(t, st, "s1", items...)
	if len(snaps) != 1 || snaps[0].Rows != int64(len(vals)) || snaps[0].Status != store.StatusComplete {
		t.Fatalf("snapshots = %+v", snaps)
	}
	if got := Total(t, st, march, cost.Billed); got != want.String() {
		t.Fatalf("billed total = %s, want %s", got, want)
	}
	if got, w := Total(t, st, march, cost.List), want.Mul(decimal.NewFromInt(2)).String(); got != w {
		t.Fatalf("list total = %s, want %s", got, w)
	}
	if len(snaps[0].Totals) != 1 || !snaps[0].Totals[0].Values[cost.Billed].Equal(want) {
		t.Fatalf("snapshot totals = %+v, want billed %s", snaps[0].Totals, want)
	}
	// A value the store cannot keep exactly is refused, not rounded.
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s9", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	li := Item("a1", "AmazonEC2", Day(3, 1), "1")
	li.Cost[cost.Billed] = decimal.RequireFromString("0.0000000000000000000000001")
	if err := imp.Append(li); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("appending a 25-digit fraction: err = %v, want ErrInvalid", err)
	}
	imp.Fail(ctx, errors.New("test"))
}

func testRestatement(t *testing.T, st store.Store) {
	Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 1), "10"), Item("a1", "AmazonEC2", Day(4, 1), "100"))
	// Restate March only: April must stay, March must be replaced.
	Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 2), "11"), Item("a1", "AmazonS3", Day(3, 3), "1"))
	if got := Total(t, st, march, cost.Billed); got != "12" {
		t.Fatalf("March after restatement = %s, want 12", got)
	}
	if got := Total(t, st, cost.Window{Start: Day(4, 1), End: Day(5, 1)}, cost.Billed); got != "100" {
		t.Fatalf("April after restating March = %s, want 100", got)
	}
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[store.Status]int{}
	for _, s := range snaps {
		statuses[s.Status]++
	}
	if statuses[store.StatusComplete] != 2 || statuses[store.StatusSuperseded] != 1 {
		t.Fatalf("statuses = %v, want 2 complete (Mar, Apr) and 1 superseded", statuses)
	}
}

func testOtherSource(t *testing.T, st store.Store) {
	Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 1), "10"))
	Load(t, st, "s2", Item("a2", "AmazonEC2", Day(3, 1), "5"))
	if got := Total(t, st, march, cost.Billed); got != "15" {
		t.Fatalf("total of two sources = %s, want 15", got)
	}
}

func testFailed(t *testing.T, st store.Store) {
	Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 1), "10"))
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s1", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Append(Item("a1", "AmazonEC2", Day(3, 1), "999")); err != nil {
		t.Fatal(err)
	}
	// Not visible before commit.
	if got := Total(t, st, march, cost.Billed); got != "10" {
		t.Fatalf("total during a loading import = %s, want 10", got)
	}
	if err := imp.Fail(ctx, errors.New("bad.csv:7: column \"cost\": boom")); err != nil {
		t.Fatal(err)
	}
	if got := Total(t, st, march, cost.Billed); got != "10" {
		t.Fatalf("total after failed import = %s, want 10", got)
	}
	failed, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Status: store.StatusFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Error != "bad.csv:7: column \"cost\": boom" {
		t.Fatalf("failed snapshots = %+v", failed)
	}
	if _, err := imp.Commit(ctx); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("commit after fail: err = %v, want ErrClosed", err)
	}
}

func testEmpty(t *testing.T, st store.Store) {
	snaps := Load(t, st, "s1")
	if len(snaps) != 1 || snaps[0].Rows != 0 || snaps[0].Status != store.StatusComplete || !snaps[0].BillingPeriodStart.IsZero() {
		t.Fatalf("empty import snapshots = %+v", snaps)
	}
	if _, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), ID: 424242}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown snapshot: err = %v, want ErrNotFound", err)
	}
}

// testDeclaredPeriods: a period an import declares without rows gets an
// empty snapshot that supersedes the period's previous data, and other
// periods of the source stay (how a re-rated hour that lost its usage is
// restated); a period that ends before it starts is refused.
func testDeclaredPeriods(t *testing.T, st store.Store) {
	hour := func(h int) cost.Window {
		s := Day(3, 1).Add(time.Duration(h) * time.Hour)
		return cost.Window{Start: s, End: s.Add(time.Hour)}
	}
	item := func(h int, billed string) *cost.LineItem {
		li := Item("a1", "A", hour(h).Start, billed)
		li.BillingPeriodStart, li.BillingPeriodEnd = hour(h).Start, hour(h).End
		return li
	}
	spec := store.ImportSpec{Source: "rating/a1", Provider: "rating"}
	Import(t, st, spec, item(0, "1"), item(1, "2"))
	if got := Total(t, st, march, cost.Billed); got != "3" {
		t.Fatalf("before: total %s, want 3", got)
	}
	spec.Periods = []cost.Window{hour(1), hour(2)}
	snaps := Import(t, st, spec, item(2, "5"))
	if len(snaps) != 2 || snaps[0].Rows != 0 || !snaps[0].BillingPeriodStart.Equal(hour(1).Start) || snaps[1].Rows != 1 {
		t.Fatalf("snapshots of the declared periods = %+v", snaps)
	}
	if got := Total(t, st, march, cost.Billed); got != "6" {
		t.Fatalf("after restating hour 1 as empty: total %s, want 1 + 5 = 6", got)
	}
	for _, c := range []struct {
		exclude []string
		want    int
	}{{nil, 4}, {[]string{"aws", "RATING"}, 0}, {[]string{"aws"}, 4}} {
		listed, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "rating/a1", ExcludeProviders: c.exclude})
		if err != nil || len(listed) != c.want {
			t.Fatalf("snapshots excluding %v: %d (%v), want %d", c.exclude, len(listed), err, c.want)
		}
	}
	for _, c := range []struct {
		f    store.SnapshotFilter
		want int
	}{{store.SnapshotFilter{Provider: "Rating"}, 4}, {store.SnapshotFilter{Provider: "aws"}, 0}, {store.SnapshotFilter{Limit: 2}, 2}} {
		c.f.Scope = scope.All()
		listed, err := st.Snapshots(ctx, c.f)
		if err != nil || len(listed) != c.want {
			t.Fatalf("snapshots of %+v: %d (%v), want %d", c.f, len(listed), err, c.want)
		}
		if c.f.Limit > 0 && listed[0].ID < listed[1].ID {
			t.Fatalf("a limited list is not the newest first: %+v", listed)
		}
	}
	spec.Periods = []cost.Window{{Start: hour(3).End, End: hour(3).Start}}
	if _, err := st.BeginImport(ctx, spec); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("a backwards period: err = %v, want ErrInvalid", err)
	}
}

func testLimit(t *testing.T, st store.Store) {
	Load(t, st, "s1",
		Item("a1", "A", Day(3, 1), "3"), Item("a1", "B", Day(3, 1), "2"), Item("a1", "C", Day(3, 1), "1"),
		Item("a1", "A", Day(3, 2), "1"), Item("a1", "B", Day(3, 2), "5"))
	res, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: march, Step: query.Days(1), GroupBy: []cost.Dimension{cost.DimService},
		Metrics: []cost.Metric{cost.Billed}, Limit: 1, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(keysOf(res))
	if want := "[B A]"; got != want || res.Total != 5 {
		t.Fatalf("second-largest service per day = %s (total %d), want %s (total 5)", got, res.Total, want)
	}
}

func keysOf(res *query.Result) []string {
	var out []string
	for _, r := range res.Rows {
		out = append(out, r.Keys...)
	}
	return out
}
