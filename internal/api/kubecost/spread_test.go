package kubecost

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestSpreadMonthlyFee: a support fee charged for April (30 days) counts
// 1/30 of itself on each day of a daily answer (§3.4), not all of it on
// April 1st, which lies before the window; a month's answer holds all of
// it. The golden file shows the daily sets of the 7d window.
func TestSpreadMonthlyFee(t *testing.T) {
	fee := lineItem("AWS", payer, "111", "AWSSupportBusiness", d(4, 1), "30")
	fee.ChargePeriodEnd, fee.ChargeCategory, fee.ChargeType = d(5, 1), "Fee", "Fee"
	usage := lineItem("AWS", payer, "111", "AmazonEC2", d(4, 22).Add(3*60*60*1e9), "5")
	items := []*cost.LineItem{fee, usage}

	body := serveIndented(t, items, "/model/cloudCost?window=7d&aggregate=service")
	golden.Assert(t, "cloudcost_spread_fee", body)
	var kc struct {
		Data struct {
			Sets []struct {
				CloudCosts map[string]struct {
					InvoicedCost struct {
						Cost json.Number `json:"cost"`
					} `json:"invoicedCost"`
				} `json:"cloudCosts"`
			} `json:"sets"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &kc); err != nil {
		t.Fatal(err)
	}
	if len(kc.Data.Sets) != 7 {
		t.Fatalf("%d sets, want the 7 days of 7d", len(kc.Data.Sets))
	}
	for i, s := range kc.Data.Sets {
		if got := s.CloudCosts["AWSSupportBusiness"].InvoicedCost.Cost; got != "1" {
			t.Errorf("set %d: the fee's part is %q, want 1 (30 over 30 days)", i, got)
		}
	}

	month := string(serveIndented(t, items, "/model/cloudCost?window=2024-04-01T00:00:00Z,2024-05-01T00:00:00Z&aggregate=service&accumulate=month"))
	if !strings.Contains(month, `"cost": 30,`) {
		t.Errorf("April's answer does not hold the whole fee of 30: %s", month)
	}
}

// TestSpreadCurrencies: an item charged since before the window counts
// in the window's currencies too, so that a page of an answer mixing a
// NOK fee with dollar items is in USD with a warning, not a sum of
// kroner and dollars.
func TestSpreadCurrencies(t *testing.T) {
	fee := storetest.Item("a", "svc", d(4, 1), "3000")
	fee.ChargePeriodEnd, fee.BillingCurrency = d(5, 1), "NOK"
	for m := range cost.NumMetrics {
		fee.USD[m] = decimal.NullDecimal{}
	}
	usage := storetest.Item("b", "svc", d(4, 22), "3")
	_, body, header := serveItemsHeader(t, []*cost.LineItem{fee, usage}, "/model/cloudCost?window=week&aggregate=accountID&accumulate=true&limit=1")
	if !strings.Contains(header.Get("Warning"), "not included") && !bytes.Contains(body, []byte("not included")) {
		t.Errorf("no warning that the NOK fee is left out: %s", body)
	}
	if bytes.Contains(body, []byte(`"a"`)) {
		t.Errorf("the NOK fee is in a dollar answer: %s", body)
	}
}

// serveIndented serves path over items and returns the JSON body
// indented, as the golden files hold it.
func serveIndented(t *testing.T, items []*cost.LineItem, path string) []byte {
	t.Helper()
	_, mux := muxItems(t, items)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, principalRequest(path))
	if w.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, w.Code, w.Body)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, w.Body.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
