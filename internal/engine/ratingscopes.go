package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// MayResetRatedScope reports whether the caller may reset the rating
// state of scope (CloudKitty's PUT /v2/scope), for a dialect that checks
// before changing the state: administrators, of a scope they see.
func (e *Engine) MayResetRatedScope(ctx context.Context, scopeID string) error {
	_, err := ratingAdmin(ctx, scopeID)
	return err
}

// DeleteRatedFrom deletes the rated data of a scope (the snapshots of
// source frames.Source(scopeID)) whose period starts at or after from:
// CloudKitty's state reset, after which the processor rates those
// periods again. Superseded snapshots go too, and first: deleting only
// the visible one would make the previous rating of its period visible
// again (store.Store.DeleteSnapshot restores it).
func (e *Engine) DeleteRatedFrom(ctx context.Context, scopeID string, from time.Time) ([]store.Snapshot, error) {
	p, err := ratingAdmin(ctx, scopeID)
	if err != nil {
		return nil, err
	}
	// The caller was checked above; the listing must see every snapshot
	// of the source, rows or not (an empty period's snapshot has none).
	snaps, err := e.listSnapshots(ctx, store.SnapshotFilter{Source: frames.Source(scopeID), Scope: scope.All()}, true)
	if err != nil {
		return nil, fmt.Errorf("listing the rated snapshots of scope %s: %w", scopeID, err)
	}
	var doomed []store.Snapshot
	for _, sn := range snaps {
		if (sn.Status == store.StatusComplete || sn.Status == store.StatusSuperseded) && !sn.BillingPeriodStart.Before(from) {
			doomed = append(doomed, sn)
		}
	}
	sort.SliceStable(doomed, func(i, j int) bool {
		return doomed[i].Status == store.StatusSuperseded && doomed[j].Status != store.StatusSuperseded
	})
	ids := make([]int64, len(doomed))
	for i, sn := range doomed {
		ids[i] = sn.ID
	}
	deleted, err := e.store.DeleteSnapshots(ctx, ids)
	if err != nil {
		return deleted, fmt.Errorf("deleting the rated snapshots of scope %s: %w", scopeID, err)
	}
	if e.audit != nil && len(deleted) > 0 {
		detail := fmt.Sprintf("from=%s snapshots=%d", from.UTC().Format(time.RFC3339), len(deleted))
		if err := e.audit(ctx, p, "reset", "rating-scope", scopeID, detail); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}
