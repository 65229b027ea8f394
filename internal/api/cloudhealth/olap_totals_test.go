package cloudhealth

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/api/native"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
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
