// Package duckdb is Tally's embedded store on DuckDB. As the cost store
// it keeps line items at bill granularity, snapshots per (source,
// billing period), and a daily rollup maintained at commit time; as the
// state store, documents and tenants (documents.go, tenants.go) in the
// same file, so that one file is all there is to back up. Commands open
// it through internal/storage.
package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

var rollupDims = query.RollupDimensions

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("database is locked")

// Store is the DuckDB cost store and state store. It is safe for
// concurrent use.
type Store struct {
	connector *duckdb.Connector
	db        *sql.DB
	log       *slog.Logger
	// spoolDir and spoolPrefix place an import's temporary files.
	spoolDir, spoolPrefix string
	// codes is the dictionary of coded text columns (codes.go).
	codes textCodes
	// hi: the rollup has its c_hi columns; wide: some row uses them, so
	// rollup queries sum split (sums.go).
	hi   bool
	wide atomic.Bool
	// rollupQty: every rollup row sums its quantities (rollupqty.go).
	// Set at open, when no query runs.
	rollupQty bool
	// tagRollup: the file has the tag rollup (tagrollup.go). Set at open.
	tagRollup bool
	// serviceRollup: every snapshot of the daily rollup has its service
	// rollup (servicerollup.go). Set at open.
	serviceRollup bool
	// noted: the snapshots record their items that run past their start
	// day (spread.go), so that most spread questions skip the line items.
	noted bool
	// spreadsSeen remembers spreads' answers within a data generation.
	spreadsSeen spreadMemo
	// genBase, genChanges and genListed make the data generation
	// (generation.go); genListed counts the changes of unsettled
	// snapshots only.
	genBase    uint64
	genChanges atomic.Uint64
	genListed  atomic.Uint64
}

// One Store serves both contracts.
var (
	_ store.Store      = (*Store)(nil)
	_ store.StateStore = (*Store)(nil)
)

// Options tune Open.
type Options struct {
	// ReadOnly opens the file without taking the writer lock; imports
	// then fail.
	ReadOnly bool
	// MemoryLimit caps DuckDB's buffer manager ("512MB", "2GB"); empty
	// leaves DuckDB's default of 80% of the machine's memory, which its
	// page cache fills during a large import.
	MemoryLimit string
	// Threads sets DuckDB's worker threads; 0 leaves its default of one
	// per core.
	Threads int
	Logger  *slog.Logger
}

// Open opens (creating when missing) the DuckDB file at path; "" opens an
// in-memory store. The file and its sidecars are made private to the
// user (privateFiles). Snapshots left loading by a process that died are
// marked failed and their rows removed, so that the previous data stays
// the visible data.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := privateFiles(path, opt.ReadOnly, log); err != nil {
		return nil, fmt.Errorf("opening %s: %w", displayPath(path), err)
	}
	params := url.Values{}
	if opt.ReadOnly && path != "" {
		params.Set("access_mode", "READ_ONLY")
	}
	if opt.MemoryLimit != "" {
		params.Set("memory_limit", opt.MemoryLimit)
	}
	if opt.Threads > 0 {
		params.Set("threads", strconv.Itoa(opt.Threads))
	}
	dsn := path
	if len(params) > 0 {
		dsn += "?" + params.Encode()
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		if strings.Contains(err.Error(), "Conflicting lock") {
			// DuckDB lets one process write a file: usually tally serve.
			return nil, fmt.Errorf("opening %s: %w: another process has it open for writing (stop tally serve, or use another file): %v", displayPath(path), ErrLocked, err)
		}
		return nil, fmt.Errorf("opening %s: %w", displayPath(path), err)
	}
	s := &Store{connector: connector, db: sql.OpenDB(connector), log: log}
	s.spoolDir, s.spoolPrefix = spoolPlace(path)
	// fail closes the store after a failed step and names the file.
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, fmt.Errorf("opening %s: %w", displayPath(path), err)
	}
	if !opt.ReadOnly {
		if err := s.removeStaleSpools(); err != nil {
			s.log.Warn("removing temporary files of an interrupted import", "err", err)
		}
		for _, stmt := range append(schemaSQL(), hiColumnsSQL()...) {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				s.Close()
				return nil, fmt.Errorf("creating schema in %s: %w", displayPath(path), err)
			}
		}
		if err := s.prepareLineItems(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("creating schema in %s: %w", displayPath(path), err)
		}
		if err := s.recoverInterrupted(ctx); err != nil {
			s.Close()
			return nil, err
		}
		if err := s.noteSpreads(ctx, s.db, "spread_items IS NULL AND status IN ('"+string(store.StatusComplete)+"', '"+string(store.StatusSuperseded)+"')"); err != nil {
			return fail(err)
		}
		s.noted = true
		if err := s.addRollupQuantities(ctx); err != nil {
			return fail(err)
		}
		s.rollupQty = true
		if err := s.addTagRollups(ctx); err != nil {
			return fail(err)
		}
		s.tagRollup = true
		// Sums past a HUGEINT cannot be summed again; questions then
		// read the daily rollup, and the next open tries again.
		switch err := s.addServiceRollups(ctx); {
		case err == nil:
			s.serviceRollup = true
		case tooLargeForFast(err):
			s.log.Warn("the service rollup was not built: its sums are too large", "err", err)
		default:
			return fail(err)
		}
	} else {
		if err := s.loadRollupQty(ctx); err != nil {
			return fail(err)
		}
		if err := s.loadTagRollup(ctx); err != nil {
			return fail(err)
		}
		if err := s.loadServiceRollup(ctx); err != nil {
			return fail(err)
		}
	}
	if err := s.openGeneration(ctx, opt.ReadOnly); err != nil {
		return fail(err)
	}
	if err := s.loadSumState(ctx); err != nil {
		return fail(err)
	}
	return s, nil
}

func displayPath(p string) string {
	if p == "" {
		return "in-memory database"
	}
	return p
}

// recoverInterrupted fails imports that were loading when their process
// ended. DuckDB lets one process open a file for writing, so any loading
// snapshot found at open belongs to a dead process.
func (s *Store) recoverInterrupted(ctx context.Context) error {
	ids, err := s.int64s(ctx, `SELECT id FROM snapshots WHERE status = ?`, string(store.StatusLoading))
	if err != nil {
		return fmt.Errorf("finding interrupted imports: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	s.log.Warn("marking interrupted imports failed", "snapshots", ids)
	return s.failSnapshots(ctx, ids, "interrupted: the import process ended before it committed")
}

func (s *Store) failSnapshots(ctx context.Context, ids []int64, msg string) error {
	// Loading snapshots become failed: neither shows costs.
	defer s.listed()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM line_items_coded WHERE snapshot_id = ?`, id); err != nil {
			return fmt.Errorf("discarding rows of snapshot %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = ?, error = ?, committed_at = ? WHERE id = ?`,
			string(store.StatusFailed), msg, time.Now().UTC(), id); err != nil {
			return fmt.Errorf("marking snapshot %d failed: %w", id, err)
		}
	}
	return tx.Commit()
}

// DB exposes the database for benchmarks that compare against raw SQL.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if cerr := s.connector.Close(); err == nil {
		err = cerr
	}
	return err
}

// Snapshots lists snapshots, newest first, with their totals.
func (s *Store) Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	return s.snapshots(ctx, f, nil)
}

// snapshotsByID lists the snapshots of ids (unscoped), in ascending id
// order: one query for an import's many snapshots (a rating import
// commits one per scope and hour) instead of one each.
func (s *Store) snapshotsByID(ctx context.Context, ids []int64) ([]store.Snapshot, error) {
	out, err := s.snapshots(ctx, store.SnapshotFilter{Scope: scope.All()}, ids)
	slices.Reverse(out)
	return out, err
}

// snapshots lists the snapshots f selects, limited to ids when given.
func (s *Store) snapshots(ctx context.Context, f store.SnapshotFilter, ids []int64) ([]store.Snapshot, error) {
	q := `SELECT id, import_id, source, provider, billing_period_start, billing_period_end, status,
	row_count, coalesce(error, ''), coalesce(array_to_string(files, chr(10)), ''), created_at, committed_at,
	coalesce(run_id, ''), report_date
	FROM snapshots WHERE `
	var where conds
	if f.Source != "" {
		where.add(`source = ?`, f.Source)
	}
	if f.Status != "" {
		where.add(`status = ?`, string(f.Status))
	}
	if f.ID != 0 {
		where.add(`id = ?`, f.ID)
	}
	if ids != nil {
		where.add(`id IN (` + int64List(ids) + `)`)
	}
	if f.Provider != "" {
		where.add(`lower(provider) = ?`, strings.ToLower(f.Provider))
	}
	if len(f.ExcludeProviders) > 0 {
		lower := make([]string, len(f.ExcludeProviders))
		for i, p := range f.ExcludeProviders {
			lower[i] = strings.ToLower(p)
		}
		where.add(`NOT list_contains(?, lower(provider))`, lower)
	}
	_, scoped := f.Scope.IDs()
	if scoped {
		// Only snapshots holding rows of the scope's accounts; none for
		// an empty scope, as scopeSQL renders it.
		var in conds
		scopeSQL(&in, f.Scope)
		where.add(`id IN (SELECT DISTINCT snapshot_id FROM rollup_daily WHERE `+in.sql()+`)`, in.args...)
	}
	q += where.sql() + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, where.args...)
	if err != nil {
		return nil, fmt.Errorf("listing snapshots: %w", err)
	}
	defer rows.Close()
	var out []store.Snapshot
	byID := map[int64]int{}
	for rows.Next() {
		var sn store.Snapshot
		var bps, bpe, committed, report sql.NullTime
		var status, files string
		if err := rows.Scan(&sn.ID, &sn.ImportID, &sn.Source, &sn.Provider, &bps, &bpe, &status,
			&sn.Rows, &sn.Error, &files, &sn.CreatedAt, &committed, &sn.RunID, &report); err != nil {
			return nil, err
		}
		sn.Status = store.Status(status)
		sn.BillingPeriodStart, sn.BillingPeriodEnd, sn.CommittedAt, sn.ReportDate = bps.Time, bpe.Time, committed.Time, report.Time
		if files != "" {
			sn.Files = splitLines(files)
		}
		byID[sn.ID] = len(out)
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if f.ID != 0 {
			return nil, fmt.Errorf("snapshot %d: %w", f.ID, store.ErrNotFound)
		}
		return out, nil
	}
	switch {
	case scoped:
		err = s.loadScopedTotals(ctx, out, byID, f.Scope, !f.SkipTotals)
	case !f.SkipTotals:
		err = s.loadTotals(ctx, out, byID)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) loadTotals(ctx context.Context, snaps []store.Snapshot, byID map[int64]int) error {
	return s.scanTotals(ctx, snaps, byID, `SELECT snapshot_id, currency, `+s.totalsSQL()+
		` FROM snapshot_totals WHERE snapshot_id IN (`+idList(byID)+`) ORDER BY snapshot_id, currency`)
}

// loadScopedTotals recomputes rows and, when totals, totals of the
// snapshots over the accounts of sc only, from the daily rollup (exact:
// it holds the sums). The scope is rendered by scopeSQL, as for every
// other scoped read.
func (s *Store) loadScopedTotals(ctx context.Context, snaps []store.Snapshot, byID map[int64]int, sc scope.Scope, totals bool) error {
	var where conds
	where.add(`snapshot_id IN (` + idList(byID) + `)`)
	scopeSQL(&where, sc)
	rows, err := s.db.QueryContext(ctx, `SELECT snapshot_id, sum(items)::BIGINT FROM rollup_daily WHERE `+
		where.sql()+` GROUP BY ALL`, where.args...)
	if err != nil {
		return fmt.Errorf("counting snapshot rows: %w", err)
	}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		snaps[byID[id]].Rows = n
	}
	rows.Close()
	if !totals {
		return nil
	}
	return s.scanTotals(ctx, snaps, byID, `SELECT snapshot_id, billing_currency, `+s.scopedTotalsSQL()+
		` FROM rollup_daily WHERE `+where.sql()+` GROUP BY ALL ORDER BY snapshot_id, billing_currency`, where.args...)
}

// int64s runs a query of one integer column and returns its values.
func (s *Store) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// int64List renders ids for an IN list (integers only: safe to splice).
func int64List(ids []int64) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(out, ",")
}

func idList(byID map[int64]int) string {
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	return strings.Join(ids, ",")
}

func (s *Store) scanTotals(ctx context.Context, snaps []store.Snapshot, byID map[int64]int, q string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("loading snapshot totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t store.Total
		vals := make([]string, 2*len(metricColumns)) // integer and fractional parts (sums.go)
		dest := []any{&id, &t.Currency}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		for m := range t.Values {
			d, err := cost.SumParts(vals[2*m], vals[2*m+1])
			if err != nil {
				return fmt.Errorf("snapshot %d: %w", id, err)
			}
			t.Values[m] = d
		}
		snaps[i].Totals = append(snaps[i].Totals, t)
	}
	return rows.Err()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.PingContext(ctx)
}
