package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/synth"
)

// monthBill writes a synthetic AWS bill of the month starting at start
// (rows rows, seed seed) to dir/BILLING_PERIOD=YYYY-MM/cur.csv, the
// layout of a CUR 2.0 data export.
func monthBill(t *testing.T, dir string, start time.Time, rows int64, seed int64) {
	t.Helper()
	d := filepath.Join(dir, "BILLING_PERIOD="+start.Format("2006-01"))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(d, "cur.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days := start.AddDate(0, 1, 0).Sub(start).Hours() / 24
	if _, err := synth.Write(f, synth.Options{Provider: "aws", Rows: rows, Days: int(days), Start: start, Seed: seed}); err != nil {
		t.Fatal(err)
	}
}

// scheduled runs the source key as the schedule does at the runner's
// clock, and waits for it.
func scheduled(t *testing.T, r *Runner, key string) SourceStatus {
	t.Helper()
	r.mu.Lock()
	e := r.sources[key]
	r.mu.Unlock()
	r.launch(e, scheduledWindow(r.now()), false)
	return wait(t, r, key)
}

// snapshotStates lists the source's snapshots, oldest first, as
// "period:status".
func snapshotStates(t *testing.T, st store.Store, source string) []string {
	t.Helper()
	list, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: source})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list, func(a, b store.Snapshot) int { return int(a.ID - b.ID) })
	var out []string
	for _, s := range list {
		out = append(out, s.BillingPeriodStart.Format("2006-01")+":"+string(s.Status))
	}
	return out
}

func months2024(ms ...int) []time.Time {
	var out []time.Time
	for _, m := range ms {
		out = append(out, time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	return out
}

// TestScheduledRunSkipsUnchangedPeriods: a scheduled refresh reads only
// the billing periods whose files changed since they were imported and
// reports the others as unchanged; the superseded snapshot of a period
// read again is pruned (default policy: files restated in place keep no
// superseded snapshot) and reported.
func TestScheduledRunSkipsUnchangedPeriods(t *testing.T) {
	dir := t.TempDir()
	jan, feb := months2024(1)[0], months2024(2)[0]
	monthBill(t, dir, jan, 300, 1)
	monthBill(t, dir, feb, 200, 2)
	r, st := newRunner(t, Spec{Name: "cur", Provider: "aws", Location: source.Config{URL: dir}})
	r.now = func() time.Time { return time.Date(2024, 2, 20, 0, 0, 0, 0, time.UTC) }
	var audited []string
	r.audit = func(_ context.Context, action, object, id, detail string) error {
		audited = append(audited, action+" "+object+" "+id+": "+detail)
		return nil
	}

	// The first run reads everything and records what it read.
	if s := scheduled(t, r, "cur"); s.ConnectionStatus != ConnectionSuccessful || s.Rows != 500 || len(s.Unchanged) != 0 {
		t.Fatalf("first run: %+v", s)
	}
	want := []string{"2024-01:complete", "2024-02:complete"}
	if got := snapshotStates(t, st, "cur"); !slices.Equal(got, want) {
		t.Fatalf("after the first run: %q, want %q", got, want)
	}
	// Nothing changed: nothing is read.
	s := scheduled(t, r, "cur")
	if s.ConnectionStatus != ConnectionSuccessful || s.Rows != 0 || s.Files != 0 || !slices.Equal(s.Unchanged, months2024(1, 2)) || s.Runs != 2 {
		t.Fatalf("a run over unchanged files: %+v", s)
	}
	if got := snapshotStates(t, st, "cur"); !slices.Equal(got, want) {
		t.Fatalf("after a run over unchanged files: %q, want %q", got, want)
	}
	// February is restated: February alone is read again, and its
	// previous snapshot pruned.
	monthBill(t, dir, feb, 250, 3)
	s = scheduled(t, r, "cur")
	if s.ConnectionStatus != ConnectionSuccessful || s.Rows != 250 || !slices.Equal(s.Unchanged, months2024(1)) {
		t.Fatalf("a run after February changed: %+v", s)
	}
	if len(s.Pruned) != 1 || !s.Pruned[0].PeriodStart.Equal(feb) || s.Pruned[0].Rows != 200 {
		t.Fatalf("pruned %+v, want February's previous snapshot of 200 rows", s.Pruned)
	}
	if want := []string{"delete snapshot 2: source=cur period=2024-02 rows=200 (retention)"}; !slices.Equal(audited, want) {
		t.Fatalf("audited %q, want %q", audited, want)
	}
	want = []string{"2024-01:complete", "2024-02:deleted", "2024-02:complete"}
	if got := snapshotStates(t, st, "cur"); !slices.Equal(got, want) {
		t.Fatalf("after February changed: %q, want %q", got, want)
	}
	if _, n := total(t, st, "cur"); n != 550 {
		t.Fatalf("%d items visible, want 550", n)
	}
	// A deleted snapshot is not taken for unchanged: its period is read
	// again.
	list, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "cur", Status: store.StatusComplete})
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range list {
		if sn.BillingPeriodStart.Equal(jan) {
			if _, err := st.DeleteSnapshot(ctx, sn.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s := scheduled(t, r, "cur"); s.Rows != 300 || !slices.Equal(s.Unchanged, months2024(2)) {
		t.Fatalf("a run after January's snapshot was deleted: %+v", s)
	}
	// A rebuild reads everything whatever changed.
	if err := r.Rebuild("cur"); err != nil {
		t.Fatal(err)
	}
	if s := wait(t, r, "cur"); s.Rows != 550 || len(s.Unchanged) != 0 || len(s.Pruned) != 2 {
		t.Fatalf("a rebuild: %+v", s)
	}
}

// TestPeriodOfKey: the billing period folders of the export layouts.
func TestPeriodOfKey(t *testing.T) {
	f := func(key, want string) {
		t.Helper()
		got, ok := periodOfKey(key)
		if s := got.Format("2006-01"); (want == "") == ok || (ok && s != want) {
			t.Errorf("periodOfKey(%q) = %s, %v; want %q", key, s, ok, want)
		}
	}
	f("daily/export/20240101-20240131/run-1/part_1.csv", "2024-01")
	f("cur/report/20240201-20240301/assembly/report-1.csv.gz", "2024-02")
	f("data/BILLING_PERIOD=2024-03/part-0.parquet", "2024-03")
	f("cur/year=2024/month=4/part-0.parquet", "2024-04")
	f("cur/year=2024/month=13/part-0.parquet", "")
	f("bills/cost.csv", "")
	f("20240101-20240131.csv", "") // a file name, not a folder
	f("a/2024010-20240131/x.csv", "")
}
