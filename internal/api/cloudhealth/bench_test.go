package cloudhealth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// BenchmarkCostHistory3D asks the cost history report for twelve months
// by time × account × service category, plus a perspective as the fourth
// dimension (issue 21's benchmark), over real HTTP, and in turn the
// hand-written DuckDB SQL that groups the raw line items the same way
// (the perspective as a CASE), and reports both medians and their ratio.
// TALLY_BENCH_ITEMS sets the line items (default 2,000,000; BENCHMARKS.md
// records 20,000,000).
func BenchmarkCostHistory3D(b *testing.B) {
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
	if _, err := st.LoadSyntheticYear(ctx, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d line items in %s", n, time.Since(t0).Round(time.Millisecond))
	if err := st.RawTable(ctx, "raw_line_items"); err != nil {
		b.Fatal(err)
	}

	// A perspective as a team would write one: two static groups by
	// account, a third by region, the rest Other.
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	var schema perspective.Schema
	if err := json.Unmarshal([]byte(`{"name": "Environment", "include_in_reports": "true", "rules": [
	  {"type": "filter", "asset": "AwsAsset", "to": "1", "condition": {"clauses": [
	    {"field": ["subAccountId"], "op": "=", "val": "acct-0"}, {"field": ["subAccountId"], "op": "=", "val": "acct-1"},
	    {"field": ["subAccountId"], "op": "=", "val": "acct-2"}], "combine_with": "OR"}},
	  {"type": "filter", "asset": "AwsAsset", "to": "2", "condition": {"clauses": [
	    {"field": ["region"], "op": "=", "val": "region-3"}]}}],
	  "constants": [{"type": "Static Group", "list": [{"ref_id": "1", "name": "Production"}, {"ref_id": "2", "name": "Staging"}]}]}`), &schema); err != nil {
		b.Fatal(err)
	}
	id, _, err := book.Create(ctx, perspective.Everyone.Owner, schema)
	if err != nil {
		b.Fatal(err)
	}
	eng := engine.New(st)
	eng.SetPerspectives(book)
	api := New(eng, book, nil)
	api.SetClock(func() time.Time { return time.Date(2024, 12, 15, 12, 0, 0, 0, time.UTC) })
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), tenant.NoAuth)))
	}))
	defer srv.Close()

	url := srv.URL + "/cloudhealth/olap_reports/cost/history?interval=monthly&measures[]=cost" +
		"&dimensions[]=time&dimensions[]=AWS-Account&dimensions[]=AWS-Service-Category&dimensions[]=Groupset-" + id
	var report struct {
		Dimensions []map[string][]struct {
			Name string `json:"name"`
		} `json:"dimensions"`
	}
	get := func() time.Duration {
		t := time.Now()
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("report: %d %.300s", res.StatusCode, body)
		}
		d := time.Since(t)
		if err := json.Unmarshal(body, &report); err != nil || len(report.Dimensions) != 4 {
			b.Fatalf("report: %v %.300s", err, body)
		}
		// Members with Total: 12 months, 25 accounts, 10 categories, 3 groups.
		for i, want := range []int{13, 26, 11, 4} {
			for _, ms := range report.Dimensions[i] {
				if len(ms) != want {
					b.Fatalf("dimension %d has %d members, want %d", i, len(ms), want)
				}
			}
		}
		return d
	}
	raw := `SELECT date_trunc('month', charge_period_start), sub_account_id, service_category,
  CASE WHEN sub_account_id IN ('acct-0', 'acct-1', 'acct-2') THEN 'Production' WHEN region_id = 'region-3' THEN 'Staging' ELSE 'Other' END,
  sum(usd_billed_cost)::VARCHAR
FROM raw_line_items WHERE charge_period_start >= TIMESTAMP '2024-01-01' AND charge_period_start < TIMESTAMP '2025-01-01'
GROUP BY ALL`
	direct := func() time.Duration {
		t := time.Now()
		rows, err := st.DB().QueryContext(ctx, raw)
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		for rows.Next() {
			k++
		}
		rows.Close()
		if k < 12*50 { // accounts and categories are i%25 and i%10: 50 pairs
			b.Fatalf("raw query rows = %d", k)
		}
		return time.Since(t)
	}
	get() // the first answer checks the shape before timing
	var tally, sql []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tally = append(tally, get())
		sql = append(sql, direct())
	}
	b.StopTimer()
	mt, md := medianOf(tally), medianOf(sql)
	b.ReportMetric(float64(mt.Microseconds())/1000, "tally-ms")
	b.ReportMetric(float64(md.Microseconds())/1000, "rawsql-ms")
	b.ReportMetric(float64(mt)/float64(md), "ratio")
	b.Logf("tally %v, raw SQL %v", tally, sql)
}

func medianOf(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
