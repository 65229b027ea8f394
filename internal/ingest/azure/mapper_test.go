package azure

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// TestHeaderAliases maps the same row under the header spellings of every
// layout (billing-formats.md §6.2–§6.7) and expects the same line item.
func TestHeaderAliases(t *testing.T) {
	values := func(date string) []string {
		return []string{"sub-1", date, "1.25", "EUR", "Virtual Machines",
			"/subscriptions/sub-1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm1",
			"RG", "West Europe", `"env": "prod"`, "2", "Microsoft.Compute"}
	}
	var first string
	f := func(layout, date string, header ...string) {
		t.Helper()
		li := mustMap(t, header, values(date), KindAuto)
		got := fmt.Sprintf("%+v", li)
		if first == "" {
			first = got
			check(t, "SubAccountID", li.SubAccountID, "sub-1")
			check(t, "day", li.ChargePeriodStart.Format(time.RFC3339), "2023-09-21T00:00:00Z")
			check(t, "billed", li.Cost[cost.Billed].String(), "1.25")
			check(t, "BillingCurrency", li.BillingCurrency, "EUR")
			check(t, "MeterCategory", li.MeterCategory, "Virtual Machines")
			check(t, "ResourceName", li.ResourceName, "vm1")
			check(t, "ResourceGroup", li.ResourceGroup, "RG")
			check(t, "RegionID (as written)", li.RegionID, "West Europe")
			check(t, "tag env", li.Tags["env"], "prod")
			check(t, "quantity", li.PricingQuantity.Decimal.String(), "2")
			check(t, "ServiceName", li.ServiceName, "Microsoft.Compute")
			check(t, "BillingAccountID (falls back to the subscription)", li.BillingAccountID, "sub-1")
			if li.USD[cost.Billed].Valid {
				t.Errorf("EUR bill without costInUsd has USD %v", li.USD[cost.Billed])
			}
			return
		}
		if got != first {
			t.Errorf("%s:\n got %s\nwant %s", layout, got, first)
		}
	}
	f("EA export", "09/21/2023", "SubscriptionId", "Date", "CostInBillingCurrency", "BillingCurrencyCode", "MeterCategory", "ResourceId", "ResourceGroup", "ResourceLocation", "Tags", "Quantity", "ConsumedService")
	f("EA portal", "09/21/2023", "SubscriptionId", "Date", "Cost", "BillingCurrency", "MeterCategory", "ResourceId", "ResourceGroup", "ResourceLocation", "Tags", "Quantity", "ConsumedService")
	f("MCA camelCase", "2023-09-21", "subscriptionId", "date", "costInBillingCurrency", "billingCurrency", "meterCategory", "ResourceId", "resourceGroupName", "resourceLocation", "tags", "quantity", "consumedService")
	f("MCA 2019-10-01", "9/21/2023", "SubscriptionGuid", "Date", "CostInBillingCurrency", "BillingCurrencyCode", "MeterCategory", "InstanceName", "ResourceGroup", "ResourceLocation", "Tags", "Quantity", "ConsumedService")
	f("PAYG", "2023-09-21 00:00:00", "SubscriptionGuid", "UsageDateTime", "PreTaxCost", "Currency", "MeterCategory", "InstanceId", "ResourceGroup", "ResourceLocation", "Tags", "UsageQuantity", "ConsumedService")
	f("legacy camelCase", "2023-09-21", "subscriptionGuid", "usageDateTime", "preTaxCost", "currency", "meterCategory", "instanceId", "resourceGroup", "resourceLocation", "tags", "usageQuantity", "consumedService")
	f("upper case", "2023-09-21", "SUBSCRIPTIONID", "DATE", "COSTINBILLINGCURRENCY", "BILLINGCURRENCYCODE", "METERCATEGORY", "RESOURCEID", "RESOURCEGROUP", "RESOURCELOCATION", "TAGS", "QUANTITY", "CONSUMEDSERVICE")
	f("BOM and spaces", "09/21/2023", "\ufeffSubscriptionId", " Date ", "Cost", "BillingCurrency", "MeterCategory", "ResourceId", "ResourceGroup", "ResourceLocation", "Tags", "Quantity", "ConsumedService")
	f("German", "09/21/2023", "Abonnement-GUID (SubscriptionGuid)", "Datum (Date)", "Kosten (Cost)", "Währung (BillingCurrency)", "Verbrauchskategorie (MeterCategory)", "Ressourcen-ID (ResourceId)", "Ressourcengruppe (ResourceGroup)", "Ressourcenstandort (ResourceLocation)", "Tags (Tags)", "Menge (Quantity)", "Verbrauchter Dienst (ConsumedService)")
}

func TestUSDatesAndBillingPeriod(t *testing.T) {
	header := []string{"SubscriptionId", "Date", "Cost", "BillingPeriodStartDate", "BillingPeriodEndDate"}
	f := func(date, start, end, wantDay, wantStart, wantEnd string) {
		t.Helper()
		li := mustMap(t, header, []string{"s", date, "1", start, end}, KindActual)
		check(t, date+" day", li.ChargePeriodStart.Format(time.DateOnly), wantDay)
		check(t, date+" day end", li.ChargePeriodEnd.Format(time.DateOnly), time.Date(li.ChargePeriodStart.Year(), li.ChargePeriodStart.Month(), li.ChargePeriodStart.Day()+1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		check(t, date+" period start", li.BillingPeriodStart.Format(time.DateOnly), wantStart)
		check(t, date+" period end", li.BillingPeriodEnd.Format(time.DateOnly), wantEnd)
	}
	f("09/21/2023", "09/01/2023", "09/30/2023", "2023-09-21", "2023-09-01", "2023-10-01")
	f("9/1/2023", "9/1/2023", "9/30/2023", "2023-09-01", "2023-09-01", "2023-10-01")
	f("12/31/2023", "12/01/2023", "12/31/2023", "2023-12-31", "2023-12-01", "2024-01-01")
	f("02/29/2024", "", "", "2024-02-29", "2024-02-01", "2024-03-01") // empty: month of Date
	f("2024-02-10T00:00:00.0000000Z", "2024-01-25", "2024-02-24", "2024-02-10", "2024-01-25", "2024-02-25")
}

// ruleHeader is an EA export layout with every column the metric rules use.
var ruleHeader = []string{"SubscriptionId", "Date", "CostInBillingCurrency", "BillingCurrencyCode", "ChargeType", "PricingModel", "Quantity", "UnitPrice", "PayGPrice", "benefitId"}

func TestActualAmortizedRules(t *testing.T) {
	const ri = "/providers/Microsoft.Capacity/reservationOrders/o/reservations/r"
	const sp = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/o/savingsPlans/p"
	type want struct{ billed, amortized, list, contracted string }
	f := func(kind Kind, chargeType, pricing, costv, qty, unit, payg, benefit string, w want) {
		t.Helper()
		li := mustMap(t, ruleHeader, []string{"s", "09/21/2023", costv, "USD", chargeType, pricing, qty, unit, payg, benefit}, kind)
		what := fmt.Sprintf("%s %s/%s", kind, chargeType, pricing)
		check(t, what+" billed", li.Cost[cost.Billed].String(), w.billed)
		check(t, what+" net", li.Cost[cost.Net].String(), w.billed)
		check(t, what+" amortized", li.Cost[cost.Amortized].String(), w.amortized)
		check(t, what+" amortizedNet", li.Cost[cost.AmortizedNet].String(), w.amortized)
		check(t, what+" list", li.Cost[cost.List].String(), w.list)
		check(t, what+" contracted", li.Cost[cost.Contracted].String(), w.contracted)
		for m := range li.Cost {
			if !li.USD[m].Valid || !li.USD[m].Decimal.Equal(li.Cost[m]) {
				t.Errorf("%s: USD bill, USD[%v] = %v, want %v", what, cost.Metric(m), li.USD[m], li.Cost[m])
			}
		}
	}
	// Reservation purchase: charged when bought (billed), not part of
	// amortized cost (its share is on the covered usage).
	f(KindActual, "Purchase", "Reservation", "3.25", "1", "3.25", "0", ri, want{"3.25", "0", "3.25", "3.25"})
	f(KindAuto, "Purchase", "Reservation", "3.25", "1", "3.25", "0", ri, want{"3.25", "0", "3.25", "3.25"})
	f(KindActual, "Purchase", "SavingsPlan", "100", "1", "", "", sp, want{"100", "0", "100", "100"})
	f(KindActual, "Refund", "Reservation", "-3.25", "1", "3.25", "0", ri, want{"-3.25", "0", "-3.25", "-3.25"})
	// A Marketplace purchase is not a commitment: amortized keeps it.
	f(KindActual, "Purchase", "Marketplace", "12", "1", "", "", "", want{"12", "12", "12", "12"})
	// Covered usage in the amortized export: its commitment share is the
	// amortized cost, it is not billed (the purchase is). Azure does not
	// populate PayGPrice on reservation rows, so list is the cost.
	f(KindAmortized, "Usage", "Reservation", "0.493152", "8", "0.146", "0", ri, want{"0", "0.493152", "0.493152", "1.168"})
	f(KindAmortized, "Usage", "SavingsPlan", "0.006000000468", "0.32085564", "0.0416", "0.0416", sp, want{"0", "0.006000000468", "0.013347594624", "0.013347594624"})
	// The same row in the actual export costs 0.
	f(KindActual, "Usage", "Reservation", "0", "8", "0.146", "0", ri, want{"0", "0", "0", "1.168"})
	// Unused reservation (amortized export): usage, not billed.
	f(KindAmortized, "UnusedReservation", "Reservation", "1.5", "1", "", "", ri, want{"0", "1.5", "1.5", "1.5"})
	f(KindAmortized, "UnusedSavingsPlan", "", "2", "", "", "", sp, want{"0", "2", "2", "2"})
	f(KindActual, "UnusedReservation", "Reservation", "1.5", "1", "", "", ri, want{"1.5", "1.5", "1.5", "1.5"})
	// On-demand usage is the same in both views.
	f(KindActual, "Usage", "OnDemand", "2.64", "24", "0.1", "0.11", "", want{"2.64", "2.64", "2.64", "2.4"})
	f(KindAmortized, "Usage", "OnDemand", "2.64", "24", "0.1", "0.11", "", want{"2.64", "2.64", "2.64", "2.4"})
	// A purchase in an amortized export is left as the bill gives it.
	f(KindAmortized, "Purchase", "Reservation", "0", "1", "3.25", "0", ri, want{"0", "0", "0", "3.25"})
}

// TestListCost: the list cost is the bill's pay-as-you-go amount or price
// when usable, else the cost (OpenCost's rule). A pay-as-you-go value of
// 0 beside a cost that is not 0 is one Azure did not populate (§6.8), not
// a free meter; the contracted cost (UnitPrice × Quantity) is never the
// fallback, since it can be below the billed cost.
func TestListCost(t *testing.T) {
	header := []string{"SubscriptionId", "Date", "CostInBillingCurrency", "BillingCurrencyCode", "Quantity", "UnitPrice", "PayGPrice", "paygCostInBillingCurrency", "costInUsd", "paygCostInUsd"}
	tests := []struct {
		name                               string
		cost, qty, unit, payg, paygCost    string
		costUSD, paygCostUSD               string
		wantList, wantContracted, wantUSDL string // wantUSDL "" is null
	}{
		{name: "PayGPrice × quantity", cost: "2.4", qty: "24", unit: "0.1", payg: "0.11", wantList: "2.64", wantContracted: "2.4"},
		{name: "PayGPrice 0, cost not 0: the cost, not UnitPrice × quantity", cost: "16.393727", qty: "11", unit: "0.546", payg: "0", wantList: "16.393727", wantContracted: "6.006"},
		{name: "PayGPrice empty: the cost", cost: "3.25", qty: "1", unit: "3", wantList: "3.25", wantContracted: "3"},
		{name: "PayGPrice 0 on a free meter: 0", cost: "0", qty: "2", unit: "0", payg: "0", wantList: "0", wantContracted: "0"},
		{name: "PayGPrice without quantity: the cost", cost: "5", unit: "1", payg: "2", wantList: "5", wantContracted: "5"},
		{name: "refund with a positive price", cost: "-2.64", qty: "24", unit: "0.1", payg: "0.11", wantList: "-2.64", wantContracted: "-2.4"},
		{name: "list under the cost when the bill's price says so", cost: "0.4838709677419368", qty: "0.03225806", unit: "15", payg: "15", wantList: "0.4838709", wantContracted: "0.4838709"},
		{name: "paygCost wins over PayGPrice", cost: "4.5", qty: "3", unit: "1", payg: "2.5", paygCost: "6.3", costUSD: "5", paygCostUSD: "7", wantList: "6.3", wantContracted: "3", wantUSDL: "7"},
		{name: "paygCost 0, cost not 0: PayGPrice", cost: "4.5", qty: "3", unit: "1", payg: "2.5", paygCost: "0", costUSD: "5", paygCostUSD: "0", wantList: "7.5", wantContracted: "3"},
		{name: "paygCost 0 and no price: the cost, USD the cost's", cost: "4.5", qty: "3", paygCost: "0", costUSD: "5", paygCostUSD: "0", wantList: "4.5", wantContracted: "4.5", wantUSDL: "5"},
		{name: "paygCost 0 on a free row: 0", cost: "0", qty: "3", paygCost: "0", costUSD: "0", paygCostUSD: "0", wantList: "0", wantContracted: "0", wantUSDL: "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			li := mustMap(t, header, []string{"s", "09/21/2023", tc.cost, "EUR", tc.qty, tc.unit, tc.payg, tc.paygCost, tc.costUSD, tc.paygCostUSD}, KindActual)
			check(t, "list", li.Cost[cost.List].String(), tc.wantList)
			check(t, "contracted", li.Cost[cost.Contracted].String(), tc.wantContracted)
			check(t, "USD list", nullString(li.USD[cost.List]), tc.wantUSDL)
		})
	}
}

func TestChargeClassification(t *testing.T) {
	header := []string{"SubscriptionId", "Date", "Cost", "ChargeType", "PricingModel", "ReservationId", "Frequency"}
	f := func(chargeType, pricing, reservation, frequency, category, class, status, pricingCat, freq string) {
		t.Helper()
		li := mustMap(t, header, []string{"s", "09/21/2023", "1", chargeType, pricing, reservation, frequency}, KindActual)
		check(t, chargeType+" ChargeType", li.ChargeType, chargeType)
		check(t, chargeType+" ChargeCategory", li.ChargeCategory, category)
		check(t, chargeType+" ChargeClass", li.ChargeClass, class)
		check(t, chargeType+" CommitmentDiscountStatus", li.CommitmentDiscountStatus, status)
		check(t, chargeType+" PricingCategory", li.PricingCategory, pricingCat)
		check(t, chargeType+" ChargeFrequency", li.ChargeFrequency, freq)
	}
	f("Usage", "OnDemand", "", "UsageBased", "Usage", "", "", "Standard", "Usage-Based")
	f("Usage", "Spot", "", "UsageBased", "Usage", "", "", "Dynamic", "Usage-Based")
	f("Usage", "Reservation", "r1", "UsageBased", "Usage", "", "Used", "Committed", "Usage-Based")
	f("Purchase", "Reservation", "r1", "Recurring", "Purchase", "", "", "Committed", "Recurring")
	f("Purchase", "Marketplace", "", "OneTime", "Purchase", "", "", "Other", "One-Time")
	f("UnusedReservation", "Reservation", "r1", "UsageBased", "Usage", "", "Unused", "Committed", "Usage-Based")
	f("UnusedSavingsPlan", "Savings Plan", "p1", "UsageBased", "Usage", "", "Unused", "Committed", "Usage-Based")
	f("Refund", "Reservation", "r1", "OneTime", "Purchase", "Correction", "", "Committed", "One-Time")
	f("Credit", "", "", "OneTime", "Credit", "", "", "", "One-Time")
	f("Tax", "", "", "OneTime", "Tax", "", "", "", "One-Time")
	f("RoundingAdjustment", "", "", "OneTime", "Adjustment", "", "", "", "One-Time")
	f("SomethingNew", "", "", "Weekly", "Adjustment", "", "", "", "Weekly")
	f("", "", "", "", "Adjustment", "", "", "", "")
	f("usage", "ondemand", "", "usagebased", "Usage", "", "", "Standard", "Usage-Based")
}

func TestCommitmentType(t *testing.T) {
	header := []string{"SubscriptionId", "Date", "Cost", "ChargeType", "PricingModel", "benefitId", "ReservationId"}
	f := func(pricing, benefit, reservation, id, typ, cat string) {
		t.Helper()
		li := mustMap(t, header, []string{"s", "09/21/2023", "1", "Usage", pricing, benefit, reservation}, KindActual)
		check(t, "CommitmentDiscountID", li.CommitmentDiscountID, id)
		check(t, "CommitmentDiscountType", li.CommitmentDiscountType, typ)
		check(t, "CommitmentDiscountCategory", li.CommitmentDiscountCategory, cat)
	}
	f("Reservation", "/providers/Microsoft.Capacity/reservationOrders/o/reservations/r", "r", "/providers/Microsoft.Capacity/reservationOrders/o/reservations/r", "Reservation", "Usage")
	f("SavingsPlan", "/providers/microsoft.billingbenefits/savingsPlanOrders/o/savingsPlans/p", "", "/providers/microsoft.billingbenefits/savingsPlanOrders/o/savingsPlans/p", "Savings Plan", "Spend")
	f("Reservation", "", "r-guid", "r-guid", "Reservation", "Usage")
	f("OnDemand", "", "", "", "", "")
}

// TestPayAsYouGo: the usage-only layout has no ChargeType and no prices.
func TestPayAsYouGo(t *testing.T) {
	header := []string{"SubscriptionGuid", "UsageDateTime", "PreTaxCost", "Currency", "UsageQuantity", "ResourceRate", "MeterCategory"}
	li := mustMap(t, header, []string{"s", "2019-07-28", "0.5", "EUR", "10", "0.05", "Bandwidth"}, KindAuto)
	check(t, "ChargeType", li.ChargeType, "Usage")
	check(t, "ChargeCategory", li.ChargeCategory, "Usage")
	check(t, "ChargeFrequency", li.ChargeFrequency, "Usage-Based")
	for m := range li.Cost {
		check(t, cost.Metric(m).String(), li.Cost[m].String(), "0.5")
		if li.USD[m].Valid {
			t.Errorf("EUR PAYG bill has USD[%v]", cost.Metric(m))
		}
	}
	check(t, "Category", li.Category, "Network")
	check(t, "ServiceName (no ConsumedService: MeterCategory)", li.ServiceName, "Bandwidth")
}

// mcaHeader is an MCA layout with USD and pricing-currency columns.
var mcaHeader = []string{"billingAccountId", "billingAccountName", "billingProfileId", "billingProfileName", "subscriptionId", "date", "chargeType", "pricingModel",
	"billingCurrency", "pricingCurrency", "costInBillingCurrency", "costInUsd", "paygCostInBillingCurrency", "paygCostInUsd",
	"exchangeRatePricingToBilling", "quantity", "unitPrice", "PayGPrice", "ResourceId", "location", "resourceLocation"}

func TestMCAMetrics(t *testing.T) {
	row := []string{"acct", "Contoso", "PROF-1", "Contoso EU", "s", "09/21/2023", "Usage", "OnDemand",
		"EUR", "USD", "4.5", "5", "6.3", "7", "0.9", "3", "2", "2.5",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app1", "EU West", "westeurope"}
	li := mustMap(t, mcaHeader, row, KindActual)
	check(t, "BillingAccountID (MCA: billing profile)", li.BillingAccountID, "PROF-1")
	check(t, "BillingAccountName", li.BillingAccountName, "Contoso EU")
	check(t, "billed", li.Cost[cost.Billed].String(), "4.5")
	check(t, "list (paygCostInBillingCurrency)", li.Cost[cost.List].String(), "6.3")
	check(t, "contracted (unitPrice × quantity × exchange rate)", li.Cost[cost.Contracted].String(), "5.4")
	check(t, "USD billed", li.USD[cost.Billed].Decimal.String(), "5")
	check(t, "USD amortizedNet", li.USD[cost.AmortizedNet].Decimal.String(), "5")
	check(t, "USD list", li.USD[cost.List].Decimal.String(), "7")
	if li.USD[cost.Contracted].Valid {
		t.Errorf("USD contracted %v: the bill does not give it", li.USD[cost.Contracted])
	}
	check(t, "ResourceName (MCA: last id segment)", li.ResourceName, "app1")
	check(t, "ResourceType", li.ResourceType, "Microsoft.Web/sites")
	check(t, "RegionID", li.RegionID, "westeurope")
	check(t, "RegionName", li.RegionName, "EU West")

	// Without paygCost the list comes from PayGPrice × quantity × rate.
	row[12], row[13] = "", ""
	li = mustMap(t, mcaHeader, row, KindActual)
	check(t, "list (PayGPrice)", li.Cost[cost.List].String(), "6.75")
	if li.USD[cost.List].Valid {
		t.Errorf("USD list %v without paygCostInUsd", li.USD[cost.List])
	}
	// An amortized MCA reservation row: costInUsd follows the same rule.
	row[6], row[7], row[16], row[17] = "Usage", "Reservation", "", ""
	li = mustMap(t, mcaHeader, row, KindAmortized)
	check(t, "amortized", li.Cost[cost.Amortized].String(), "4.5")
	check(t, "billed", li.Cost[cost.Billed].String(), "0")
	check(t, "USD billed", li.USD[cost.Billed].Decimal.String(), "0")
	check(t, "USD amortized", li.USD[cost.Amortized].Decimal.String(), "5")
	check(t, "contracted (no unit price: the cost)", li.Cost[cost.Contracted].String(), "4.5")
	check(t, "USD contracted (from the cost)", li.USD[cost.Contracted].Decimal.String(), "5")
	check(t, "list (no prices: the cost)", li.Cost[cost.List].String(), "4.5")
	check(t, "USD list (from the cost)", li.USD[cost.List].Decimal.String(), "5")
}

func TestPartnerCredit(t *testing.T) {
	header := []string{"partnerName", "customerTenantId", "SubscriptionId", "date", "chargeType", "billingCurrency", "costInBillingCurrency", "costInUsd", "partnerEarnedCreditApplied", "partnerEarnedCreditRate"}
	f := func(applied, rate, wantNet, wantUSDNet string) {
		t.Helper()
		li := mustMap(t, header, []string{"Fabrikam CSP", "tenant-1", "s", "09/21/2023", "Usage", "GBP", "10", "12", applied, rate}, KindActual)
		check(t, "billed", li.Cost[cost.Billed].String(), "10")
		check(t, "amortized", li.Cost[cost.Amortized].String(), "10")
		check(t, applied+" net", li.Cost[cost.Net].String(), wantNet)
		check(t, applied+" amortizedNet", li.Cost[cost.AmortizedNet].String(), wantNet)
		check(t, applied+" USD net", li.USD[cost.Net].Decimal.String(), wantUSDNet)
		check(t, "InvoiceIssuerName", li.InvoiceIssuerName, "Fabrikam CSP")
	}
	f("True", "0.15", "8.5", "10.2")
	f("true", "0.15", "8.5", "10.2")
	f("False", "0.15", "10", "12")
	f("", "", "10", "12")

	for _, rate := range []string{"abc", "1.5", "-0.1"} {
		_, err := mapRow(t, header, []string{"P", "t", "s", "09/21/2023", "Usage", "GBP", "10", "12", "True", rate}, KindActual)
		var pe *tabular.ParseError
		if !errors.As(err, &pe) || pe.Column != "partnerEarnedCreditRate" || !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("rate %q: err = %v, want a ParseError on partnerEarnedCreditRate", rate, err)
		}
	}
}

func TestCellErrors(t *testing.T) {
	header := []string{"SubscriptionId", "Kosten (Cost)", "Date", "Quantity", "BillingPeriodStartDate", "UnitPrice"}
	f := func(values []string, column string) {
		t.Helper()
		_, err := mapRow(t, header, values, KindActual)
		var pe *tabular.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: err = %v, want a *tabular.ParseError", values, err)
		}
		if pe.File != "bill.csv" || pe.Line != 2 || pe.Column != column || !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("%q: err = %#v, want bill.csv line 2 column %q wrapping cost.ErrInvalid", values, pe, column)
		}
		if want := fmt.Sprintf("bill.csv:2: column %q", column); !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not contain %q", values, err, want)
		}
	}
	f([]string{"s", "abc", "09/21/2023", "1", "", ""}, "Kosten (Cost)")
	f([]string{"s", "1,5", "09/21/2023", "1", "", ""}, "Kosten (Cost)")
	f([]string{"s", "1", "21.09.2023", "1", "", ""}, "Date")
	f([]string{"s", "1", "", "1", "", ""}, "Date")
	f([]string{"s", "1", "13/01/2023", "1", "", ""}, "Date")
	f([]string{"s", "1", "09/21/2023", "lots", "", ""}, "Quantity")
	f([]string{"s", "1", "09/21/2023", "1", "someday", ""}, "BillingPeriodStartDate")
	f([]string{"s", "1", "09/21/2023", "1", "", "cheap"}, "UnitPrice")
	f([]string{"s", "1", "09/21/2023", "1e13", "", "1e13"}, "UnitPrice") // product does not fit the store
}

func TestUnknownLayout(t *testing.T) {
	f := func(header []string, mentions ...string) {
		t.Helper()
		_, err := NewMapper(header, KindAuto)
		if !errors.Is(err, tabular.ErrUnknownLayout) {
			t.Fatalf("NewMapper(%q) err = %v, want ErrUnknownLayout", header, err)
		}
		for _, s := range mentions {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("NewMapper(%q) error %q does not mention %q", header, err, s)
			}
		}
	}
	f([]string{"foo", "bar"}, "cost column", "CostInBillingCurrency", "PreTaxCost", "date column", "UsageDateTime")
	f([]string{"BilledCost", "ChargePeriodStart", "SubAccountId"}, "CostInBillingCurrency", "Date")
	f([]string{"SubscriptionId", "Cost"}, "date column (looked for Date, UsageDateTime")
	f(nil, "cost column", "date column")

	_, err := NewMapper([]string{"SubscriptionId", "Date", "Cost"}, KindAuto)
	if err != nil {
		t.Fatalf("minimal layout: %v", err)
	}
}

func TestDetect(t *testing.T) {
	f := func(want bool, header ...string) {
		t.Helper()
		if got := Detect(header); got != want {
			t.Errorf("Detect(%q) = %v, want %v", header, got, want)
		}
	}
	f(true, "\ufeffBillingAccountId", "SubscriptionId", "Date", "Cost", "MeterCategory")
	f(true, "SubscriptionGuid", "UsageDateTime", "PreTaxCost")
	f(true, "invoiceId", "subscriptionId", "date", "costInBillingCurrency")
	f(true, "Datum (Date)", "Kosten (Cost)", "Verbrauchskategorie (MeterCategory)")
	f(false, "Date", "Cost")                                                     // a generic spreadsheet
	f(false, "BilledCost", "EffectiveCost", "ChargePeriodStart", "SubAccountId") // FOCUS
	f(false, "lineItem/UsageStartDate", "lineItem/UnblendedCost", "lineItem/UsageAccountId")
	f(false)
}

func TestKindFromName(t *testing.T) {
	f := func(name string, want Kind) {
		t.Helper()
		if got := KindFromName(name); got != want {
			t.Errorf("KindFromName(%q) = %v, want %v", name, got, want)
		}
	}
	f("EA_AmortizedCost_Small.csv", KindAmortized)
	f("exports/daily/AmortizedCost/20240101-20240131/run/part_0_0001.csv.gz", KindAmortized)
	f("amortised.csv", KindAmortized)
	f("EA_ActualCost_Small.csv", KindActual)
	f("ACTUALCOST.CSV", KindActual)
	f("legacy-pretax-cost.csv", KindAuto)
	f("", KindAuto)
}

func TestResourceHelpers(t *testing.T) {
	f := func(fn func(string) string, in, want string) {
		t.Helper()
		check(t, in, fn(in), want)
	}
	f(armType, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", "Microsoft.Compute/virtualMachines")
	f(armType, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/db/databases/d1", "Microsoft.Sql/servers/databases")
	f(armType, "/providers/Microsoft.Capacity/reservationOrders/o/reservations/", "Microsoft.Capacity/reservationOrders/reservations")
	f(armType, "/subscriptions/s/resourceGroups/rg", "")
	f(armType, "", "")
	f(armType, "/providers/", "")
	f(armType, "\xd8/PROVIDERS/", "") // not UTF-8: must not panic (found by FuzzMap)
	f(armType, "/x/\xd8\xd8/Providers/NS/t/n", "NS/t")
	f(lastSegment, "/subscriptions/s/x/name", "name")
	f(lastSegment, "/a/b/", "b")
	f(lastSegment, "plain", "plain")
	f(lastSegment, "", "")
}

// TestReuse maps two rows into the same item, as the pipeline does with
// Reset in between: nothing of the first row may leak into the second.
func TestReuse(t *testing.T) {
	header := []string{"SubscriptionId", "Date", "Cost", "Tags", "BillingCurrency"}
	m, err := NewMapper(header, KindActual)
	if err != nil {
		t.Fatal(err)
	}
	var li cost.LineItem
	if err := m.Map(&tabular.Row{File: "f", Line: 2, Values: []string{"a", "09/01/2023", "1", `"k": "v"`, "USD"}}, &li); err != nil {
		t.Fatal(err)
	}
	li.Reset()
	if err := m.Map(&tabular.Row{File: "f", Line: 3, Values: []string{"b", "09/02/2023", "2", "", "EUR"}}, &li); err != nil {
		t.Fatal(err)
	}
	if len(li.Tags) != 0 || li.SubAccountID != "b" || li.USD[cost.Billed].Valid || li.Cost[cost.Billed].String() != "2" {
		t.Errorf("second row: %+v", li)
	}
}
