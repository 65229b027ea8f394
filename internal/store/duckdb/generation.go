package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// The data generation (store.Store.Generation) is a persisted base and an
// in-process counter: generation = base<<32 + changes (the settled generation leaves out
// the changes of unsettled snapshots, store.Generation). Open raises the
// base by one, so that every generation of a new process is above every
// generation of the previous one (restarts stay monotonic, and a change
// a dead process committed but did not count cannot be hidden behind an
// old generation). Each write bumps the counter after it commits, never
// before: a reader that sees the new generation sees the new data.
//
// A counter in a table bumped inside each write's transaction would make
// every two concurrent writes (an import's commit and a document put)
// conflict on the same row under DuckDB's optimistic concurrency; and it
// buys nothing, because DuckDB lets one process open a file for writing
// (ErrLocked), so no other process can change the data under this one.
const generationSQL = `CREATE TABLE IF NOT EXISTS generation (base UBIGINT NOT NULL)`

// openGeneration raises and reads the persisted base. A read-only store
// reads it only: nothing changes while it is open.
func (s *Store) openGeneration(ctx context.Context, readOnly bool) error {
	var base uint64
	if !readOnly {
		res, err := s.db.ExecContext(ctx, `UPDATE generation SET base = base + 1`)
		if err != nil {
			return fmt.Errorf("raising the data generation: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("raising the data generation: %w", err)
		} else if n == 0 {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO generation VALUES (1)`); err != nil {
				return fmt.Errorf("starting the data generation: %w", err)
			}
		}
	}
	err := s.db.QueryRowContext(ctx, `SELECT base FROM generation`).Scan(&base)
	if err != nil && !(readOnly && isMissingTable(err)) {
		return fmt.Errorf("reading the data generation: %w", err)
	}
	s.genBase = base << 32
	return nil
}

// isMissingTable reports a read-only file written before generations
// existed (no table) or never (no row).
func isMissingTable(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || strings.Contains(err.Error(), "does not exist")
}

// changed records that a write committed (or may have: a bump after a
// failed write costs clients one revalidation, a missed bump would serve
// them stale answers). Call it after the write's transaction ends.
func (s *Store) changed() { s.genChanges.Add(1) }

// listed is changed for a write that changes only unsettled snapshots
// (loading or failed, store.Generation): it moves Generation but not
// SettledGeneration.
func (s *Store) listed() { s.genListed.Add(1) }

// Generation implements store.Store and store.StateStore: a number that
// grows whenever the snapshots, documents or tenants change. It reads no
// table, so a conditional request costs no query.
func (s *Store) Generation(context.Context) (uint64, error) {
	return s.genBase + s.genChanges.Load() + s.genListed.Load(), nil
}

// SettledGeneration implements store.Generation: Generation without the
// changes of unsettled snapshots.
func (s *Store) SettledGeneration(context.Context) (uint64, error) {
	return s.genBase + s.genChanges.Load(), nil
}
