package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestPruneSeveral: Prune removes every snapshot the policy names in one
// call to the store (DeleteSnapshots) and reports each with the rows it
// held before; the visible run stays.
func TestPruneSeveral(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var runs []store.Snapshot
	for i, id := range []string{"run-1", "run-2", "run-3", "run-4"} {
		li := storetest.Item("sub-1", "Microsoft.Compute", jan.AddDate(0, 0, i), "1")
		li2 := storetest.Item("sub-1", "Microsoft.Compute", jan.AddDate(0, 0, i+1), "1")
		spec := store.ImportSpec{Source: "azure", Provider: "azure", Runs: []store.Run{{PeriodStart: jan, ID: id}}}
		runs = append(runs, storetest.Import(t, st, spec, li, li2)...)
	}
	now := time.Date(2024, 4, 10, 0, 0, 0, 0, time.UTC) // January is past the default two months
	pruned, err := Prune(ctx, st, "azure", Retention{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(pruned) != 3 {
		t.Fatalf("pruned %+v, want the three superseded runs", pruned)
	}
	for i, p := range pruned {
		if p.ID != runs[i].ID || p.RunID != runs[i].RunID || p.Rows != 2 || !p.PeriodStart.Equal(jan) {
			t.Errorf("pruned[%d] = %+v, want snapshot %d (%s) of 2 rows", i, p, runs[i].ID, runs[i].RunID)
		}
	}
	left, err := st.Snapshots(ctx, store.SnapshotFilter{Source: "azure", Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range left {
		want := store.StatusDeleted
		if s.ID == runs[3].ID {
			want = store.StatusComplete
		}
		if s.Status != want {
			t.Errorf("snapshot %d (%s): %s, want %s", s.ID, s.RunID, s.Status, want)
		}
	}
}
