package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestServiceRollupAnswers pins which questions the service rollup
// answers: unscoped ones of its own dimensions, without a selection,
// spreads or rates; the store must also have it for every snapshot.
func TestServiceRollupAnswers(t *testing.T) {
	byService := query.Query{Scope: scope.All(), Window: marchWindow, GroupBy: []cost.Dimension{cost.DimService}}
	with := func(f func(q *query.Query)) query.Query {
		q := byService
		f(&q)
		return q
	}
	region, err := filter.ParseKubecost(`regionID:"us-east-1"`, filter.KubecostFields)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := filter.ParseKubecost(`provider:"AWS"`, filter.KubecostFields)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    query.Query
		want bool
	}{
		{"by service", byService, true},
		{"by category and currency", with(func(q *query.Query) {
			q.GroupBy = []cost.Dimension{cost.DimCategory, cost.DimCurrency}
		}), true},
		{"filtered by provider", with(func(q *query.Query) { q.Filter = provider }), true},
		{"by sub-account", with(func(q *query.Query) { q.GroupBy = []cost.Dimension{cost.DimSubAccountID} }), false},
		{"filtered by region", with(func(q *query.Query) { q.Filter = region }), false},
		{"scoped", with(func(q *query.Query) { q.Scope = scope.Accounts("a1") }), false},
		{"a selection", with(func(q *query.Query) { q.Selection.Day = storetest.Day(3, 1) }), false},
		{"spreads", with(func(q *query.Query) { q.Spread = true }), false},
		{"rates", with(func(q *query.Query) { q.Rates = []cost.Rate{{}} }), false},
	} {
		s := &Store{serviceRollup: true}
		if got := s.serviceRollupAnswers(tc.q); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		s.serviceRollup = false
		if s.serviceRollupAnswers(tc.q) {
			t.Errorf("%s: answered by a store without the service rollup", tc.name)
		}
	}
}

// TestServiceRollup: questions by service read the service rollup (a
// change made to it alone shows in their answers, and in no scoped or
// per-account one); a file whose service rollup is missing answers the
// same from the daily rollup while opened read only, and opened for
// writing builds it again, row for row; deleting a snapshot deletes its
// rows.
func TestServiceRollup(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	d1, d2 := storetest.Day(3, 1), storetest.Day(3, 2)
	storetest.Load(t, st, "s1",
		storetest.Item("a1", "compute", d1, "1.5"),
		storetest.Item("a2", "compute", d1, "2"),
		storetest.Item("a1", "storage", d2, "3"))
	storetest.Load(t, st, "s2", storetest.Item("a3", "compute", d2, "0.25"))

	byService := query.Query{Scope: scope.All(), Window: marchWindow, Step: query.Days(1),
		GroupBy: []cost.Dimension{cost.DimService}, Sort: []query.Order{query.Key(0, false)}, Metrics: []cost.Metric{cost.Billed}}
	scoped := byService
	scoped.Scope = scope.Accounts("a1", "a2", "a3")
	byAccount := byService
	byAccount.GroupBy = []cost.Dimension{cost.DimSubAccountID}
	answer := func(s *Store, q query.Query) string {
		t.Helper()
		got, _ := answerOf(t, s, q, func(r query.Row) string {
			return fmt.Sprintf("%s %v %s; ", r.Start.Format("01-02"), r.Keys, r.Values[0])
		})
		return got
	}
	const want = "03-01 [compute] 3.5; 03-02 [compute] 0.25; 03-02 [storage] 3; "
	if got := answer(st, byService); got != want {
		t.Fatalf("by service: got %s, want %s", got, want)
	}
	wantAccount, wantScoped := answer(st, byAccount), answer(st, scoped)
	if wantScoped != want {
		t.Fatalf("scoped: got %s, want %s", wantScoped, want)
	}
	rows := func(s *Store) string {
		t.Helper()
		var out string
		r, err := s.db.QueryContext(ctx, `SELECT snapshot_id, day::VARCHAR, service_name, billed_cost::VARCHAR, k8s_billed_cost::VARCHAR, usd_billed_cost::VARCHAR, items
  FROM `+serviceRollupTable+` ORDER BY ALL`)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var id, items int64
			var day, service, billed, k8s, usd string
			if err := r.Scan(&id, &day, &service, &billed, &k8s, &usd, &items); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("%d %s %s %s %s %s %d; ", id, day, service, billed, k8s, usd, items)
		}
		return out
	}
	before := rows(st)
	if before == "" {
		t.Fatal("no service rollup rows")
	}

	// Read: a change to the service rollup alone shows by service only.
	if _, err := st.db.ExecContext(ctx, `UPDATE `+serviceRollupTable+` SET billed_cost = billed_cost + 1000`); err != nil {
		t.Fatal(err)
	}
	if got := answer(st, byService); got == want {
		t.Errorf("by service did not read the service rollup: %s", got)
	}
	if got := answer(st, byAccount); got != wantAccount {
		t.Errorf("by account read the service rollup: %s, want %s", got, wantAccount)
	}
	if got := answer(st, scoped); got != want {
		t.Errorf("a scoped question read the service rollup: %s, want %s", got, want)
	}

	// A file without it: read only from the daily rollup, then rebuilt.
	if _, err := st.db.ExecContext(ctx, `DELETE FROM `+serviceRollupTable+` WHERE snapshot_id = (SELECT max(snapshot_id) FROM `+serviceRollupTable+`)`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if ro.serviceRollup {
		t.Error("read only: a service rollup missing a snapshot is used")
	}
	if got := answer(ro, byService); got != want {
		t.Errorf("read only: got %s, want %s", got, want)
	}
	ro.Close()
	// The rebuild sums the daily rollup again: the changed rows of the
	// other snapshot stay changed, so put them back first.
	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.ExecContext(ctx, `DELETE FROM `+serviceRollupTable); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	if !st.serviceRollup {
		t.Error("reopened: no service rollup")
	}
	if got := rows(st); got != before {
		t.Errorf("rebuilt rows:\n%s\nwant:\n%s", got, before)
	}
	if got := answer(st, byService); got != want {
		t.Errorf("rebuilt: got %s, want %s", got, want)
	}

	// Deleted with its snapshot.
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "s2"})
	if err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots of s2: %v %v", snaps, err)
	}
	if _, err := st.DeleteSnapshot(ctx, snaps[0].ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM `+serviceRollupTable+` WHERE snapshot_id = ?`, snaps[0].ID).Scan(&left); err != nil || left != 0 {
		t.Errorf("deleted snapshot: %d service rollup rows left (%v)", left, err)
	}
	if got, want := answer(st, byService), "03-01 [compute] 3.5; 03-02 [storage] 3; "; got != want {
		t.Errorf("after the deletion: got %s, want %s", got, want)
	}
}

// TestServiceRollupFolds: three accounts' days, each below foldBound in
// the daily rollup (list costs, twice the billed, too), sum past it in
// the service rollup: the import sums split,
// the service rollup keeps the integer part in c_hi, and the answer is
// exact.
func TestServiceRollupFolds(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	storetest.Load(t, st, "s1",
		storetest.Item("a1", "compute", storetest.Day(3, 1), "4000000000000.25"),
		storetest.Item("a2", "compute", storetest.Day(3, 1), "4000000000000.5"),
		storetest.Item("a3", "compute", storetest.Day(3, 1), "4000000000000"))
	q := query.Query{Scope: scope.All(), Window: marchWindow, GroupBy: []cost.Dimension{cost.DimService}, Metrics: []cost.Metric{cost.Billed}}
	got, _ := answerOf(t, st, q, func(r query.Row) string { return fmt.Sprint(r.Keys, " ", r.Values[0]) })
	if got != "[compute] 12000000000000.75" {
		t.Errorf("got %s, want [compute] 12000000000000.75", got)
	}
	var folded bool
	if err := st.db.QueryRowContext(ctx, `SELECT bool_or(billed_cost_hi IS NOT NULL) FROM `+serviceRollupTable).Scan(&folded); err != nil || !folded {
		t.Errorf("service rollup: integer part in c_hi %v (%v)", folded, err)
	}
	var dailyFolded bool
	if err := st.db.QueryRowContext(ctx, `SELECT bool_or(list_cost_hi IS NOT NULL OR billed_cost_hi IS NOT NULL) FROM rollup_daily`).Scan(&dailyFolded); err != nil || dailyFolded {
		t.Fatalf("daily rollup: integer part in c_hi %v (%v), want none", dailyFolded, err)
	}
	if !st.wide.Load() {
		t.Error("the store is not marked wide")
	}
}
