package kubecost_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/api/kubecost"
	"github.com/tally-cost/tally/internal/bench"
	"github.com/tally-cost/tally/internal/engine"
)

// BenchmarkCloudCost30dByService asks /model/cloudCost for 30 days
// aggregated by service (one set per day) over real HTTP, and the
// equivalent hand-written DuckDB SQL over the raw line items (the same
// daily groups with the five metrics and their Kubernetes parts), and
// reports the median latency ratio; then 32 concurrent clients for
// throughput. TALLY_BENCH_ITEMS sets the line items (default 2,000,000;
// BENCHMARKS.md records 20,000,000). The question and its SQL are
// internal/bench's, which `tally bench run` asks too.
func BenchmarkCloudCost30dByService(b *testing.B) {
	n, err := bench.ItemsFromEnv(2_000_000)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	st, start, err := bench.LoadStore(ctx, filepath.Join(b.TempDir(), "bench.duckdb"), bench.AWS90d, n)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.Logf("loaded %d line items in %s", n, time.Since(t0).Round(time.Millisecond))
	api := kubecost.New(engine.New(st), nil, nil)
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(bench.NoAuth(mux))
	defer srv.Close()
	q := bench.CloudCostByService(start.AddDate(0, 0, 30))
	var cpu time.Duration // the process's CPU time in get, every thread (DuckDB's too)
	get := func() time.Duration {
		c := cpuTime(b)
		defer func() { cpu += cpuTime(b) - c }()
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
	var tally, sql []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tally = append(tally, get())
		sql = append(sql, direct())
	}
	b.StopTimer()
	mt, md := bench.Median(tally), bench.Median(sql)
	b.ReportMetric(float64(mt.Microseconds())/1000, "tally-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(tally)), "tally-cpu-ms")
	b.ReportMetric(float64(md.Microseconds())/1000, "rawsql-ms")
	b.ReportMetric(float64(mt)/float64(md), "ratio")

	// Throughput: 32 clients, 8 requests each.
	const clients, each = 32, 8
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	t1 := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				d := get()
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t1)
	b.ReportMetric(float64(clients*each)/elapsed.Seconds(), "req/s@32")
	b.ReportMetric(float64(bench.P99(lat).Microseconds())/1000, "p99-ms@32")
}

// cpuTime is the CPU time the process has used, in every thread: on
// shared cores it varies less than wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
