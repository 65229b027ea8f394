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
// and the import instead, and a query waits for a slot rather than for
// the CPU, which costs it no more time in all.
package querypool

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// DefaultSlots is the number of queries that may run at once when a
// configuration says nothing: every core but one, which is left to
// imports, and at least one.
func DefaultSlots() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// Wrap returns st with its queries (Stream and Entries, the calls that
// run DuckDB queries over line items or the rollup) limited to slots at
// once; the others pass through. Waiting callers are served first come,
// first served, and one whose context ends stops waiting with the
// context's error. slots <= 0 returns st itself: no limit.
//
// When st is a whole cost store (store.Store), so is the result: the
// engine writes rated data through the store it holds (engine.ratedStore).
func Wrap(st engine.Store, slots int) engine.Store {
	if slots <= 0 {
		return st
	}
	p := &pool{Store: st, sem: semaphore.NewWeighted(int64(slots))}
	if whole, ok := st.(store.Store); ok {
		return &wholeStore{Store: whole, pool: p}
	}
	return p
}

// pool limits the queries of an engine.Store.
type pool struct {
	engine.Store
	// sem is FIFO: x/sync/semaphore serves waiters in the order they
	// came, so a burst of queries cannot starve an earlier one.
	sem *semaphore.Weighted
	// waiting and running count the calls waiting for a slot and those
	// holding one (tests watch them).
	waiting, running atomic.Int64
}

// acquire takes a slot for ctx; release gives it back. A slot is held
// while the store calls the query's callback, so a callback must not
// start another query through the pool: it would wait for a second slot
// (with one slot, until its context ends). No caller does (the dialects
// run their queries one after the other).
func (p *pool) acquire(ctx context.Context) (func(), error) {
	p.waiting.Add(1)
	err := p.sem.Acquire(ctx, 1)
	p.waiting.Add(-1)
	if err != nil {
		return nil, fmt.Errorf("waiting for a query slot: %w", err)
	}
	p.running.Add(1)
	return func() { p.running.Add(-1); p.sem.Release(1) }, nil
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

// wholeStore is pool over a store.Store: the queries go through the pool,
// every other method to the store.
type wholeStore struct {
	store.Store
	pool *pool
}

func (w *wholeStore) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	return w.pool.Stream(ctx, q, fn)
}

func (w *wholeStore) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	return w.pool.Entries(ctx, q, fn)
}
