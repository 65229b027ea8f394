package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// cmdBench holds the baselines Tally is measured against and the data
// it is measured on: "tally bench run" runs every scenario and prints
// medians and ratios (bench_run.go); "tally bench duckdb-csv --db PATH
// FILE" loads FILE with DuckDB's own read_csv into a table, the raw
// speed "tally ingest" is compared with in BENCHMARKS.md, and
// "duckdb-parquet" the same with read_parquet; "tally bench synthetic --db PATH
// --rows N [--provider aws|azure]" fills a store with N synthetic line
// items made in SQL, as the store's benchmarks do, for a served store
// to be measured (BENCHMARKS.md); "tally bench cloudkitty gen|run" is the
// issue 20 benchmark against the real CloudKitty (bench_cloudkitty.go).
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "synthetic" {
		return benchSynthetic(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "cloudkitty" {
		return benchCloudKitty(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "run" {
		return benchRun(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "serve" {
		return cmdBenchServe(ctx, args[1:], stdout, stderr)
	}
	// The baseline's reader and the table it fills, per subcommand.
	readers := map[string]string{"duckdb-csv": "read_csv", "duckdb-parquet": "read_parquet"}
	if len(args) == 0 || readers[args[0]] == "" {
		return fmt.Errorf("%w: usage: tally bench run [--smoke] [--dir DIR] [--runs N] [--sizes 1M,10M] [--only ingest,query,serve] | tally bench duckdb-csv|duckdb-parquet --db PATH FILE | tally bench synthetic --db PATH --rows N [--provider aws|azure] | tally bench cloudkitty gen|run (see --help)", errUsage)
	}
	reader := readers[args[0]]
	fs := newFlags("bench "+args[0], stdout, stderr)
	db := dbFlag(fs, "raw.duckdb", "DuckDB database to load into (the table is replaced)")
	dateFormat := fs.String("dateformat", "", "duckdb-csv: the dates' format (read_csv's dateformat), for files whose first rows DuckDB's sniffer misreads: an Azure bill's 03/01/2024 to 03/12/2024 also read as day/month")
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: bench %s needs one FILE", errUsage, args[0])
	}
	stores, err := openDB(ctx, *db, storage.Options{})
	if err != nil {
		return err
	}
	defer stores.Close()
	// The yardstick is DuckDB's own SQL, which only a DuckDB store has.
	st, ok := stores.Cost.(*duckdb.Store)
	if !ok {
		return fmt.Errorf("%w: bench %s needs a DuckDB database, and --db %q is a %s one", errUsage, args[0], *db, stores.Location.Engine)
	}
	from, params := reader+`(?)`, []any{files[0]}
	if *dateFormat != "" {
		if reader != "read_csv" {
			return fmt.Errorf("%w: --dateformat is for duckdb-csv", errUsage)
		}
		from, params = `read_csv(?, dateformat = ?)`, append(params, *dateFormat)
	}
	start := time.Now()
	var rows int64
	if _, err := st.DB().ExecContext(ctx, `CREATE OR REPLACE TABLE raw_bill AS SELECT * FROM `+from, params...); err != nil {
		return err
	}
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM raw_bill`).Scan(&rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "duckdb %s: %d rows in %s\n", reader, rows, time.Since(start).Round(time.Millisecond))
	return nil
}

// benchSynthetic is "tally bench synthetic": N synthetic line items of
// aws or azure shape (duckdb.Store.LoadSynthetic, LoadSyntheticAzure)
// added to the store at --db as three monthly snapshots.
func benchSynthetic(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench synthetic", stdout, stderr)
	db := fs.String("db", "synthetic.duckdb", "DuckDB file to add the line items to")
	rows := fs.Int("rows", 1_000_000, "number of line items")
	provider := fs.String("provider", "azure", "shape of the rows: aws or azure")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 || *rows < 3 {
		return fmt.Errorf("%w: usage: tally bench synthetic --db PATH --rows N (N >= 3) [--provider aws|azure]", errUsage)
	}
	st, err := duckdb.Open(ctx, *db, duckdb.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	load := st.LoadSynthetic
	switch *provider {
	case "aws":
	case "azure":
		load = st.LoadSyntheticAzure
	default:
		return fmt.Errorf("%w: --provider is aws or azure", errUsage)
	}
	start := time.Now()
	if _, err := load(ctx, *rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synthetic %s: %d line items in %s\n", *provider, *rows, time.Since(start).Round(time.Millisecond))
	return nil
}
