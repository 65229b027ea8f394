package engine

import (
	"context"
	"sync/atomic"

	"github.com/tally-cost/tally/internal/store"
)

// What an answer read, so that the cache files it in the right tier
// (Stamp). An answer that listed unsettled snapshots (loading, failed)
// must move with every change of them; every other answer only with
// settled changes. The engine notes such a listing on the context of
// the computation that makes it, and the cache reads the note when the
// computation ends. A computation can hold others (a rendered response
// holds its queries; a cached one reports its note when it is
// replayed), so a note reaches every enclosing computation.

type readsKey struct{}

// reads is one computation's record; up is the computation holding it.
type reads struct {
	unsettled atomic.Bool
	up        *reads
}

// withReads starts a record for a computation run under ctx.
func withReads(ctx context.Context) (context.Context, *reads) {
	up, _ := ctx.Value(readsKey{}).(*reads)
	r := &reads{up: up}
	return context.WithValue(ctx, readsKey{}, r), r
}

// noteUnsettled records, for every computation ctx is part of, that it
// read a listing of unsettled snapshots.
func noteUnsettled(ctx context.Context) {
	r, _ := ctx.Value(readsKey{}).(*reads)
	for ; r != nil; r = r.up {
		r.unsettled.Store(true)
	}
}

// listSnapshots is the store's snapshot listing as the engine reads it.
// A listing sees unsettled snapshots unless it asks for a settled status
// only, or its caller keeps only settled ones (settledOnly): the others
// are noted.
func (e *Engine) listSnapshots(ctx context.Context, f store.SnapshotFilter, settledOnly bool) ([]store.Snapshot, error) {
	switch {
	case settledOnly:
	case f.Status == store.StatusComplete, f.Status == store.StatusSuperseded, f.Status == store.StatusDeleted:
	default:
		noteUnsettled(ctx)
	}
	return e.store.Snapshots(ctx, f)
}
