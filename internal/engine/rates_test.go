package engine_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestExchangeRates: an administrator's rate converts, in every USD
// question, the items whose bill has no USD value, whatever rates the
// question carried; only administrators of the default organization set
// rates, every change is audited, and every caller reads them.
func TestExchangeRates(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eur := storetest.Item("e1", "A", storetest.Day(3, 5), "10")
	eur.BillingCurrency = "EUR"
	for m := range cost.NumMetrics {
		eur.USD[m] = decimal.NullDecimal{}
	}
	storetest.Load(t, st, "s", eur, storetest.Item("u1", "A", storetest.Day(3, 5), "1"))
	e := engine.New(st)
	var audited []string
	e.SetAudit(func(_ context.Context, p *tenant.Principal, action, object, id, detail string) error {
		audited = append(audited, p.Actor()+" "+action+" "+object+" "+id+" "+detail)
		return nil
	})
	e.SetRates(rates.New(st, nil))
	march, _ := rates.ParseMonth("2024-03")
	admin := tenant.WithPrincipal(context.Background(), &tenant.Principal{KeyName: "ops", Role: tenant.RoleAdmin, Scope: scope.All()})
	viewer := tenant.WithPrincipal(context.Background(), &tenant.Principal{KeyName: "v", Role: tenant.RoleViewer, Scope: scope.Accounts("e1")})
	scopedAdmin := tenant.WithPrincipal(context.Background(), &tenant.Principal{KeyName: "a", Role: tenant.RoleAdmin, Scope: scope.Accounts("e1")})

	total := func(ctx context.Context, q query.Query) (string, int64, []cost.Rate) {
		t.Helper()
		res, err := e.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) == 0 {
			return "none", res.MissingUSD, res.Rates
		}
		return res.Rows[0].Values[0].String(), res.MissingUSD, res.Rates
	}
	w := cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
	usd := query.Query{Window: w, USD: true, Metrics: []cost.Metric{cost.Billed}}
	if got, missing, _ := total(admin, usd); got != "1" || missing != 1 {
		t.Fatalf("without rates: %s, %d missing; want 1, 1 missing", got, missing)
	}
	rate := []cost.Rate{{Month: march, Currency: "EUR", USD: decimal.RequireFromString("1.1")}}
	for _, ctx := range []context.Context{viewer, scopedAdmin} {
		if err := e.SetExchangeRates(ctx, march, rate); !errors.Is(err, tenant.ErrForbidden) {
			t.Fatalf("set by a non-administrator: %v, want ErrForbidden", err)
		}
		if err := e.DeleteExchangeRates(ctx, march); !errors.Is(err, tenant.ErrForbidden) {
			t.Fatalf("delete by a non-administrator: %v, want ErrForbidden", err)
		}
	}
	if err := e.SetExchangeRates(context.Background(), march, rate); !errors.Is(err, engine.ErrNoPrincipal) {
		t.Fatalf("set without a principal: %v", err)
	}
	if err := e.SetExchangeRates(admin, march, rate); err != nil {
		t.Fatal(err)
	}
	if got, missing, used := total(admin, usd); got != "12" || missing != 0 || !reflect.DeepEqual(used, rate) {
		t.Fatalf("with a rate: %s, %d missing, rates %v; want 12, none missing, the rate", got, missing, used)
	}
	// A question that keeps to the bill's own USD values gets none.
	own := usd
	own.OwnUSD = true
	if got, missing, used := total(admin, own); got != "1" || missing != 1 || len(used) != 0 {
		t.Fatalf("a question for the bill's own USD values: %s, %d missing, rates %v; want 1, 1 missing, none", got, missing, used)
	}
	// A question's own rates never reach the store; a question in the
	// billing currency carries none.
	forged := usd
	forged.Rates = []cost.Rate{{Month: march, Currency: "EUR", USD: decimal.RequireFromString("1000")}}
	if got, _, _ := total(admin, forged); got != "12" {
		t.Fatalf("a question's own rates were used: %s", got)
	}
	billed := query.Query{Window: w, Metrics: []cost.Metric{cost.Billed}, Scope: scope.All(), Rates: forged.Rates}
	if _, _, used := total(admin, billed); len(used) != 0 {
		t.Fatalf("rates on a billing-currency question: %v", used)
	}
	// Rates are global: a scoped viewer reads them, and its USD question
	// uses them.
	list, err := e.ExchangeRates(viewer)
	if err != nil || len(list) != 1 || list[0].Currency != "EUR" || list[0].Source != rates.FromAPI {
		t.Fatalf("rates read by a viewer: %+v, %v", list, err)
	}
	if got, _, _ := total(viewer, usd); got != "11" {
		t.Fatalf("a viewer's USD total: %s, want 11", got)
	}
	if err := e.DeleteExchangeRates(admin, march); err != nil {
		t.Fatal(err)
	}
	if got, missing, _ := total(admin, usd); got != "1" || missing != 1 {
		t.Fatalf("after delete: %s, %d missing; want 1, 1 missing", got, missing)
	}
	want := []string{"ops set exchange-rates 2024-03 EUR=1.1", "ops delete exchange-rates 2024-03 "}
	if !reflect.DeepEqual(audited, want) {
		t.Fatalf("audited %q, want %q", audited, want)
	}
}
