package engine

import (
	"context"
	"log/slog"

	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// tierKeys are the two keys a question may be filed under: at the
// settled generation, and at the generation of every change, of at.
type tierKeys struct {
	settled, all answerKey
	at           Stamp
}

// through answers a question of kind asked by p through the cache. at
// is the generation the caller read (nil: read it now). serve answers
// the caller and, when collect is true, returns the answer to keep (nil:
// it cannot be kept); replay answers the caller from a kept answer.
//
// The settled key is looked at first; then the other, whose flight
// concurrent misses share. The answer a flight computes is filed under
// the settled key unless computing it listed unsettled snapshots. It
// returns the answer replayed, nil when serve answered.
func (e *Engine) through(ctx context.Context, kind string, p *tenant.Principal, question any, at *Stamp,
	serve func(ctx context.Context, collect bool) (*answer, error), replay func(*answer) error) (*answer, error) {
	keys, ok := e.answerKeys(ctx, kind, p, question, at)
	if !ok {
		_, err := serve(ctx, false)
		return nil, err
	}
	if a, ok := e.cache.get(keys.settled); ok {
		return a, replay(a)
	}
	a, lead, err := e.cache.lookup(ctx, keys.all)
	switch {
	case err != nil:
		return nil, err
	case a != nil:
		if a.unsettled {
			noteUnsettled(ctx) // as computing it did
		}
		return a, replay(a)
	case !lead:
		_, err := serve(ctx, false)
		return nil, err
	}
	var done *answer
	file := keys.all
	defer func() { e.cache.land(keys.all, done, file) }() // a panicking serve must not strand the followers
	rctx, rd := withReads(ctx)
	kept, err := serve(rctx, true)
	if err != nil || kept == nil {
		return nil, err
	}
	if kept.unsettled = rd.unsettled.Load(); !kept.unsettled {
		file = keys.settled
	}
	kept.at = keys.at
	done = kept
	return nil, nil
}

// cachedStream is Stream through the cache (cache.go).
func (e *Engine) cachedStream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return query.Stats{}, ErrNoPrincipal
	}
	var st query.Stats
	serve := func(ctx context.Context, collect bool) (*answer, error) {
		if !collect {
			var err error
			st, err = e.stream(ctx, q, fn)
			return nil, err
		}
		// Answer the caller as rows come, keeping a copy of each until
		// the answer outgrows what the cache keeps.
		col := &answer{}
		limit := e.cache.entryMax()
		var err error
		st, err = e.stream(ctx, q, func(r query.Row) error {
			if col != nil {
				col.rows = append(col.rows, cloneRow(r))
				if col.size += rowSize(r); col.size > limit {
					col = nil
				}
			}
			return fn(r)
		})
		if err != nil || col == nil {
			return nil, err
		}
		col.stats = cloneStats(st)
		return col, nil
	}
	replay := func(a *answer) error {
		for _, r := range a.rows {
			if err := fn(cloneRow(r)); err != nil {
				return err
			}
		}
		st = cloneStats(a.stats)
		return nil
	}
	if _, err := e.through(ctx, "stream", p, q, nil, serve, replay); err != nil {
		return query.Stats{}, err
	}
	return st, nil
}

// cachedSnapshots is Snapshots through the cache.
func (e *Engine) cachedSnapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoPrincipal
	}
	var snaps []store.Snapshot
	serve := func(ctx context.Context, collect bool) (*answer, error) {
		var err error
		if snaps, err = e.snapshots(ctx, f); err != nil || !collect {
			return nil, err
		}
		return &answer{snaps: cloneSnapshots(snaps), size: snapshotsSize(snaps)}, nil
	}
	replay := func(a *answer) error { snaps = cloneSnapshots(a.snaps); return nil }
	if _, err := e.through(ctx, "snapshots", p, f, nil, serve, replay); err != nil {
		return nil, err
	}
	return snaps, nil
}

// answerKeys files a question of kind asked by p at the generation at
// (nil: the current one); false when it cannot be cached (the
// generation cannot be read, or the question has a value without a
// canonical encoding), and the question is then answered uncached.
func (e *Engine) answerKeys(ctx context.Context, kind string, p *tenant.Principal, question any, at *Stamp) (tierKeys, bool) {
	if at == nil {
		st, err := e.Stamp(ctx)
		if err != nil {
			slog.Warn("response cache: answering uncached", "err", err)
			return tierKeys{}, false
		}
		at = &st
	}
	who := answerer(p)
	settled, err := cacheKey(kind, "settled", at.Settled, who, question)
	if err != nil {
		return tierKeys{}, false
	}
	all, err := cacheKey(kind, "all", at.All, who, question)
	if err != nil {
		return tierKeys{}, false
	}
	return tierKeys{settled: settled, all: all, at: *at}, true
}

// Memoized is what Memo answers.
type Memoized struct {
	Value any
	// FromCache: Value was kept by an earlier caller (or a concurrent
	// one); false when this caller's compute made it.
	FromCache bool
	// Settled: the kept value was filed at the settled generation (its
	// computation listed no unsettled snapshot), so it is current for as
	// long as Stamp.Settled is.
	Settled bool
	// At is the generation the kept value was computed at.
	At Stamp
}

// Memo answers a question whose answer the caller builds itself, once
// per generation and caller, through the cache: the server keeps each
// dialect's rendered response with it, so that a dashboard's repeated
// request is neither queried nor rendered again. at is the generation
// the caller read before asking (the server tags responses with it).
// question must hold everything besides the caller and the data that
// determines the answer (the server's holds the path, the query, the
// headers read and the minute). compute builds the answer under the
// context it is given, whose reads decide the answer's tier, and says
// its size and whether it may be kept.
func (e *Engine) Memo(ctx context.Context, at Stamp, question any, compute func(ctx context.Context) (value any, size int64, keep bool)) (Memoized, error) {
	var out Memoized
	serve := func(ctx context.Context, collect bool) (*answer, error) {
		v, size, keep := compute(ctx)
		out.Value = v
		if !collect || !keep {
			return nil, nil
		}
		return &answer{memo: v, size: size}, nil
	}
	replay := func(a *answer) error {
		out = Memoized{Value: a.memo, FromCache: true, Settled: !a.unsettled, At: a.at}
		return nil
	}
	if e.cache == nil {
		_, err := serve(ctx, false)
		return out, err
	}
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return Memoized{}, ErrNoPrincipal
	}
	_, err := e.through(ctx, "memo", p, question, &at, serve, replay)
	return out, err
}
