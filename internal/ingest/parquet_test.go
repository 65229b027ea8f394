package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// TestParquetMatchesCSV converts each real CSV export to Parquet with
// DuckDB (typed columns: timestamps, doubles, as exporters write them)
// and checks that ingesting the Parquet file gives the same totals per
// account, service and day as the CSV. Azure files keep their decimal
// text (all VARCHAR): their 19-digit costs do not survive a double, and
// Azure's Parquet exports carry decimals, not doubles.
func TestParquetMatchesCSV(t *testing.T) {
	ctx := context.Background()
	conv, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer conv.Close()
	dir := t.TempDir()
	for _, provider := range []string{"aws", "azure", "gcp", "focus"} {
		files, _ := filepath.Glob(sharedTestdata(provider, "*.csv"))
		for _, csvPath := range files {
			name := strings.TrimSuffix(filepath.Base(csvPath), ".csv")
			t.Run(provider+"/"+name, func(t *testing.T) {
				pq := filepath.Join(dir, provider+"-"+name+".parquet")
				opts := `header=true, delim=',', quote='"', escape='"', null_padding=true, strict_mode=false, nullstr='NULL'`
				if provider == "azure" || provider == "gcp" {
					// GCP's credits cells hold Python reprs that DuckDB
					// would try to read as lists.
					opts += ", all_varchar=true"
				}
				if _, err := conv.DB().Exec(`COPY (SELECT * FROM read_csv(?, `+opts+`)) TO '`+pq+`' (FORMAT parquet)`, csvPath); err != nil {
					t.Fatal(err)
				}
				fromCSV := totalsOf(t, provider, csvPath)
				fromParquet := totalsOf(t, provider, pq)
				if fromCSV != fromParquet {
					t.Fatalf("totals differ\nCSV:     %s\nParquet: %s", fromCSV, fromParquet)
				}
			})
		}
	}
}

// totalsOf ingests path and renders billed and amortized totals per
// account, service and day.
func totalsOf(t *testing.T, provider, path string) string {
	t.Helper()
	st, _, err := ingestMem(t, provider, "t", path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Query(context.Background(), query.Query{Scope: scope.All(),
		Window:  cost.Window{Start: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC)},
		Step:    query.Days(1),
		GroupBy: []cost.Dimension{cost.DimSubAccountID, cost.DimService},
		Metrics: []cost.Metric{cost.Billed, cost.Amortized},
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range res.Rows {
		b.WriteString(r.Start.Format("2006-01-02") + " " + strings.Join(r.Keys, "/") + " " + r.Values[0].String() + " " + r.Values[1].String() + "\n")
	}
	return b.String()
}
