package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestTagRollup: questions by tag read the tag rollup exactly when every
// visible snapshot kept their keys or had none of them, and answer what
// the line items do either way: a key with too many values, a snapshot
// whose tag rollup was too large, a deletion, a file made before the
// tag rollup (read only, then opened for writing).
func TestTagRollup(t *testing.T) {
	defer func(v, s int64) { tagValuesMax, tagRollupShrink = v, s }(tagValuesMax, tagRollupShrink)
	// Small data: one row per item is gain enough.
	tagValuesMax, tagRollupShrink = 3, 1
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	item := func(account, service string, at time.Time, billed string, tags ...string) *cost.LineItem {
		li := storetest.Item(account, service, at, billed)
		for i := 0; i < len(tags); i += 2 {
			li.SetTag(tags[i], tags[i+1])
		}
		return li
	}
	d1, d2 := storetest.Day(3, 1), storetest.Day(3, 2)
	// Four names: more than tagValuesMax, so the tag rollup leaves them out.
	storetest.Load(t, st, "s1",
		item("a", "compute", d1, "1.5", "team", "web", "name", "n1"),
		item("a", "storage", d1.Add(3*time.Hour), "2", "team", "data", "name", "n2"),
		// Two tag rollup rows of one daily rollup row.
		item("a", "compute", d1.Add(time.Hour), "0.5", "team", "data", "name", "n2"),
		item("b", "compute", d2, "3", "team", "web", "name", "n3"),
		item("a", "compute", d2.Add(5*time.Hour), "4", "name", "n4"),
		item("b", "storage", d2, "0.25", "env", "prod"))

	team, name, env := cost.TagDimension("team"), cost.TagDimension("name"), cost.TagDimension("env")
	label := cost.Dimension("label")
	byTeam := query.Query{Scope: scope.All(), Window: marchWindow, Step: query.Days(1),
		GroupBy: []cost.Dimension{team}, Sort: []query.Order{query.Key(0, false)}, Metrics: []cost.Metric{cost.Billed}}
	byName := byTeam
	byName.GroupBy = []cost.Dimension{name}
	// Kubecost's label: the first of two keys, one no item has.
	byLabel := byTeam
	byLabel.GroupBy = []cost.Dimension{label}
	byLabel.Mappings = map[cost.Dimension]query.Mapping{label: {Rules: []query.Rule{
		{When: filter.Cond{Dim: cost.TagDimension("user_team"), Op: filter.Equals, Values: []string{""}}, From: team}},
		Else: cost.TagDimension("user_team")}}
	byEnv := byTeam
	byEnv.GroupBy = []cost.Dimension{env}
	webByService := byTeam
	webByService.GroupBy = []cost.Dimension{cost.DimService}
	webByService.Filter = filter.And{Xs: []filter.Expr{
		filter.Cond{Dim: team, Op: filter.Equals, Values: []string{"web"}},
		filter.Cond{Dim: env, Op: filter.Equals, Values: []string{""}}}}
	hours := func(q query.Query) query.Query {
		q.Window.End = q.Window.End.Add(time.Hour) // not whole days: the line items
		return q
	}
	answer := func(s *Store, q query.Query) (string, bool) {
		t.Helper()
		return answerOf(t, s, q, func(r query.Row) string {
			return fmt.Sprintf("%s %v %s; ", r.Start.Format("01-02"), r.Keys, r.Values[0])
		})
	}
	check := func(s *Store, what string, q query.Query, want string, rollup bool) {
		t.Helper()
		if got, r := answer(s, q); got != want || r != rollup {
			t.Errorf("%s (rollup %v):\n%s\nwant (rollup %v):\n%s", what, r, got, rollup, want)
		}
		if got, r := answer(s, hours(q)); got != want || r {
			t.Errorf("%s from the line items (rollup %v):\n%s\nwant:\n%s", what, r, got, want)
		}
	}
	teams := "03-01 [data] 2.5; 03-01 [web] 1.5; 03-02 [] 4.25; 03-02 [web] 3; "
	names := "03-01 [n1] 1.5; 03-01 [n2] 2.5; 03-02 [] 0.25; 03-02 [n3] 3; 03-02 [n4] 4; "
	web := "03-01 [compute] 1.5; 03-02 [compute] 3; "
	checkAll := func(s *Store, what string, rollup bool) {
		t.Helper()
		check(s, what+": by team", byTeam, teams, rollup)
		check(s, what+": by label", byLabel, teams, rollup)
		check(s, what+": web by service", webByService, web, rollup)
		check(s, what+": by name", byName, names, false)
		check(s, what+": by env", byEnv, "03-01 [] 4; 03-02 [] 7; 03-02 [prod] 0.25; ", rollup)
	}
	checkAll(st, "one snapshot", true)
	sameDaily(t, st)

	// A second source whose teams are too many: team is left out there.
	s2 := storetest.Load(t, st, "s2",
		item("c", "compute", d1, "10", "team", "t1"), item("c", "compute", d1, "10", "team", "t2"),
		item("c", "compute", d1, "10", "team", "t3"), item("c", "compute", d1, "10", "team", "t4"))
	many := "03-01 [data] 2.5; 03-01 [t1] 10; 03-01 [t2] 10; 03-01 [t3] 10; 03-01 [t4] 10; 03-01 [web] 1.5; 03-02 [] 4.25; 03-02 [web] 3; "
	check(st, "a key left out", byTeam, many, false)
	check(st, "a key left out: web by service", webByService, web, false)
	if _, err := st.DeleteSnapshot(ctx, s2[0].ID); err != nil {
		t.Fatal(err)
	}
	checkAll(st, "deleted", true)

	// A tag rollup not worth its room is not kept.
	tagRollupShrink = 100
	s3 := storetest.Load(t, st, "s3", item("d", "compute", d2, "1", "team", "web"))
	tagRollupShrink = 1
	check(st, "a snapshot without tag rollup", byTeam, "03-01 [data] 2.5; 03-01 [web] 1.5; 03-02 [] 4.25; 03-02 [web] 4; ", false)
	var rows int
	if err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM `+tagRollupTable+` WHERE snapshot_id = ?`, s3[0].ID).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("rows of a tag rollup not kept: %d, %v", rows, err)
	}
	if _, err := st.DeleteSnapshot(ctx, s3[0].ID); err != nil {
		t.Fatal(err)
	}
	checkAll(st, "deleted again", true)
	sameDaily(t, st)
	tagRows := func(s *Store) string {
		t.Helper()
		var n int
		var billed string
		if err := s.db.QueryRowContext(ctx, `SELECT count(*), sum(billed_cost)::VARCHAR FROM `+tagRollupTable).Scan(&n, &billed); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n, " rows, billed ", billed)
	}
	before := tagRows(st)
	st.Close()

	// A file made before the tag rollup.
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE ` + tagRollupTable, `ALTER TABLE snapshots DROP COLUMN tag_rollup`, `ALTER TABLE snapshots DROP COLUMN tag_keys_left`} {
		if _, err := st.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(ro, "an older file, read only", false)
	ro.Close()
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkAll(st, "an older file, opened for writing", true)
	if got := tagRows(st); got != before {
		t.Errorf("tag rollup built at open: %s, want %s", got, before)
	}
	var status string
	if err := st.db.QueryRowContext(ctx, `SELECT string_agg(status || ':' || coalesce(tag_rollup::VARCHAR, 'NULL'), ',' ORDER BY id) FROM snapshots`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s:true,%s:NULL,%s:NULL", store.StatusComplete, store.StatusDeleted, store.StatusDeleted); status != want {
		t.Errorf("snapshots after the build: %s, want %s", status, want)
	}
}

// sameDaily fails unless the daily rollup, summed from the tag rollup
// where there is one, has the rows rollupInsertSQL makes from the line
// items.
func sameDaily(t *testing.T, st *Store) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE direct_rollup AS SELECT * FROM rollup_daily LIMIT 0`,
		sumsInsertSQL("direct_rollup", "(SELECT DISTINCT snapshot_id FROM rollup_daily)", fastSums, -1),
	} {
		if _, err := st.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	defer st.db.ExecContext(ctx, `DROP TABLE direct_rollup`)
	var n, differ int
	err := st.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM rollup_daily),
  (SELECT count(*) FROM (SELECT * FROM rollup_daily EXCEPT ALL SELECT * FROM direct_rollup)) +
  (SELECT count(*) FROM (SELECT * FROM direct_rollup EXCEPT ALL SELECT * FROM rollup_daily))`).Scan(&n, &differ)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || differ != 0 {
		t.Errorf("daily rollup: %d rows, %d unlike those of the line items", n, differ)
	}
}
