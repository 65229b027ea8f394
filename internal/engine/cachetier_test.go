package engine

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// The questions, listings and memos of TestCacheScopeProperty, with
// their reference answers.

var ec2 = filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"EC2"}}

var propQuestions = []query.Query{
	{},
	{GroupBy: []cost.Dimension{cost.DimService}},
	{GroupBy: []cost.Dimension{cost.DimRegion}},
	{Filter: ec2},
	{Filter: filter.Not{X: ec2}},
	{Filter: filter.And{Xs: []filter.Expr{ec2}}},
	{Filter: filter.Or{Xs: []filter.Expr{ec2}}},
	{Window: cost.Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}},
	{Limit: 2},
	// A question naming a scope of its own: the caller's wins.
	{Scope: scope.All()},
}

// propListings: a listing of every status sees unsettled snapshots, one
// of complete snapshots does not.
var propListings = []store.SnapshotFilter{{}, {Status: store.StatusComplete}, {Source: "s1"}}

func streamed(e *Engine, ctx context.Context, q query.Query) ([]query.Row, error) {
	var rows []query.Row
	_, err := e.Stream(ctx, q, func(r query.Row) error { rows = append(rows, r); return nil })
	return rows, err
}

// listingOf is the reference of Engine.Snapshots: the store's listing
// within the caller's scope.
func listingOf(p *tenant.Principal, f store.SnapshotFilter, d *dataStore) []store.Snapshot {
	f.Scope = p.Scope
	return snapshotsOf(f, d.version.Load(), d.listed.Load())
}

type memoQuestion struct{ Question, Listing int }

// memoOf renders question qi and, unless li < 0, listing li, as a
// dialect's response through Memo.
func memoOf(e *Engine, ctx context.Context, qi, li int) (any, error) {
	st, err := e.Stamp(ctx)
	if err != nil {
		return nil, err
	}
	m, err := e.Memo(ctx, st, memoQuestion{qi, li}, func(ctx context.Context) (any, int64, bool) {
		rows, err := streamed(e, ctx, propQuestions[qi])
		if err != nil {
			return err.Error(), 0, false
		}
		var snaps []store.Snapshot
		if li >= 0 {
			if snaps, err = e.Snapshots(ctx, propListings[li]); err != nil {
				return err.Error(), 0, false
			}
		}
		return fmt.Sprint(rows, snaps), 256, true
	})
	return m.Value, err
}

func memoRef(p *tenant.Principal, qi, li int, d *dataStore) any {
	var snaps []store.Snapshot
	if li >= 0 {
		snaps = listingOf(p, propListings[li], d)
	}
	return fmt.Sprint(answerOf(p.Scope, propQuestions[qi], d.version.Load()), snaps)
}

// TestCacheTiers: a change of unsettled snapshots only (an import
// loading) leaves cached cost answers and listings of complete
// snapshots served, and retires listings of every status and every memo
// whose computation read one, even from the cache; a settled change
// retires everything.
func TestCacheTiers(t *testing.T) {
	d := &dataStore{}
	e := cachedEngine(d, 0)
	p := &tenant.Principal{KeyID: 1, Role: tenant.RoleViewer, Scope: scope.Accounts("a1", "shared")}
	ctx := as(p)
	asked := func(what string, do func(), want bool) {
		t.Helper()
		before := d.calls.Load()
		do()
		if got := d.calls.Load() > before; got != want {
			t.Errorf("%s: asked the store %v, want %v", what, got, want)
		}
	}
	stream := func() {
		t.Helper()
		got, err := streamed(e, ctx, propQuestions[1])
		if err != nil || !reflect.DeepEqual(got, answerOf(p.Scope, propQuestions[1], d.version.Load())) {
			t.Errorf("stream: %v %v", got, err)
		}
	}
	listing := func(li int) func() {
		return func() {
			t.Helper()
			got, err := e.Snapshots(ctx, propListings[li])
			if err != nil || !reflect.DeepEqual(got, listingOf(p, propListings[li], d)) {
				t.Errorf("listing %d: %v %v", li, got, err)
			}
		}
	}
	memo := func(li int, fromCache, settled bool) func() {
		return func() {
			t.Helper()
			st, _ := e.Stamp(ctx)
			m, err := e.Memo(ctx, st, memoQuestion{1, li}, func(ctx context.Context) (any, int64, bool) {
				rows, _ := streamed(e, ctx, propQuestions[1])
				var snaps []store.Snapshot
				if li >= 0 {
					snaps, _ = e.Snapshots(ctx, propListings[li])
				}
				return fmt.Sprint(rows, snaps), 256, true
			})
			if err != nil || m.Value != memoRef(p, 1, li, d) {
				t.Errorf("memo %d: %v %v, want %v", li, m.Value, err, memoRef(p, 1, li, d))
			}
			if m.FromCache != fromCache || (fromCache && m.Settled != settled) {
				t.Errorf("memo %d: from the cache %v settled %v, want %v %v", li, m.FromCache, m.Settled, fromCache, settled)
			}
		}
	}

	asked("a question", stream, true)
	asked("every listing", listing(0), true)
	asked("complete listing", listing(1), true)
	asked("a memo of a question", memo(-1, false, false), false)
	asked("a memo of a question and a listing, both cached", memo(0, false, false), false)
	asked("a memo of a question and the complete listing", memo(1, false, false), false)
	asked("the memo of a question again", memo(-1, true, true), false)
	asked("the memo of a listing again", memo(0, true, false), false)

	d.listed.Add(1) // an import declares its snapshots
	asked("a question while an import loads", stream, false)
	asked("the complete listing while an import loads", listing(1), false)
	asked("the memo of a question while an import loads", memo(-1, true, true), false)
	asked("the memo of the complete listing while an import loads", memo(1, true, true), false)
	asked("every listing while an import loads", listing(0), true)
	// The memo's listing is now cached again, so its computation reads
	// it from the cache: the note must come with it.
	asked("the memo of a listing while an import loads", memo(0, false, false), false)
	d.listed.Add(1)
	asked("the memo of a listing after another change of the import", memo(0, false, false), true)

	d.version.Add(1) // the import commits
	asked("a question after a commit", stream, true)
	asked("the complete listing after a commit", listing(1), true)
	asked("the memo of a question after a commit", memo(-1, false, false), false)
	if s := e.CacheStats(); s.Hits == 0 {
		t.Fatalf("stats %+v", s)
	}
}
