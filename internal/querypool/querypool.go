// Package querypool bounds how many cost queries run in the store at
// once, so that imports keep making progress while the server is under
// load (issue 23, "fair sharing").
//
// Why a bound helps: every query the engine sends to DuckDB runs on the
// calling goroutine's thread inside cgo plus DuckDB's worker threads.
// With 64 clients the server has 64 queries executing at once on two
// cores, and an import, one more thread among 65, gets a sixty-fifth of
// the machine: BENCHMARKS.md measured a 2M-row import that takes 20 s
// alone reaching 178k rows in 55 s. With the queries queued in Go beyond
// a few slots, the operating system shares the cores between the slots
// and the import instead.
//
// Imports take a slot too, for as long as they run (BeginImport to
// Commit or Fail), but never the last one: with two slots on two cores,
// queries use both while nothing is imported, and one while an import
// runs, which keeps the other core for it. A fixed bound of one slot
// gives imports the same share but costs queries a third of their
// throughput when nothing is imported (BENCHMARKS.md, "Issue 23: fair
// sharing").
package querypool

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// DefaultSlots is the number of queries that may run at once when a
// configuration says nothing and no import runs: one per core (an
// import running takes one of them).
func DefaultSlots() int { return runtime.GOMAXPROCS(0) }

// Wrap returns st with its queries (Stream and Entries, the calls that
// run DuckDB queries over line items or the rollup) limited to slots at
// once; the others pass through. Waiting callers are served first come,
// first served, and one whose context ends stops waiting with the
// context's error. slots <= 0 returns st itself: no limit.
//
// When st is a whole cost store (store.Store), so is the result, and
// imports begun through it hold a slot while they run, as long as one
// is left for queries (see the package comment).
func Wrap(st engine.Store, slots int) engine.Store {
	if slots <= 0 {
		return st
	}
	p := &pool{Store: st, slots: int64(slots), gate: newGate(slots)}
	if whole, ok := st.(store.Store); ok {
		return &wholeStore{Store: whole, pool: p}
	}
	return p
}

// pool limits the queries of an engine.Store.
type pool struct {
	engine.Store
	gate  *gate
	slots int64
	// waiting and running count the calls waiting for a slot and those
	// holding one (tests watch them); imports the imports holding one.
	waiting, running, imports atomic.Int64
}

// acquire takes a slot for ctx; release gives it back. A slot is held
// while the store calls the query's callback, so a callback must not
// start another query through the pool: it would wait for a second slot
// (with one slot, until its context ends). No caller does (the dialects
// run their queries one after the other).
func (p *pool) acquire(ctx context.Context) (func(), error) {
	p.waiting.Add(1)
	err := p.gate.acquire(ctx)
	p.waiting.Add(-1)
	if err != nil {
		return nil, fmt.Errorf("waiting for a query slot: %w", err)
	}
	p.running.Add(1)
	return func() { p.running.Add(-1); p.gate.release() }, nil
}

func (p *pool) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return query.Stats{}, err
	}
	defer release()
	return p.Store.Stream(ctx, q, fn)
}

func (p *pool) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	return p.Store.Entries(ctx, q, fn)
}

// reserve takes a slot from the queries for an import until done is
// called, unless the imports have every slot but one already. The
// import does not wait for it: the queries running finish, and no
// other starts in their place while the import runs.
func (p *pool) reserve() (done func()) {
	for {
		n := p.imports.Load()
		if n >= p.slots-1 {
			return func() {}
		}
		if p.imports.CompareAndSwap(n, n+1) {
			break
		}
	}
	p.gate.resize(-1)
	return sync.OnceFunc(func() {
		p.gate.resize(+1)
		p.imports.Add(-1)
	})
}

// wholeStore is pool over a store.Store: the queries go through the pool,
// every other method to the store.
type wholeStore struct {
	store.Store
	pool *pool
}

func (w *wholeStore) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	return w.pool.Stream(ctx, q, fn)
}

func (w *wholeStore) BeginImport(ctx context.Context, spec store.ImportSpec) (store.Import, error) {
	imp, err := w.Store.BeginImport(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &pooledImport{Import: imp, done: w.pool.reserve()}, nil
}

// pooledImport gives its slot back when it commits or fails.
type pooledImport struct {
	store.Import
	done func()
}

func (i *pooledImport) Commit(ctx context.Context) ([]store.Snapshot, error) {
	defer i.done()
	return i.Import.Commit(ctx)
}

func (i *pooledImport) Fail(ctx context.Context, cause error) error {
	defer i.done()
	return i.Import.Fail(ctx, cause)
}

func (w *wholeStore) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	return w.pool.Entries(ctx, q, fn)
}
