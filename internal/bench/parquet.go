package bench

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/tally-cost/tally/internal/store/duckdb"
)

// ParquetFromCSV writes the rows of the CSV bill at csvPath as a Parquet
// file at pqPath, converted by DuckDB (COPY ... TO ... FORMAT parquet):
// `tally gen` writes CSV, and this gives the same rows as Parquet.
// Columns are typed as DuckDB's sniffer reads them (timestamps, doubles),
// as exporters write CUR and FOCUS Parquet, an empty cell being a null;
// with allVarchar every column stays text and empty cells empty, as for
// Azure, whose 19-digit costs a double would not keep (the conversion of
// internal/ingest's TestParquetMatchesCSV).
func ParquetFromCSV(ctx context.Context, csvPath, pqPath string, allVarchar bool) error {
	conv, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		return err
	}
	defer conv.Close()
	opts := `header=true, delim=',', quote='"', escape='"', null_padding=true, strict_mode=false`
	if allVarchar {
		opts += `, nullstr='NULL', all_varchar=true`
	} else {
		// The sniffer reads the whole file, not its first 20,480 rows: a
		// CUR's monthly fees come last, with an empty usage amount in a
		// column the first rows make a DOUBLE (a 1M-row bill failed so).
		// One more pass over the file, once per generated bill.
		opts += `, sample_size=-1`
	}
	// Written under another name first: an interrupted conversion must
	// not leave a truncated file that a later run takes for the data.
	tmp := pqPath + ".tmp"
	q := `COPY (SELECT * FROM read_csv(?, ` + opts + `)) TO '` + strings.ReplaceAll(tmp, "'", "''") + `' (FORMAT parquet)`
	_, err = conv.DB().ExecContext(ctx, q, csvPath)
	if err != nil && strings.Contains(err.Error(), "parallel = false") {
		// DuckDB's parallel reader gives up on some large files it can
		// read in one thread (a 2M-row FOCUS bill: "does not support a
		// full read on this file"); it says so, and the slower read works.
		os.Remove(tmp)
		q = `COPY (SELECT * FROM read_csv(?, ` + opts + `, parallel=false)) TO '` + strings.ReplaceAll(tmp, "'", "''") + `' (FORMAT parquet)`
		_, err = conv.DB().ExecContext(ctx, q, csvPath)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("converting %s to Parquet: %w", csvPath, err)
	}
	return os.Rename(tmp, pqPath)
}
