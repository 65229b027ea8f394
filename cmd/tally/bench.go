package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// cmdBench holds the baselines Tally is measured against. For now:
// "tally bench duckdb-csv --db PATH FILE" loads FILE with DuckDB's own
// read_csv into a table, the raw speed "tally ingest" is compared with
// in BENCHMARKS.md.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "duckdb-csv" {
		return fmt.Errorf("%w: usage: tally bench duckdb-csv --db PATH FILE", errUsage)
	}
	fs := newFlags("bench duckdb-csv", stderr)
	db := dbFlag(fs, "raw.duckdb", "DuckDB database to load into (the table is replaced)")
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: bench duckdb-csv needs one FILE", errUsage)
	}
	stores, err := openDB(ctx, *db, storage.Options{})
	if err != nil {
		return err
	}
	defer stores.Close()
	// The yardstick is DuckDB's own SQL, which only a DuckDB store has.
	st, ok := stores.Cost.(*duckdb.Store)
	if !ok {
		return fmt.Errorf("%w: bench duckdb-csv needs a DuckDB database, and --db %q is a %s one", errUsage, *db, stores.Location.Engine)
	}
	start := time.Now()
	var rows int64
	if _, err := st.DB().ExecContext(ctx, `CREATE OR REPLACE TABLE raw_csv AS SELECT * FROM read_csv(?)`, files[0]); err != nil {
		return err
	}
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM raw_csv`).Scan(&rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "duckdb read_csv: %d rows in %s\n", rows, time.Since(start).Round(time.Millisecond))
	return nil
}
