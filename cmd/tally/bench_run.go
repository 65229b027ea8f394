package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/bench"
)

// The sizes and runs of the full run and of the smoke run. The full run
// takes about an hour on 2 cores (BENCHMARKS.md, "Issue 23: tally
// bench"); the smoke run seconds, in `make test` (TestBenchSmoke).
var (
	fullSizes  = []int64{1_000_000, 10_000_000}
	smokeSizes = struct{ ingest, query int64 }{3_000, 20_000}
	scenarios  = []string{"ingest", "query", "serve"}
	// The arguments of `tally bench serve` in a full run and a smoke run
	// (its flags as issue 23's serving part names them).
	serveFull  = []string{"--rows", "2000000", "--clients", "64", "--duration", "30s", "--ingest-rows", "5000000"}
	serveSmoke = []string{"--rows", "5000", "--clients", "4", "--duration", "2s", "--ingest-rows", "5000"}
)

// benchRun is "tally bench run": builds the reproducible data sets in
// --dir and runs the scenarios, printing one table per scenario of
// medians and ratios measured in the same run.
func benchRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench run", stdout, stderr)
	smoke := fs.Bool("smoke", false, "small data and few runs: seconds, to check that the benchmark works")
	dir := fs.String("dir", "", "folder of the data sets; generated bills are kept there for the next run (default: a temporary folder, removed)")
	runs := fs.Int("runs", 0, "timed runs of each measurement (default: ingest 3, queries 21; smoke 1 and 3)")
	sizes := fs.String("sizes", "", "line items / bill rows, e.g. 1M,10M or 100M (default 1M,10M; smoke: 3k bills, 20k items)")
	only := fs.String("only", strings.Join(scenarios, ","), "scenarios to run: ingest, query, serve")
	tallyBin := fs.String("tally", "", "tally binary the imports run as (default: this one)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 || *runs < 0 {
		return fmt.Errorf("%w: usage: tally bench run [--smoke] [--dir DIR] [--runs N] [--sizes 1M,10M] [--only ingest,query,serve]", errUsage)
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(scenarios, s) {
			return fmt.Errorf("%w: --only: unknown scenario %q (want ingest, query or serve)", errUsage, s)
		}
		want[s] = true
	}
	ingestSizes, querySizes := fullSizes, fullSizes
	ingestRuns, queryRuns := 3, 21
	if *smoke {
		ingestSizes, querySizes = []int64{smokeSizes.ingest}, []int64{smokeSizes.query}
		ingestRuns, queryRuns = 1, 3
	}
	if *sizes != "" {
		s, err := bench.ParseSizes(*sizes)
		if err != nil {
			return fmt.Errorf("%w: --sizes: %v", errUsage, err)
		}
		ingestSizes, querySizes = s, s
	}
	if *runs > 0 {
		ingestRuns, queryRuns = *runs, *runs
	}
	if *tallyBin == "" {
		if *tallyBin, err = os.Executable(); err != nil {
			return err
		}
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "tally-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	t0 := time.Now()
	fmt.Fprintf(stdout, "tally bench run: %s, GOMAXPROCS %d, data in %s\n\n", versionString(), runtime.GOMAXPROCS(0), *dir)
	if want["ingest"] {
		o := bench.IngestOptions{Tally: *tallyBin, Dir: *dir, Sizes: ingestSizes, Runs: ingestRuns, Log: stderr}
		if err := bench.RunIngest(ctx, o, stdout); err != nil {
			return err
		}
	}
	if want["query"] {
		o := bench.QueryOptions{Dir: *dir, Sizes: querySizes, Runs: queryRuns, Log: stderr}
		if err := bench.RunQueries(ctx, o, stdout); err != nil {
			return err
		}
	}
	if want["serve"] {
		fmt.Fprintln(stdout, "== serve ==")
		a := slices.Clone(serveFull)
		if *smoke {
			a = slices.Clone(serveSmoke)
		}
		if err := cmdBenchServe(ctx, a, stdout, stderr); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "done in %s\n", time.Since(t0).Round(time.Second))
	return nil
}
