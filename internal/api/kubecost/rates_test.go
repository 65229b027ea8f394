package kubecost

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestExchangeRateAnswers: a deployment billed in EUR (an export without
// USD columns) and in USD answers in USD; before an administrator sets a
// rate, the EUR items are left out and the warning names their currency,
// month and count; after, they are converted at the rate, which the
// warning names, and an item of a month without a rate stays out.
func TestExchangeRateAnswers(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eur := func(sub, service string, at time.Time, billed string) *cost.LineItem {
		li := lineItem("Microsoft", "ea-1", sub, service, at, billed)
		li.BillingCurrency = "EUR"
		for m := range cost.NumMetrics {
			li.USD[m] = decimal.NullDecimal{}
		}
		return li
	}
	storetest.Load(t, st, "s",
		eur("sub-1", "Virtual Machines", d(4, 22), "100.5"),
		eur("sub-1", "Storage", d(4, 23), "20"),
		eur("sub-2", "Virtual Machines", d(3, 30), "7"), // March: no rate set
		lineItem("AWS", payer, "111", "AmazonEC2", d(4, 22), "3"))
	eng := engine.New(st)
	eng.SetRates(rates.New(st, nil))
	api := New(eng, nil, nil)
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	get := func(name, path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		mux.ServeHTTP(rec, req.WithContext(tenant.WithPrincipal(req.Context(), tenant.NoAuth)))
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		golden.Assert(t, name, rec.Body.Bytes())
		return rec.Body.String()
	}
	const cloudCost = "/model/cloudCost?window=2024-03-25T00:00:00Z,2024-04-25T00:00:00Z&aggregate=service&accumulate=true"
	const totals = "/model/cloudCost/view/totals?window=2024-03-25T00:00:00Z,2024-04-25T00:00:00Z&aggregate=service"
	before := get("rates_mixed_before", cloudCost)
	if !strings.Contains(before, "3 line items") || !strings.Contains(before, "1 in EUR for 2024-03, 2 in EUR for 2024-04") {
		t.Fatalf("before a rate, the warning does not name what was left out: %s", before)
	}
	get("rates_mixed_totals_before", totals)

	admin := tenant.WithPrincipal(context.Background(), &tenant.Principal{KeyName: "ops", Role: tenant.RoleAdmin, Scope: scope.All()})
	april := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	if err := eng.SetExchangeRates(admin, april, []cost.Rate{{Month: april, Currency: "EUR", USD: decimal.RequireFromString("1.0825")}}); err != nil {
		t.Fatal(err)
	}
	after := get("rates_mixed_after", cloudCost)
	// 100.5 × 1.0825 = 108.79125 and 20 × 1.0825 = 21.65; March's 7 EUR
	// stays out.
	for _, want := range []string{`"cost":108.79125`, `"cost":21.65`, "1 line items", "1 in EUR for 2024-03", "EUR 2024-04 = 1.0825 USD"} {
		if !strings.Contains(after, want) {
			t.Fatalf("after a rate, no %s in %s", want, after)
		}
	}
	totalsAfter := get("rates_mixed_totals_after", totals)
	// The default metric, amortized net (0.8 × billed in lineItem):
	// 2.4 + 0.8 × (100.5 + 20) × 1.0825.
	if !strings.Contains(totalsAfter, `"cost":106.753}`) {
		t.Fatalf("totals after a rate: want 2.4 + 87.033 + 17.32 = 106.753: %s", totalsAfter)
	}
}
