package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// benchItems is the number of line items of the query benchmark:
// TALLY_BENCH_ITEMS (default 2,000,000; BENCHMARKS.md records 20,000,000).
func benchItems(b *testing.B) int {
	n := 2_000_000
	if s := os.Getenv("TALLY_BENCH_ITEMS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("TALLY_BENCH_ITEMS: %v", err)
		}
		n = v
	}
	return n
}

// loadSynthetic fills st with n line items over 90 days through SQL (the
// ingest path has its own benchmark) and commits them through the store's
// own commit, which builds the rollup.
func loadSynthetic(b *testing.B, st *Store, n int) time.Time {
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var pend []*pending
	for m := 0; m < 3; m++ {
		ps := start.AddDate(0, m, 0)
		id, err := st.newSnapshot(ctx, 1, store.ImportSpec{Source: "bench", Provider: "aws"}, ps, ps.AddDate(0, 1, 0), store.StatusLoading, "")
		if err != nil {
			b.Fatal(err)
		}
		pend = append(pend, &pending{id: id, start: ps, end: ps.AddDate(0, 1, 0), rows: int64(n / 3)})
	}
	// 90 days of hourly rows; 40 services, 25 accounts, 8 regions.
	sql := fmt.Sprintf(`INSERT INTO line_items (snapshot_id, source, provider_name, billing_account_id, sub_account_id,
  billing_currency, billing_period_start, billing_period_end, charge_period_start, charge_period_end, charge_category,
  charge_type, service_name, region_id, resource_id, category, kubernetes, %s, %s, tags)
SELECT %d + (ts.m)::BIGINT, 'bench', 'AWS', 'payer', 'acct-' || (i %% 25), 'USD',
  date_trunc('month', ts.t), date_trunc('month', ts.t) + INTERVAL 1 MONTH, ts.t, ts.t + INTERVAL 1 HOUR, 'Usage',
  'Usage', 'Service' || (i %% 40), 'region-' || (i %% 8), 'r-' || (i %% 100000), 'Compute', i %% 7 = 0,
  %s, %s, MAP {'team': 'team' || (i %% 12)}
FROM (SELECT i, TIMESTAMP '2024-01-01' + to_hours((i * 2160 // %d)::BIGINT) AS t FROM range(%d) r(i)) AS x(i, t),
  LATERAL (SELECT x.t AS t, (month(x.t) - 1) AS m) ts`,
		joinCols(metricColumns[:], "", ""), joinCols(metricColumns[:], "usd_", ""),
		pend[0].id,
		repeatCost(), repeatCost(), n, n)
	if _, err := st.db.Exec(sql); err != nil {
		b.Fatal(err)
	}
	if err := st.commit(ctx, "bench", pend); err != nil {
		b.Fatal(err)
	}
	return start
}

func repeatCost() string {
	s := ""
	for i := range cost.NumMetrics {
		if i > 0 {
			s += ", "
		}
		s += "((i % 997) * 0.000123456789)::" + money
	}
	return s
}

// BenchmarkQueryByService30d answers "30 days grouped by service" through
// the store (the rollup) and through hand-written SQL over the raw line
// items, and reports the median latency ratio store/raw.
func BenchmarkQueryByService30d(b *testing.B) {
	n := benchItems(b)
	st, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	start := loadSynthetic(b, st, n)
	b.Logf("loaded %d line items in %s", n, time.Since(t0).Round(time.Millisecond))
	w := cost.Window{Start: start.AddDate(0, 0, 30), End: start.AddDate(0, 0, 60)}
	q := query.Query{Window: w, GroupBy: []cost.Dimension{cost.DimService}, Metrics: []cost.Metric{cost.AmortizedNet}}
	raw := `SELECT service_name, billing_currency, sum(amortized_net_cost)::VARCHAR FROM line_items
		WHERE charge_period_start >= ? AND charge_period_start < ? GROUP BY ALL ORDER BY 3 DESC`
	ctx := context.Background()
	var tally, direct []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		res, err := st.Query(ctx, q)
		if err != nil || len(res.Rows) != 40 {
			b.Fatalf("store query: %v (%d rows)", err, len(res.Rows))
		}
		tally = append(tally, time.Since(t))
		t = time.Now()
		rows, err := st.db.QueryContext(ctx, raw, w.Start, w.End)
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		for rows.Next() {
			k++
		}
		rows.Close()
		if k != 40 {
			b.Fatalf("raw query rows = %d", k)
		}
		direct = append(direct, time.Since(t))
	}
	mt, md := median(tally), median(direct)
	b.ReportMetric(float64(mt.Microseconds())/1000, "tally-ms")
	b.ReportMetric(float64(md.Microseconds())/1000, "rawsql-ms")
	b.ReportMetric(float64(mt)/float64(md), "ratio")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
