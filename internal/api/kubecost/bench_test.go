package kubecost

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// BenchmarkCloudCost30dByService asks /model/cloudCost for 30 days
// aggregated by service (one set per day) over real HTTP, and the
// equivalent hand-written DuckDB SQL over the raw line items (the same
// daily groups with the five metrics and their Kubernetes parts), and
// reports the median latency ratio; then 32 concurrent clients for
// throughput. TALLY_BENCH_ITEMS sets the line items (default 2,000,000;
// BENCHMARKS.md records 20,000,000).
func BenchmarkCloudCost30dByService(b *testing.B) {
	n := 2_000_000
	if s := os.Getenv("TALLY_BENCH_ITEMS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	ctx := context.Background()
	st, err := duckdb.Open(ctx, filepath.Join(b.TempDir(), "bench.duckdb"), duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	start, err := st.LoadSynthetic(ctx, n)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d line items in %s", n, time.Since(t0).Round(time.Millisecond))
	if err := st.RawTable(ctx, "raw_line_items"); err != nil {
		b.Fatal(err)
	}
	api := New(engine.New(st), nil, nil)
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), tenant.NoAuth)))
	}))
	defer srv.Close()
	from, to := start.AddDate(0, 0, 30), start.AddDate(0, 0, 60)
	url := fmt.Sprintf("%s/model/cloudCost?window=%s,%s&aggregate=service", srv.URL, from.Format(time.RFC3339), to.Format(time.RFC3339))
	var cpu time.Duration // the process's CPU time in get, every thread (DuckDB's too)
	get := func() time.Duration {
		t, c := time.Now(), cpuTime(b)
		defer func() { cpu += cpuTime(b) - c }()
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.Count(string(body), `"cloudCosts":{`) != 30 {
			b.Fatalf("cloudCost: %d %.300s", res.StatusCode, body)
		}
		return time.Since(t)
	}
	var sums []string
	for _, m := range []string{"list_cost", "net_cost", "amortized_net_cost", "billed_cost", "amortized_cost"} {
		sums = append(sums, fmt.Sprintf("sum(%[1]s)::VARCHAR, sum(CASE WHEN kubernetes THEN %[1]s ELSE 0 END)::VARCHAR", m))
	}
	raw := `SELECT date_trunc('day', charge_period_start), service_name, ` + strings.Join(sums, ", ") +
		` FROM raw_line_items WHERE charge_period_start >= ? AND charge_period_start < ? GROUP BY ALL ORDER BY 1, 2`
	direct := func() time.Duration {
		t := time.Now()
		rows, err := st.DB().QueryContext(ctx, raw, from, to)
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		for rows.Next() {
			k++
		}
		rows.Close()
		if k != 30*40 {
			b.Fatalf("raw query rows = %d", k)
		}
		return time.Since(t)
	}
	var tally, sql []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tally = append(tally, get())
		sql = append(sql, direct())
	}
	b.StopTimer()
	mt, md := median(tally), median(sql)
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
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(clients*each)/elapsed.Seconds(), "req/s@32")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms@32")
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

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
