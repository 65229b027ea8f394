package ingest

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
)

func sharedTestdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "..", "shared", "testdata"}, parts...)...)
}

// rawRows reads a CSV (gzipped or not) into maps keyed by header name,
// with nothing but the standard library: the reference side of the
// comparison must not share code with the readers.
func rawRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		t.Fatal(err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, h := range header {
			if i < len(rec) {
				m[strings.ToLower(h)] = rec[i]
			}
		}
		out = append(out, m)
	}
}

func first(m map[string]string, names ...string) string {
	for _, n := range names {
		if v, ok := m[strings.ToLower(n)]; ok && v != "" {
			return v
		}
	}
	return ""
}

func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "null") {
		return new(big.Rat)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	return r
}

// isoDay turns the day of a bill's date cell into YYYY-MM-DD (US dates
// MM/DD/YYYY included).
func isoDay(t *testing.T, s string) string {
	t.Helper()
	if len(s) >= 10 && s[2] == '/' && s[5] == '/' {
		return s[6:10] + "-" + s[0:2] + "-" + s[3:5]
	}
	if len(s) < 10 {
		t.Fatalf("not a date: %q", s)
	}
	return s[:10]
}

var gcpAmount = regexp.MustCompile(`['"]amount['"]\s*:\s*(-?[0-9.eE+-]+)`)

type expectation struct {
	metric cost.Metric
	want   map[string]*big.Rat // account|service|day
}

func expect(t *testing.T, provider, path string) expectation {
	e := expectation{metric: cost.Billed, want: map[string]*big.Rat{}}
	add := func(key string, v *big.Rat) {
		if e.want[key] == nil {
			e.want[key] = new(big.Rat)
		}
		e.want[key].Add(e.want[key], v)
	}
	for _, m := range rawRows(t, path) {
		switch provider {
		case "aws":
			key := first(m, "lineItem/UsageAccountId", "line_item_usage_account_id") + "|" +
				first(m, "lineItem/ProductCode", "line_item_product_code") + "|" +
				isoDay(t, first(m, "lineItem/UsageStartDate", "line_item_usage_start_date"))
			add(key, rat(t, first(m, "lineItem/UnblendedCost", "line_item_unblended_cost")))
		case "azure":
			if strings.Contains(strings.ToLower(filepath.Base(path)), "amortized") {
				e.metric = cost.Amortized
			}
			key := first(m, "SubscriptionId", "SubscriptionGuid") + "|" +
				first(m, "ConsumedService", "MeterCategory") + "|" +
				isoDay(t, first(m, "Date", "UsageDateTime"))
			add(key, rat(t, first(m, "CostInBillingCurrency", "Cost", "PreTaxCost")))
		case "gcp":
			v := rat(t, m["cost"])
			for _, c := range gcpAmount.FindAllStringSubmatch(m["credits"], -1) {
				v.Add(v, rat(t, c[1]))
			}
			add(m["project.id"]+"|"+m["service.description"]+"|"+isoDay(t, m["usage_start_time"]), v)
		case "focus":
			key := first(m, "SubAccountId") + "|" + first(m, "ServiceName") + "|" + isoDay(t, first(m, "ChargePeriodStart"))
			if strings.EqualFold(key, "null|") {
				key = "|"
			}
			add(strings.ReplaceAll(key, "NULL", ""), rat(t, m["billedcost"]))
		}
	}
	return e
}

// TestTestdataTotalsExact ingests every real export of ../shared/testdata
// through the whole pipeline into DuckDB and checks the totals per
// (account, service, day) against an exact sum over the raw file.
func TestTestdataTotalsExact(t *testing.T) {
	var cases [][2]string // provider, path
	for _, p := range []string{"aws", "azure", "gcp", "focus"} {
		files, _ := filepath.Glob(sharedTestdata(p, "*.csv"))
		for _, f := range files {
			cases = append(cases, [2]string{p, f})
		}
	}
	bucket := extractBucket(t)
	gz, _ := filepath.Glob(filepath.Join(bucket, "*", "*", "*", "*.csv.gz"))
	if len(gz) != 1 {
		t.Fatalf("CUR bucket data files = %v, want 1", gz)
	}
	cases = append(cases, [2]string{"aws", bucket})
	if len(cases) < 15 {
		t.Fatalf("found %d test exports, want every file of ../shared/testdata", len(cases))
	}
	for _, c := range cases {
		provider, path := c[0], c[1]
		name := filepath.Base(path)
		if path == bucket {
			name = "cur-bucket-with-manifest"
		}
		t.Run(provider+"/"+name, func(t *testing.T) {
			st, sum, err := ingestMem(t, provider, "test", path)
			if err != nil {
				t.Fatal(err)
			}
			raw := path
			if path == bucket {
				raw = gz[0]
			}
			e := expect(t, provider, raw)
			res, err := st.Query(context.Background(), query.Query{Scope: scope.All(),
				Window:  cost.Window{Start: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC)},
				Step:    query.Days(1),
				GroupBy: []cost.Dimension{cost.DimSubAccountID, cost.DimService},
				Metrics: []cost.Metric{e.metric},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*big.Rat{}
			for _, r := range res.Rows {
				key := r.Keys[0] + "|" + r.Keys[1] + "|" + r.Start.Format("2006-01-02")
				if got[key] == nil {
					got[key] = new(big.Rat)
				}
				got[key].Add(got[key], rat(t, r.Values[0].String()))
			}
			var diffs []string
			for k, w := range e.want {
				g := got[k]
				if g == nil {
					g = new(big.Rat)
				}
				if g.Cmp(w) != 0 {
					diffs = append(diffs, k+": got "+g.FloatString(24)+" want "+w.FloatString(24))
				}
			}
			for k, g := range got {
				if e.want[k] == nil && g.Sign() != 0 {
					diffs = append(diffs, k+": got "+g.FloatString(24)+", not in the file")
				}
			}
			sort.Strings(diffs)
			if len(diffs) > 0 {
				t.Fatalf("%d of %d groups differ (%d rows ingested):\n%s", len(diffs), len(e.want), sum.Rows, strings.Join(diffs[:min(len(diffs), 20)], "\n"))
			}
			if len(e.want) == 0 && sum.Rows != 0 {
				t.Fatalf("an empty export ingested %d rows", sum.Rows)
			}
		})
	}
}

// extractBucket unpacks the CUR bucket sample into a temporary directory.
func extractBucket(t *testing.T) string {
	t.Helper()
	f, err := os.Open(sharedTestdata("aws", "cur-bucket-with-manifest.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, dir) {
			t.Fatalf("archive entry outside the directory: %s", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			out, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			out.Close()
		}
	}
}
