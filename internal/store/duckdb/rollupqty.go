package duckdb

import (
	"context"
	"fmt"
)

// The daily rollup sums the consumed quantities of its rows too, so that
// questions of quantities over whole days (CloudKitty's summaries, issue
// 23) read it instead of the line items. Files made before it did have
// the column added with NULLs; opening such a file for writing rebuilds
// the rollup of its snapshots once, and until then (a file opened read
// only) quantity questions read the line items.

// addRollupQuantities rebuilds, from their line items and in one
// transaction, the rollup rows of the snapshots whose rows lack their
// quantities. A failed or killed rebuild leaves the rollup as it was, to
// be rebuilt at the next open.
func (s *Store) addRollupQuantities(ctx context.Context) error {
	ids, err := s.int64s(ctx, `SELECT DISTINCT snapshot_id FROM rollup_daily WHERE consumed_quantity IS NULL ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("finding rollup rows without quantities: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	s.log.Info("adding usage quantities to the daily rollup of a file made by an older version (once)", "snapshots", len(ids))
	in := "(" + int64List(ids) + ")"
	err = fastThenSplit(func(mode sumMode) error { return s.rebuildRollup(ctx, in, mode) })
	if err != nil {
		return fmt.Errorf("adding quantities to the daily rollup: %w", err)
	}
	return nil
}

// rebuildRollup replaces the rollup rows of the snapshots in with sums
// of their line items, as their commit made them (commitSums). The
// snapshots' totals do not change: they are sums of the same amounts.
func (s *Store) rebuildRollup(ctx context.Context, in string, mode sumMode) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM rollup_daily WHERE snapshot_id IN `+in); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, rollupInsertSQL(in, mode)); err != nil {
		return err
	}
	if err := buildServiceRollup(ctx, tx, in, mode); err != nil {
		return err
	}
	return tx.Commit()
}

// loadRollupQty notes whether every rollup row holds its quantities, in
// a file opened read only (which may lack the column): one opened for
// writing has them after addRollupQuantities.
func (s *Store) loadRollupQty(ctx context.Context) error {
	has, err := s.hasColumn(ctx, "rollup_daily", "consumed_quantity")
	if err != nil || !has {
		s.rollupQty = false
		return err
	}
	var lacking bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM rollup_daily WHERE consumed_quantity IS NULL)`).Scan(&lacking); err != nil {
		return fmt.Errorf("reading the rollup's quantities: %w", err)
	}
	s.rollupQty = !lacking
	return nil
}
