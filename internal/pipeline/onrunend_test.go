package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store"
)

// TestOnRunEnd: the hooks run after each run, once its snapshots are
// committed (the CloudHealth asset index reads them there).
func TestOnRunEnd(t *testing.T) {
	dir := bills(t, 100)
	r, st := newRunner(t, Spec{Name: "s", Provider: "aws", Location: source.Config{URL: dir}})
	seen := make(chan int, 4)
	r.OnRunEnd(func(ctx context.Context) {
		snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "s", Status: store.StatusComplete})
		if err != nil {
			t.Error(err)
		}
		seen <- len(snaps)
	})
	for run := 1; run <= 2; run++ {
		if err := r.Rebuild("s"); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-seen:
			if n == 0 {
				t.Errorf("run %d: the hook ran before the run's snapshots were visible", run)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("run %d: the hook was not called", run)
		}
	}
}
