package ingest

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
)

// BenchmarkIngestCUR ingests a synthetic CUR CSV of TALLY_BENCH_ROWS rows
// (default 200,000; BENCHMARKS.md records 5,000,000) and, on the same
// file, DuckDB's own read_csv into a table, and reports the throughput
// ratio tally/duckdb (1 = as fast as DuckDB's raw CSV load).
func BenchmarkIngestCUR(b *testing.B) {
	rows := int64(200_000)
	if s := os.Getenv("TALLY_BENCH_ROWS"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		rows = v
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "cur.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := synth.Write(w, synth.Options{Provider: "aws", Rows: rows, Days: 30, Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	f.Close()
	fi, _ := os.Stat(file)
	ctx := context.Background()
	var tallyTime, rawTime time.Duration
	n := 0
	b.ResetTimer()
	for b.Loop() {
		n++
		db := filepath.Join(dir, "t"+strconv.Itoa(n)+".duckdb")
		st, err := duckdb.Open(ctx, db, duckdb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		if _, err := Run(ctx, st, []string{file}, Options{Source: "bench", Provider: "aws"}); err != nil {
			b.Fatal(err)
		}
		tallyTime += time.Since(t)
		st.Close()

		raw, err := duckdb.Open(ctx, filepath.Join(dir, "r"+strconv.Itoa(n)+".duckdb"), duckdb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t = time.Now()
		if _, err := raw.DB().Exec(`CREATE TABLE raw AS SELECT * FROM read_csv(?)`, file); err != nil {
			b.Fatal(err)
		}
		rawTime += time.Since(t)
		raw.Close()
	}
	mb := float64(fi.Size()) / 1e6
	b.ReportMetric(mb*float64(n)/tallyTime.Seconds(), "tally-MB/s")
	b.ReportMetric(float64(rows*int64(n))/tallyTime.Seconds(), "tally-rows/s")
	b.ReportMetric(mb*float64(n)/rawTime.Seconds(), "duckdb-MB/s")
	b.ReportMetric(rawTime.Seconds()/tallyTime.Seconds(), "ratio")
}
