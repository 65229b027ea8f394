package processor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/rating/scopes"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// month is the test's month; now is 10:30 on its 3rd day, so with one
// hour periods and two wait periods the hours up to 08:00 are due.
var (
	month = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	now   = time.Date(2024, 5, 3, 10, 30, 0, 0, time.UTC)
)

// fakeCollector serves deterministic usage: scope s<i> uses (i + hour of
// day) % 4 vCPUs every hour, except scope s0, which has none at hour 5.
type fakeCollector struct{ n int }

func (c fakeCollector) Collect(_ context.Context, m *metrics.Metric, key, id string, w cost.Window) ([]frames.Point, error) {
	var i int
	fmt.Sscanf(id, "s%d", &i)
	if i == 0 && w.Start.Hour() == 5 {
		return nil, nil
	}
	q := decimal.NewFromInt(int64((i + w.Start.Hour()) % 4))
	return []frames.Point{{Unit: m.Unit, Qty: m.Quantity(q), Groupby: map[string]string{key: id, "flavor": "m1"}}}, nil
}

func (c fakeCollector) Scopes(context.Context, *metrics.Config, string, cost.Window) ([]string, error) {
	var out []string
	for i := 0; i < c.n; i++ {
		out = append(out, fmt.Sprintf("s%d", i))
	}
	return out, nil
}

type fixture struct {
	st  *duckdb.Store
	svc *rating.Service
	p   *Processor
}

func newFixture(t *testing.T, scopesN int) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mc, err := metrics.Parse("metrics.yml", []byte("metrics:\n  vcpus:\n    unit: vcpu\n    alt_name: cpu\n"), metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := rating.Open(ctx, st, rating.Config{Metrics: mc})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if err := svc.Modules.Set(ctx, modules.Hashmap, &on, nil); err != nil {
		t.Fatal(err)
	}
	// The rules are written as of the month's start: a price change
	// dated May 2nd is then in the future, as an operator would make it.
	svc.Book.SetClock(func() time.Time { return month })
	f := &fixture{st: st, svc: svc}
	f.setPrice(t, "0.25", month)
	f.p, err = New(Config{Service: svc, Store: st, Collector: fakeCollector{n: scopesN}, Now: func() time.Time { return now },
		Batch: 12, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// setPrice makes a flat service mapping of cpu cost price per vCPU from
// start on (ending the previous one there).
func (f *fixture) setPrice(t *testing.T, price string, start time.Time) {
	t.Helper()
	ctx := context.Background()
	b := f.svc.Book
	svcs := b.Services()
	var sid string
	if len(svcs) == 0 {
		s, err := b.CreateService(ctx, "cpu")
		if err != nil {
			t.Fatal(err)
		}
		sid = s.ID
	} else {
		sid = svcs[0].ID
		for _, m := range b.Mappings(hashmap.MappingFilter{ServiceID: sid}) {
			if m.End.IsZero() {
				if _, err := b.UpdateMapping(ctx, m.ID, hashmap.MappingUpdate{End: &start}, hashmap.WriteOptions{Force: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := b.CreateMapping(ctx, hashmap.Mapping{ServiceID: sid, Type: hashmap.Flat, Cost: decimal.RequireFromString(price), Start: start},
		hashmap.WriteOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
}

// expected is the rated total of scopes s0..s<n-1> over the hours
// [from, to) of the month at price per vCPU.
func expected(n int, from, to time.Time, price string) decimal.Decimal {
	total := decimal.Zero
	for i := 0; i < n; i++ {
		for h := from; h.Before(to); h = h.Add(time.Hour) {
			if i == 0 && h.Hour() == 5 {
				continue
			}
			total = total.Add(decimal.NewFromInt(int64((i + h.Hour()) % 4)).Mul(decimal.RequireFromString(price)))
		}
	}
	return total
}

func (f *fixture) total(t *testing.T) string {
	return storetest.Total(t, f.st, cost.Window{Start: month, End: month.AddDate(0, 1, 0)}, cost.Billed)
}

// snapshots counts the visible rated snapshots (one per scope and
// period when nothing is counted twice).
func (f *fixture) snapshots(t *testing.T) int {
	t.Helper()
	snaps, err := f.st.Snapshots(context.Background(), store.SnapshotFilter{Status: store.StatusComplete, Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sn := range snaps {
		if sn.Provider == frames.Provider {
			n++
		}
	}
	return n
}

func TestSweepRatesDuePeriods(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	n, err := f.p.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// From May 1st 00:00 to May 3rd 08:00 inclusive: 57 hours a scope
	// (08:00 + 2 × 1 h ≤ 10:30; 09:00 is not due yet).
	last := time.Date(2024, 5, 3, 8, 0, 0, 0, time.UTC)
	if n != 3*57 {
		t.Errorf("rated %d periods, want %d", n, 3*57)
	}
	want := expected(3, month, last.Add(time.Hour), "0.25")
	if got := f.total(t); got != want.String() {
		t.Errorf("rated total %s, want %s", got, want)
	}
	if got := f.snapshots(t); got != 3*57 {
		t.Errorf("%d rated snapshots, want one per scope and period (%d)", got, 3*57)
	}
	for _, id := range []string{"s0", "s1", "s2"} {
		sc, ok := f.svc.Scopes.Get(id)
		if !ok || sc.LastProcessed == nil || !sc.LastProcessed.Equal(last) {
			t.Errorf("scope %s state %+v, want last processed %s", id, sc, last)
		}
	}
	// A second sweep finds nothing due.
	if n, err := f.p.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("second sweep rated %d (%v)", n, err)
	}
	// An inactive scope is skipped.
	off := false
	if _, err := f.svc.Scopes.Patch(ctx, "s1", "", "", "", &off, nil); err != nil {
		t.Fatal(err)
	}
	now2 := now.Add(2 * time.Hour)
	f.p.cfg.Now = func() time.Time { return now2 }
	if n, err := f.p.Sweep(ctx); err != nil || n != 4 {
		t.Errorf("sweep two hours later rated %d periods (%v), want 4 (s0 and s2, two hours each)", n, err)
	}
}

// TestRestartAfterCommitBeforeState: a period written but whose state
// was not advanced (a kill between the two) is written again after the
// restart, replacing itself: the total is an uninterrupted run's.
func TestRestartAfterCommitBeforeState(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	// The "killed" run wrote the first ten hours of s0 and s1 but
	// recorded no state.
	var starts []time.Time
	for h := 0; h < 10; h++ {
		starts = append(starts, month.Add(time.Duration(h)*time.Hour))
	}
	for _, id := range []string{"s0", "s1"} {
		if err := f.p.write(ctx, id, starts); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.p.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	last := time.Date(2024, 5, 3, 8, 0, 0, 0, time.UTC)
	want := expected(2, month, last.Add(time.Hour), "0.25")
	if got := f.total(t); got != want.String() {
		t.Errorf("rated total %s, want %s", got, want)
	}
	if got := f.snapshots(t); got != 2*57 {
		t.Errorf("%d visible rated snapshots, want %d", got, 2*57)
	}
}

// TestReprocessReplacesWithoutDoubleCounting: after a price change
// dated in the past, a reprocessing task rewrites its window at the new
// price; periods outside keep the old one, and none is counted twice.
func TestReprocessReplacesWithoutDoubleCounting(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	if _, err := f.p.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	before := f.snapshots(t)
	day2 := month.AddDate(0, 0, 1)
	f.setPrice(t, "1.5", day2)
	// Reprocess May 2nd, 00:00 to 23:00 (the end is the last period's start).
	end := day2.Add(23 * time.Hour)
	if err := f.svc.Scopes.Schedule(ctx, []string{"ALL"}, day2, end, "new prices", time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	n, err := f.p.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2*24 {
		t.Errorf("reprocessed %d periods, want 48", n)
	}
	last := time.Date(2024, 5, 3, 8, 0, 0, 0, time.UTC)
	want := expected(2, month, day2, "0.25").Add(expected(2, day2, day2.AddDate(0, 0, 1), "1.5")).
		Add(expected(2, day2.AddDate(0, 0, 1), last.Add(time.Hour), "0.25"))
	if got := f.total(t); got != want.String() {
		t.Errorf("rated total after reprocessing %s, want %s", got, want)
	}
	if got := f.snapshots(t); got != before {
		t.Errorf("%d visible rated snapshots after reprocessing, want %d as before", got, before)
	}
	for _, task := range f.svc.Scopes.Tasks(scopes.TaskFilter{}) {
		if !task.Finished() || !task.Current.Equal(end) {
			t.Errorf("task %+v not finished at %s", task, end)
		}
	}
	// Nothing pending: a further sweep writes nothing.
	if n, err := f.p.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("sweep after reprocessing rated %d (%v)", n, err)
	}
}

// TestRaterIsTheModuleChain: the processor prices through the enabled
// modules; with the hashmap module disabled, points are stored at 0.
func TestRaterIsTheModuleChain(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	off := false
	if err := f.svc.Modules.Set(ctx, modules.Hashmap, &off, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := f.p.Sweep(ctx); err != nil || n != 57 {
		t.Fatalf("sweep rated %d (%v)", n, err)
	}
	if got := f.total(t); got != "0" {
		t.Errorf("rated total with the hashmap module disabled: %s, want 0", got)
	}
}

// periodRecorder is a Rater that records, per scope, the periods it was
// asked to rate in, in order.
type periodRecorder struct {
	mu    sync.Mutex
	calls map[string][]time.Time
}

func (r *periodRecorder) Rate(_ context.Context, scope string, period cost.Window, _ string, _ *frames.Point) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[scope] = append(r.calls[scope], period.Start)
	return nil
}

// TestPeriodsRatedWhole: with several metrics, a scope's points are rated
// period by period, every metric of a period together, so that a rater
// prepares its rules once per scope and period (ChainRater keeps the
// chain of the period it last saw).
func TestPeriodsRatedWhole(t *testing.T) {
	f := newFixture(t, 2)
	mc, err := metrics.Parse("metrics.yml", []byte("metrics:\n  vcpus:\n    unit: vcpu\n    alt_name: cpu\n  ram:\n    unit: GiB\n"), metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := rating.Open(context.Background(), f.st, rating.Config{Metrics: mc})
	if err != nil {
		t.Fatal(err)
	}
	rec := &periodRecorder{calls: map[string][]time.Time{}}
	p, err := New(Config{Service: svc, Store: f.st, Collector: fakeCollector{n: 2}, Rater: rec, Now: func() time.Time { return now },
		Batch: 12, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	for scope, starts := range rec.calls {
		seen := map[time.Time]bool{}
		for i, s := range starts {
			if seen[s] && !starts[i-1].Equal(s) {
				t.Fatalf("scope %s: the period %s was rated again after another one: its rules would be prepared twice", scope, s)
			}
			seen[s] = true
		}
		// 57 hours are due; s0 has no usage at 05:00 (three of them).
		if want := map[string]int{"s0": 54, "s1": 57}[scope]; len(seen) != want {
			t.Errorf("scope %s: %d periods rated, want %d", scope, len(seen), want)
		}
	}
}
