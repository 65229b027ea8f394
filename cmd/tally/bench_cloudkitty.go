package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/tally-cost/tally/internal/rating/ckbench"
	"github.com/tally-cost/tally/internal/storage"
)

// benchCloudKitty is "tally bench cloudkitty gen|run", the issue 20
// benchmark against the real CloudKitty (BENCHMARKS.md):
//
//	gen --tenants N --hours H [--csv FILE] [--db PATH]
//	    writes the data set as CSV rows of CloudKitty's rated_data_frames
//	    (for scripts/cloudkitty-upstream.sh load) and/or into a Tally
//	    database as rated line items, and prints the exact total.
//	run --cloudkitty URL [--cloudkitty-postgresql URL] --tally URL --tenants N --hours H [--runs R]
//	    asks both servers report/total and report/summary over the data
//	    set's month, R timed runs each, and prints medians, p95, ratios
//	    and both sides' totals next to the exact one.
func benchCloudKitty(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: tally bench cloudkitty gen --tenants N --hours H [--csv FILE] [--db PATH] | tally bench cloudkitty run --cloudkitty URL --tally URL --tenants N --hours H [--runs R]"
	if len(args) == 0 || (args[0] != "gen" && args[0] != "run") {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	fs := newFlags("bench cloudkitty "+args[0], stdout, stderr)
	tenants := fs.Int("tenants", ckbench.FullTenants, "number of tenants (scopes)")
	hours := fs.Int("hours", ckbench.FullHours, "number of hourly periods from 2024-06-01")
	csvPath := fs.String("csv", "", "gen: CSV file of CloudKitty rated_data_frames rows to write")
	db := dbFlag(fs, "", "gen: Tally database to add the rated line items to")
	ckURL := fs.String("cloudkitty", "", "run: CloudKitty API root (TALLY_CLOUDKITTY_URL of scripts/cloudkitty-upstream.sh)")
	ckPG := fs.String("cloudkitty-postgresql", "", "run: a second CloudKitty API root, over PostgreSQL (TALLY_CLOUDKITTY_DB=postgresql)")
	tallyURL := fs.String("tally", "", "run: Tally's CloudKitty dialect root, e.g. http://127.0.0.1:8080/cloudkitty")
	runs := fs.Int("runs", 9, "run: timed requests per side and endpoint")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	spec := ckbench.Spec{Tenants: *tenants, Hours: *hours}
	if len(rest) != 0 || spec.Check() != nil {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	if args[0] == "run" {
		var sides []ckbench.Side
		if *ckURL != "" {
			sides = append(sides, ckbench.Side{Name: "CloudKitty 17", Base: *ckURL})
		}
		if *ckPG != "" {
			sides = append(sides, ckbench.Side{Name: "CloudKitty 17 (PostgreSQL)", Base: *ckPG})
		}
		if *tallyURL != "" {
			sides = append(sides, ckbench.Side{Name: "Tally", Base: *tallyURL})
		}
		if len(sides) == 0 || *runs < 1 {
			return fmt.Errorf("%w: bench cloudkitty run needs --cloudkitty and/or --tally, and --runs >= 1", errUsage)
		}
		exact, err := spec.Totals()
		if err != nil {
			return err
		}
		ms := ckbench.Run(ctx, &http.Client{Timeout: 10 * time.Minute}, sides, spec, *runs, exact)
		ckbench.Report(stdout, spec, *runs, ms, exact)
		return nil
	}
	if *csvPath == "" && *db == "" {
		return fmt.Errorf("%w: bench cloudkitty gen needs --csv and/or --db", errUsage)
	}
	if *csvPath != "" {
		start := time.Now()
		if err := writeCSVFile(*csvPath, spec); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d rows to %s in %s\n", spec.Points(), *csvPath, time.Since(start).Round(time.Millisecond))
	}
	if *db != "" {
		st, err := openDB(ctx, *db, storage.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		start := time.Now()
		err = spec.LoadTally(ctx, st.Cost, "USD", func(done int) {
			if done%100 == 0 {
				fmt.Fprintf(stderr, "%d/%d tenants loaded (%s)\n", done, spec.Tenants, time.Since(start).Round(time.Second))
			}
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "loaded %d rated line items (%d snapshots) into %s in %s\n", spec.Points(), spec.Tenants*spec.Hours, *db, time.Since(start).Round(time.Millisecond))
	}
	exact, err := spec.Totals()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exact total: %s\n", exact.All)
	return nil
}

func writeCSVFile(path string, spec ckbench.Spec) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := spec.WriteCSV(bw); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
