package azurebilling

import (
	"bytes"
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestOwnUSDOnly: an administrator's exchange rate, which converts a EUR
// bill without USD values in the engine's other answers, changes nothing
// here: as upstream, total_usd adds the bill's own cost_in_usd, so that
// the summaries add up to the cost entries.
func TestOwnUSDOnly(t *testing.T) {
	st := openStore(t)
	li := storetest.Item("sub-eur", "Microsoft.Compute", storetest.Day(3, 2), "100")
	li.ProviderName, li.BillingCurrency = "Microsoft", "EUR"
	for m := range cost.NumMetrics {
		li.USD[m] = decimal.NullDecimal{}
	}
	usdItem := storetest.Item("sub-usd", "Microsoft.Storage", storetest.Day(3, 3), "5")
	usdItem.ProviderName = "Microsoft"
	storetest.Load(t, st, "ea", li, usdItem)
	eng := engine.New(st)
	eng.SetRegistry(registry.New(&registry.MemRepo{}))
	eng.SetRates(rates.New(st, nil))
	srv := serveEngine(t, eng)
	paths := []string{"/azure-billing/api/costs/subscription-summary/", "/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName"}
	before := make([][]byte, len(paths))
	for i, p := range paths {
		before[i] = get(t, srv, p)
	}
	admin := tenant.WithPrincipal(context.Background(), &tenant.Principal{KeyName: "ops", Role: tenant.RoleAdmin, Scope: scope.All()})
	march, _ := rates.ParseMonth("2024-03")
	if err := eng.SetExchangeRates(admin, march, []cost.Rate{{Month: march, Currency: "EUR", USD: decimal.RequireFromString("1.1")}}); err != nil {
		t.Fatal(err)
	}
	// The rate is in force: a USD question of another dialect converts.
	res, err := eng.Query(admin, query.Query{Window: cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}, USD: true, Metrics: []cost.Metric{cost.Billed}})
	if err != nil || len(res.Rows) != 1 || res.Rows[0].Values[0].String() != "115" {
		t.Fatalf("a native USD total with the rate: %+v %v, want 115", res, err)
	}
	for i, p := range paths {
		if after := get(t, srv, p); !bytes.Equal(after, before[i]) {
			t.Errorf("%s changed with an exchange rate:\n%s\nwas\n%s", p, after, before[i])
		}
	}
}
