package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// The service rollup.
//
// The daily rollup keeps a row per day and combination of its sixteen
// dimensions, accounts and regions among them: 400 a day for the 20M
// synthetic items, thousands a day on a large organization's bill. The
// questions dashboards ask most (Kubecost by service, category or
// provider; the native API by service) read none of the accounts and
// regions, yet every such question summed all of those rows. The
// service rollup is the daily rollup summed again without them: 40 rows
// a day for the same items; a 30-day question by service, pointed at it,
// cost 17 % less CPU (BENCHMARKS.md, sixth session).
//
// It is summed from the daily rollup in the transaction that writes the
// daily rollup's rows (commitSums, rebuildRollup), deleted with them,
// and built once for the snapshots of a file made before it when the
// file is opened for writing (addServiceRollups). A file opened read
// only uses it when every snapshot of its daily rollup has it
// (loadServiceRollup). So whenever a store uses it, it holds exactly the
// daily rollup's snapshots, and a question reading it needs no check of
// its own.
//
// It answers a question the daily rollup answers (not the tag rollup)
// when the question is unscoped, has no selection, spreads or rates, and
// every stored dimension it groups, filters or maps by is one of its own
// (serviceRollupAnswers): a tenant's scope and Azure billing's selection
// choose rows by account, and spreads and rates probe the daily rollup.

// serviceRollupTable is the service rollup's table.
const serviceRollupTable = "rollup_service_daily"

// serviceRollupDims are the dimensions the service rollup keeps.
var serviceRollupDims = []cost.Dimension{
	cost.DimSource, cost.DimProvider, cost.DimService, cost.DimServiceCategory,
	cost.DimChargeCategory, cost.DimChargeType, cost.DimCategory, cost.DimCurrency, cost.DimKubernetes,
}

var inServiceRollup = func() map[cost.Dimension]bool {
	m := make(map[cost.Dimension]bool, len(serviceRollupDims))
	for _, d := range serviceRollupDims {
		m[d] = true
	}
	return m
}()

// serviceRollupTableSQL creates the service rollup: the daily rollup's
// columns but the dimensions it leaves out, its c_hi columns included.
func serviceRollupTableSQL() string {
	dims := make([]string, len(serviceRollupDims))
	for i, d := range serviceRollupDims {
		dims[i] = dimColumns[d]
	}
	return rollupTableOf(serviceRollupTable, dims, nil, true, false)
}

// serviceRollupSQL sums the daily rollup rows of the snapshots in (a list
// of ids) into the service rollup, as rollupFromTagsSQL sums the tag
// rollup's into the daily rollup.
func serviceRollupSQL(in string, mode sumMode) string {
	return resumSQL("rollup_daily", serviceRollupTable, serviceRollupDims, in, mode)
}

// buildServiceRollup replaces, in tx, the service rollup rows of the
// snapshots in with sums of their daily rollup rows.
func buildServiceRollup(ctx context.Context, tx *sql.Tx, in string, mode sumMode) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+serviceRollupTable+` WHERE snapshot_id IN `+in); err != nil {
		return fmt.Errorf("building the service rollup: %w", err)
	}
	if _, err := tx.ExecContext(ctx, serviceRollupSQL(in, mode)); err != nil {
		return fmt.Errorf("building the service rollup: %w", err)
	}
	return nil
}

// missingServiceRollupSQL lists the snapshots of the daily rollup that
// have no service rollup rows.
const missingServiceRollupSQL = `SELECT DISTINCT snapshot_id FROM rollup_daily
  WHERE snapshot_id NOT IN (SELECT DISTINCT snapshot_id FROM ` + serviceRollupTable + `) ORDER BY 1`

// addServiceRollups builds, in one transaction, the service rollup of
// the snapshots of a file made before it. A failed or killed build
// leaves the file as it was, to be built at the next open. It sums split
// (splitSums): the daily rollup's rows may keep integer parts in their
// c_hi columns, which fastSums, made for rows built in the same
// transaction from line items, does not read.
func (s *Store) addServiceRollups(ctx context.Context) error {
	ids, err := s.int64s(ctx, missingServiceRollupSQL)
	if err != nil {
		return fmt.Errorf("finding snapshots without a service rollup: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	s.log.Info("building the service rollup of a file made by an older version (once)", "snapshots", len(ids))
	in := "(" + int64List(ids) + ")"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adding the service rollup: %w", err)
	}
	defer tx.Rollback()
	if err := buildServiceRollup(ctx, tx, in, splitSums); err != nil {
		return fmt.Errorf("adding the service rollup: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adding the service rollup: %w", err)
	}
	return nil
}

// loadServiceRollup reads whether a file opened read only has a service
// rollup for every snapshot of its daily rollup.
func (s *Store) loadServiceRollup(ctx context.Context) error {
	s.serviceRollup = false
	has, err := s.hasColumn(ctx, serviceRollupTable, "snapshot_id")
	if err != nil || !has {
		return err
	}
	ids, err := s.int64s(ctx, missingServiceRollupSQL)
	if err != nil {
		return fmt.Errorf("reading the service rollup: %w", err)
	}
	s.serviceRollup = len(ids) == 0
	return nil
}

// serviceRollupAnswers reports whether the service rollup answers q, a
// question the daily rollup answers and whose spreads are settled.
func (s *Store) serviceRollupAnswers(q query.Query) bool {
	if !s.serviceRollup || q.Spread || len(q.Rates) > 0 || !q.Selection.IsZero() || !q.Scope.IsAll() {
		return false
	}
	for _, d := range q.StoredDimensions() {
		if !inServiceRollup[d] {
			return false
		}
	}
	return true
}
