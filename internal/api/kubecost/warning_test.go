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
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestMissingUSDWarns: an item whose bill gives no USD value cannot be
// added to Kubecost's USD costs; the envelope's warning says how many
// were left out instead of showing a smaller total silently.
func TestMissingUSDWarns(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gbp := lineItem("Microsoft", "ea-1", "sub-1", "Virtual Machines", d(4, 22), "50")
	gbp.BillingCurrency = "GBP"
	for m := range cost.NumMetrics {
		gbp.USD[m] = decimal.NullDecimal{}
	}
	storetest.Load(t, st, "s", gbp, lineItem("AWS", payer, "111", "AmazonEC2", d(4, 22), "1"))
	api := New(engine.New(st), nil, nil)
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/model/cloudCost?window=7d&aggregate=service&accumulate=true", nil)
	mux.ServeHTTP(rec, req.WithContext(tenant.WithPrincipal(req.Context(), tenant.NoAuth)))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `"warning":"1 line items are billed in another currency without a USD value or an exchange rate and are not included (1 in GBP for 2024-04); an administrator can set rates with PUT /api/v1/exchange-rates/{month}"`) {
		t.Fatalf("%d %s", rec.Code, body)
	}
	if strings.Contains(body, "Virtual Machines") {
		t.Fatalf("an item without USD value was shown: %s", body)
	}
}
