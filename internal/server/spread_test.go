package server

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"testing"

	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestKubecostSpreadsMonthlyItems: every row of cur-legacy-slash-columns
// is charged for the whole of June 2018 (a monthly line). Kubecost splits
// such items across its daily sets in proportion to time (§3.4): each day
// of June gets 1/30 of the file's total, up to the rounding of each
// item's part at 10^-24, and the days add up to the total exactly. A
// window inside the month counts its part of the items that started
// before it. The expected values come from the file, with math/big.
func TestKubecostSpreadsMonthlyItems(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	path := testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv")
	if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "cur", Provider: "aws"}); err != nil {
		t.Fatal(err)
	}
	total := rawUnblended(t, path)
	if total.Sign() == 0 {
		t.Fatal("the file sums to zero: the test would prove nothing")
	}
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
	// sets returns each set's window start and Σ invoicedCost.
	sets := func(query string) (starts []string, sums []*big.Rat) {
		t.Helper()
		rec := send(h, http.MethodGet, "/model/cloudCost?"+query, nil, "")
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", query, rec.Code, rec.Body)
		}
		var kc struct {
			Data struct {
				Sets []struct {
					Window     struct{ Start string }
					CloudCosts map[string]struct {
						InvoicedCost struct {
							Cost json.Number `json:"cost"`
						} `json:"invoicedCost"`
					} `json:"cloudCosts"`
				} `json:"sets"`
			} `json:"data"`
		}
		dec := json.NewDecoder(rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&kc); err != nil {
			t.Fatal(err)
		}
		for _, s := range kc.Data.Sets {
			sum := new(big.Rat)
			for _, c := range s.CloudCosts {
				v, ok := new(big.Rat).SetString(c.InvoicedCost.Cost.String())
				if !ok {
					t.Fatalf("cost %q", c.InvoicedCost.Cost)
				}
				sum.Add(sum, v)
			}
			starts, sums = append(starts, s.Window.Start), append(sums, sum)
		}
		return starts, sums
	}
	// 19 items, each part rounded at 10^-24 (half a unit either way).
	tolerance := big.NewRat(19, 2)
	tolerance.Mul(tolerance, new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(24), nil)))
	near := func(got, want *big.Rat) bool {
		d := new(big.Rat).Sub(got, want)
		return d.Abs(d).Cmp(tolerance) <= 0
	}

	starts, days := sets("window=2018-06-01T00:00:00Z,2018-07-01T00:00:00Z&accumulate=day&aggregate=service")
	if len(days) != 30 {
		t.Fatalf("%d daily sets over June, want 30: %v", len(days), starts)
	}
	perDay := new(big.Rat).Quo(total, big.NewRat(30, 1))
	sum := new(big.Rat)
	for i, d := range days {
		if !near(d, perDay) {
			t.Errorf("set %s: %s, want %s (1/30 of the month)", starts[i], d.FloatString(24), perDay.FloatString(24))
		}
		sum.Add(sum, d)
	}
	if sum.Cmp(total) != 0 {
		t.Errorf("the days of June add up to %s, the file to %s", sum.FloatString(24), total.FloatString(24))
	}

	// Three days in the middle of the month, one set.
	_, mid := sets("window=2018-06-10T00:00:00Z,2018-06-13T00:00:00Z&accumulate=true&aggregate=service")
	want := new(big.Rat).Mul(perDay, big.NewRat(3, 1))
	if len(mid) != 1 || !near(mid[0], want) {
		t.Errorf("June 10 to 13: %v, want one set of %s", mid, want.FloatString(24))
	}
}
