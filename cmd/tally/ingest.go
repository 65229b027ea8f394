package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ingest", stdout, stderr)
	db := dbFlag(fs, "tally.duckdb", "database to ingest into (a DuckDB file is created when missing)")
	source := fs.String("source", "", "name of the billing source; re-importing a period of the same source replaces it")
	provider := fs.String("provider", "", "bill format: "+strings.Join(ingest.Providers, ", "))
	format := fs.String("format", "auto", "file format: auto, csv, parquet or jsonl")
	skip := fs.Bool("skip-bad-rows", false, "skip rows that do not parse, reporting each, instead of failing")
	asJSON := fs.Bool("json", false, "print a machine-readable summary on stdout")
	memLimit := fs.String("memory-limit", "256MB", "cap on DuckDB's buffer memory during the import (DuckDB size syntax; a --db URL's memory_limit wins)")
	prof := profileFlags(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := prof.start(); err != nil {
		return err
	}
	defer func() {
		if perr := prof.stop(); perr != nil {
			fmt.Fprintln(stderr, "tally:", perr)
		}
	}()
	if *source == "" || *provider == "" || len(paths) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: ingest needs --source, --provider and at least one PATH", errUsage)
	}
	f, err := tabular.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	loc, err := dbLocation(*db)
	if err != nil {
		return err
	}
	// fresh: this command creates the database file, and removes it
	// when the import fails.
	fresh := loc.Path != "" && !exists(loc.Path)
	st, err := openDB(ctx, *db, storage.Options{MemoryLimit: *memLimit})
	if err != nil {
		return err
	}

	opt := ingest.Options{Source: *source, Provider: *provider, Format: f, SkipBadRows: *skip}
	opt.OnSkip = func(err error) { fmt.Fprintln(stderr, "skipped:", err) }
	if isTerminal(stderr) {
		opt.Progress = newBar(stderr)
	}
	sum, err := ingest.Run(ctx, st.Cost, paths, opt)
	cerr := st.Close()
	if err != nil && fresh {
		// A first import that failed would leave an empty database
		// behind, which the next command takes for a real one.
		return errors.Join(fmt.Errorf("ingest failed (the new database %s is removed): %w", loc.Path, err), cerr, removeDB(loc.Path))
	}
	if err != nil {
		return errors.Join(fmt.Errorf("ingest failed (previous data unchanged): %w", err), cerr)
	}
	if cerr != nil {
		return cerr
	}
	if *asJSON {
		return writeJSONSummary(stdout, sum)
	}
	fmt.Fprintln(stdout, oneLine(sum))
	return nil
}

func oneLine(s *ingest.Summary) string {
	ids := make([]string, len(s.Snapshots))
	for i, sn := range s.Snapshots {
		ids[i] = fmt.Sprint(sn.ID)
	}
	mbps := 0.0
	if s.Duration > 0 {
		mbps = float64(s.Bytes) / 1e6 / s.Duration.Seconds()
	}
	msg := fmt.Sprintf("ingested %d rows from %d file(s) into source %q: snapshot(s) %s in %s (%.1f MB/s)",
		s.Rows, len(s.Files), s.Source, strings.Join(ids, ","), s.Duration.Round(time.Millisecond), mbps)
	if s.Skipped > 0 {
		msg += fmt.Sprintf("; %d bad row(s) skipped", s.Skipped)
	}
	if s.KnownRuns > 0 {
		// An export history is imported run by run, once each.
		msg += fmt.Sprintf("; %d export run(s) already imported, left alone", s.KnownRuns)
	}
	return msg
}

type jsonSummary struct {
	Source    string         `json:"source"`
	Provider  string         `json:"provider"`
	Files     []string       `json:"files"`
	Rows      int64          `json:"rows"`
	Skipped   int64          `json:"skippedRows"`
	Bytes     int64          `json:"bytes"`
	Seconds   float64        `json:"seconds"`
	Snapshots []jsonSnapshot `json:"snapshots"`
	KnownRuns int            `json:"knownRuns"`
}

type jsonSnapshot struct {
	ID                 int64       `json:"id"`
	BillingPeriodStart *time.Time  `json:"billingPeriodStart"`
	BillingPeriodEnd   *time.Time  `json:"billingPeriodEnd"`
	Rows               int64       `json:"rows"`
	Status             string      `json:"status"`
	Totals             []jsonTotal `json:"totals"`
}

type jsonTotal struct {
	Currency string            `json:"currency"`
	Costs    map[string]string `json:"costs"`
}

func writeJSONSummary(w io.Writer, s *ingest.Summary) error {
	out := jsonSummary{Source: s.Source, Provider: s.Provider, Files: s.Files, Rows: s.Rows, Skipped: s.Skipped,
		Bytes: s.Bytes, Seconds: s.Duration.Seconds(), Snapshots: []jsonSnapshot{}, KnownRuns: s.KnownRuns}
	if out.Files == nil {
		out.Files = []string{}
	}
	for _, sn := range s.Snapshots {
		js := jsonSnapshot{ID: sn.ID, Rows: sn.Rows, Status: string(sn.Status), Totals: []jsonTotal{}}
		if !sn.BillingPeriodStart.IsZero() {
			a, b := sn.BillingPeriodStart, sn.BillingPeriodEnd
			js.BillingPeriodStart, js.BillingPeriodEnd = &a, &b
		}
		for _, t := range sn.Totals {
			jt := jsonTotal{Currency: t.Currency, Costs: map[string]string{}}
			for m, v := range t.Values {
				jt.Costs[cost.Metric(m).String()] = v.String()
			}
			js.Totals = append(js.Totals, jt)
		}
		out.Snapshots = append(out.Snapshots, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar draws rows, MB/s and ETA on a terminal.
type bar struct {
	w io.Writer
	b *progressbar.ProgressBar
}

func newBar(w io.Writer) *bar { return &bar{w: w} }

func (b *bar) Begin(total int64) {
	b.b = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription("ingesting"),
	)
}

func (b *bar) Advance(rows, bytes int64) {
	b.b.Describe(fmt.Sprintf("%d rows", rows))
	if err := b.b.Set64(bytes); err != nil {
		slog.Debug("progress bar", "err", err)
	}
}

func (b *bar) End() { b.b.Finish() }

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

// removeDB removes a database file this command created, with the files
// DuckDB keeps beside it (write-ahead log, temporary folder).
func removeDB(p string) error { return duckdb.RemoveFiles(p) }
