// Package ingest is the import pipeline: files → row reader → provider
// mapper → line items → store import, committed as snapshots. It streams:
// memory does not grow with the size of a bill.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// Options configure one import.
type Options struct {
	Source   string
	Provider string         // aws, azure, gcp or focus
	Format   tabular.Format // "" is tabular.FormatAuto
	// SkipBadRows skips rows that do not parse instead of failing the
	// import; every skipped row is reported through OnSkip and counted.
	SkipBadRows bool
	OnSkip      func(err error)
	Progress    Progress
	Logger      *slog.Logger
	// Periods, when set, limits the import to rows whose billing period
	// overlaps it: a repair re-reads a source's files but replaces only
	// the snapshots of the periods it was asked for. Other rows are
	// counted in Summary.OutOfPeriods.
	Periods cost.Window
	// Reimport imports the newest run of each billing period of an
	// export history even when it is already imported (a rebuild or a
	// repair re-reads the files); other runs already imported are left
	// alone either way (see plan).
	Reimport bool
	// Rename, when set, is what errors and snapshots call each file,
	// given what they would (its path, or "archive!member"): a file a
	// browser uploaded is kept under a temporary path on the server, and
	// is called by the name its client sent instead.
	Rename func(name string) string
}

// Summary describes a finished import.
type Summary struct {
	Source   string
	Provider string
	Files    []string
	Rows     int64
	Skipped  int64
	// OutOfPeriods counts rows left out by Options.Periods.
	OutOfPeriods int64
	Bytes        int64
	Duration     time.Duration
	Snapshots    []store.Snapshot
	// KnownRuns counts the export runs found and left alone because they
	// are already imported.
	KnownRuns int
}

// Run imports the bills at paths into st. The files of an export run
// history are imported run by run (see plan), everything else as one
// import. On an error the failing import is failed: the store keeps the
// previous snapshots visible and records the failure with its message;
// the runs committed before it stay, and a failed run of a history stops
// only its billing period.
func Run(ctx context.Context, st store.Store, paths []string, opt Options) (*Summary, error) {
	p, err := providerFor(opt.Provider)
	if err != nil {
		return nil, err
	}
	if opt.Source == "" {
		return nil, fmt.Errorf("%w: a source name is required", cost.ErrInvalid)
	}
	var scratch Scratch
	defer scratch.Remove()
	deliveries, known, err := plan(ctx, st, p, paths, opt, &scratch)
	if err != nil {
		return nil, err
	}
	if opt.Rename != nil {
		for _, d := range deliveries {
			for i := range d.files {
				d.files[i].Name = opt.Rename(d.files[i].name())
			}
		}
	}
	if opt.Progress == nil {
		opt.Progress = noProgress{}
	}
	if opt.Format == "" {
		opt.Format = tabular.FormatAuto
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	start := time.Now()
	sum := &Summary{Source: opt.Source, Provider: opt.Provider, KnownRuns: known}
	var total int64
	for _, d := range deliveries {
		for _, f := range d.files {
			sum.Files = append(sum.Files, f.name())
			total += f.Size
		}
	}
	if known > 0 {
		log.Info("export runs already imported", "source", opt.Source, "runs", known)
	}
	r := &run{ctx: ctx, opt: opt, p: p, sum: sum, log: log}
	opt.Progress.Begin(total)
	// A failed run of an export history stops its period, not the
	// others: one bad file must not keep every later month out.
	var errs []error
	failed := map[string]bool{}
	for _, d := range deliveries {
		if failed[d.group] {
			continue
		}
		if err := r.delivery(st, d); err != nil {
			if d.group == "" || ctx.Err() != nil {
				opt.Progress.End()
				return sum, errors.Join(append(errs, err)...)
			}
			errs = append(errs, err)
			failed[d.group] = true
		}
	}
	opt.Progress.End()
	if len(errs) > 0 {
		return sum, errors.Join(errs...)
	}
	if len(deliveries) > 1 {
		// Each import reported its snapshots as it committed them; a
		// later run of the same period has superseded some since.
		if err := refreshStatus(ctx, st, sum.Snapshots); err != nil {
			return sum, err
		}
	}
	sum.Bytes = total
	sum.Duration = time.Since(start)
	return sum, nil
}

// refreshStatus updates the status of snaps, snapshots of one source, to
// what the store holds now.
func refreshStatus(ctx context.Context, st store.Store, snaps []store.Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	now, err := st.Snapshots(ctx, store.SnapshotFilter{Source: snaps[0].Source, Scope: scope.All()})
	if err != nil {
		return err
	}
	status := make(map[int64]store.Status, len(now))
	for _, s := range now {
		status[s.ID] = s.Status
	}
	for i := range snaps {
		if s, ok := status[snaps[i].ID]; ok {
			snaps[i].Status = s
		}
	}
	return nil
}

// delivery imports the files of d as one import.
func (r *run) delivery(st store.Store, d delivery) error {
	spec := store.ImportSpec{Source: r.opt.Source, Provider: r.opt.Provider, Runs: d.runs}
	for _, f := range d.files {
		spec.Files = append(spec.Files, f.name())
	}
	imp, err := st.BeginImport(r.ctx, spec)
	if err != nil {
		return err
	}
	r.imp = imp
	var bytes int64
	for _, f := range d.files {
		bytes += f.Size
	}
	attrs := []any{"source", r.opt.Source, "provider", r.opt.Provider, "files", len(d.files), "bytes", bytes}
	if len(d.runs) == 1 {
		attrs = append(attrs, "run", d.runs[0].ID)
	}
	r.log.Info("ingesting", attrs...)
	for _, f := range d.files {
		if err := r.file(f); err != nil {
			return errors.Join(err, imp.Fail(context.WithoutCancel(r.ctx), err))
		}
		r.doneBytes += f.Size
	}
	snaps, err := imp.Commit(r.ctx)
	if err != nil {
		return err
	}
	r.sum.Snapshots = append(r.sum.Snapshots, snaps...)
	return nil
}

type run struct {
	ctx       context.Context
	opt       Options
	p         provider
	imp       store.Import
	sum       *Summary
	doneBytes int64
	li        cost.LineItem
	log       *slog.Logger
}

func (r *run) file(f File) error {
	return openTables(f, r.opt.Format, r.p.jsonlHeader, func(tr tabular.Reader, read *int64) error {
		return r.table(tr, read)
	})
}

// table reads every row of one table (a file, or a member of a zip).
func (r *run) table(tr tabular.Reader, read *int64) error {
	header := tr.Header()
	name := ""
	if row0, ok := tr.(interface{ Name() string }); ok {
		name = row0.Name()
	}
	m, err := r.p.mapper(name, header)
	if err != nil {
		return &tabular.ParseError{File: name, Line: 1, Err: err}
	}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
			r.opt.Progress.Advance(r.sum.Rows, r.doneBytes+*read)
		}
		row, err := tr.Next()
		if errors.Is(err, io.EOF) {
			r.warnUnread(name, tr)
			return nil
		}
		if err != nil && !errors.Is(err, tabular.ErrFieldCount) {
			// A broken stream (truncated gzip, bad quoting) cannot be
			// resynchronised, so it fails the import even with
			// --skip-bad-rows; a row with the wrong number of fields
			// leaves the reader in step and is a bad row like any other.
			return err
		}
		if err == nil {
			r.li.Reset()
			err = m.Map(row, &r.li)
		}
		if err == nil {
			normalise(&r.li)
			if !r.inPeriods(&r.li) {
				r.sum.OutOfPeriods++
				continue
			}
			if err = r.imp.Append(&r.li); err != nil {
				err = &tabular.ParseError{File: row.File, Line: row.Line, Err: err}
			}
		}
		if err != nil {
			var pe *tabular.ParseError
			if r.opt.SkipBadRows && errors.As(err, &pe) {
				r.sum.Skipped++
				if r.opt.OnSkip != nil {
					r.opt.OnSkip(err)
				}
				continue
			}
			return err
		}
		r.sum.Rows++
	}
}

// inPeriods reports whether the row's billing period overlaps
// Options.Periods (always, when that is unset). A row without a billing
// period counts by the month of its charge.
func (r *run) inPeriods(li *cost.LineItem) bool {
	start, end := li.BillingPeriodStart, li.BillingPeriodEnd
	if start.IsZero() {
		start = cost.MonthStart(li.ChargePeriodStart)
		end = start.AddDate(0, 1, 0)
	}
	if end.IsZero() || !end.After(start) {
		end = start.AddDate(0, 1, 0)
	}
	return inPeriods(r.opt.Periods, start, end)
}

// inPeriods reports whether [start, end) overlaps the periods w, a
// window of Options.Periods (always, when that is unset).
func inPeriods(w cost.Window, start, end time.Time) bool {
	if w.Start.IsZero() && w.End.IsZero() {
		return true
	}
	return start.Before(w.End) && end.After(w.Start)
}

// normalise fills what every reader would otherwise repeat: USD values of
// bills in US dollars.
func normalise(li *cost.LineItem) {
	if li.BillingCurrency == "USD" {
		for m := range cost.NumMetrics {
			if !li.USD[m].Valid {
				li.USD[m] = decimal.NewNullDecimal(li.Cost[m])
			}
		}
	}
}

// warnUnread reports keys of JSON-lines rows outside the fixed header:
// they were not read, and the user should know.
func (r *run) warnUnread(name string, tr tabular.Reader) {
	if n, ok := tr.(namedReader); ok {
		tr = n.Reader
	}
	if u, ok := tr.(interface{ Unknown() []string }); ok && len(u.Unknown()) > 0 {
		r.log.Warn("columns not read", "file", name, "columns", u.Unknown())
	}
}
