// Package engine is the one door to cost data for every dialect: it
// applies the caller's tenant scope, taken from the request context, to
// every query and snapshot listing before the store sees it. A context
// without a principal gets nothing: forgetting authentication fails
// closed instead of showing every tenant's data. The same holds for the
// registry of named customers and sub accounts (registry.go): entries are
// filtered by scope, and changes need a whole-scope editor and are
// audited.
package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// ErrNoPrincipal is returned for a context that carries no principal: a
// programming error (a route outside the authentication middleware),
// never a client's.
var ErrNoPrincipal = errors.New("engine: request without a principal")

// Store is what the engine needs of a cost store (store.Store): the
// reads it scopes and the delete it guards.
type Store interface {
	Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error)
	Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error)
	Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error)
	DeleteSnapshot(ctx context.Context, id int64) (store.Snapshot, error)
	DeleteSnapshots(ctx context.Context, ids []int64) ([]store.Snapshot, error)
}

// Engine answers cost questions within the caller's scope.
type Engine struct {
	store    Store
	audit    Auditor
	registry *registry.Registry
	rates    *rates.Book // nil: no exchange rates (rates.go)
	// Overlays (overlays.go); nil: none.
	perspectives Perspectives
	customTags   CustomTags
	covers       TagCover
	// generations are the stores Generation sums, versions the memory
	// it adds, changes the changes made known (generation.go).
	generations []store.Generation
	versions    []func() uint64
	changes     atomic.Uint64
	// cache keeps answers (cache.go); nil: none.
	cache *answerCache
}

// Auditor records a change made through the engine (tenant.Service.Record).
type Auditor func(ctx context.Context, p *tenant.Principal, action, object, id, detail string) error

// SetAudit makes every change through the engine recorded by a.
func (e *Engine) SetAudit(a Auditor) { e.audit = a }

// DeleteSnapshot removes a snapshot (see store.Store). Only
// administrators of the default organization may: a snapshot holds the
// line items of every tenant it covers.
func (e *Engine) DeleteSnapshot(ctx context.Context, id int64) (store.Snapshot, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return store.Snapshot{}, ErrNoPrincipal
	}
	if err := p.RequireWhole(tenant.Administer, "administrators", "delete snapshots"); err != nil {
		return store.Snapshot{}, err
	}
	sn, err := e.store.DeleteSnapshot(ctx, id)
	if err != nil {
		return sn, err
	}
	if e.audit != nil {
		detail := fmt.Sprintf("source=%s period=%s", sn.Source, sn.BillingPeriodStart.Format("2006-01"))
		if err := e.audit(ctx, p, "delete", "snapshot", strconv.FormatInt(id, 10), detail); err != nil {
			return sn, err
		}
	}
	return sn, nil
}

// New returns an engine over st.
func New(st Store) *Engine { return &Engine{store: st} }

// callerScope returns the accounts the caller of ctx may see.
func callerScope(ctx context.Context) (scope.Scope, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return scope.None(), ErrNoPrincipal
	}
	return p.Scope, nil
}

// Stream answers q within the caller's scope, row by row. The scope is
// the caller's, whatever q carried: a dialect narrows a question with its
// filter, which the store applies inside the scope, never by choosing
// the scope.
func (e *Engine) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	if e.cache == nil {
		return e.stream(ctx, q, fn)
	}
	return e.cachedStream(ctx, q, fn)
}

// stream is Stream without the cache.
func (e *Engine) stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	sc, err := callerScope(ctx)
	if err != nil {
		return query.Stats{}, err
	}
	q.Scope = sc
	if q.Mappings, err = e.overlay(ctx, q.Mappings, q.GroupBy, q.Filter); err != nil {
		return query.Stats{}, err
	}
	// The rates are the administrator's, whatever q carried.
	q.Rates = nil
	if q.USD && !q.OwnUSD {
		w := q.Window
		if q.Spread {
			// A spread question counts parts of items charged since
			// before its window, converted at their start month's rate.
			w.Start = time.Time{}
		}
		if q.Rates, err = e.withRates(ctx, w); err != nil {
			return query.Stats{}, err
		}
	}
	st, err := e.store.Stream(ctx, q, fn)
	st.Rates = q.Rates
	return st, err
}

// Query answers q within the caller's scope, collected (see Stream).
func (e *Engine) Query(ctx context.Context, q query.Query) (*query.Result, error) {
	return query.Collect(ctx, e, q)
}

// Entries lists the line items of q within the caller's scope, one by
// one (see store.Store).
func (e *Engine) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	sc, err := callerScope(ctx)
	if err != nil {
		return 0, err
	}
	q.Scope = sc
	if q.Mappings, err = e.overlay(ctx, q.Mappings, nil, q.Filter); err != nil {
		return 0, err
	}
	return e.store.Entries(ctx, q, fn)
}

// Snapshots lists the snapshots within the caller's scope; for a scoped
// caller, rows and totals count only its accounts (see
// store.SnapshotFilter.Scope). Errors and file names are redacted: a
// store written by an older version may hold a failed import's error
// with a URL's SAS token in it.
func (e *Engine) Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	if e.cache == nil {
		return e.snapshots(ctx, f)
	}
	return e.cachedSnapshots(ctx, f)
}

// snapshots is Snapshots without the cache.
func (e *Engine) snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	sc, err := callerScope(ctx)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	snaps, err := e.listSnapshots(ctx, f, false)
	for i := range snaps {
		snaps[i].Error = secret.Redact(snaps[i].Error)
		for j, file := range snaps[i].Files {
			snaps[i].Files[j] = secret.Redact(file)
		}
	}
	return snaps, err
}

// overlay adds to a question's mappings what the engine overlays on the
// line items: perspectives, then custom tags (a perspective may read a
// tag), then registered names (either may read a name). used lists the
// question groups by groupBy and filters by f; each overlay reads the
// stored dimensions the question reads under the mappings so far.
func (e *Engine) overlay(ctx context.Context, maps map[cost.Dimension]query.Mapping, groupBy []cost.Dimension, f filter.Expr) (map[cost.Dimension]query.Mapping, error) {
	used := func() []cost.Dimension {
		return query.Query{GroupBy: groupBy, Filter: f, Mappings: maps}.StoredDimensions()
	}
	maps, err := e.withPerspectives(ctx, maps, used())
	if err != nil {
		return nil, err
	}
	if maps, err = e.withCustomTags(maps, used()); err != nil {
		return nil, err
	}
	return e.withNames(ctx, maps, used())
}

// withNames adds to maps the registered names (registry.Names) of the
// name dimensions a question reads (used), so that a sub account or
// customer shows the name users gave it in every dialect, in groups and
// in filters alike. A dialect's own mapping of a name dimension wins.
// The registry is read only for questions that show a name.
func (e *Engine) withNames(ctx context.Context, maps map[cost.Dimension]query.Mapping, used []cost.Dimension) (map[cost.Dimension]query.Mapping, error) {
	if e.registry == nil {
		return maps, nil
	}
	for _, kind := range registry.Kinds {
		d := registry.NameDimension(kind)
		if _, mapped := maps[d]; mapped || !slices.Contains(used, d) {
			continue
		}
		entries, err := e.Registered(ctx, kind)
		if err != nil {
			return nil, fmt.Errorf("reading registered names: %w", err)
		}
		m, ok := registry.Names(kind, entries)
		if !ok {
			continue
		}
		out := make(map[cost.Dimension]query.Mapping, len(maps)+1)
		for k, v := range maps {
			out[k] = v
		}
		out[d] = m
		maps = out
	}
	return maps, nil
}
