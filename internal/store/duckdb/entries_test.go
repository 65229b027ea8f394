package duckdb

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestEntriesInChunks lists entries in chunks of a few positions and
// checks every answer against the single query ordered by id that
// Entries once ran: the same ids in the same order, the same count, for
// every page. The rows cover an import whose months interleave (each
// snapshot's positions have gaps), snapshots of one row, and a snapshot
// of rows without line_no, numbered by rowid as in files made before it.
func TestEntriesInChunks(t *testing.T) {
	defer func(n int64) { entryChunk = n }(entryChunk)
	entryChunk = 3
	ctx := context.Background()
	st := openTemp(t)
	var mixed []*cost.LineItem
	for i := range 17 {
		mixed = append(mixed, storetest.Item(fmt.Sprint("acct-", i%3), fmt.Sprint("svc-", i%4), storetest.Day(time.Month(3+i%2), 1+i), "1"))
	}
	storetest.Load(t, st, "mixed", mixed...)
	storetest.Load(t, st, "one", storetest.Item("acct-9", "svc-0", storetest.Day(5, 1), "2"))
	var legacy []*cost.LineItem
	for i := range 8 {
		legacy = append(legacy, storetest.Item("acct-1", "svc-1", storetest.Day(6, 1+i), "3"))
	}
	old := storetest.Load(t, st, "legacy", legacy...)[0].ID
	if _, err := st.DB().Exec(`UPDATE line_items_coded SET line_no = NULL WHERE snapshot_id = ?`, old); err != nil {
		t.Fatal(err)
	}

	// want is the single ordered query of before.
	want := func(q store.EntryQuery) ([]int64, int64) {
		t.Helper()
		c := &compiler{}
		from, err := scopedRows(c, "line_items", q.Selection, q.Window, q.Scope, q.Filter, "charge_period_start")
		if err != nil {
			t.Fatal(err)
		}
		args := c.args
		var total int64
		if err := st.DB().QueryRow("SELECT count(*)"+from, args...).Scan(&total); err != nil {
			t.Fatal(err)
		}
		page := ""
		if q.Limit > 0 {
			page += fmt.Sprintf(" LIMIT %d", q.Limit)
		}
		if q.Offset > 0 {
			page += fmt.Sprintf(" OFFSET %d", q.Offset)
		}
		rows, err := st.DB().Query("SELECT "+entryID+from+" ORDER BY 1"+page, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids, total
	}
	got := func(q store.EntryQuery) ([]int64, int64) {
		t.Helper()
		var ids []int64
		total, err := st.Entries(ctx, q, func(e *store.Entry) error {
			ids = append(ids, e.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids, total
	}
	all, _ := want(store.EntryQuery{Scope: scope.All()})
	if len(all) != 26 {
		t.Fatalf("%d entries, want 26", len(all))
	}
	// Each entry looked up by id (from its rows and their texts only,
	// rowsSQL) is the entry the listing gives, rows without line_no
	// included; out of scope it is not found.
	listed := map[int64]store.Entry{}
	if _, err := st.Entries(ctx, store.EntryQuery{Scope: scope.All()}, func(e *store.Entry) error {
		listed[e.ID] = *e
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range all {
		var found []store.Entry
		if _, err := st.Entries(ctx, store.EntryQuery{Scope: scope.All(), ID: id}, func(e *store.Entry) error {
			found = append(found, *e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || !reflect.DeepEqual(found[0], listed[id]) {
			t.Fatalf("entry %d by id: %+v\nwant %+v", id, found, listed[id])
		}
		if ids, _ := got(store.EntryQuery{Scope: scope.Accounts("acct-none"), ID: id}); len(ids) != 0 {
			t.Fatalf("entry %d by id out of scope: %v", id, ids)
		}
	}

	for _, base := range []store.EntryQuery{
		{Scope: scope.All()},
		{Scope: scope.Accounts("acct-1", "acct-9")},
		{Scope: scope.All(), Filter: filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"svc-1"}}},
		{Scope: scope.All(), Window: cost.Window{Start: storetest.Day(3, 5), End: storetest.Day(6, 3)}},
	} {
		for _, limit := range []int{0, 1, 4} {
			for _, offset := range []int{0, 1, 2, 3, 5, 8, 9, 13, 17, 18, 25, 26, 27} {
				q := base
				q.Limit, q.Offset = limit, offset
				wantIDs, wantTotal := want(q)
				gotIDs, gotTotal := got(q)
				if !reflect.DeepEqual(gotIDs, wantIDs) || gotTotal != wantTotal {
					t.Fatalf("%+v: ids %v (total %d), want %v (total %d)", q, gotIDs, gotTotal, wantIDs, wantTotal)
				}
			}
		}
	}
}
