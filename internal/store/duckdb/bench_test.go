package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
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

// benchStore opens a store in a temporary file holding benchItems
// synthetic line items, and, when raw is not empty, a plain table of the
// same rows named raw for hand-written SQL; it returns the first day of
// the data.
func benchStore(b *testing.B, raw string) (*Store, time.Time) {
	n := benchItems(b)
	st, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	t0 := time.Now()
	start, err := st.LoadSynthetic(context.Background(), n)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d line items in %s", n, time.Since(t0).Round(time.Millisecond))
	if raw != "" {
		if err := st.RawTable(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
	return st, start
}

// BenchmarkQueryByService30d answers "30 days grouped by service" through
// the store (the rollup) and through hand-written SQL over the raw line
// items, and reports the median latency ratio store/raw.
func BenchmarkQueryByService30d(b *testing.B) {
	st, start := benchStore(b, "raw_line_items")
	w := cost.Window{Start: start.AddDate(0, 0, 30), End: start.AddDate(0, 0, 60)}
	q := query.Query{Scope: scope.All(), Window: w, GroupBy: []cost.Dimension{cost.DimService}, Metrics: []cost.Metric{cost.AmortizedNet}}
	raw := `SELECT service_name, billing_currency, sum(amortized_net_cost)::VARCHAR FROM raw_line_items
		WHERE charge_period_start >= ? AND charge_period_start < ? GROUP BY ALL ORDER BY 3 DESC`
	if rows := againstRaw(b, st, q, raw, w.Start, w.End); rows != 40 {
		b.Fatalf("%d rows, want one per service", rows)
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkQueryRawFiltered30d answers 30 days that start off midnight
// with a filter of alternatives, so the line items answer rather than the
// rollup: the path where the scoped subquery and the client's filter
// outside it meet the decoding view. Reported as a ratio to hand-written
// SQL over the plain table of the same rows.
func BenchmarkQueryRawFiltered30d(b *testing.B) {
	st, start := benchStore(b, "raw_line_items")
	w := cost.Window{Start: start.AddDate(0, 0, 30).Add(time.Hour), End: start.AddDate(0, 0, 60)}
	f := filter.Or{Xs: []filter.Expr{
		filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"Service1", "Service2"}},
		filter.Cond{Dim: cost.DimRegion, Op: filter.Prefix, Values: []string{"region-7"}},
	}}
	q := query.Query{Scope: scope.All(), Window: w, Filter: f, GroupBy: []cost.Dimension{cost.DimService}, Metrics: []cost.Metric{cost.AmortizedNet}}
	raw := `SELECT service_name, billing_currency, sum(amortized_net_cost)::VARCHAR FROM raw_line_items
		WHERE charge_period_start >= ? AND charge_period_start < ?
		AND (service_name IN ('Service1', 'Service2') OR starts_with(region_id, 'region-7')) GROUP BY ALL ORDER BY 3 DESC`
	if rows := againstRaw(b, st, q, raw, w.Start, w.End); rows == 0 {
		b.Fatal("no rows")
	}
}

// againstRaw times q through the store and the hand-written SQL raw over
// the same rows, in turns, checks that both give as many rows, reports
// the median latencies and their ratio store/raw, and returns the rows.
func againstRaw(b *testing.B, st *Store, q query.Query, raw string, args ...any) int {
	ctx := context.Background()
	var tally, direct []time.Duration
	n := 0
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		res, err := st.Query(ctx, q)
		if err != nil {
			b.Fatalf("store query: %v", err)
		}
		tally = append(tally, time.Since(t))
		t = time.Now()
		rows, err := st.db.QueryContext(ctx, raw, args...)
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		for rows.Next() {
			k++
		}
		rows.Close()
		direct = append(direct, time.Since(t))
		if n = len(res.Rows); k != n {
			b.Fatalf("raw query rows = %d, store rows = %d", k, n)
		}
	}
	mt, md := median(tally), median(direct)
	b.ReportMetric(float64(mt.Microseconds())/1000, "tally-ms")
	b.ReportMetric(float64(md.Microseconds())/1000, "rawsql-ms")
	b.ReportMetric(float64(mt)/float64(md), "ratio")
	return n
}

// BenchmarkQueryMapped30d answers 30 days grouped by a mapping of 200
// rules on the sub account (as 200 registered names compile), the 25
// accounts of the data matched by the last rules, and the same question
// grouped by the plain sub-account dimension, in turns: the ratio
// mapped/plain is the cost of a derived grouping. Midnight windows read
// the rollup; off-midnight ones (sub-benchmark raw) the line items.
func BenchmarkQueryMapped30d(b *testing.B) {
	st, start := benchStore(b, "")
	mapped := cost.Dimension("bench.accountName")
	var rules []query.Rule
	for i := range 200 {
		acct := "unknown-" + strconv.Itoa(i)
		if i >= 175 {
			acct = "acct-" + strconv.Itoa(i-175)
		}
		rules = append(rules, query.Rule{When: filter.Cond{Dim: cost.DimSubAccountID, Values: []string{acct}}, Value: "Name " + strconv.Itoa(i)})
	}
	for _, c := range []struct {
		name  string
		start time.Time
	}{{"rollup", start.AddDate(0, 0, 30)}, {"raw", start.AddDate(0, 0, 30).Add(time.Hour)}} {
		b.Run(c.name, func(b *testing.B) {
			w := cost.Window{Start: c.start, End: start.AddDate(0, 0, 60)}
			plain := query.Query{Scope: scope.All(), Window: w, GroupBy: []cost.Dimension{cost.DimSubAccountID}, Metrics: []cost.Metric{cost.AmortizedNet}}
			q := plain
			q.GroupBy = []cost.Dimension{mapped}
			q.Mappings = map[cost.Dimension]query.Mapping{mapped: {Rules: rules, Else: cost.DimSubAccountName}}
			ctx := context.Background()
			var tm, tp []time.Duration
			for b.Loop() {
				for i, x := range []query.Query{q, plain} {
					t := time.Now()
					res, err := st.Query(ctx, x)
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Rows) != 25 {
						b.Fatalf("%d rows, want one per account", len(res.Rows))
					}
					if i == 0 {
						tm = append(tm, time.Since(t))
					} else {
						tp = append(tp, time.Since(t))
					}
				}
			}
			mm, mp := median(tm), median(tp)
			b.ReportMetric(float64(mm.Microseconds())/1000, "mapped-ms")
			b.ReportMetric(float64(mp.Microseconds())/1000, "plain-ms")
			b.ReportMetric(float64(mm)/float64(mp), "ratio")
		})
	}
}
