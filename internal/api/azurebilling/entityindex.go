package azurebilling

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/tenant"
)

// Finding one customer, subscription, resource or meter by id. An id is
// a hash of the object's natural key (stableID), which no query can
// invert, and listing every object to find one read all of the entity's
// columns of every line item. find instead keeps, per kind and caller
// scope, the map from id to natural key of the objects in the bills,
// built from the key columns alone, and then reads only the line items
// of that key (entity.match). The map is derived data, not data the
// dialect owns: it is rebuilt when the set of completed Azure snapshots
// changes (an import commits, a snapshot is deleted or pruned), which is
// the only way the objects in the bills change, as a committed
// snapshot's rows never do. It is kept per scope because a scoped caller
// sees fewer objects; the final read is in the caller's scope anyway.

// keyIndex maps the ids of one kind's objects in the bills to their keys.
type keyIndex struct {
	version string // the completed snapshots it was built from
	byID    map[int64]string
}

// keyIndexes are the API's indexes, by kind and scope. Concurrent
// requests that need the same missing index wait for one build.
type keyIndexes struct {
	mu     sync.Mutex
	m      map[string]*keyIndex
	builds singleflight.Group
}

// maxKeyIndexes bounds the indexes kept: one per kind and scope in use.
const maxKeyIndexes = 256

// completedIDs are the ids of c's completed snapshots, the ones entities
// are drawn from (see derive).
func completedIDs(c *catalog) []int64 {
	var ids []int64
	for i := range c.snaps {
		if completed(&c.snaps[i]) {
			ids = append(ids, c.snaps[i].ID)
		}
	}
	return ids
}

// versionOf names a set of snapshots.
func versionOf(ids []int64) string {
	s := slices.Sorted(slices.Values(ids))
	var b strings.Builder
	for _, id := range s {
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteByte(',')
	}
	return b.String()
}

// keyOf returns the natural key of the object of e with id in the bills
// of snapshots ids, as the caller sees them.
func (a *API) keyOf(ctx context.Context, ids []int64, e entity, id int64) (string, bool, error) {
	sc := ""
	if p, ok := tenant.FromContext(ctx); ok {
		sc = p.Scope.String()
	}
	name, version := e.kind+"\x00"+sc, versionOf(ids)
	ix := &a.keys
	ix.mu.Lock()
	cur := ix.m[name]
	ix.mu.Unlock()
	if cur == nil || cur.version != version {
		v, err, _ := ix.builds.Do(name+"\x00"+version, func() (any, error) {
			// Not cancelled with the first request: the others wait for it.
			byID, err := a.buildKeyIndex(context.WithoutCancel(ctx), ids, e)
			if err != nil {
				return nil, err
			}
			built := &keyIndex{version: version, byID: byID}
			ix.mu.Lock()
			if ix.m == nil || len(ix.m) >= maxKeyIndexes {
				ix.m = map[string]*keyIndex{}
			}
			ix.m[name] = built
			ix.mu.Unlock()
			return built, nil
		})
		if err != nil {
			return "", false, err
		}
		cur = v.(*keyIndex)
	}
	key, ok := cur.byID[id]
	return key, ok, nil
}

// buildKeyIndex reads the keys of e's objects in the bills of ids.
func (a *API) buildKeyIndex(ctx context.Context, ids []int64, e entity) (map[int64]string, error) {
	byID := map[int64]string{}
	if len(ids) == 0 {
		return byID, nil
	}
	dims := make([]cost.Dimension, len(e.keyCols))
	for i, c := range e.keyCols {
		dims[i] = e.cols[c].dim
	}
	q := query.Query{Window: allTime, GroupBy: dims, Filter: microsoft,
		Metrics: []cost.Metric{cost.Billed}, Selection: query.Selection{Snapshots: ids}}
	k := make([]string, len(e.cols))
	_, err := a.engine.Stream(ctx, q, func(r query.Row) error {
		for j, c := range e.keyCols {
			k[c] = r.Keys[j]
		}
		key := e.key(k)
		id := stableID(e.kind, key)
		// Two keys of one id: list shows the first in key order.
		if prev, ok := byID[id]; !ok || key < prev {
			byID[id] = key
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("indexing %ss: %w", e.kind, err)
	}
	return byID, nil
}

// billedByID returns the object of e with id in the bills, as derive
// draws it, reading only the line items of its key.
func (a *API) billedByID(ctx context.Context, e entity, g *registered, id int64) (billed, bool, error) {
	c, err := a.catalog(ctx)
	if err != nil {
		return billed{}, false, err
	}
	ids := completedIDs(c)
	key, ok, err := a.keyOf(ctx, ids, e, id)
	if err != nil || !ok {
		return billed{}, false, err
	}
	rows, err := a.derive(ctx, ids, e, g, e.match(key))
	if err != nil {
		return billed{}, false, err
	}
	for _, r := range rows {
		if r.key == key {
			return r, true, nil
		}
	}
	// Its snapshots went between the two reads.
	return billed{}, false, nil
}

// find returns the object of e with id, as list shows it, or notFound.
func (a *API) find(ctx context.Context, e entity, id int64) (obj, error) {
	g, err := a.registeredFor(ctx, e)
	if err != nil {
		return nil, err
	}
	b, ok, err := a.billedByID(ctx, e, g, id)
	if err != nil {
		return nil, err
	}
	if ok {
		return b.obj, nil
	}
	// Not in the bills: a registered customer or subscription without
	// bills, which list adds (registered.go).
	switch e.kind {
	case customers.kind:
		for key, en := range g.customers {
			if ours(en) && stableID(e.kind, key) == id {
				return customerObj(key, en.NameOr("")), nil
			}
		}
	case subscriptions.kind:
		for key, en := range g.subs {
			if ours(en) && stableID(e.kind, key) == id {
				// Rare: render it as list does, with its customer.
				return a.findListed(ctx, e, g, id)
			}
		}
	}
	return nil, notFound()
}

// findListed finds the object of e with id in the whole list.
func (a *API) findListed(ctx context.Context, e entity, g *registered, id int64) (obj, error) {
	objs, err := a.list(ctx, e, g)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if o[0].val == id {
			return o, nil
		}
	}
	return nil, notFound()
}
