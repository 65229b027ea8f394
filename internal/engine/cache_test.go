package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// dataStore answers every question with one row per account the scope
// sees, whose value depends on the account, the question and the data
// version: any answer given to the wrong scope, question or version
// shows. It is its own generation, which moves with the version, and
// with listed, the changes of its unsettled snapshots, which only its
// listings of every status show.
type dataStore struct {
	recorder
	version atomic.Uint64
	listed  atomic.Uint64
	calls   atomic.Int64
	// during, when set, runs inside Stream (a change landing while a
	// query runs, a gate holding the query).
	during func()
}

var dataAccounts = []string{"a1", "a2", "b1", "shared", "c1"}

func (d *dataStore) Generation(context.Context) (uint64, error) {
	return d.version.Load() + d.listed.Load(), nil
}

func (d *dataStore) SettledGeneration(context.Context) (uint64, error) { return d.version.Load(), nil }

// answer is the reference: what the store answers q within sc at
// version v, computed without the engine.
func answerOf(sc scope.Scope, q query.Query, v uint64) []query.Row {
	var rows []query.Row
	what := fmt.Sprint(q.Filter, q.GroupBy, q.Window, q.Limit)
	for i, a := range dataAccounts {
		if !sc.Sees(a) {
			continue
		}
		rows = append(rows, query.Row{Keys: []string{a, what}, Currency: "USD",
			Values: []decimal.Decimal{decimal.New(int64(i+1)*1000+int64(v), -2)}, Items: int64(len(what))})
	}
	return rows
}

func (d *dataStore) Stream(_ context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	d.calls.Add(1)
	v := d.version.Load()
	if d.during != nil {
		d.during()
	}
	rows := answerOf(q.Scope, q, v)
	for _, r := range rows {
		if err := fn(r); err != nil {
			return query.Stats{}, err
		}
	}
	return query.Stats{Total: len(rows)}, nil
}

func (d *dataStore) Snapshots(_ context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	d.calls.Add(1)
	return snapshotsOf(f, d.version.Load(), d.listed.Load()), nil
}

// snapshotsOf is the reference listing of f at version v with l changes
// of unsettled snapshots: a complete snapshot, and, unless f asks for
// complete ones only, a loading one that shows l.
func snapshotsOf(f store.SnapshotFilter, v, l uint64) []store.Snapshot {
	out := []store.Snapshot{{ID: int64(v), Source: f.Scope.String(), Status: store.StatusComplete, Files: []string{"f.csv"}}}
	if f.Status != store.StatusComplete {
		out = append(out, store.Snapshot{ID: 1000 + int64(l), Source: f.Scope.String(), Status: store.StatusLoading, Files: []string{}})
	}
	return out
}

func cachedEngine(d *dataStore, maxBytes int64) *Engine {
	e := New(d)
	e.SetGenerations(d)
	e.SetCache(maxBytes)
	return e
}

func collect(t *testing.T, e *Engine, ctx context.Context, q query.Query) []query.Row {
	t.Helper()
	var rows []query.Row
	if _, err := e.Stream(ctx, q, func(r query.Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

func viewer(id int64, accounts ...string) context.Context {
	return as(&tenant.Principal{KeyID: id, Role: tenant.RoleViewer, Scope: scope.Accounts(accounts...)})
}

// TestCacheAnswers: a repeated question is answered from the cache with
// the same rows; every kind of change makes the next one ask the store;
// a dialect changing the rows it was given changes nothing cached.
func TestCacheAnswers(t *testing.T) {
	d := &dataStore{}
	e := cachedEngine(d, 0)
	var memory atomic.Uint64
	e.AddVersion(memory.Load)
	ctx := viewer(1, "a1", "shared")
	q := query.Query{GroupBy: []cost.Dimension{cost.DimService}}
	first := collect(t, e, ctx, q)
	first[0].Keys[0] = "changed by the dialect"
	first[0].Values[0] = decimal.NewFromInt(-1)
	again := collect(t, e, ctx, q)
	if want := answerOf(scope.Accounts("a1", "shared"), q, 0); !reflect.DeepEqual(again, want) {
		t.Fatalf("cached answer %v, want %v", again, want)
	}
	if n := d.calls.Load(); n != 1 {
		t.Fatalf("the store was asked %d times for one question asked twice", n)
	}
	if s := e.CacheStats(); s.Hits != 1 || s.Misses != 1 || s.Entries != 1 || s.Bytes <= 0 {
		t.Fatalf("stats %+v", s)
	}
	for _, change := range []struct {
		name string
		do   func()
	}{
		{"a store write", func() { d.version.Add(1) }},
		{"Changed", e.Changed},
		{"a memory version", func() { memory.Add(1) }},
	} {
		before := d.calls.Load()
		change.do()
		got := collect(t, e, ctx, q)
		if d.calls.Load() != before+1 {
			t.Errorf("after %s the cache answered", change.name)
		}
		if want := answerOf(scope.Accounts("a1", "shared"), q, d.version.Load()); !reflect.DeepEqual(got, want) {
			t.Errorf("after %s: %v, want %v", change.name, got, want)
		}
	}
	// Snapshots too.
	s1, _ := e.Snapshots(ctx, store.SnapshotFilter{})
	s1[0].Files[0] = "changed"
	before := d.calls.Load()
	s2, _ := e.Snapshots(ctx, store.SnapshotFilter{})
	if d.calls.Load() != before || s2[0].Files[0] != "f.csv" {
		t.Errorf("second snapshot listing: calls %d→%d, %v", before, d.calls.Load(), s2)
	}
	// A listing without totals is another question: never answered by a
	// listing with them, nor the other way round.
	if _, err := e.Snapshots(ctx, store.SnapshotFilter{SkipTotals: true}); err != nil || d.calls.Load() != before+1 {
		t.Errorf("a listing without totals was answered from one with them (calls %d→%d, %v)", before, d.calls.Load(), err)
	}
}

// TestCacheScopeProperty: random callers (scopes that overlap, keys
// sharing a scope, organizations and customers), random questions,
// listings and memos of both, and random changes (settled or of
// unsettled snapshots only), in random order and concurrently: every
// answer is the reference answer of its caller's scope at the current
// version, and the cache did answer (so the test can fail).
// TALLY_PROPERTY_SEED replays a run.
func TestCacheScopeProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TALLY_PROPERTY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("TALLY_PROPERTY_SEED=%d", seed)
	callers := []*tenant.Principal{
		{KeyID: 1, Role: tenant.RoleAdmin, Scope: scope.All()},
		{KeyID: 2, Role: tenant.RoleViewer, Scope: scope.All()},
		{KeyID: 3, Role: tenant.RoleViewer, OrgID: 2, Scope: scope.Accounts("a1", "a2", "shared")},
		{KeyID: 4, Role: tenant.RoleViewer, OrgID: 2, Scope: scope.Accounts("a1", "a2", "shared")},
		{KeyID: 5, Role: tenant.RoleEditor, OrgID: 3, Scope: scope.Accounts("b1", "shared")},
		{KeyID: 6, Role: tenant.RoleViewer, CustomerID: 7, Scope: scope.Accounts("c1")},
		{KeyID: 7, Role: tenant.RoleViewer, CustomerID: 8, Scope: scope.Accounts("c2")},
		{KeyID: 8, Role: tenant.RoleViewer, OrgID: 2, Scope: scope.None()},
	}
	questions, listings := propQuestions, propListings
	d := &dataStore{}
	e := cachedEngine(d, 0)
	var wg sync.WaitGroup
	var mu sync.Mutex // writers exclude readers, so "the current version" is defined
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for range 600 {
				if rng.IntN(40) == 0 {
					mu.Lock()
					switch rng.IntN(3) {
					case 0:
						d.version.Add(1)
					case 1:
						d.listed.Add(1)
					default:
						e.Changed()
					}
					mu.Unlock()
					continue
				}
				p := callers[rng.IntN(len(callers))]
				qi, li := rng.IntN(len(questions)), rng.IntN(len(listings)+1)-1
				mu.Lock()
				var got, want any
				var err error
				switch rng.IntN(3) {
				case 0:
					got, err = streamed(e, as(p), questions[qi])
					want = answerOf(p.Scope, questions[qi], d.version.Load())
				case 1:
					li = max(li, 0)
					got, err = e.Snapshots(as(p), listings[li])
					want = listingOf(p, listings[li], d)
				default:
					// A rendered answer reading a question and maybe a
					// listing: it must move with what it read, and only
					// then.
					got, err = memoOf(e, as(p), qi, li)
					want = memoRef(p, qi, li, d)
				}
				mu.Unlock()
				if err == nil && !reflect.DeepEqual(got, want) {
					err = fmt.Errorf("key %d asking %d/%d: %v, want %v", p.KeyID, qi, li, got, want)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := e.CacheStats(); s.Hits == 0 || s.Misses == 0 {
		t.Fatalf("the cache answered nothing, or everything: %+v", s)
	}
}

// TestCacheSharesConcurrentMisses: callers asking one question while it
// is being answered wait for that answer instead of querying again; when
// the first caller cannot complete, the others answer themselves.
func TestCacheSharesConcurrentMisses(t *testing.T) {
	for _, leaderFails := range []bool{false, true} {
		d := &dataStore{}
		e := cachedEngine(d, 0)
		gate := make(chan struct{})
		var once sync.Once
		d.during = func() { once.Do(func() { <-gate }) } // holds the first query only
		ctx := viewer(1, "a1")
		errStop := errors.New("client went away")
		leader := make(chan error, 1)
		go func() {
			_, err := e.Stream(ctx, query.Query{}, func(query.Row) error {
				if leaderFails {
					return errStop
				}
				return nil
			})
			leader <- err
		}()
		for d.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		const followers = 5
		var wg sync.WaitGroup
		got := make([][]query.Row, followers)
		for i := range followers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i] = collect(t, e, ctx, query.Query{})
			}()
		}
		for e.CacheStats().Misses < followers+1 {
			time.Sleep(time.Millisecond)
		}
		close(gate)
		wg.Wait()
		if err := <-leader; (err != nil) != leaderFails {
			t.Fatalf("leader: %v", err)
		}
		want := answerOf(scope.Accounts("a1"), query.Query{}, 0)
		for i := range got {
			if !reflect.DeepEqual(got[i], want) {
				t.Errorf("follower %d: %v", i, got[i])
			}
		}
		wantCalls := int64(1)
		if leaderFails {
			wantCalls = 1 + followers
		}
		if n := d.calls.Load(); n != wantCalls {
			t.Errorf("leader fails %v: %d store calls, want %d", leaderFails, n, wantCalls)
		}
	}
}

// TestCacheBounded: the cache never holds more than its bound, keeps the
// most recent answers, and answers a question too big to keep in full.
func TestCacheBounded(t *testing.T) {
	d := &dataStore{}
	const bound = 16 << 10
	e := cachedEngine(d, bound)
	ctx := as(&tenant.Principal{Role: tenant.RoleAdmin, Scope: scope.All()})
	for i := range 200 {
		collect(t, e, ctx, query.Query{Limit: i})
		if s := e.CacheStats(); s.Bytes > bound {
			t.Fatalf("after %d questions the cache holds %d bytes, bound %d", i+1, s.Bytes, bound)
		}
	}
	s := e.CacheStats()
	if s.Entries == 0 || s.Entries >= 200 {
		t.Fatalf("entries %d", s.Entries)
	}
	before := d.calls.Load()
	collect(t, e, ctx, query.Query{Limit: 199})
	if d.calls.Load() != before {
		t.Error("the latest answer was evicted")
	}
	collect(t, e, ctx, query.Query{Limit: 0})
	if d.calls.Load() != before+1 {
		t.Error("the oldest answer was kept")
	}

	// An answer above an eighth of the bound is answered, not kept.
	big := &dataStore{}
	e = cachedEngine(big, 1000)
	for range 2 {
		if rows := collect(t, e, ctx, query.Query{}); len(rows) != len(dataAccounts) {
			t.Fatalf("%d rows", len(rows))
		}
	}
	if big.calls.Load() != 2 || e.CacheStats().Entries != 0 {
		t.Errorf("an oversize answer: %d calls, %+v", big.calls.Load(), e.CacheStats())
	}
}
