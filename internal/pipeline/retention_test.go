package pipeline

import (
	"slices"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/store"
)

// TestRetentionPrunable: which superseded snapshots a policy removes.
func TestRetentionPrunable(t *testing.T) {
	now := time.Date(2024, 4, 10, 12, 0, 0, 0, time.UTC)
	month := func(m int) time.Time { return time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	snap := func(id int64, m int, status store.Status, run string) store.Snapshot {
		return store.Snapshot{ID: id, BillingPeriodStart: month(m), Status: status, RunID: run}
	}
	snaps := []store.Snapshot{
		// An Azure export history: January, March and April.
		snap(1, 1, store.StatusSuperseded, "jan-1"),
		snap(2, 1, store.StatusComplete, "jan-2"),
		snap(3, 3, store.StatusSuperseded, "mar-1"),
		snap(4, 3, store.StatusComplete, "mar-2"),
		snap(5, 4, store.StatusSuperseded, "apr-1"),
		snap(6, 4, store.StatusSuperseded, "apr-2"),
		snap(7, 4, store.StatusComplete, "apr-2"), // apr-2 imported again: 6 is a duplicate
		// Files restated in place (no run id): February and April.
		snap(8, 2, store.StatusSuperseded, ""),
		snap(9, 2, store.StatusComplete, ""),
		snap(10, 4, store.StatusSuperseded, ""),
		snap(11, 4, store.StatusComplete, ""),
		// Never pruned: failed, deleted, loading.
		snap(12, 1, store.StatusFailed, ""),
		snap(13, 1, store.StatusDeleted, "jan-0"),
		snap(14, 1, store.StatusLoading, ""),
	}
	n := func(v int) *int { return &v }
	f := func(name string, policy Retention, want ...int64) {
		t.Helper()
		var got []int64
		for _, s := range policy.Prunable(snaps, now) {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: prunes %v, want %v", name, got, want)
		}
	}
	// The default keeps every run of March and April (the dated rule),
	// no other superseded snapshot, and no duplicate.
	f("default", Retention{}, 1, 6, 8, 10)
	f("runs of 3 months", Retention{RunMonths: n(3)}, 1, 6, 8, 10)
	f("runs of 4 months", Retention{RunMonths: n(4)}, 6, 8, 10)
	f("runs of 1 month", Retention{RunMonths: n(1)}, 1, 3, 6, 8, 10)
	f("no runs kept", Retention{RunMonths: n(0)}, 1, 3, 5, 6, 8, 10)
	f("runs for ever", Retention{RunMonths: n(-1)}, 8, 10)
	f("other of 1 month", Retention{OtherMonths: n(1)}, 1, 6, 8)
	f("nothing pruned", Retention{RunMonths: n(-1), OtherMonths: n(-1)})
}
