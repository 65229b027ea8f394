package native

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// BenchmarkCosts30dByService asks GET /api/v1/costs?window=30d&groupBy=service
// over real HTTP, uncached, the question issue 23 profiles beside
// Kubecost's /model/cloudCost: one bucket of 40 services, every metric
// with its Kubernetes part, and the totals. TALLY_BENCH_ITEMS sets the
// line items (default 2,000,000). Only Tally's answer is timed, so that
// a CPU profile (-cpuprofile) and -benchmem show the request alone.
func BenchmarkCosts30dByService(b *testing.B) {
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
	api := New(engine.New(st), nil, nil)
	// "30d" ends at the end of today: the synthetic data's days 30 to 59.
	api.now = func() time.Time { return start.AddDate(0, 0, 59).Add(12 * time.Hour) }
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), tenant.NoAuth)))
	}))
	defer srv.Close()
	url := srv.URL + "/api/v1/costs?window=30d&groupBy=service"
	get := func() []byte {
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("costs: %d %.300s", res.StatusCode, body)
		}
		return body
	}
	var out costsResponse
	if err := json.Unmarshal(get(), &out); err != nil {
		b.Fatal(err)
	}
	if len(out.Data) != 40 || len(out.Totals) != 1 {
		b.Fatalf("costs: %d rows and %d totals, want 40 and 1", len(out.Data), len(out.Totals))
	}
	b.ReportAllocs()
	b.ResetTimer()
	c := cpuTime(b)
	for b.Loop() {
		get()
	}
	// The process's CPU time, every thread (DuckDB's too): on shared
	// cores it varies less than wall time.
	b.ReportMetric(float64((cpuTime(b)-c).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time the process has used, in every thread.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
