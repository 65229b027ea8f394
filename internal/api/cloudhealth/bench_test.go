package cloudhealth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/api/cloudhealth"
	"github.com/tally-cost/tally/internal/bench"
	"github.com/tally-cost/tally/internal/engine"
)

// BenchmarkCostHistory3D asks the cost history report for twelve months
// by time × account × service category, plus a perspective as the fourth
// dimension (issue 21's benchmark), over real HTTP, and in turn the
// hand-written DuckDB SQL that groups the raw line items the same way
// (the perspective as a CASE), and reports both medians and their ratio.
// TALLY_BENCH_ITEMS sets the line items (default 2,000,000; BENCHMARKS.md
// records 20,000,000). The data, perspective, question and SQL are
// internal/bench's, which `tally bench run` asks too.
func BenchmarkCostHistory3D(b *testing.B) {
	n, err := bench.ItemsFromEnv(2_000_000)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	st, _, err := bench.LoadStore(ctx, filepath.Join(b.TempDir(), "bench.duckdb"), bench.AWSYear, n)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.Logf("loaded %d line items in %s", n, time.Since(t0).Round(time.Millisecond))
	book, id, err := bench.CreatePerspective(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	eng := engine.New(st)
	eng.SetPerspectives(book)
	api := cloudhealth.New(eng, book, nil)
	api.SetClock(func() time.Time { return time.Date(2024, 12, 15, 12, 0, 0, 0, time.UTC) })
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(bench.NoAuth(mux))
	defer srv.Close()

	q := bench.CostHistory(id)
	get := func() time.Duration {
		d, err := bench.Get(ctx, http.DefaultClient, srv.URL+q.Path, q.Check)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	direct := func() time.Duration {
		d, rows, err := bench.Direct(ctx, st.DB(), q.Raw, q.Args...)
		if err == nil {
			err = q.CheckRaw(rows)
		}
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	get() // the first answer checks the shape before timing
	var tally, sql []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tally = append(tally, get())
		sql = append(sql, direct())
	}
	b.StopTimer()
	mt, md := bench.Median(tally), bench.Median(sql)
	b.ReportMetric(float64(mt.Microseconds())/1000, "tally-ms")
	b.ReportMetric(float64(md.Microseconds())/1000, "rawsql-ms")
	b.ReportMetric(float64(mt)/float64(md), "ratio")
	b.Logf("tally %v, raw SQL %v", tally, sql)
}
