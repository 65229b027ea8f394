package focus

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// mapOne maps one row given as column → value; columns not given are
// absent from the header except for the three required ones, which get
// defaults.
func mapOne(t *testing.T, cells map[string]string) (cost.LineItem, error) {
	t.Helper()
	defaults := map[string]string{"BilledCost": "1", "ChargePeriodStart": "2024-09-18T22:00:00Z", "ProviderName": "Oracle"}
	var header, values []string
	for k, v := range defaults {
		given := false
		for c := range cells {
			given = given || strings.EqualFold(c, k)
		}
		if !given {
			header, values = append(header, k), append(values, v)
		}
	}
	for k, v := range cells {
		header, values = append(header, k), append(values, v)
	}
	m, err := NewMapper(header)
	if err != nil {
		t.Fatalf("NewMapper(%q): %v", header, err)
	}
	var li cost.LineItem
	err = m.Map(&tabular.Row{File: "bill.csv", Line: 7, Values: values}, &li)
	return li, err
}

func mustMap(t *testing.T, cells map[string]string) cost.LineItem {
	t.Helper()
	li, err := mapOne(t, cells)
	if err != nil {
		t.Fatalf("Map(%v): %v", cells, err)
	}
	return li
}

func TestEnumCasing(t *testing.T) {
	f := func(column, in string, get func(*cost.LineItem) string, want string) {
		t.Helper()
		li := mustMap(t, map[string]string{column: in})
		if got := get(&li); got != want {
			t.Fatalf("%s %q → %q, want %q", column, in, got, want)
		}
	}
	category := func(li *cost.LineItem) string { return li.ChargeCategory }
	chargeType := func(li *cost.LineItem) string { return li.ChargeType }
	f("ChargeCategory", "usage", category, "Usage")
	f("ChargeCategory", "CREDIT", category, "Credit")
	f("ChargeCategory", " purchase ", category, "Purchase")
	f("ChargeCategory", "usage", chargeType, "Usage")
	f("ChargeCategory", "Refund", category, "Adjustment") // unknown: kept, counted as adjustment
	f("ChargeCategory", "Refund", chargeType, "Refund")
	f("ChargeCategory", "", category, "Adjustment")
	f("ChargeCategory", "NULL", chargeType, "")
	frequency := func(li *cost.LineItem) string { return li.ChargeFrequency }
	f("ChargeFrequency", "Usage-based", frequency, "Usage-Based")
	f("ChargeFrequency", "one time", frequency, "One-Time")
	f("ChargeFrequency", "RECURRING", frequency, "Recurring")
	f("ChargeFrequency", "Monthly", frequency, "Monthly")
	f("ChargeFrequency", "", frequency, "")
	f("ChargeClass", "correction", func(li *cost.LineItem) string { return li.ChargeClass }, "Correction")
	f("ChargeClass", "NULL", func(li *cost.LineItem) string { return li.ChargeClass }, "")
	f("PricingCategory", "on-demand", func(li *cost.LineItem) string { return li.PricingCategory }, "Standard")
	f("PricingCategory", "committed", func(li *cost.LineItem) string { return li.PricingCategory }, "Committed")
	f("CommitmentDiscountStatus", "unused", func(li *cost.LineItem) string { return li.CommitmentDiscountStatus }, "Unused")
	f("CommitmentDiscountCategory", "SPEND", func(li *cost.LineItem) string { return li.CommitmentDiscountCategory }, "Spend")
	f("ServiceCategory", "management and governance", func(li *cost.LineItem) string { return li.ServiceCategory }, "Management and Governance")
	f("ServiceCategory", "networking", func(li *cost.LineItem) string { return li.ServiceCategory }, "Networking")
	f("BillingCurrency", "eur", func(li *cost.LineItem) string { return li.BillingCurrency }, "EUR")
}

func TestNullHandling(t *testing.T) {
	li := mustMap(t, map[string]string{
		"BilledCost": "NULL", "EffectiveCost": "null", "ListCost": "", "ContractedCost": " NULL ",
		"ResourceId": "NULL", "SubAccountId": "NULL", "Tags": "NULL", "PricingQuantity": "NULL",
		"ConsumedQuantity": "", "ChargePeriodEnd": "NULL", "BillingCurrency": "NULL",
	})
	for m, c := range li.Cost {
		if !c.IsZero() {
			t.Fatalf("%s = %s, want 0 for NULL", cost.Metric(m), c)
		}
		if li.USD[m].Valid {
			t.Fatalf("USD %s valid without a USD currency", cost.Metric(m))
		}
	}
	if li.ResourceID != "" || li.SubAccountID != "" || len(li.Tags) != 0 || li.BillingCurrency != "" {
		t.Fatalf("NULL strings kept: %+v", li)
	}
	if li.PricingQuantity.Valid || li.ConsumedQuantity.Valid {
		t.Fatal("NULL quantities read as values")
	}
	if !li.ChargePeriodEnd.IsZero() {
		t.Fatalf("NULL ChargePeriodEnd = %v", li.ChargePeriodEnd)
	}
	li = mustMap(t, map[string]string{"PricingQuantity": "2.50", "ConsumedQuantity": "0"})
	if li.PricingQuantity.Decimal.String() != "2.5" || !li.ConsumedQuantity.Valid {
		t.Fatalf("quantities %v %v", li.PricingQuantity, li.ConsumedQuantity)
	}
}

func TestMetricsAndUSD(t *testing.T) {
	li := mustMap(t, map[string]string{
		"ListCost": "4.00000000001", "BilledCost": "3", "EffectiveCost": "2.5", "ContractedCost": "3.5",
		"BillingCurrency": "USD",
	})
	want := map[cost.Metric]string{cost.List: "4.00000000001", cost.Billed: "3", cost.Net: "3",
		cost.Amortized: "2.5", cost.AmortizedNet: "2.5", cost.Contracted: "3.5"}
	for m, w := range want {
		if li.Cost[m].String() != w || !li.USD[m].Valid || li.USD[m].Decimal.String() != w {
			t.Fatalf("%s = %s (USD %v), want %s", m, li.Cost[m], li.USD[m], w)
		}
	}

	// Microsoft in euros: USD from the x_ columns only.
	li = mustMap(t, map[string]string{
		"ProviderName": "Microsoft", "BillingCurrency": "EUR", "BilledCost": "9", "EffectiveCost": "8",
		"x_BilledCostInUsd": "10.5", "x_EffectiveCostInUsd": "9.25", "x_ListCostInUsd": "NULL",
		"x_ContractedCostInUsd": "11",
	})
	wantUSD := map[cost.Metric]string{cost.Billed: "10.5", cost.Net: "10.5", cost.Amortized: "9.25",
		cost.AmortizedNet: "9.25", cost.Contracted: "11"}
	for m := range li.USD {
		w, ok := wantUSD[cost.Metric(m)]
		if li.USD[m].Valid != ok || (ok && li.USD[m].Decimal.String() != w) {
			t.Fatalf("USD %s = %v, want %q (valid %v)", cost.Metric(m), li.USD[m], w, ok)
		}
	}
	if li.Cost[cost.Billed].String() != "9" {
		t.Fatalf("billed = %s, want 9 (billing currency)", li.Cost[cost.Billed])
	}
}

func TestDateSpellings(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		li := mustMap(t, map[string]string{"ChargePeriodStart": in})
		if got := li.ChargePeriodStart.Format(time.RFC3339Nano); got != want {
			t.Fatalf("ChargePeriodStart %q → %s, want %s", in, got, want)
		}
	}
	f("2024-09-18 22:00:00", "2024-09-18T22:00:00Z")
	f("2024-09-18T22:00:00Z", "2024-09-18T22:00:00Z")
	f("2024-09-18T22:00Z", "2024-09-18T22:00:00Z") // Microsoft FOCUS 1.0
	f("2024-09-18T22:00:00.000Z", "2024-09-18T22:00:00Z")
	f("2024-09-19T00:00:00+02:00", "2024-09-18T22:00:00Z")
	f("2024-09-18", "2024-09-18T00:00:00Z")
	f("1726696800000", "2024-09-18T22:00:00Z")       // AWS epoch milliseconds
	f("1726696800123", "2024-09-18T22:00:00.123Z")   //
	f("1726696800000000", "2024-09-18T22:00:00Z")    // microseconds
	f("1726696800000000000", "2024-09-18T22:00:00Z") // nanoseconds
	f("20240918", "2024-09-18T00:00:00Z")            // a date, not an epoch

	// Billing period: read when present, else the charge's month.
	li := mustMap(t, map[string]string{"ChargePeriodStart": "2024-09-18 22:00:00"})
	if li.BillingPeriodStart != time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC) ||
		li.BillingPeriodEnd != time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("derived billing period [%v, %v)", li.BillingPeriodStart, li.BillingPeriodEnd)
	}
	li = mustMap(t, map[string]string{"BillingPeriodStart": "1725148800000", "BillingPeriodEnd": "2024-10-01 00:00:00",
		"ChargePeriodEnd": "2024-09-18T23:00:00Z"})
	if li.BillingPeriodStart != time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC) ||
		li.BillingPeriodEnd != time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC) ||
		li.ChargePeriodEnd != time.Date(2024, 9, 18, 23, 0, 0, 0, time.UTC) {
		t.Fatalf("periods [%v, %v) end %v", li.BillingPeriodStart, li.BillingPeriodEnd, li.ChargePeriodEnd)
	}
}

func TestTags(t *testing.T) {
	f := func(in string, want map[string]string) {
		t.Helper()
		li := mustMap(t, map[string]string{"Tags": in})
		if len(li.Tags) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(li.Tags, want) {
			t.Fatalf("Tags %s → %q, want %q", in, li.Tags, want)
		}
	}
	// Keys differing by whitespace stay distinct, untrimmed.
	f(`{"org": "trey", " org": "trey2"}`, map[string]string{"org": "trey", " org": "trey2"})
	f(`{"k": true, "n": null, "num": 1.50, "obj": {"a": [1, 2]}, "s": ""}`,
		map[string]string{"k": "true", "n": "", "num": "1.50", "obj": `{"a":[1,2]}`, "s": ""})
	f(`"env": "prod", "team": "core"`, map[string]string{"env": "prod", "team": "core"}) // braces missing
	f(`{"aks-managed-poolName": "agentpool"}`, map[string]string{"aks-managed-poolName": "agentpool"})
	f(`{}`, nil)
	f(``, nil)
	f(`NULL`, nil)
}

// checkCellError asserts err points at bill.csv line 7, the given column.
func checkCellError(t *testing.T, err error, column string) {
	t.Helper()
	var pe *tabular.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *tabular.ParseError", err)
	}
	if pe.File != "bill.csv" || pe.Line != 7 || pe.Column != column {
		t.Fatalf("error at %s:%d column %q, want bill.csv:7 column %q (%v)", pe.File, pe.Line, pe.Column, column, err)
	}
	if !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("error %v does not wrap cost.ErrInvalid", err)
	}
	if !strings.Contains(err.Error(), "bill.csv:7") {
		t.Fatalf("error %q does not name file and line", err)
	}
}

func TestRowErrors(t *testing.T) {
	bad := func(cells map[string]string, column string) {
		t.Helper()
		_, err := mapOne(t, cells)
		if err == nil {
			t.Fatalf("Map(%v) succeeded", cells)
		}
		checkCellError(t, err, column)
	}
	// The column is named as the file spells it.
	bad(map[string]string{"billedcost": "abc"}, "billedcost")
	bad(map[string]string{"EffectiveCost": "1.2.3"}, "EffectiveCost")
	bad(map[string]string{"ListCost": "1e40"}, "ListCost")
	bad(map[string]string{"x_BilledCostInUsd": "$3"}, "x_BilledCostInUsd")
	bad(map[string]string{"PricingQuantity": "many"}, "PricingQuantity")
	bad(map[string]string{"ChargePeriodStart": "yesterday"}, "ChargePeriodStart")
	bad(map[string]string{"ChargePeriodStart": "NULL"}, "ChargePeriodStart")
	bad(map[string]string{"ChargePeriodStart": ""}, "ChargePeriodStart")
	bad(map[string]string{"ChargePeriodEnd": "2024-13-01"}, "ChargePeriodEnd")
	bad(map[string]string{"BillingPeriodStart": "31/12/2024"}, "BillingPeriodStart")
	bad(map[string]string{"Tags": `{"a": `}, "Tags")
	bad(map[string]string{"Tags": `{"a": "b"} extra`}, "Tags")
	bad(map[string]string{"Tags": `[1, 2]`}, "Tags")
}

func TestLayouts(t *testing.T) {
	ok := func(header ...string) {
		t.Helper()
		if _, err := NewMapper(header); err != nil || !Detect(header) {
			t.Fatalf("NewMapper(%q) = %v, Detect = %v; want a FOCUS layout", header, err, Detect(header))
		}
	}
	ok("BilledCost", "ChargePeriodStart", "ProviderName")
	ok("\ufeffbilledcost", "CHARGEPERIODSTART", "ServiceProviderName", "x_Anything") // 1.3, any case, BOM
	ok("billed_cost", "charge_period_start", "provider_name")                        // snake_case warehouse export

	bad := func(missing string, header ...string) {
		t.Helper()
		_, err := NewMapper(header)
		if !errors.Is(err, tabular.ErrUnknownLayout) {
			t.Fatalf("NewMapper(%q) err = %v, want ErrUnknownLayout", header, err)
		}
		if !strings.Contains(err.Error(), "missing "+missing) ||
			!strings.Contains(err.Error(), "looked for BilledCost, ChargePeriodStart and ProviderName") {
			t.Fatalf("error %q does not say what was looked for and is missing (%s)", err, missing)
		}
		if Detect(header) {
			t.Fatalf("Detect(%q) = true", header)
		}
	}
	bad("BilledCost, ChargePeriodStart, ProviderName (or ServiceProviderName)",
		"lineItem/UnblendedCost", "lineItem/UsageStartDate", "lineItem/ProductCode")
	bad("ProviderName (or ServiceProviderName)", "BilledCost", "ChargePeriodStart", "PublisherName")
	bad("BilledCost", "Cost", "ChargePeriodStart", "ProviderName")
	bad("BilledCost, ChargePeriodStart, ProviderName (or ServiceProviderName)")
}

func TestProviderColumns(t *testing.T) {
	li := mustMap(t, map[string]string{
		"ProviderName": "Microsoft", "x_ResourceGroupName": "rg-prod", "x_SkuMeterCategory": "Virtual Machines",
		"x_SkuMeterSubcategory": "Dv5 Series", "x_SkuMeterName": "D4s v5", "x_InvoiceId": "G123",
		"x_ResourceType": "Virtual machine",
	})
	if li.ResourceGroup != "rg-prod" || li.MeterCategory != "Virtual Machines" || li.MeterSubcategory != "Dv5 Series" ||
		li.MeterName != "D4s v5" || li.InvoiceID != "G123" || li.ResourceType != "Virtual machine" {
		t.Fatalf("Microsoft x_ columns not read: %+v", li)
	}
	li = mustMap(t, map[string]string{"ProviderName": "AWS", "x_UsageType": "USE1-BoxUsage:m5.large",
		"x_Operation": "RunInstances", "InvoiceId": "INV-1", "x_InvoiceId": "ignored"})
	if li.UsageType != "USE1-BoxUsage:m5.large" || li.Operation != "RunInstances" || li.InvoiceID != "INV-1" {
		t.Fatalf("AWS x_ columns not read: %+v", li)
	}
}
