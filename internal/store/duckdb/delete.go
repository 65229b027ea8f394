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
	if err := s.deleteSnapshot(ctx, id); err != nil {
		return store.Snapshot{}, err
	}
	s.sweepAfterDelete(ctx, []int64{id})
	return s.deleted(ctx, id)
}

// DeleteSnapshots implements store.Store: each snapshot in its own
// transaction, as DeleteSnapshot, and one sweep of the texts no row uses
// any more at the end (sweepCodes scans every coded column of every
// row, so a sweep per snapshot made pruning N snapshots N full scans).
// The sweep runs also when a delete fails, for those done before it.
func (s *Store) DeleteSnapshots(ctx context.Context, ids []int64) ([]store.Snapshot, error) {
	var done []int64
	var ferr error
	for _, id := range ids {
		err := s.deleteSnapshot(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			ferr = err
			break
		}
		done = append(done, id)
	}
	if len(done) == 0 {
		return nil, ferr
	}
	s.sweepAfterDelete(ctx, done)
	out := make([]store.Snapshot, 0, len(done))
	for _, id := range done {
		sn, err := s.deleted(ctx, id)
		if err != nil {
			return out, errors.Join(ferr, err)
		}
		out = append(out, sn)
	}
	return out, ferr
}

// sweepAfterDelete removes the texts the deleted snapshots ids used and
// no other row does, and rereads whether the rollup still holds large
// sums (their snapshots may have been the last: the common path again).
// A failure is only logged: the snapshots are deleted; unused texts cost
// little and go at the next sweep.
func (s *Store) sweepAfterDelete(ctx context.Context, ids []int64) {
	if s.wide.Load() {
		if err := s.loadSumState(ctx); err != nil {
			s.log.Warn("reading the rollup's sums after a deletion", "snapshots", ids, "err", err)
		}
	}
	if n, err := s.sweepCodes(ctx); err != nil {
		s.log.Warn("removing texts of deleted snapshots", "snapshots", ids, "err", err)
	} else if n > 0 {
		s.log.Info("removed texts no snapshot uses", "snapshots", ids, "texts", n)
	}
}

// deleted reads back the record of a deleted snapshot.
func (s *Store) deleted(ctx context.Context, id int64) (store.Snapshot, error) {
	snaps, err := s.Snapshots(ctx, store.SnapshotFilter{ID: id, Scope: scope.All()})
	if err != nil {
		return store.Snapshot{}, err
	}
	if len(snaps) == 0 {
		return store.Snapshot{}, fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	return snaps[0], nil
}

// deleteSnapshot removes the rows of snapshot id and marks it deleted,
// in one transaction, without the sweep of unused texts.
func (s *Store) deleteSnapshot(ctx context.Context, id int64) error {
	defer s.changed()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status, source string
	var start sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT status, source, billing_period_start FROM snapshots WHERE id = ?`, id).Scan(&status, &source, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	switch store.Status(status) {
	case store.StatusLoading:
		return fmt.Errorf("snapshot %d: %w: its import is still running", id, store.ErrConflict)
	case store.StatusDeleted:
		return fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	for _, q := range []string{
		`DELETE FROM line_items_coded WHERE snapshot_id = ?`,
		`DELETE FROM rollup_daily WHERE snapshot_id = ?`,
		`DELETE FROM ` + tagRollupTable + ` WHERE snapshot_id = ?`,
		`DELETE FROM ` + serviceRollupTable + ` WHERE snapshot_id = ?`,
		`DELETE FROM snapshot_totals WHERE snapshot_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("deleting snapshot %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = ?, row_count = 0, committed_at = ? WHERE id = ?`,
		string(store.StatusDeleted), time.Now().UTC(), id); err != nil {
		return fmt.Errorf("deleting snapshot %d: %w", id, err)
	}
	if store.Status(status) == store.StatusComplete && start.Valid {
		// The previous run of the period is visible again.
		if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = ? WHERE id = (
			SELECT max(id) FROM snapshots WHERE source = ? AND billing_period_start = ? AND status = ?)`,
			string(store.StatusComplete), source, start.Time, string(store.StatusSuperseded)); err != nil {
			return fmt.Errorf("restoring the previous snapshot: %w", err)
		}
	}
	return tx.Commit()
}
