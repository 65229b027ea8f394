package duckdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/store"
)

// importer streams line items into line_items through a spool of CSV
// chunks that DuckDB loads while the next chunk is written (see
// spool.go). Rows land at once, tagged with snapshots in the loading
// state, which no query reads; Commit flips the states in one
// transaction, and Fail deletes the rows.
type importer struct {
	s        *Store
	spec     store.ImportSpec
	importID int64
	snaps    map[time.Time]*pending
	order    []*pending
	sp       *spool
	done     bool
}

type pending struct {
	id         int64
	start, end time.Time
	rows       int64
}

// BeginImport starts an import into s.
func (s *Store) BeginImport(ctx context.Context, spec store.ImportSpec) (store.Import, error) {
	if spec.Source == "" {
		return nil, fmt.Errorf("%w: an import needs a source name", cost.ErrInvalid)
	}
	var importID int64
	if err := s.db.QueryRowContext(ctx, `SELECT nextval('import_ids')`).Scan(&importID); err != nil {
		return nil, fmt.Errorf("starting import: %w", err)
	}
	sp, err := s.newSpool(ctx, spec.Source)
	if err != nil {
		return nil, fmt.Errorf("starting import: %w", err)
	}
	im := &importer{s: s, spec: spec, importID: importID, snaps: map[time.Time]*pending{}, sp: sp}
	if err := im.declare(ctx, spec.Periods); err != nil {
		im.Fail(ctx, err)
		return nil, err
	}
	return im, nil
}

// declare creates the snapshots of the periods an import declares, in
// one statement: a rating import declares one period per hour of a
// month, and a statement per snapshot cost more than its rows.
func (im *importer) declare(ctx context.Context, periods []cost.Window) error {
	defer im.s.listed() // loading snapshots: a change of listings only
	var fresh []cost.Window
	for _, w := range periods {
		if !w.End.After(w.Start) {
			return fmt.Errorf("%w: an import period must end after it starts, not %s", cost.ErrInvalid, w)
		}
		if _, dup := im.snaps[w.Start.UTC()]; !dup {
			fresh = append(fresh, cost.Window{Start: w.Start.UTC(), End: w.End.UTC()})
			im.snaps[w.Start.UTC()] = nil // claimed; filled below
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	ids, err := im.s.int64s(ctx, `SELECT nextval('snapshot_ids') FROM range(?)`, len(fresh))
	if err != nil {
		return fmt.Errorf("creating snapshots: %w", err)
	}
	starts, ends := make([]time.Time, len(fresh)), make([]time.Time, len(fresh))
	for i, w := range fresh {
		starts[i], ends[i] = w.Start, w.End
		p := &pending{id: ids[i], start: w.Start, end: w.End}
		im.snaps[w.Start] = p
		im.order = append(im.order, p)
	}
	files := im.spec.Files
	if files == nil {
		files = []string{}
	}
	// Declared periods carry no export run: runs name Azure's manifests,
	// whose periods come with rows.
	_, err = im.s.db.ExecContext(ctx, `INSERT INTO snapshots (id, import_id, source, provider, billing_period_start, billing_period_end, status, files, created_at)
		SELECT unnest(?::BIGINT[]), ?, ?, ?, unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]), ?, string_split(?, chr(10)), ?`,
		ids, im.importID, im.spec.Source, im.spec.Provider, starts, ends, string(store.StatusLoading), strings.Join(files, "\n"), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("creating snapshots: %w", err)
	}
	return nil
}

// stop loads the rows written so far and waits for the loader.
func (im *importer) stop() error { return im.sp.close(true) }

func (im *importer) snapshotFor(ctx context.Context, li *cost.LineItem) (*pending, error) {
	start := li.BillingPeriodStart
	if start.IsZero() {
		start = cost.MonthStart(li.ChargePeriodStart)
	}
	if p, ok := im.snaps[start]; ok {
		return p, nil
	}
	end := li.BillingPeriodEnd
	if end.IsZero() || !end.After(start) {
		end = start.AddDate(0, 1, 0)
	}
	id, err := im.s.newSnapshot(ctx, im.importID, im.spec, start, end, store.StatusLoading, "")
	if err != nil {
		return nil, err
	}
	p := &pending{id: id, start: start, end: end}
	im.snaps[start] = p
	im.order = append(im.order, p)
	return p, nil
}

func (s *Store) newSnapshot(ctx context.Context, importID int64, spec store.ImportSpec, start, end time.Time, status store.Status, errText string) (int64, error) {
	// A new snapshot shows in the snapshot listings. It is loading or
	// failed (an empty import's complete one is counted by its Commit):
	// a change of listings only.
	defer s.listed()
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT nextval('snapshot_ids')`).Scan(&id); err != nil {
		return 0, fmt.Errorf("creating snapshot: %w", err)
	}
	var ps, pe any
	if !start.IsZero() {
		ps, pe = start, end
	}
	var errVal any
	if errText != "" {
		errVal = errText
	}
	files := spec.Files
	if files == nil {
		files = []string{}
	}
	var runID, reportDate any
	for _, r := range spec.Runs {
		if !start.IsZero() && r.PeriodStart.Equal(start) {
			runID = r.ID
			if !r.End.IsZero() {
				reportDate = r.End.UTC().Truncate(24 * time.Hour)
			}
		}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO snapshots (id, import_id, source, provider, billing_period_start, billing_period_end, status, error, files, created_at, run_id, report_date)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, string_split(?, chr(10)), ?, ?, ?)`,
		id, importID, spec.Source, spec.Provider, ps, pe, string(status), errVal, strings.Join(files, "\n"), time.Now().UTC(), runID, reportDate)
	if err != nil {
		return 0, fmt.Errorf("creating snapshot: %w", err)
	}
	return id, nil
}

// Append adds one line item. It fails without side effects when an amount
// cannot be stored exactly.
func (im *importer) Append(li *cost.LineItem) error {
	if im.done {
		return store.ErrClosed
	}
	if err := im.sp.firstErr(); err != nil {
		return err
	}
	if li.ChargePeriodStart.IsZero() {
		return fmt.Errorf("%w: line item without a charge period start", cost.ErrInvalid)
	}
	p, err := im.snapshotFor(context.Background(), li)
	if err != nil {
		return err
	}
	if err := im.sp.write(p.id, li); err != nil {
		return err
	}
	p.rows++
	return nil
}

// Commit makes the import visible atomically.
func (im *importer) Commit(ctx context.Context) ([]store.Snapshot, error) {
	if im.done {
		return nil, store.ErrClosed
	}
	im.done = true
	// After every statement of the commit, the empty import's too.
	defer im.s.changed()
	if err := im.stop(); err != nil {
		im.fail(ctx, err)
		return nil, err
	}
	if len(im.order) == 0 {
		// An export without rows is a valid, empty snapshot.
		id, err := im.s.newSnapshot(ctx, im.importID, im.spec, time.Time{}, time.Time{}, store.StatusComplete, "")
		if err != nil {
			return nil, err
		}
		if _, err := im.s.db.ExecContext(ctx, `UPDATE snapshots SET committed_at = ? WHERE id = ?`, time.Now().UTC(), id); err != nil {
			return nil, err
		}
		return im.s.Snapshots(ctx, store.SnapshotFilter{ID: id, Scope: scope.All()})
	}
	if err := im.s.commit(ctx, im.spec.Source, im.order); err != nil {
		cause := fmt.Errorf("committing import: %w", err)
		im.fail(ctx, cause)
		return nil, cause
	}
	ids := make([]int64, len(im.order))
	for i, p := range im.order {
		ids[i] = p.id
	}
	return im.s.snapshotsByID(ctx, ids)
}

// commit builds the rollup and the totals of snaps and makes them
// visible. The rollup is summed fast first; only a day whose sum reaches
// foldBound makes it run again, split (sums.go).
func (s *Store) commit(ctx context.Context, source string, snaps []*pending) error {
	defer s.changed()
	ids := make([]string, len(snaps))
	for i, p := range snaps {
		ids[i] = fmt.Sprint(p.id)
	}
	in := "(" + strings.Join(ids, ",") + ")"
	err := fastThenSplit(func(mode sumMode) error {
		if mode == splitSums {
			s.log.Info("a day's sums reach 10^13: building the rollup with split sums", "source", source)
		}
		return s.commitSums(ctx, source, snaps, in, mode)
	})
	if err != nil {
		return err
	}
	wide, err := s.anyWide(ctx, "snapshot_id IN "+in)
	if err != nil {
		return err
	}
	if wide {
		s.wide.Store(true)
	}
	return nil
}

func (s *Store) commitSums(ctx context.Context, source string, snaps []*pending, in string, mode sumMode) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The daily rollup sums the tag rollup where there is one: its rows
	// are far fewer than the line items (tagrollup.go).
	tagged, err := buildTagRollup(ctx, tx, in, mode)
	if err != nil {
		return err
	}
	daily := rollupInsertSQL(in, mode)
	if tagged {
		daily = rollupFromTagsSQL(in, mode)
	}
	if _, err := tx.ExecContext(ctx, daily); err != nil {
		return fmt.Errorf("building daily rollup: %w", err)
	}
	if err := buildServiceRollup(ctx, tx, in, mode); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, totalsInsertSQL(in)); err != nil {
		return fmt.Errorf("computing snapshot totals: %w", err)
	}
	if err := s.noteSpreads(ctx, tx, "id IN "+in); err != nil {
		return err
	}
	// One statement each for every snapshot of the import: an import of
	// a month of hourly rated periods commits 720 of them.
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = ? WHERE source = ? AND status = ?
		AND billing_period_start IN (SELECT billing_period_start FROM snapshots WHERE id IN `+in+`)`,
		string(store.StatusSuperseded), source, string(store.StatusComplete)); err != nil {
		return fmt.Errorf("superseding previous snapshots: %w", err)
	}
	ids, counts := make([]int64, len(snaps)), make([]int64, len(snaps))
	for i, p := range snaps {
		ids[i], counts[i] = p.id, p.rows
	}
	// Numbered parameters: DuckDB binds a FROM clause's before SET's.
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET status = $1, row_count = c.n, committed_at = $2
		FROM (SELECT unnest($3::BIGINT[]) AS id, unnest($4::BIGINT[]) AS n) AS c WHERE snapshots.id = c.id`,
		string(store.StatusComplete), time.Now().UTC(), ids, counts); err != nil {
		return fmt.Errorf("completing snapshots: %w", err)
	}
	return tx.Commit()
}

// Fail discards the import.
func (im *importer) Fail(ctx context.Context, cause error) error {
	if im.done {
		return store.ErrClosed
	}
	im.done = true
	im.sp.close(false) // its error is the cause's consequence or irrelevant now
	return im.fail(ctx, cause)
}

func (im *importer) fail(ctx context.Context, cause error) error {
	msg := "import failed"
	if cause != nil {
		// The error is shown by every snapshot listing, for as long as
		// the snapshot is kept: what is secret in it never gets stored.
		msg = secret.Redact(cause.Error())
	}
	if len(im.order) == 0 {
		// Record the failure so that it shows in the snapshot list.
		_, err := im.s.newSnapshot(ctx, im.importID, im.spec, time.Time{}, time.Time{}, store.StatusFailed, msg)
		return err
	}
	ids := make([]int64, len(im.order))
	for i, p := range im.order {
		ids[i] = p.id
	}
	return im.s.failSnapshots(ctx, ids, msg)
}
