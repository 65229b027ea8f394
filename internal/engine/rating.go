package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// ratedWrites serialises the read-merge-write of AddRated within this
// process, so that two posts to one scope's period cannot both read the
// old snapshot and the second lose the first's points.
var ratedWrites sync.Mutex

// WriteRated stores rated frames of one scope (frames.Write): each
// frame's period gets one snapshot, replacing what was rated for it
// before. Only administrators who see the scope may write rated data
// (upstream's POST /v2/dataframes is admin-only); dialects write rated
// data only through here, never through the store.
func (e *Engine) WriteRated(ctx context.Context, scopeID, currency string, fs ...frames.Frame) ([]store.Snapshot, error) {
	st, err := e.ratedStore(ctx, scopeID)
	if err != nil {
		return nil, err
	}
	return frames.Write(ctx, st, scopeID, currency, fs...)
}

// AddRated adds rated frames of one scope to what is stored for their
// periods: each period's snapshot is rewritten with its stored points
// and the new ones, so that posting a point adds to the period, as
// upstream's storage does, while the write stays one atomic snapshot
// per scope and period (the processor's WriteRated replaces instead).
func (e *Engine) AddRated(ctx context.Context, scopeID, currency string, fs ...frames.Frame) ([]store.Snapshot, error) {
	st, err := e.ratedStore(ctx, scopeID)
	if err != nil {
		return nil, err
	}
	ratedWrites.Lock()
	defer ratedWrites.Unlock()
	merged := make([]frames.Frame, 0, len(fs))
	byPeriod := map[cost.Window]int{}
	for _, f := range fs {
		w := cost.Window{Start: f.Start.UTC(), End: f.End.UTC()}
		i, ok := byPeriod[w]
		if !ok {
			stored, err := storedFrame(ctx, st, scopeID, w)
			if err != nil {
				return nil, err
			}
			i = len(merged)
			byPeriod[w] = i
			merged = append(merged, stored)
		}
		for typ, pts := range f.Usage {
			merged[i].Usage[typ] = append(merged[i].Usage[typ], pts...)
		}
	}
	return frames.Write(ctx, st, scopeID, currency, merged...)
}

// ratedStore checks that the caller may write scopeID's rated data and
// returns the store to write it to.
func (e *Engine) ratedStore(ctx context.Context, scopeID string) (store.Store, error) {
	if _, err := ratingAdmin(ctx, scopeID); err != nil {
		return nil, err
	}
	// The engine holds its store by the narrow interface of the reads it
	// scopes; every real store is a whole store.Store.
	st, ok := e.store.(store.Store)
	if !ok {
		return nil, fmt.Errorf("engine: the store %T cannot import", e.store)
	}
	return st, nil
}

// ratingAdmin returns the caller when it may change scopeID's rated data
// (write frames, reset the scope): administrators who see the scope, as
// upstream's POST /v2/dataframes and scope writes are admin-only.
func ratingAdmin(ctx context.Context, scopeID string) (*tenant.Principal, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoPrincipal
	}
	if err := p.Require(tenant.Administer); err != nil {
		return nil, err
	}
	if !p.Sees(scopeID) {
		return nil, fmt.Errorf("%w: the scope %q is not one of the key's accounts", tenant.ErrForbidden, scopeID)
	}
	return p, nil
}

// storedFrame reads the rated points stored for scopeID in period w.
func storedFrame(ctx context.Context, st store.Store, scopeID string, w cost.Window) (frames.Frame, error) {
	f := frames.Frame{Scope: scopeID, Start: w.Start, End: w.End, Usage: map[string][]frames.Point{}}
	q := store.EntryQuery{
		Window: w,
		Filter: filter.AndOf(
			filter.Cond{Dim: cost.DimSource, Values: []string{frames.Source(scopeID)}},
			filter.Cond{Dim: cost.DimProvider, Values: []string{frames.Provider}},
		),
		// The caller's right to the scope was checked (ratedStore).
		Scope: scope.All(),
	}
	_, err := st.Entries(ctx, q, func(en *store.Entry) error {
		_, typ, period, p := frames.FromLineItem(&en.Item)
		if period.Start.Equal(w.Start) && period.End.Equal(w.End) {
			f.Usage[typ] = append(f.Usage[typ], p)
		}
		return nil
	})
	if err != nil {
		return f, fmt.Errorf("reading the rated points of %s in %s: %w", scopeID, w, err)
	}
	return f, nil
}
