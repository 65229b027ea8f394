package engine

import (
	"context"
	"log/slog"

	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// cachedStream is Stream through the cache (cache.go).
func (e *Engine) cachedStream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return query.Stats{}, ErrNoPrincipal
	}
	key, ok := e.answerKey(ctx, "stream", p, q)
	if !ok {
		return e.stream(ctx, q, fn)
	}
	a, lead, err := e.cache.lookup(ctx, key)
	switch {
	case err != nil:
		return query.Stats{}, err
	case a != nil:
		for _, r := range a.rows {
			if err := fn(cloneRow(r)); err != nil {
				return query.Stats{}, err
			}
		}
		return cloneStats(a.stats), nil
	case !lead:
		return e.stream(ctx, q, fn)
	}

	// The leader: answer the caller as rows come, keeping a copy of each
	// until the answer outgrows what the cache keeps.
	var done *answer
	defer func() { e.cache.land(key, done) }() // a panicking fn must not strand the followers
	col := &answer{}
	limit := e.cache.entryMax()
	st, err := e.stream(ctx, q, func(r query.Row) error {
		if col != nil {
			col.rows = append(col.rows, cloneRow(r))
			if col.size += rowSize(r); col.size > limit {
				col = nil
			}
		}
		return fn(r)
	})
	if err != nil || col == nil {
		return st, err
	}
	col.stats = cloneStats(st)
	done = col
	return st, nil
}

// cachedSnapshots is Snapshots through the cache.
func (e *Engine) cachedSnapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoPrincipal
	}
	key, ok := e.answerKey(ctx, "snapshots", p, f)
	if !ok {
		return e.snapshots(ctx, f)
	}
	a, lead, err := e.cache.lookup(ctx, key)
	switch {
	case err != nil:
		return nil, err
	case a != nil:
		return cloneSnapshots(a.snaps), nil
	case !lead:
		return e.snapshots(ctx, f)
	}
	var done *answer
	defer func() { e.cache.land(key, done) }()
	snaps, err := e.snapshots(ctx, f)
	if err != nil {
		return snaps, err
	}
	done = &answer{snaps: cloneSnapshots(snaps), size: snapshotsSize(snaps)}
	return snaps, nil
}

// answerKey files a question of kind asked by p at the current
// generation; false when it cannot be cached (the generation cannot be
// read, or the question has a value without a canonical encoding), and
// the question is then answered uncached.
func (e *Engine) answerKey(ctx context.Context, kind string, p *tenant.Principal, question any) (answerKey, bool) {
	gen, err := e.Generation(ctx)
	if err != nil {
		slog.Warn("response cache: answering uncached", "err", err)
		return answerKey{}, false
	}
	key, err := cacheKey(kind, gen, answerer(p), question)
	if err != nil {
		return answerKey{}, false
	}
	return key, true
}

// Memo answers a question whose answer the caller builds itself, once
// per generation and caller, through the cache: the server keeps each
// dialect's rendered response with it, so that a dashboard's repeated
// request is neither queried nor rendered again. question must hold
// everything besides the caller and the data that determines the
// answer (the server's holds the path, the query, the headers read and
// the minute). compute builds the answer and says its size and whether
// it may be kept; the caller that computed gets fromCache false (it has
// its answer already), every other caller the kept or shared value.
func (e *Engine) Memo(ctx context.Context, question any, compute func() (value any, size int64, keep bool)) (value any, fromCache bool, err error) {
	run := func() any { v, _, _ := compute(); return v }
	if e.cache == nil {
		return run(), false, nil
	}
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, false, ErrNoPrincipal
	}
	key, ok := e.answerKey(ctx, "memo", p, question)
	if !ok {
		return run(), false, nil
	}
	a, lead, err := e.cache.lookup(ctx, key)
	switch {
	case err != nil:
		return nil, false, err
	case a != nil:
		return a.memo, true, nil
	case !lead:
		return run(), false, nil
	}
	var done *answer
	defer func() { e.cache.land(key, done) }()
	v, size, keep := compute()
	if keep {
		done = &answer{memo: v, size: size}
	}
	return v, false, nil
}
