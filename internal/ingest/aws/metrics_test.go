package aws

import (
	"sort"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// cells is one hand-made row: header cell → value.
type cells map[string]string

// baseRow fills the required columns a case does not set.
var baseRow = cells{
	"lineItem/UsageAccountId":   "111122223333",
	"lineItem/LineItemType":     "Usage",
	"lineItem/UsageStartDate":   "2024-03-05T10:00:00Z",
	"lineItem/UnblendedCost":    "0",
	"lineItem/CurrencyCode":     "USD",
	"bill/PayerAccountId":       "999988887777",
	"lineItem/ProductCode":      "AmazonEC2",
	"lineItem/UsageEndDate":     "2024-03-05T11:00:00Z",
	"bill/BillingPeriodEndDate": "2024-04-01T00:00:00Z",
}

// mapCells maps one row built from base (unless a key is set to "-", which
// drops the column) and c, with the header in sorted order.
func mapCells(t *testing.T, c cells) (*cost.LineItem, error) {
	t.Helper()
	all := cells{}
	for k, v := range baseRow {
		all[k] = v
	}
	for k, v := range c {
		if v == "-" {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	header := make([]string, 0, len(all))
	for k := range all {
		header = append(header, k)
	}
	sort.Strings(header)
	values := make([]string, len(header))
	for i, h := range header {
		values[i] = all[h]
	}
	m, err := NewMapper(header)
	if err != nil {
		t.Fatalf("NewMapper: %v", err)
	}
	li := &cost.LineItem{}
	li.Reset()
	err = m.Map(&tabular.Row{File: "hand.csv", Line: 7, Values: values}, li)
	return li, err
}

// TestMetricsByLineItemType checks the derivation of every metric
// (billing-formats.md §5.1) on one hand-made row per line item type. want
// is list, billed, net, amortized, amortizedNet, contracted.
func TestMetricsByLineItemType(t *testing.T) {
	f := func(name string, c cells, chargeCategory string, want [cost.NumMetrics]string) {
		t.Helper()
		li, err := mapCells(t, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for m, w := range want {
			if !li.Cost[m].Equal(decimal.RequireFromString(w)) {
				t.Errorf("%s: %s = %s, want %s", name, cost.Metric(m), li.Cost[m], w)
			}
			if !li.USD[m].Valid || !li.USD[m].Decimal.Equal(li.Cost[m]) {
				t.Errorf("%s: USD %s = %v, want the USD bill's own %s", name, cost.Metric(m), li.USD[m], li.Cost[m])
			}
		}
		if li.ChargeCategory != chargeCategory {
			t.Errorf("%s: ChargeCategory = %q, want %q", name, li.ChargeCategory, chargeCategory)
		}
		if li.ChargeType != c["lineItem/LineItemType"] {
			t.Errorf("%s: ChargeType = %q, want the line item type", name, li.ChargeType)
		}
	}

	f("on-demand usage", cells{
		"lineItem/LineItemType":      "Usage",
		"lineItem/UnblendedCost":     "0.0960000000",
		"lineItem/NetUnblendedCost":  "0.0864",
		"pricing/publicOnDemandCost": "0.096",
	}, "Usage", [6]string{"0.096", "0.096", "0.0864", "0.096", "0.0864", "0.0864"})

	f("usage priced by rate × amount", cells{
		"lineItem/LineItemType":      "Usage",
		"lineItem/UnblendedCost":     "0.3",
		"pricing/publicOnDemandRate": "0.1234567",
		"lineItem/UsageAmount":       "3",
	}, "Usage", [6]string{"0.3703701", "0.3", "0.3", "0.3", "0.3", "0.3"})

	// A product past 24 fractional digits is rounded by cost.Round:
	// 0.5 × 5e-24 = 2.5e-24, a tie, goes to even (2e-24), not away from
	// zero.
	f("usage priced by rate × amount, a tie at 10^-24", cells{
		"lineItem/LineItemType":      "Usage",
		"lineItem/UnblendedCost":     "0.3",
		"pricing/publicOnDemandRate": "0.5",
		"lineItem/UsageAmount":       "0.000000000000000000000005",
	}, "Usage", [6]string{"0.000000000000000000000002", "0.3", "0.3", "0.3", "0.3", "0.3"})

	f("SavingsPlanCoveredUsage", cells{
		"lineItem/LineItemType":                   "SavingsPlanCoveredUsage",
		"lineItem/UnblendedCost":                  "10",
		"lineItem/NetUnblendedCost":               "9",
		"pricing/publicOnDemandCost":              "10",
		"savingsPlan/SavingsPlanEffectiveCost":    "6",
		"savingsPlan/NetSavingsPlanEffectiveCost": "5.4",
		"savingsPlan/SavingsPlanARN":              "arn:aws:savingsplans::999988887777:savingsplan/sp-1",
	}, "Usage", [6]string{"10", "10", "9", "6", "5.4", "9"})

	f("SavingsPlanNegation", cells{
		"lineItem/LineItemType":      "SavingsPlanNegation",
		"lineItem/UnblendedCost":     "-10",
		"lineItem/NetUnblendedCost":  "-9",
		"pricing/publicOnDemandCost": "-10",
		"savingsPlan/SavingsPlanARN": "arn:aws:savingsplans::999988887777:savingsplan/sp-1",
	}, "Usage", [6]string{"0", "-10", "-9", "0", "0", "0"})

	f("SavingsPlanRecurringFee", cells{
		"lineItem/LineItemType":             "SavingsPlanRecurringFee",
		"lineItem/UnblendedCost":            "8",
		"savingsPlan/TotalCommitmentToDate": "8",
		"savingsPlan/UsedCommitment":        "6.25",
	}, "Purchase", [6]string{"8", "8", "8", "1.75", "1.75", "8"})

	f("SavingsPlanUpfrontFee", cells{
		"lineItem/LineItemType":  "SavingsPlanUpfrontFee",
		"lineItem/UnblendedCost": "8760",
	}, "Purchase", [6]string{"8760", "8760", "8760", "0", "0", "8760"})

	f("DiscountedUsage", cells{
		"lineItem/LineItemType":        "DiscountedUsage",
		"lineItem/UnblendedCost":       "0",
		"pricing/publicOnDemandCost":   "1.2",
		"reservation/EffectiveCost":    "0.5",
		"reservation/NetEffectiveCost": "0.45",
		"reservation/ReservationARN":   "arn:aws:ec2:us-east-1:999988887777:reserved-instances/ri-1",
		"discount/TotalDiscount":       "-0.1",
	}, "Usage", [6]string{"1.2", "0", "0", "0.5", "0.45", "1.1"})

	f("RIFee", cells{
		"lineItem/LineItemType":                                    "RIFee",
		"lineItem/UnblendedCost":                                   "30",
		"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod":    "4",
		"reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod": "3.6",
		"reservation/UnusedRecurringFee":                           "3",
		"reservation/NetUnusedRecurringFee":                        "",
		"reservation/ReservationARN":                               "arn:aws:ec2:us-east-1:999988887777:reserved-instances/ri-1",
	}, "Purchase", [6]string{"30", "30", "30", "7", "6.6", "30"})

	f("Fee with a reservation ARN (RI upfront)", cells{
		"lineItem/LineItemType":      "Fee",
		"lineItem/UnblendedCost":     "1000",
		"reservation/ReservationARN": "arn:aws:ec2:us-east-1:999988887777:reserved-instances/ri-1",
	}, "Purchase", [6]string{"1000", "1000", "1000", "0", "0", "1000"})

	f("Fee without a reservation (support)", cells{
		"lineItem/LineItemType":  "Fee",
		"lineItem/UnblendedCost": "100",
	}, "Purchase", [6]string{"100", "100", "100", "100", "100", "100"})

	f("Credit", cells{
		"lineItem/LineItemType":  "Credit",
		"lineItem/UnblendedCost": "-5",
	}, "Credit", [6]string{"-5", "-5", "-5", "-5", "-5", "-5"})

	f("Refund", cells{
		"lineItem/LineItemType":  "Refund",
		"lineItem/UnblendedCost": "-1.5",
	}, "Adjustment", [6]string{"-1.5", "-1.5", "-1.5", "-1.5", "-1.5", "-1.5"})

	f("Tax", cells{
		"lineItem/LineItemType":  "Tax",
		"lineItem/UnblendedCost": "2.5",
	}, "Tax", [6]string{"2.5", "2.5", "2.5", "2.5", "2.5", "2.5"})

	f("EdpDiscount", cells{
		"lineItem/LineItemType":     "EdpDiscount",
		"lineItem/UnblendedCost":    "-3",
		"lineItem/NetUnblendedCost": "",
	}, "Usage", [6]string{"0", "-3", "-3", "-3", "-3", "-3"})

	f("BundledDiscount", cells{
		"lineItem/LineItemType":  "BundledDiscount",
		"lineItem/UnblendedCost": "-0.2",
	}, "Usage", [6]string{"0", "-0.2", "-0.2", "-0.2", "-0.2", "-0.2"})

	f("an unknown type is kept as an adjustment", cells{
		"lineItem/LineItemType":  "SomethingNew",
		"lineItem/UnblendedCost": "1.23",
	}, "Adjustment", [6]string{"1.23", "1.23", "1.23", "1.23", "1.23", "1.23"})

	f("line item type in other case", cells{
		"lineItem/LineItemType":                "savingsplancoveredusage",
		"lineItem/UnblendedCost":               "2",
		"savingsPlan/SavingsPlanEffectiveCost": "1",
	}, "Usage", [6]string{"2", "2", "2", "1", "1", "2"})
}

// TestMetricsSnakeCase checks that the snake_case spellings of the net
// and commitment columns are read, including Athena's a_r_n.
func TestMetricsSnakeCase(t *testing.T) {
	c := cells{
		"lineItem/UsageAccountId": "-", "lineItem/LineItemType": "-", "lineItem/UsageStartDate": "-",
		"lineItem/UnblendedCost": "-", "lineItem/CurrencyCode": "-", "bill/PayerAccountId": "-",
		"lineItem/ProductCode": "-", "lineItem/UsageEndDate": "-", "bill/BillingPeriodEndDate": "-",
		"line_item_usage_account_id":                                      "111122223333",
		"line_item_line_item_type":                                        "RIFee",
		"line_item_usage_start_date":                                      "2024-03-01 00:00:00.000",
		"line_item_unblended_cost":                                        "30",
		"line_item_net_unblended_cost":                                    "27",
		"reservation_unused_amortized_upfront_fee_for_billing_period":     "4",
		"reservation_net_unused_amortized_upfront_fee_for_billing_period": "3.6",
		"reservation_unused_recurring_fee":                                "3",
		"reservation_net_unused_recurring_fee":                            "2.7",
		"reservation_reservation_a_r_n":                                   "arn:aws:ec2:us-east-1:1:reserved-instances/ri-2",
		"line_item_currency_code":                                         "EUR",
	}
	li, err := mapCells(t, c)
	if err != nil {
		t.Fatal(err)
	}
	want := [cost.NumMetrics]string{"30", "30", "27", "7", "6.3", "27"}
	for m, w := range want {
		if !li.Cost[m].Equal(decimal.RequireFromString(w)) {
			t.Errorf("%s = %s, want %s", cost.Metric(m), li.Cost[m], w)
		}
		if li.USD[m].Valid {
			t.Errorf("USD %s is set for a EUR bill that gives no USD values", cost.Metric(m))
		}
	}
	if li.CommitmentDiscountID != "arn:aws:ec2:us-east-1:1:reserved-instances/ri-2" || li.CommitmentDiscountCategory != "Usage" {
		t.Errorf("commitment %q %q", li.CommitmentDiscountID, li.CommitmentDiscountCategory)
	}
	if li.BillingCurrency != "EUR" || li.ChargeFrequency != "Recurring" {
		t.Errorf("currency %q frequency %q", li.BillingCurrency, li.ChargeFrequency)
	}
}
