package cloudhealth

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/api/native"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestOLAPTotalsAgree: for every interval, the report's Total cell over
// all its members equals the native API's total over the same window
// and an independent big.Rat sum of the loaded items, to the last
// digit; and every time member's Total equals the big.Rat sum of the
// items starting in it. The windows are written out here from §4.4, not
// computed by the dialect's code.
func TestOLAPTotalsAgree(t *testing.T) {
	s := newOLAPServer(t)
	rng := rand.New(rand.NewPCG(21, 42))
	var items []olapItem
	gen := func(n int, from time.Time, span time.Duration) {
		for range n {
			at := from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute)
			// Up to 10 decimals, some negative: sums a float would round.
			c := decimal.New(rng.Int64N(2_000_000_000_000)-200_000_000_000, -int32(rng.IntN(11)))
			items = append(items, olapItem{start: at, account: fmt.Sprintf("acct-%d", rng.IntN(3)), category: "Compute", billed: c})
		}
	}
	gen(600, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), 400*24*time.Hour)
	gen(300, time.Date(2024, 1, 7, 0, 0, 0, 0, time.UTC), 9*24*time.Hour)
	lis := make([]*cost.LineItem, 0, len(items))
	for _, o := range items {
		lis = append(lis, o.lineItem())
	}
	s.load(t, lis...)

	nat := native.New(s.eng, nil, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	nat.Register(mux)
	natSrv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(natSrv.Close)

	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		interval   string
		start, end time.Time
		members    int
		next       func(time.Time) time.Time
	}{
		{"monthly", d(2023, 2, 1), d(2024, 2, 1), 12, func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"weekly", d(2023, 1, 15), d(2024, 1, 14), 52, func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }},
		{"daily", d(2023, 12, 15), d(2024, 1, 15), 31, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"hourly", d(2024, 1, 8), d(2024, 1, 15), 84, func(t time.Time) time.Time { return t.Add(2 * time.Hour) }},
	}
	for _, c := range cases {
		t.Run(c.interval, func(t *testing.T) {
			r := s.call(t, step{Method: "GET", Path: "/olap_reports/cost/history?interval=" + c.interval + "&dimensions[]=time&dimensions[]=AWS-Account"})
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var rep struct{ Data [][][]json.Number }
			if err := json.Unmarshal(r.Body, &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Data) != c.members+1 {
				t.Fatalf("%d time rows, want Total and %d members", len(rep.Data), c.members)
			}
			want := ratSum(items, c.start, c.end)
			got := rep.Data[0][0][0].String()
			nativeTotal := nativeBilled(t, natSrv.URL, c.start, c.end)
			if !ratEqual(got, want) || !ratEqual(nativeTotal, want) {
				t.Errorf("Total: report %s, native %s, big.Rat sum %s", got, nativeTotal, want.FloatString(12))
			}
			if got != nativeTotal {
				t.Errorf("Total written %s by the report and %s by the native API", got, nativeTotal)
			}
			at := c.start
			for i := 1; i <= c.members; i++ {
				end := c.next(at)
				want := ratSum(items, at, end)
				cell := rep.Data[i][0][0]
				if want == nil && cell != "" || want != nil && !ratEqual(cell.String(), want) {
					t.Errorf("member %d [%s, %s): report %q, big.Rat sum %v", i, at, end, cell, want)
				}
				at = end
			}
		})
	}
}

// ratSum sums the billed cost of the items starting in [from, to) with
// math/big; nil when none does.
func ratSum(items []olapItem, from, to time.Time) *big.Rat {
	var sum *big.Rat
	for _, o := range items {
		if o.start.Before(from) || !o.start.Before(to) {
			continue
		}
		r, ok := new(big.Rat).SetString(o.billed.String())
		if !ok {
			panic("not a decimal: " + o.billed.String())
		}
		if sum == nil {
			sum = new(big.Rat)
		}
		sum.Add(sum, r)
	}
	return sum
}

func ratEqual(s string, r *big.Rat) bool {
	if r == nil {
		return false
	}
	x, ok := new(big.Rat).SetString(s)
	return ok && x.Cmp(r) == 0
}

// nativeBilled is the native API's USD billed total over [from, to).
func nativeBilled(t *testing.T, base string, from, to time.Time) string {
	t.Helper()
	url := fmt.Sprintf("%s/api/v1/costs?window=%s,%s&metric=billed&currency=USD", base, from.Format(time.RFC3339), to.Format(time.RFC3339))
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("native API: %d %s", res.StatusCode, b)
	}
	var body struct {
		Totals []struct{ Costs map[string]string }
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Totals) != 1 {
		t.Fatalf("native API: %d totals, want one: %s", len(body.Totals), b)
	}
	return body.Totals[0].Costs["billed"]
}

// TestOLAPTotalsAgreeCUR is TestOLAPTotalsAgree over a real bill: the CUR
// bucket sample (13,380 rows of the August 2018 bill) ingested as users
// ingest it, the clock on its last day, and per interval the report's Total over all
// its members equal to the native API's total over the same window and
// to a math/big sum of the raw unblended cost column of the rows whose
// usage starts in it.
func TestOLAPTotalsAgreeCUR(t *testing.T) {
	s := newOLAPServer(t)
	path := testfiles.Shared(t, "aws", "cur-bucket-with-manifest.tar.gz")
	if _, err := ingest.Run(context.Background(), s.st, []string{path}, ingest.Options{Source: "cur", Provider: "aws", Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	raw := rawCURRows(t, path, "koku-local/20180801-20180901/16e57707-f9e3-49be-8be6-b84e684b5194/koku-local-1.csv.gz")
	if len(raw) != 13380 {
		t.Fatalf("%d raw rows, want 13380", len(raw))
	}
	// The rows run from 2018-06-20 to 2018-08-03, a Friday.
	s.setNow(time.Date(2018, 8, 3, 12, 0, 0, 0, time.UTC))

	nat := native.New(s.eng, nil, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	nat.Register(mux)
	natSrv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(natSrv.Close)

	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		interval   string
		start, end time.Time
	}{
		{"monthly", d(2017, 9, 1), d(2018, 9, 1)},
		{"weekly", d(2017, 7, 30), d(2018, 7, 29)},
		{"daily", d(2018, 7, 3), d(2018, 8, 3)},
		{"hourly", d(2018, 7, 27), d(2018, 8, 3)},
	}
	for _, c := range cases {
		t.Run(c.interval, func(t *testing.T) {
			want := new(big.Rat)
			n := 0
			for _, r := range raw {
				if !r.start.Before(c.start) && r.start.Before(c.end) {
					want.Add(want, r.cost)
					n++
				}
			}
			if n == 0 {
				t.Fatal("no raw row in the window: the case tests nothing")
			}
			r := s.call(t, step{Method: "GET", Path: "/olap_reports/cost/history?interval=" + c.interval + "&dimensions[]=time&dimensions[]=AWS-Service-Category"})
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var rep struct{ Data [][][]json.Number }
			if err := json.Unmarshal(r.Body, &rep); err != nil {
				t.Fatal(err)
			}
			got := rep.Data[0][0][0].String()
			nativeTotal := nativeBilled(t, natSrv.URL, c.start, c.end)
			if !ratEqual(got, want) || !ratEqual(nativeTotal, want) {
				t.Errorf("Total of %d rows: report %s, native %s, raw big.Rat sum %s", n, got, nativeTotal, want.FloatString(12))
			}
		})
	}
}

// curRow is a raw CUR row: its usage start and unblended cost.
type curRow struct {
	start time.Time
	cost  *big.Rat
}

// rawCURRows reads member of the tarball at path with the standard
// library alone: gzip, tar, gzip, csv.
func rawCURRows(t *testing.T, path, member string) []curRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in %s: %v", member, path, err)
		}
		if h.Name != member {
			continue
		}
		inner, err := gzip.NewReader(tr)
		if err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(inner)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			t.Fatal(err)
		}
		startCol, costCol := slices.Index(header, "lineItem/UsageStartDate"), slices.Index(header, "lineItem/UnblendedCost")
		if startCol < 0 || costCol < 0 {
			t.Fatalf("no usage start or unblended cost column in %v", header)
		}
		var out []curRow
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			at, err := time.Parse(time.DateTime, rec[startCol])
			if err != nil {
				at, err = time.Parse(time.RFC3339, rec[startCol])
			}
			if err != nil {
				t.Fatalf("usage start %q: %v", rec[startCol], err)
			}
			c, ok := new(big.Rat).SetString(rec[costCol])
			if !ok {
				t.Fatalf("unblended cost %q", rec[costCol])
			}
			out = append(out, curRow{start: at, cost: c})
		}
	}
}
