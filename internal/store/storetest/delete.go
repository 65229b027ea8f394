package storetest

import (
	"errors"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testDelete: deleting the visible run of a period restores the previous
// one; deleting that leaves nothing; a deleted snapshot is gone for good.
func testDelete(t *testing.T, st store.Store) {
	first := Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 1), "10"))[0].ID
	second := Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 1), "12"))[0].ID
	Load(t, st, "s2", Item("a2", "AmazonEC2", Day(3, 1), "5"))
	if got := Total(t, st, march, cost.Billed); got != "17" {
		t.Fatalf("before deleting: %s, want 17", got)
	}
	sn, err := st.DeleteSnapshot(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if sn.Status != store.StatusDeleted || sn.Rows != 0 {
		t.Fatalf("deleted snapshot %+v", sn)
	}
	if got := Total(t, st, march, cost.Billed); got != "15" {
		t.Fatalf("after deleting the restated run: %s, want the previous run's 10 + 5", got)
	}
	prev, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), ID: first})
	if err != nil || prev[0].Status != store.StatusComplete {
		t.Fatalf("the previous run after deleting the newest: %+v, %v", prev, err)
	}
	if _, err := st.DeleteSnapshot(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := Total(t, st, march, cost.Billed); got != "5" {
		t.Fatalf("after deleting both runs: %s, want 5", got)
	}
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s3", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Append(Item("a3", "AmazonEC2", Day(3, 1), "1")); err != nil {
		t.Fatal(err)
	}
	loading, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "s3", Status: store.StatusLoading})
	if err != nil || len(loading) != 1 {
		t.Fatalf("loading snapshots: %+v, %v", loading, err)
	}
	if _, err := st.DeleteSnapshot(ctx, loading[0].ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deleting a snapshot still loading: %v, want ErrConflict", err)
	}
	if _, err := imp.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{first, 999999} {
		if _, err := st.DeleteSnapshot(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting snapshot %d again or unknown: %v, want ErrNotFound", id, err)
		}
	}
}
