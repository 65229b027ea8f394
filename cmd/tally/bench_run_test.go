package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestBenchSmoke runs `tally bench run --smoke` as a user would and
// checks that every scenario printed its table with every row: the
// ingest of each format with rows, peak memory and a ratio to DuckDB;
// every question with items, latencies and a ratio to raw SQL; the two
// data sets that hold the same 30 days reading as many items from
// tables of different sizes; and the serving section. Numbers are only
// checked to be there and positive: timing is for benchmarks, not tests.
func TestBenchSmoke(t *testing.T) {
	r := tally(t, "bench", "run", "--smoke", "--dir", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("\n%s", r.stdout)
	tables := parseTables(r.stdout)

	ingest := tables["ingest"]
	if ingest == nil {
		t.Fatalf("no ingest table in\n%s", r.stdout)
	}
	for _, format := range []string{"CUR-CSV", "CUR-Parquet", "Azure-CSV", "FOCUS-Parquet"} {
		row := ingest.row("format", format)
		if row == nil {
			t.Errorf("ingest: no row for %s", format)
			continue
		}
		if n := row.int(t, "rows"); n != 3000 {
			t.Errorf("ingest %s: %d rows, want 3000", format, n)
		}
		for _, col := range []string{"file-MB", "tally-s", "rows/s", "MB/s", "tally-peak-MiB", "duckdb-s", "duckdb-peak-MiB", "ratio-duckdb/tally"} {
			row.positive(t, "ingest "+format, col)
		}
	}

	query := tables["query"]
	if query == nil {
		t.Fatalf("no query table in\n%s", r.stdout)
	}
	for _, c := range []struct{ data, question string }{
		{"aws-year", "kubecost-30d-by-service"}, {"aws-year", "kubecost-30d-by-label"}, {"aws-year", "cloudhealth-history-3d"},
		{"aws-90d", "kubecost-30d-by-service"}, {"azure", "azure-summary-date"}, {"rated", "cloudkitty-v2-summary"},
	} {
		row := query.row("data", c.data, "question", c.question)
		if row == nil {
			t.Errorf("query: no row for %s over %s", c.question, c.data)
			continue
		}
		for _, col := range []string{"table-items", "items-read", "tally-median", "tally-p99", "raw-median", "raw-p99", "ratio-tally/raw"} {
			row.positive(t, "query "+c.question, col)
		}
	}
	// The same question over a year and over 90 days of the same density
	// reads as many items from a table about 4 times larger.
	year := query.row("data", "aws-year", "question", "kubecost-30d-by-service")
	short := query.row("data", "aws-90d", "question", "kubecost-30d-by-service")
	if year != nil && short != nil {
		if a, b := year.int(t, "items-read"), short.int(t, "items-read"); a != b {
			t.Errorf("items read: %d over a year, %d over 90 days; want the same", a, b)
		}
		if a, b := year.int(t, "table-items"), short.int(t, "table-items"); a < 3*b {
			t.Errorf("table items: %d over a year, %d over 90 days; want about 4 times more", a, b)
		}
	}

	if _, serve, ok := strings.Cut(r.stdout, "== serve =="); !ok || !strings.Contains(serve, "\nquiet ") || !strings.Contains(serve, "import of ") {
		t.Errorf("no serve section with its loads and import in\n%s", r.stdout)
	}
}

// table is one printed table of `tally bench run`: its header and rows,
// split on blanks.
type table struct {
	header []string
	rows   [][]string
}

type tableRow struct {
	header, cells []string
}

// parseTables reads the tables of a run's output by the first word of
// their title ("== ingest (...) ==" is "ingest").
func parseTables(out string) map[string]*table {
	tables := map[string]*table{}
	var cur *table
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "== "):
			name := strings.Fields(strings.TrimPrefix(line, "== "))[0]
			cur = &table{}
			tables[name] = cur
		case cur == nil || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			if strings.TrimSpace(line) == "" {
				cur = nil
			}
		case cur.header == nil:
			cur.header = strings.Fields(line)
		default:
			cur.rows = append(cur.rows, strings.Fields(line))
		}
	}
	return tables
}

// row returns the row whose columns have the given values (pairs of
// column and value), or nil.
func (tb *table) row(pairs ...string) *tableRow {
	for _, r := range tb.rows {
		ok := true
		for i := 0; i < len(pairs); i += 2 {
			if c := indexOf(tb.header, pairs[i]); c < 0 || c >= len(r) || r[c] != pairs[i+1] {
				ok = false
			}
		}
		if ok {
			return &tableRow{tb.header, r}
		}
	}
	return nil
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}

func (r *tableRow) cell(t *testing.T, col string) string {
	t.Helper()
	c := indexOf(r.header, col)
	if c < 0 || c >= len(r.cells) {
		t.Fatalf("no column %s in %v", col, r.header)
	}
	return r.cells[c]
}

func (r *tableRow) int(t *testing.T, col string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(r.cell(t, col), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", col, err)
	}
	return n
}

// positive checks that the cell is a number above zero.
func (r *tableRow) positive(t *testing.T, what, col string) {
	t.Helper()
	s := r.cell(t, col)
	if x, err := strconv.ParseFloat(s, 64); err != nil || x <= 0 {
		t.Errorf("%s: %s = %q, want a positive number", what, col, s)
	}
}

// TestGenParquet: `tally gen --format parquet` writes the rows of the
// same seed's CSV, which import to the same rows and the same exact
// totals, for each provider the benchmark imports as Parquet (and Azure,
// kept as text); GCP and standard output are refused.
func TestGenParquet(t *testing.T) {
	dir := t.TempDir()
	for _, provider := range []string{"aws", "focus", "azure"} {
		t.Run(provider, func(t *testing.T) {
			totals := map[string]string{}
			for _, format := range []string{"csv", "parquet"} {
				file := filepath.Join(dir, provider+"."+format)
				res := tally(t, "gen", "--provider", provider, "--rows", "400", "--days", "3", "--start", "2024-03-01", "--seed", "7", "--format", format, "--out", file)
				if res.code != 0 {
					t.Fatalf("gen --format %s: exit %d\n%s", format, res.code, res.stderr)
				}
				s := ingestJSON(t, "--db", filepath.Join(dir, provider+"-"+format+".duckdb"), "--source", "s", "--provider", provider, file)
				var b strings.Builder
				fmt.Fprintf(&b, "rows %d:", s.Rows)
				for _, sn := range s.Snapshots {
					for _, tot := range sn.Totals {
						fmt.Fprintf(&b, " %s %s %s", tot.Currency, tot.Costs["billed"], tot.Costs["amortized"])
					}
				}
				totals[format] = b.String()
			}
			if totals["csv"] != totals["parquet"] || !strings.HasPrefix(totals["csv"], "rows 400:") {
				t.Errorf("CSV %s\nParquet %s", totals["csv"], totals["parquet"])
			}
			if _, err := os.Stat(filepath.Join(dir, provider+".parquet.csv.tmp")); !os.IsNotExist(err) {
				t.Errorf("the CSV beside the Parquet file is left: %v", err)
			}
		})
	}
	for _, args := range [][]string{
		{"--provider", "gcp", "--format", "parquet", "--out", filepath.Join(dir, "g.parquet")},
		{"--provider", "aws", "--format", "parquet", "--out", "-"},
	} {
		if res := tally(t, append([]string{"gen"}, args...)...); res.code != 2 || !strings.Contains(res.stderr, "--format parquet is for aws, azure and focus") {
			t.Errorf("gen %v: exit %d %s", args, res.code, res.stderr)
		}
	}
}
