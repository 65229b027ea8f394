package storetest

import (
	"errors"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testGeneration: a commit, a delete and a failed import raise the
// generation, a query does not; the settled generation moves with every
// change but those of loading and failed snapshots (store.Generation),
// and what it promises holds: while only they change, costs and the
// listing of complete snapshots stay the same.
func testGeneration(t *testing.T, st store.Store) {
	type gens struct{ all, settled uint64 }
	gen := func() gens {
		t.Helper()
		all, err := st.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		settled, err := st.SettledGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if settled > all {
			t.Fatalf("settled generation %d above the generation %d", settled, all)
		}
		return gens{all, settled}
	}
	march := cost.Window{Start: Day(3, 1), End: Day(4, 1)}
	complete := func() int {
		t.Helper()
		snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Status: store.StatusComplete, Scope: scope.All()})
		if err != nil {
			t.Fatal(err)
		}
		return len(snaps)
	}
	moved := func(what string, before, after gens, all, settled bool) {
		t.Helper()
		if (after.all > before.all) != all || after.all < before.all {
			t.Errorf("%s: generation %d, %d before (should move: %v)", what, after.all, before.all, all)
		}
		if (after.settled > before.settled) != settled || after.settled < before.settled {
			t.Errorf("%s: settled generation %d, %d before (should move: %v)", what, after.settled, before.settled, settled)
		}
	}

	g0 := gen()
	snaps := Load(t, st, "s1", Item("a1", "AmazonEC2", Day(3, 1), "10"))
	g1 := gen()
	moved("a commit", g0, g1, true, true)
	Total(t, st, march, cost.Billed)
	if _, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All()}); err != nil {
		t.Fatal(err)
	}
	moved("reads", g1, gen(), false, false)

	// An import loading: listings of every status change, costs do not.
	total, done := Total(t, st, march, cost.Billed), complete()
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s2", Provider: "aws",
		Periods: []cost.Window{{Start: Day(3, 1), End: Day(4, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, li := range []*cost.LineItem{Item("a2", "AmazonS3", Day(3, 2), "5"), Item("a2", "AmazonS3", Day(5, 2), "7")} {
		if err := imp.Append(li); err != nil {
			t.Fatal(err)
		}
	}
	g2 := gen()
	moved("an import loading", g1, g2, true, false)
	if got := Total(t, st, march, cost.Billed); got != total {
		t.Errorf("total %s while an import loads, %s before", got, total)
	}
	if got := complete(); got != done {
		t.Errorf("%d complete snapshots while an import loads, %d before", got, done)
	}
	if err := imp.Fail(ctx, errors.New("stopped by the test")); err != nil {
		t.Fatal(err)
	}
	g3 := gen()
	moved("a failed import", g2, g3, true, false)
	if got := Total(t, st, march, cost.Billed); got != total {
		t.Errorf("total %s after a failed import, %s before", got, total)
	}
	if got := complete(); got != done {
		t.Errorf("%d complete snapshots after a failed import, %d before", got, done)
	}

	// An empty import's commit settles its snapshot.
	Load(t, st, "s3")
	g4 := gen()
	moved("an empty import", g3, g4, true, true)

	if _, err := st.DeleteSnapshot(ctx, snaps[0].ID); err != nil {
		t.Fatal(err)
	}
	moved("a delete", g4, gen(), true, true)
}
