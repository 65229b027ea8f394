package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// DeleteSnapshot implements store.Store.
func (s *Store) DeleteSnapshot(ctx context.Context, id int64) (store.Snapshot, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Snapshot{}, err
	}
	defer tx.Rollback()
	var status, source string
	var start sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT status, source, billing_period_start FROM snapshots WHERE id = ?`, id).Scan(&status, &source, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Snapshot{}, fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Snapshot{}, err
	}
	switch store.Status(status) {
	case store.StatusLoading:
		return store.Snapshot{}, fmt.Errorf("snapshot %d: %w: its import is still running", id, store.ErrConflict)
	case store.StatusDeleted:
		return store.Snapshot{}, fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	for _, q := range []string{
		`DELETE FROM line_items_coded WHERE snapshot_id = ?`,
		`DELETE FROM rollup_daily WHERE snapshot_id = ?`,
		`DELETE FROM snapshot_totals WHERE snapshot_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return store.Snapshot{}, fmt.Errorf("deleting snapshot %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = ?, row_count = 0, committed_at = ? WHERE id = ?`,
		string(store.StatusDeleted), time.Now().UTC(), id); err != nil {
		return store.Snapshot{}, fmt.Errorf("deleting snapshot %d: %w", id, err)
	}
	if store.Status(status) == store.StatusComplete && start.Valid {
		// The previous run of the period is visible again.
		if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = ? WHERE id = (
			SELECT max(id) FROM snapshots WHERE source = ? AND billing_period_start = ? AND status = ?)`,
			string(store.StatusComplete), source, start.Time, string(store.StatusSuperseded)); err != nil {
			return store.Snapshot{}, fmt.Errorf("restoring the previous snapshot: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return store.Snapshot{}, err
	}
	if s.wide.Load() {
		// Its large sums may have been the last: the common path again.
		if err := s.loadSumState(ctx); err != nil {
			s.log.Warn("reading the rollup's sums after a deletion", "snapshot", id, "err", err)
		}
	}
	if n, err := s.sweepCodes(ctx); err != nil {
		// The snapshot is deleted; unused texts cost little and go at the
		// next sweep.
		s.log.Warn("removing texts of a deleted snapshot", "snapshot", id, "err", err)
	} else if n > 0 {
		s.log.Info("removed texts no snapshot uses", "snapshot", id, "texts", n)
	}
	snaps, err := s.Snapshots(ctx, store.SnapshotFilter{ID: id, Scope: scope.All()})
	if err != nil {
		return store.Snapshot{}, err
	}
	return snaps[0], nil
}
