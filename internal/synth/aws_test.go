package synth

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

// awsTable writes a CUR over a month end (two billing periods).
func awsTable(t *testing.T, daily bool) *table {
	t.Helper()
	data, _ := generate(t, Options{Provider: "aws", Rows: 40000, Days: 35, Start: testStart, Seed: 7, Daily: daily})
	return readTable(t, data)
}

func TestAWSLineItemTypes(t *testing.T) {
	for _, daily := range []bool{false, true} {
		tb := awsTable(t, daily)
		seen := map[string]int{}
		for _, row := range tb.rows {
			seen[tb.get(row, "lineItem/LineItemType")]++
		}
		for _, want := range []string{"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
			"SavingsPlanRecurringFee", "RIFee", "Fee", "Credit", "Tax", "EdpDiscount"} {
			if seen[want] == 0 {
				t.Errorf("daily=%v: no %s rows (types: %v)", daily, want, seen)
			}
		}
		if seen["SavingsPlanCoveredUsage"] != seen["SavingsPlanNegation"] {
			t.Errorf("daily=%v: %d covered rows, %d negations", daily, seen["SavingsPlanCoveredUsage"], seen["SavingsPlanNegation"])
		}
	}
}

// TestAWSAmortization checks the amortization columns against each other
// the way the amortized-cost recipe of billing-formats.md §5.1 uses them.
func TestAWSAmortization(t *testing.T) {
	tb := awsTable(t, false)
	r := func(row []string, col string) *big.Rat {
		s := tb.get(row, col)
		if s == "" {
			return new(big.Rat)
		}
		return ratOf(t, s)
	}
	zero := new(big.Rat)
	spUsed := map[string]*big.Rat{}     // Σ SavingsPlanEffectiveCost per hour
	riHours := map[[2]string]*big.Rat{} // DiscountedUsage hours per (month, ARN)
	fees := 0
	var prev []string
	for i, row := range tb.rows {
		typ := tb.get(row, "lineItem/LineItemType")
		cost := r(row, "lineItem/UnblendedCost")
		start, err := time.Parse(time.RFC3339, tb.get(row, "lineItem/UsageStartDate"))
		if err != nil {
			t.Fatal(err)
		}
		month := start.Format("2006-01")
		// Billing period = the calendar month of the row.
		if bs := tb.get(row, "bill/BillingPeriodStartDate"); bs != month+"-01T00:00:00Z" {
			t.Fatalf("row %d starts %v in billing period %s", i+2, start, bs)
		}
		be, _ := time.Parse(time.RFC3339, tb.get(row, "bill/BillingPeriodEndDate"))
		if want := time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, time.UTC); !be.Equal(want) {
			t.Fatalf("row %d: billing period end %v, want %v", i+2, be, want)
		}
		interval := tb.get(row, "identity/TimeInterval")
		switch typ {
		case "Usage", "SavingsPlanCoveredUsage":
			want := new(big.Rat).Mul(r(row, "lineItem/UnblendedRate"), r(row, "lineItem/UsageAmount"))
			if cost.Cmp(want) != 0 || cost.Cmp(r(row, "pricing/publicOnDemandCost")) != 0 {
				t.Fatalf("row %d: cost %s ≠ rate × amount %s or the on-demand cost", i+2, cost.FloatString(10), want.FloatString(10))
			}
			if typ == "SavingsPlanCoveredUsage" {
				eff := new(big.Rat).Mul(r(row, "savingsPlan/SavingsPlanRate"), r(row, "lineItem/UsageAmount"))
				if eff.Cmp(r(row, "savingsPlan/SavingsPlanEffectiveCost")) != 0 || eff.Cmp(cost) >= 0 {
					t.Fatalf("row %d: SavingsPlanEffectiveCost %s, rate × amount %s, on-demand %s", i+2,
						tb.get(row, "savingsPlan/SavingsPlanEffectiveCost"), eff.FloatString(10), cost.FloatString(10))
				}
				if spUsed[interval] == nil {
					spUsed[interval] = new(big.Rat)
				}
				spUsed[interval].Add(spUsed[interval], eff)
			}
		case "SavingsPlanNegation":
			if prev == nil || tb.get(prev, "lineItem/LineItemType") != "SavingsPlanCoveredUsage" ||
				new(big.Rat).Add(cost, r(prev, "lineItem/UnblendedCost")).Sign() != 0 ||
				tb.get(prev, "lineItem/ResourceId") != tb.get(row, "lineItem/ResourceId") {
				t.Fatalf("row %d: negation does not offset the covered row before it", i+2)
			}
		case "DiscountedUsage":
			sum := new(big.Rat).Add(r(row, "reservation/AmortizedUpfrontCostForUsage"), r(row, "reservation/RecurringFeeForUsage"))
			if cost.Sign() != 0 || sum.Cmp(r(row, "reservation/EffectiveCost")) != 0 || sum.Sign() <= 0 {
				t.Fatalf("row %d: DiscountedUsage cost %s, effective %s, upfront+recurring %s", i+2,
					cost.FloatString(10), tb.get(row, "reservation/EffectiveCost"), sum.FloatString(10))
			}
			k := [2]string{month, tb.get(row, "reservation/ReservationARN")}
			if riHours[k] == nil {
				riHours[k] = new(big.Rat)
			}
			riHours[k].Add(riHours[k], r(row, "lineItem/UsageAmount"))
		case "SavingsPlanRecurringFee":
			fees++
			total, used := r(row, "savingsPlan/TotalCommitmentToDate"), r(row, "savingsPlan/UsedCommitment")
			want := spUsed[interval]
			if want == nil {
				want = zero
			}
			if used.Cmp(want) != 0 || used.Cmp(total) > 0 || total.Cmp(cost) != 0 {
				t.Fatalf("row %d: hour %s used %s of %s (fee %s), covered rows used %s", i+2, interval,
					used.FloatString(10), total.FloatString(10), cost.FloatString(10), want.FloatString(10))
			}
		case "RIFee":
			k := [2]string{month, tb.get(row, "reservation/ReservationARN")}
			usedHours := new(big.Rat).Sub(r(row, "reservation/TotalReservedUnits"), r(row, "reservation/UnusedQuantity"))
			got := riHours[k]
			if got == nil {
				got = zero
			}
			if usedHours.Cmp(got) != 0 {
				t.Errorf("row %d: RIFee of %v says %s hours used, DiscountedUsage rows hold %s", i+2, k,
					usedHours.FloatString(4), got.FloatString(4))
			}
			recurring := new(big.Rat).Mul(r(row, "reservation/UnusedQuantity"), r(row, "lineItem/UnblendedRate"))
			if recurring.Cmp(r(row, "reservation/UnusedRecurringFee")) != 0 {
				t.Errorf("row %d: unused recurring fee %s, want %s", i+2, tb.get(row, "reservation/UnusedRecurringFee"), recurring.FloatString(6))
			}
		case "EdpDiscount":
			if cost.Sign() > 0 || tb.get(row, "lineItem/BlendedCost") != "" {
				t.Errorf("row %d: discount %s, blended %q", i+2, cost.FloatString(10), tb.get(row, "lineItem/BlendedCost"))
			}
		}
		prev = row
	}
	if fees == 0 {
		t.Fatal("no Savings Plan fee rows")
	}
	// Net (COALESCE(net, unblended)) equals unblended up to the discount's
	// truncation: a few units of 1e-10 per account and product.
	gross, net := new(big.Rat), new(big.Rat)
	for _, row := range tb.rows {
		gross.Add(gross, r(row, "lineItem/UnblendedCost"))
		if tb.get(row, "lineItem/NetUnblendedCost") == "" {
			t.Fatalf("NetUnblendedCost empty in %q", row)
		}
		net.Add(net, r(row, "lineItem/NetUnblendedCost"))
	}
	diff := new(big.Rat).Sub(gross, net)
	if diff.Abs(diff).Cmp(big.NewRat(1, 1_000_000)) > 0 {
		t.Errorf("Σ unblended %s, Σ net %s", gross.FloatString(10), net.FloatString(12))
	}
}

// TestAWSKubernetesAndTags checks the markers the readers look for.
func TestAWSKubernetesAndTags(t *testing.T) {
	tb := awsTable(t, true)
	var eks, tagged int
	accounts := map[string]bool{}
	products := map[string]bool{}
	for _, row := range tb.rows {
		if tb.get(row, "resourceTags/aws:eks:cluster-name") != "" {
			eks++
		}
		if tb.get(row, "resourceTags/user:team") != "" {
			tagged++
		}
		accounts[tb.get(row, "lineItem/UsageAccountId")] = true
		products[tb.get(row, "lineItem/ProductCode")] = true
		if tb.get(row, "bill/PayerAccountId") != awsPayer {
			t.Fatalf("payer %q", tb.get(row, "bill/PayerAccountId"))
		}
	}
	if eks == 0 || tagged == 0 {
		t.Errorf("%d EKS-tagged rows, %d team-tagged rows", eks, tagged)
	}
	if len(accounts) != 5 { // four usage accounts and the payer (support fee)
		t.Errorf("accounts %v", accounts)
	}
	for _, p := range []string{"AmazonEC2", "AmazonRDS", "AmazonS3", "AmazonEKS", "AWSLambda", "AmazonCloudWatch", "AWSDataTransfer"} {
		if !products[p] {
			t.Errorf("no %s rows (products %v)", p, products)
		}
	}
}

// An amount with a comma is quoted: the file stays one row per line and
// the legal entity reads back whole.
func TestAWSQuoting(t *testing.T) {
	tb := awsTable(t, true)
	for _, row := range tb.rows {
		if got := tb.get(row, "lineItem/LegalEntity"); got != "Amazon Web Services, Inc." {
			t.Fatalf("LegalEntity %q", got)
		}
		if d := tb.get(row, "lineItem/LineItemDescription"); strings.HasPrefix(d, `"`) {
			t.Fatalf("description %q kept its quotes", d)
		}
	}
}
