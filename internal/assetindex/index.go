// Package assetindex keeps the CloudHealth assets (internal/asset) in
// step with the visible snapshots of the cost store: each visible
// snapshot's line items are read once and fed to an asset.Deriver under
// the slot (source, billing period) the snapshot fills; a slot whose
// snapshot is no longer visible (superseded by a re-import, deleted,
// pruned) is replaced, so re-imports never double cost to date. What
// each slot gave is persisted in the state store, one document per
// slot, so that a restart reads documents instead of line items.
//
// The index is a domain service: no HTTP, no SQL. Readers get immutable
// asset.Sets; Sync is serialised and publishes a new Set when done.
package assetindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// Store is what the index reads of the cost store (store.Store). It is
// the store itself, not the engine: the index serves every tenant and
// scopes answers per caller (Sees), as the engine scopes queries.
type Store interface {
	Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error)
	Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error)
}

// The state store documents: one per slot, named by period and source.
const (
	docKind    = "cloudhealth.assets"
	docVersion = 1
)

type document struct {
	Version    int                `json:"version"`
	Source     string             `json:"source"`
	Period     time.Time          `json:"period"`
	SnapshotID int64              `json:"snapshot_id"`
	Assets     []asset.SlotRecord `json:"assets"`
}

func docName(s asset.Snapshot) string {
	return s.Period.UTC().Format("2006-01-02") + "/" + s.Source
}

// Index is the asset index of one installation.
type Index struct {
	st   Store
	docs store.DocStore
	log  *slog.Logger

	mu      sync.Mutex // serialises Sync; guards d, indexed and seen
	d       *asset.Deriver
	indexed map[asset.Snapshot]int64 // slot → store snapshot id it holds
	seen    []int64                  // visible snapshot ids at the last Sync
	synced  bool                     // a Sync has completed since Load

	set       atomic.Pointer[asset.Set]
	published atomic.Uint64 // sets published (Generation)
	stats     atomic.Pointer[Stats]

	instanceClock refreshClock // instances.go
}

// Stats says what the last Sync did (tests, logs).
type Stats struct {
	Read, Replaced, Restored int // slots read from line items, replaced, reloaded from documents
	Items                    int64
}

// Open loads the persisted slots (Load) and catches up with the store
// (Sync).
func Open(ctx context.Context, st Store, docs store.DocStore, log *slog.Logger) (*Index, error) {
	ix, err := Load(ctx, st, docs, log)
	if err != nil {
		return nil, err
	}
	restored := ix.LastStats().Restored
	if err := ix.Sync(ctx); err != nil {
		return nil, err
	}
	if s := ix.stats.Load(); s != nil {
		s.Restored = restored
	}
	return ix, nil
}

// Load returns the index as the documents left it, reading no line
// item: what a server does at start, leaving the catch-up to the first
// Refresh or Sync. An unreadable document is an error: it would
// otherwise be derived again silently on every start.
func Load(ctx context.Context, st Store, docs store.DocStore, log *slog.Logger) (*Index, error) {
	if log == nil {
		log = slog.Default()
	}
	ix := &Index{st: st, docs: docs, log: log, d: asset.NewDeriver(asset.Options{}), indexed: map[asset.Snapshot]int64{}}
	all, err := docs.Documents(ctx, docKind)
	if err != nil {
		return nil, fmt.Errorf("loading the asset index: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		var doc document
		if err := json.Unmarshal(all[name], &doc); err != nil {
			return nil, fmt.Errorf("loading the asset index: document %s/%s: %w", docKind, name, err)
		}
		if doc.Version != docVersion {
			return nil, fmt.Errorf("loading the asset index: document %s/%s: version %d, this build reads %d", docKind, name, doc.Version, docVersion)
		}
		slot := asset.Snapshot{Source: doc.Source, Period: doc.Period.UTC()}
		if err := ix.d.Restore(slot, doc.Assets); err != nil {
			return nil, fmt.Errorf("loading the asset index: document %s/%s: %w", docKind, name, err)
		}
		ix.indexed[slot] = doc.SnapshotID
	}
	ix.stats.Store(&Stats{Restored: len(all)})
	ix.publish()
	return ix, nil
}

// Set returns the current assets. It never blocks on a Sync.
func (ix *Index) Set() *asset.Set { return ix.set.Load() }

// LastStats returns what the last Sync did.
func (ix *Index) LastStats() Stats {
	if s := ix.stats.Load(); s != nil {
		return *s
	}
	return Stats{}
}

func (ix *Index) publish() {
	ix.set.Store(ix.d.Set())
	ix.published.Add(1)
}

// Generation counts the asset sets published since the index was
// loaded: the assets that custom tags cover change with it, after the
// documents written for them (engine.Engine.AddVersion).
func (ix *Index) Generation() uint64 { return ix.published.Load() }

// visible lists the store's visible snapshots. Rated usage is left out:
// the rating processor commits one snapshot per scope and hour, and its
// items name no cloud asset.
func (ix *Index) visible(ctx context.Context) ([]store.Snapshot, error) {
	snaps, err := ix.st.Snapshots(ctx, store.SnapshotFilter{Status: store.StatusComplete, Scope: scope.All(), ExcludeProviders: []string{frames.Provider}})
	if err != nil {
		return nil, fmt.Errorf("asset index: listing snapshots: %w", err)
	}
	return snaps, nil
}

// Refresh is Sync when the visible snapshots changed since the last one,
// and one snapshot listing otherwise: what a request calls first. While
// another Sync runs (a pipeline run's, or the first catch-up after a
// start), Refresh does not wait for it: the request is answered from
// the Set published before, and the running Sync publishes its own.
func (ix *Index) Refresh(ctx context.Context) error {
	snaps, err := ix.visible(ctx)
	if err != nil {
		return err
	}
	if !ix.mu.TryLock() {
		return nil
	}
	defer ix.mu.Unlock()
	if ix.synced && slices.Equal(ids(snaps), ix.seen) {
		return nil
	}
	return ix.sync(ctx, snaps)
}

func ids(snaps []store.Snapshot) []int64 {
	out := make([]int64, len(snaps))
	for i, s := range snaps {
		out[i] = s.ID
	}
	slices.Sort(out)
	return out
}

// Sync brings the index in step with the visible snapshots: slots whose
// snapshot changed or went are replaced, visible snapshots not indexed
// are read. Each slot is persisted as it is done, so that an
// interrupted Sync resumes where it stopped. Readers keep the previous
// Set until the new one is published.
func (ix *Index) Sync(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	snaps, err := ix.visible(ctx)
	if err != nil {
		return err
	}
	return ix.sync(ctx, snaps)
}

// sync is Sync with ix.mu held and the visible snapshots listed.
func (ix *Index) sync(ctx context.Context, snaps []store.Snapshot) error {
	want := map[asset.Snapshot]store.Snapshot{}
	for _, sn := range snaps {
		if sn.BillingPeriodStart.IsZero() {
			continue // an import without rows names no period and no asset
		}
		want[slotOf(sn)] = sn
	}
	var st Stats
	defer func() {
		ix.stats.Store(&st)
	}()
	changed := false
	for slot, id := range ix.indexed {
		if sn, ok := want[slot]; ok && sn.ID == id {
			continue
		}
		if err := ix.docs.DeleteDocument(ctx, docKind, docName(slot)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("asset index: forgetting %s: %w", docName(slot), err)
		}
		ix.d.Replace(slot)
		delete(ix.indexed, slot)
		st.Replaced++
		changed = true
	}
	for _, slot := range slices.SortedFunc(maps.Keys(want), compareSlots) {
		if _, ok := ix.indexed[slot]; ok {
			continue
		}
		n, err := ix.read(ctx, slot, want[slot])
		if err != nil {
			// The slot is left out, and the Set published so far stays:
			// the next Sync tries again.
			ix.d.Replace(slot)
			ix.publish()
			return err
		}
		st.Read++
		st.Items += n
		changed = true
	}
	ix.seen, ix.synced = ids(snaps), true
	if changed || ix.set.Load() == nil {
		ix.publish()
	}
	return nil
}

func compareSlots(x, y asset.Snapshot) int {
	if c := x.Period.Compare(y.Period); c != 0 {
		return c
	}
	switch {
	case x.Source < y.Source:
		return -1
	case x.Source > y.Source:
		return 1
	}
	return 0
}

// slotOf is the slot a store snapshot fills.
func slotOf(sn store.Snapshot) asset.Snapshot {
	return asset.Snapshot{Source: sn.Source, Period: sn.BillingPeriodStart.UTC()}
}

// read feeds the line items of snapshot sn to the Deriver under slot and
// persists what they gave. Items are put in the store snapshot's slot
// whatever billing period they carry, so that replacing the slot takes
// back exactly what this snapshot gave.
func (ix *Index) read(ctx context.Context, slot asset.Snapshot, sn store.Snapshot) (int64, error) {
	ix.d.Replace(slot)
	var n int64
	_, err := ix.st.Entries(ctx, store.EntryQuery{Selection: query.Selection{Snapshots: []int64{sn.ID}}, Scope: scope.All()}, func(e *store.Entry) error {
		li := &e.Item
		li.BillingPeriodStart = slot.Period
		n++
		return ix.d.Add(slot.Source, li)
	})
	if err != nil {
		return n, fmt.Errorf("asset index: reading snapshot %d (%s): %w", sn.ID, docName(slot), err)
	}
	body, err := json.Marshal(document{Version: docVersion, Source: slot.Source, Period: slot.Period, SnapshotID: sn.ID, Assets: ix.d.Slot(slot)})
	if err != nil {
		return n, fmt.Errorf("asset index: encoding %s: %w", docName(slot), err)
	}
	if err := ix.docs.PutDocument(ctx, docKind, docName(slot), body); err != nil {
		return n, fmt.Errorf("asset index: saving %s: %w", docName(slot), err)
	}
	ix.indexed[slot] = sn.ID
	return n, nil
}
