package querypool

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// fakeStore is a cost store whose queries block until the test lets
// them go: each call sends its name on entered, then waits for a token
// on its own channel in release. It records the order calls entered
// and how many were inside at most.
type fakeStore struct {
	store.Store // nil: the methods the pool passes through are not called here
	mu          sync.Mutex
	order       []string
	inside, max int
	entered     chan string
	release     map[string]chan struct{}
	// names are the queries' names: a query carries its index in Limit.
	names []string
	// snapshots counts Snapshots calls, which pass through the pool.
	snapshots int
}

func newFake(names ...string) *fakeStore {
	f := &fakeStore{entered: make(chan string, len(names)), release: map[string]chan struct{}{}, names: append([]string{"unnamed"}, names...)}
	for _, n := range names {
		f.release[n] = make(chan struct{})
	}
	return f
}

// id is the Limit a query named name carries.
func (f *fakeStore) id(name string) int {
	for i, n := range f.names {
		if n == name {
			return i
		}
	}
	return 0
}

// run is one query.
func (f *fakeStore) run(name string) {
	f.mu.Lock()
	f.order = append(f.order, name)
	f.inside++
	f.max = max(f.max, f.inside)
	ch := f.release[name]
	f.mu.Unlock()
	f.entered <- name
	if ch != nil {
		<-ch
	}
	f.mu.Lock()
	f.inside--
	f.mu.Unlock()
}

func (f *fakeStore) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	f.run(f.names[q.Limit])
	if fn != nil {
		return query.Stats{}, fn(query.Row{})
	}
	return query.Stats{}, nil
}

func (f *fakeStore) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	f.run(f.names[q.Limit])
	return 1, nil
}

func (f *fakeStore) Snapshots(ctx context.Context, sf store.SnapshotFilter) ([]store.Snapshot, error) {
	f.mu.Lock()
	f.snapshots++
	f.mu.Unlock()
	return nil, nil
}

// waitFor polls cond; the deadline only ends a test that would hang, it
// measures nothing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		runtime.Gosched()
	}
}

func stream(ctx context.Context, st engine.Store, f *fakeStore, name string) error {
	_, err := st.Stream(ctx, query.Query{Limit: f.id(name)}, nil)
	return err
}

// TestLimit: with two slots and five queries (Stream and Entries), two
// run and three wait; each one that ends lets one more in; never more
// than two are inside the store.
func TestLimit(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	f := newFake(names...)
	st := Wrap(f, 2)
	p := st.(*wholeStore).pool
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				err = stream(context.Background(), st, f, n)
			} else {
				_, err = st.Entries(context.Background(), store.EntryQuery{Limit: f.id(n)}, nil)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, "two running and three waiting", func() bool { return p.running.Load() == 2 && p.waiting.Load() == 3 })
	got := map[string]bool{<-f.entered: true, <-f.entered: true}
	for left := 3; left > 0; left-- {
		// Under the lock: the queries read the map in run, and a
		// write beside a read is a fatal error of the runtime.
		f.mu.Lock()
		for n := range got {
			if f.release[n] != nil {
				close(f.release[n])
				f.release[n] = nil
				break
			}
		}
		f.mu.Unlock()
		got[<-f.entered] = true
		waitFor(t, "a slot given back and taken", func() bool {
			return p.running.Load() == 2 && p.waiting.Load() == int64(left-1)
		})
	}
	for _, ch := range f.release {
		if ch != nil {
			close(ch)
		}
	}
	wg.Wait()
	if f.max != 2 || len(f.order) != 5 || len(got) != 5 {
		t.Fatalf("at most %d inside (want 2), entered %v", f.max, f.order)
	}
	if p.running.Load() != 0 || p.waiting.Load() != 0 {
		t.Fatalf("after all: %d running, %d waiting", p.running.Load(), p.waiting.Load())
	}
}

// TestFIFO: with one slot, waiting queries get it in the order they
// asked for it.
func TestFIFO(t *testing.T) {
	names := []string{"first", "second", "third", "fourth"}
	f := newFake(names...)
	st := Wrap(f, 1)
	p := st.(*wholeStore).pool
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			if err := stream(context.Background(), st, f, n); err != nil {
				t.Error(err)
			}
		})
		// The next one starts only once this one holds the slot or
		// waits in the gate's line (the pool's counters move before the
		// gate's line does): the order they asked in is the order here.
		waitFor(t, n+" in line", func() bool {
			p.gate.mu.Lock()
			defer p.gate.mu.Unlock()
			return p.gate.running+p.gate.waiters.Len() == i+1
		})
	}
	for _, n := range names {
		if got := <-f.entered; got != n {
			t.Fatalf("entered %s, want %s (order %v)", got, n, f.order)
		}
		close(f.release[n])
	}
	wg.Wait()
}

// TestCancelWhileWaiting: a query whose context ends while it waits
// returns the context's error without reaching the store, and the slot
// it never had is not lost.
func TestCancelWhileWaiting(t *testing.T) {
	f := newFake("holder", "cancelled", "later")
	st := Wrap(f, 1)
	p := st.(*wholeStore).pool
	done := make(chan error, 3)
	go func() { done <- stream(context.Background(), st, f, "holder") }()
	if got := <-f.entered; got != "holder" {
		t.Fatalf("entered %s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- stream(ctx, st, f, "cancelled") }()
	waitFor(t, "one waiting", func() bool { return p.waiting.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v, want context.Canceled", err)
	}
	close(f.release["holder"])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(f.release["later"])
	if err := stream(context.Background(), st, f, "later"); err != nil {
		t.Fatal(err)
	}
	if len(f.order) != 2 || f.order[1] != "later" {
		t.Fatalf("entered %v: the cancelled query reached the store, or the slot was lost", f.order)
	}
	// An Entries call whose context ended already does not start.
	if _, err := st.Entries(ctx, store.EntryQuery{}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Entries on an ended context: %v", err)
	}
}

// TestWrap: no slots is no pool; a whole store stays one, and what the
// pool does not limit passes through.
func TestWrap(t *testing.T) {
	f := newFake()
	if Wrap(f, 0) != engine.Store(f) || Wrap(f, -1) != engine.Store(f) {
		t.Fatal("Wrap with no slots is not the store itself")
	}
	st := Wrap(f, 3)
	if _, ok := st.(store.Store); !ok {
		t.Fatalf("Wrap of a store.Store is a %T, not a store.Store", st)
	}
	if _, err := st.Snapshots(context.Background(), store.SnapshotFilter{}); err != nil || f.snapshots != 1 {
		t.Fatalf("Snapshots: %v, %d calls", err, f.snapshots)
	}
	var narrow struct{ engine.Store }
	narrow.Store = f
	if _, ok := Wrap(narrow, 3).(store.Store); ok {
		t.Fatal("Wrap of a narrow engine.Store claims to be a whole store")
	}
	if DefaultSlots() < 1 || DefaultSlots() != runtime.GOMAXPROCS(0) {
		t.Fatalf("DefaultSlots() = %d", DefaultSlots())
	}
}

// fakeImport records whether it was committed or failed.
type fakeImport struct {
	store.Import
	ended string
}

func (i *fakeImport) Commit(context.Context) ([]store.Snapshot, error) {
	i.ended = "committed"
	return nil, nil
}

func (i *fakeImport) Fail(context.Context, error) error {
	i.ended = "failed"
	return nil
}

func (f *fakeStore) BeginImport(context.Context, store.ImportSpec) (store.Import, error) {
	return &fakeImport{}, nil
}

// TestImportsTakeASlot: with three slots, an import begun through the
// pool takes one from the queries until it commits, a second import
// another until it fails, and a third none, as the queries keep the
// last; the import itself never waits.
func TestImportsTakeASlot(t *testing.T) {
	names := []string{"q1", "q2", "q3", "q4"}
	f := newFake(names...)
	st := Wrap(f, 3).(store.Store)
	p := st.(*wholeStore).pool
	ctx := context.Background()
	var imps []store.Import
	for range 3 {
		imp, err := st.BeginImport(ctx, store.ImportSpec{})
		if err != nil {
			t.Fatal(err)
		}
		imps = append(imps, imp)
	}
	if p.imports.Load() != 2 {
		t.Fatalf("%d imports hold a slot, want 2 of 3", p.imports.Load())
	}
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			if err := stream(ctx, st, f, n); err != nil {
				t.Error(err)
			}
		})
	}
	// One slot is left for the queries.
	waitFor(t, "one query running, three waiting", func() bool { return p.running.Load() == 1 && p.waiting.Load() == 3 })
	first := <-f.entered
	// The third import holds no slot: its end changes nothing.
	if err := imps[2].Fail(ctx, errors.New("bad row")); err != nil {
		t.Fatal(err)
	}
	if err := imps[0].Fail(ctx, errors.New("bad row")); err != nil {
		t.Fatal(err)
	}
	// The failed import's slot goes to the next query in line.
	waitFor(t, "two queries running", func() bool { return p.running.Load() == 2 && p.waiting.Load() == 2 })
	second := <-f.entered
	if _, err := imps[1].Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three queries running", func() bool { return p.running.Load() == 3 && p.waiting.Load() == 1 })
	third := <-f.entered
	// Ending twice gives back nothing more.
	if _, err := imps[1].Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if p.running.Load() != 3 || p.waiting.Load() != 1 || p.imports.Load() != 0 {
		t.Fatalf("after a second commit: %d running, %d waiting, %d imports", p.running.Load(), p.waiting.Load(), p.imports.Load())
	}
	for _, n := range []string{first, second, third} {
		close(f.release[n])
	}
	last := <-f.entered
	close(f.release[last])
	wg.Wait()
	for i, want := range []string{"failed", "committed", "failed"} {
		if got := imps[i].(*pooledImport).Import.(*fakeImport).ended; got != want {
			t.Errorf("import %d: %s, want %s", i, got, want)
		}
	}
	if f.max != 3 {
		t.Errorf("at most %d queries inside, want 3", f.max)
	}
}

// TestGateResize: taking slots away stops no running call and lets no
// new one in until enough have finished; giving them back lets the
// waiters in, in order.
func TestGateResize(t *testing.T) {
	g := newGate(2)
	ctx := context.Background()
	for range 2 {
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	g.resize(-1)
	got := make(chan int, 2)
	for i := range 2 {
		go func() {
			if err := g.acquire(ctx); err == nil {
				got <- i
			}
		}()
		waitFor(t, "a waiter in line", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.waiters.Len() == i+1 })
	}
	g.release() // 1 running, capacity 1: no room yet
	g.mu.Lock()
	if g.running != 1 || g.waiters.Len() != 2 {
		t.Fatalf("running %d, waiting %d: a waiter got in over capacity", g.running, g.waiters.Len())
	}
	g.mu.Unlock()
	g.release() // 0 running: the first waiter
	if i := <-got; i != 0 {
		t.Fatalf("waiter %d first", i)
	}
	g.resize(+1) // room for the second
	if i := <-got; i != 1 {
		t.Fatalf("waiter %d second", i)
	}
}
