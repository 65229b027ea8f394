package aws

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// mapRow maps one row of values in header order, at line 12 of "bill.csv".
func mapRow(m tabular.Mapper, values ...string) (*cost.LineItem, error) {
	li := &cost.LineItem{}
	err := m.Map(&tabular.Row{File: "bill.csv", Line: 12, Values: values}, li)
	return li, err
}

// TestCellErrors: a bad cost, date, quantity or map cell fails the row
// with a *tabular.ParseError naming the file, line and column as the file
// spells it.
func TestCellErrors(t *testing.T) {
	f := func(c cells, wantColumn string) {
		t.Helper()
		_, err := mapCells(t, c)
		var pe *tabular.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%v: err = %v, want a *tabular.ParseError", c, err)
		}
		if pe.Column != wantColumn || pe.Line != 7 || pe.File != "hand.csv" {
			t.Errorf("%v: error at %s:%d column %q, want hand.csv:7 column %q", c, pe.File, pe.Line, pe.Column, wantColumn)
		}
		if !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("%v: err = %v, want it to wrap cost.ErrInvalid", c, err)
		}
		if !strings.Contains(err.Error(), wantColumn) || !strings.Contains(err.Error(), "hand.csv:7") {
			t.Errorf("message %q does not name the column and line", err)
		}
	}
	f(cells{"lineItem/UnblendedCost": "12,50"}, "lineItem/UnblendedCost")
	f(cells{"lineItem/UnblendedCost": "-", "line_item_unblended_cost": "abc"}, "line_item_unblended_cost")
	f(cells{"lineItem/NetUnblendedCost": "n/a"}, "lineItem/NetUnblendedCost")
	f(cells{"lineItem/UsageStartDate": "yesterday"}, "lineItem/UsageStartDate")
	f(cells{"lineItem/UsageStartDate": ""}, "lineItem/UsageStartDate")
	f(cells{"lineItem/UsageEndDate": "2024-13-01"}, "lineItem/UsageEndDate")
	f(cells{"bill/BillingPeriodStartDate": "June"}, "bill/BillingPeriodStartDate")
	f(cells{"lineItem/UsageEndDate": "", "identity/TimeInterval": "2024-03-05T10:00:00Z/later"}, "identity/TimeInterval")
	f(cells{"lineItem/UsageAmount": "1.0.0"}, "lineItem/UsageAmount")
	f(cells{"lineItem/LineItemType": "DiscountedUsage", "reservation/EffectiveCost": "x"}, "reservation/EffectiveCost")
	f(cells{"lineItem/LineItemType": "SavingsPlanCoveredUsage", "savingsPlan/SavingsPlanEffectiveCost": "x"}, "savingsPlan/SavingsPlanEffectiveCost")
	f(cells{"pricing/publicOnDemandCost": "--1"}, "pricing/publicOnDemandCost")
	f(cells{"resource_tags": `{"a":`}, "resource_tags")
	f(cells{"product": `[1,2]`}, "product")
	f(cells{"lineItem/LineItemType": "DiscountedUsage", "discount": `{"total_discount":"lots"}`}, "discount")
}

// TestUnknownLayout: a header that is not a CUR is refused with
// tabular.ErrUnknownLayout, and the error says which columns it looked for.
func TestUnknownLayout(t *testing.T) {
	f := func(header []string, wantMissing ...string) {
		t.Helper()
		if Detect(header) {
			t.Errorf("Detect(%q) = true", header)
		}
		_, err := NewMapper(header)
		if !errors.Is(err, tabular.ErrUnknownLayout) {
			t.Fatalf("NewMapper(%q) err = %v, want ErrUnknownLayout", header, err)
		}
		for _, w := range wantMissing {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not name %q", err, w)
			}
		}
	}
	// FOCUS and Azure headers.
	f([]string{"BilledCost", "EffectiveCost", "ChargePeriodStart", "SubAccountId", "ChargeCategory"},
		"lineItem/UsageAccountId", "line_item_usage_account_id", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UnblendedCost")
	f([]string{"SubscriptionId", "Date", "CostInBillingCurrency", "MeterCategory"}, "lineItem/UnblendedCost")
	f(nil, "lineItem/UsageAccountId")
	// One required column short.
	f([]string{"lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/BlendedCost"},
		"lineItem/UnblendedCost")
}

// TestShortRow: a row shorter than the header (trailing cells missing)
// reads the missing cells as empty.
func TestShortRow(t *testing.T) {
	m, err := NewMapper([]string{"lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UnblendedCost", "resourceTags/user:Team"})
	if err != nil {
		t.Fatal(err)
	}
	li, err := mapRow(m, "1", "Tax", "2024-01-01", "3")
	if err != nil {
		t.Fatal(err)
	}
	if li.Cost[cost.Billed].String() != "3" || len(li.Tags) != 0 {
		t.Errorf("billed %s tags %v", li.Cost[cost.Billed], li.Tags)
	}
}
