package native

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestExchangeRates walks an administrator through setting a month's
// rate: a USD answer over a EUR bill without USD values leaves it out
// (counted) before and converts it after, naming the rate; a viewer
// reads the rates but may not set them; bad months and rates are 400s
// naming the field; every change is in the audit log.
func TestExchangeRates(t *testing.T) {
	eur := storetest.Item("333", "Virtual Machines", storetest.Day(3, 3), "100.5")
	eur.BillingCurrency = "EUR"
	for m := range cost.NumMetrics {
		eur.USD[m] = decimal.NullDecimal{}
	}
	srv := newServerWith(t, eur)
	step := stepper(t, srv)
	usd := "/api/v1/costs?window=2024-03-01,2024-04-01&groupBy=subAccountId&metric=billed&currency=USD"
	step("rates_costs_usd_before", "", "GET", usd, "", 200)
	step("rates_empty", "", "GET", "/api/v1/exchange-rates", "", 200)
	step("rates_put", "", "PUT", "/api/v1/exchange-rates/2024-03", `{"rates":{"EUR":"1.0825","NOK":0.0921}}`, 200)
	step("rates_list", "", "GET", "/api/v1/exchange-rates", "", 200)
	after := step("rates_costs_usd_after", "", "GET", usd, "", 200)
	if !strings.Contains(string(after), `"108.79125"`) || strings.Contains(string(after), "missingUsdItems") {
		t.Fatalf("the EUR item was not converted at 1.0825: %s", after)
	}
	step("error_rates_month", "", "PUT", "/api/v1/exchange-rates/2024-13", `{"rates":{"EUR":"1"}}`, 400)
	step("error_rates_zero", "", "PUT", "/api/v1/exchange-rates/2024-03", `{"rates":{"EUR":0}}`, 400)
	step("error_rates_negative", "", "PUT", "/api/v1/exchange-rates/2024-03", `{"rates":{"EUR":"-1.08"}}`, 400)
	step("error_rates_not_number", "", "PUT", "/api/v1/exchange-rates/2024-03", `{"rates":{"EUR":"about one"}}`, 400)
	step("error_rates_currency", "", "PUT", "/api/v1/exchange-rates/2024-03", `{"rates":{"euro":"1.08"}}`, 400)
	step("error_rates_missing", "", "PUT", "/api/v1/exchange-rates/2024-03", `{}`, 400)
	step("error_rates_delete_unset", "", "DELETE", "/api/v1/exchange-rates/2024-02", "", 404)

	viewer, _, err := testTenants.CreateKey(context.Background(), tenant.System, tenant.KeySpec{Name: "v", Role: tenant.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	step("rates_list_viewer", viewer, "GET", "/api/v1/exchange-rates", "", 200)
	step("error_rates_forbidden", viewer, "PUT", "/api/v1/exchange-rates/2024-03", `{"rates":{"EUR":"9"}}`, 403)
	// Permission comes before the body: a viewer learns nothing from it.
	step("error_rates_forbidden", viewer, "PUT", "/api/v1/exchange-rates/2024-13", `{"rates":{"EUR":"-9"}}`, 403)
	step("error_rates_forbidden_delete", viewer, "DELETE", "/api/v1/exchange-rates/2024-03", "", 403)

	step("", "", "DELETE", "/api/v1/exchange-rates/2024-03", "", http.StatusNoContent)
	step("rates_costs_usd_before", "", "GET", usd, "", 200)
	audit := step("rates_audit", "", "GET", "/api/v1/audit?limit=50", "", 200)
	if !strings.Contains(string(audit), `"set"`) || !strings.Contains(string(audit), "EUR=1.0825 NOK=0.0921") {
		t.Fatalf("the audit log lacks the rate change: %s", audit)
	}
}
