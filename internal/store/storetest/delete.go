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
	testDeleteSeveral(t, st, first)
}

// testDeleteSeveral: DeleteSnapshots deletes each snapshot as
// DeleteSnapshot does (the previous run of a period visible again),
// skips unknown and deleted ones, and stops at a snapshot still loading,
// having deleted the ones before it. gone is a deleted snapshot.
func testDeleteSeveral(t *testing.T, st store.Store, gone int64) {
	r1 := Load(t, st, "s4", Item("a4", "AmazonEC2", Day(3, 2), "100"))[0].ID
	r2 := Load(t, st, "s4", Item("a4", "AmazonEC2", Day(3, 2), "200"))[0].ID
	other := Load(t, st, "s5", Item("a5", "AmazonEC2", Day(3, 2), "1000"))[0].ID
	before := Total(t, st, march, cost.Billed) // 5 + 1 + 200 + 1000
	if before != "1206" {
		t.Fatalf("before deleting several: %s, want 1206", before)
	}
	deleted, err := st.DeleteSnapshots(ctx, []int64{r2, 999999, gone, other})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, d := range deleted {
		ids = append(ids, d.ID)
		if d.Status != store.StatusDeleted || d.Rows != 0 {
			t.Errorf("deleted snapshot %+v", d)
		}
	}
	if len(ids) != 2 || ids[0] != r2 || ids[1] != other {
		t.Errorf("DeleteSnapshots deleted %v, want [%d %d]", ids, r2, other)
	}
	if got := Total(t, st, march, cost.Billed); got != "106" {
		t.Errorf("after deleting several: %s, want 5 + 1 + the previous run's 100", got)
	}

	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s6", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	defer imp.Fail(ctx, errors.New("test over"))
	if err := imp.Append(Item("a6", "AmazonEC2", Day(3, 1), "1")); err != nil {
		t.Fatal(err)
	}
	loading, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "s6", Status: store.StatusLoading})
	if err != nil || len(loading) != 1 {
		t.Fatalf("loading snapshots: %+v, %v", loading, err)
	}
	deleted, err = st.DeleteSnapshots(ctx, []int64{r1, loading[0].ID, r2})
	if !errors.Is(err, store.ErrConflict) || len(deleted) != 1 || deleted[0].ID != r1 {
		t.Errorf("deleting several with one still loading: %+v, %v; want snapshot %d and ErrConflict", deleted, err, r1)
	}
}
