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
	"os"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
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
}

// Run imports the bills at paths into st as one import. On any error the
// import is failed: the store keeps the previous snapshots visible and
// records the failure with its message.
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
	files, err := Expand(paths, p.resolve, &scratch)
	if err != nil {
		return nil, err
	}
	if opt.Progress == nil {
		opt.Progress = noProgress{}
	}
	if opt.Format == "" {
		opt.Format = tabular.FormatAuto
	}
	start := time.Now()
	sum := &Summary{Source: opt.Source, Provider: opt.Provider}
	var total int64
	for _, f := range files {
		sum.Files = append(sum.Files, f.name())
		total += f.Size
	}
	spec := store.ImportSpec{Source: opt.Source, Provider: opt.Provider, Files: sum.Files}
	if spec.Runs, err = runsOf(p, paths); err != nil {
		return nil, err
	}
	imp, err := st.BeginImport(ctx, spec)
	if err != nil {
		return nil, err
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Info("ingesting", "source", opt.Source, "provider", opt.Provider, "files", len(files), "bytes", total)
	r := &run{ctx: ctx, opt: opt, p: p, imp: imp, sum: sum, log: log}
	opt.Progress.Begin(total)
	for _, f := range files {
		if err := r.file(f); err != nil {
			opt.Progress.End()
			return sum, errors.Join(err, imp.Fail(context.WithoutCancel(ctx), err))
		}
		r.doneBytes += f.Size
	}
	opt.Progress.End()
	snaps, err := imp.Commit(ctx)
	if err != nil {
		return sum, err
	}
	sum.Snapshots = snaps
	sum.Bytes = total
	sum.Duration = time.Since(start)
	return sum, nil
}

// runsOf names the export runs of the delivery folders among paths.
func runsOf(p provider, paths []string) ([]store.Run, error) {
	if p.runs == nil {
		return nil, nil
	}
	var out []store.Run
	for _, path := range paths {
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			continue
		}
		runs, err := p.runs(os.DirFS(path), ".")
		if err != nil {
			return nil, err
		}
		out = append(out, runs...)
	}
	return out, nil
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
	w := r.opt.Periods
	if w.Start.IsZero() && w.End.IsZero() {
		return true
	}
	start, end := li.BillingPeriodStart, li.BillingPeriodEnd
	if start.IsZero() {
		start = cost.MonthStart(li.ChargePeriodStart)
		end = start.AddDate(0, 1, 0)
	}
	if end.IsZero() || !end.After(start) {
		end = start.AddDate(0, 1, 0)
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
