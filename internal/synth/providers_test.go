package synth

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readTestdata reads a file of the shared test data, found from the
// module root (the directory holding go.mod) as <root>/../shared/testdata.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	data, err := os.ReadFile(filepath.Join(dir, "..", "shared", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAzureRows(t *testing.T) {
	data, _ := generate(t, Options{Provider: "azure", Rows: 6000, Days: 50, Start: testStart, Seed: 4})
	tb := readTable(t, data)
	subs, purchases, aks, reserved := map[string]bool{}, map[string]int{}, 0, 0
	for i, row := range tb.rows {
		q, p, c := ratOf(t, tb.get(row, "Quantity")), ratOf(t, tb.get(row, "EffectivePrice")), ratOf(t, tb.get(row, "CostInBillingCurrency"))
		if new(big.Rat).Mul(q, p).Cmp(c) != 0 {
			t.Fatalf("row %d: %s × %s ≠ %s", i+2, tb.get(row, "Quantity"), tb.get(row, "EffectivePrice"), tb.get(row, "CostInBillingCurrency"))
		}
		date, err := time.Parse("01/02/2006", tb.get(row, "Date"))
		if err != nil {
			t.Fatal(err)
		}
		ms := time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, time.UTC)
		if tb.get(row, "BillingPeriodStartDate") != ms.Format("01/02/2006") ||
			tb.get(row, "BillingPeriodEndDate") != ms.AddDate(0, 1, -1).Format("01/02/2006") {
			t.Fatalf("row %d dated %s in period %s–%s", i+2, tb.get(row, "Date"), tb.get(row, "BillingPeriodStartDate"), tb.get(row, "BillingPeriodEndDate"))
		}
		subs[tb.get(row, "SubscriptionId")] = true
		tags := tb.get(row, "Tags")
		if strings.HasPrefix(tags, "{") {
			t.Fatalf("row %d: EA tags are written without braces, got %s", i+2, tags)
		}
		if tags != "" {
			var m map[string]string
			if err := json.Unmarshal([]byte("{"+tags+"}"), &m); err != nil {
				t.Fatalf("row %d: tags %s: %v", i+2, tags, err)
			}
			if _, ok := m["aks-managed-poolName"]; ok {
				aks++
			}
		}
		switch {
		case tb.get(row, "ChargeType") == "Purchase":
			purchases[date.Format("2006-01")]++
			if tb.get(row, "PricingModel") != "Reservation" || c.Sign() <= 0 {
				t.Errorf("row %d: purchase %q cost %s", i+2, tb.get(row, "PricingModel"), c.FloatString(6))
			}
		case tb.get(row, "PricingModel") == "Reservation":
			reserved++
			if c.Sign() != 0 || tb.get(row, "benefitId") == "" {
				t.Errorf("row %d: reserved usage costs %s (actual cost is 0), benefit %q", i+2, c.FloatString(6), tb.get(row, "benefitId"))
			}
		}
	}
	if len(subs) != 3 || aks == 0 || reserved == 0 {
		t.Errorf("%d subscriptions, %d AKS rows, %d reserved rows", len(subs), aks, reserved)
	}
	for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
		if purchases[m] != 1 {
			t.Errorf("%d reservation purchases in %s, want 1", purchases[m], m)
		}
	}
}

func TestGCPRows(t *testing.T) {
	data, _ := generate(t, Options{Provider: "gcp", Rows: 20000, Days: 20, Start: testStart, Seed: 8})
	tb := readTable(t, data)
	types := map[string]int{}
	costTypes := map[string]int{}
	gke := 0
	for i, row := range tb.rows {
		start, err := time.Parse("2006-01-02 15:04:05-07:00", tb.get(row, "usage_start_time"))
		if err != nil {
			t.Fatal(err)
		}
		if got := tb.get(row, "invoice.month"); got != start.UTC().Format("200601") {
			t.Fatalf("row %d: invoice.month %s for usage at %v", i+2, got, start)
		}
		var credits []struct {
			Amount json.Number
			Type   string
		}
		if err := json.Unmarshal([]byte(tb.get(row, "credits")), &credits); err != nil {
			t.Fatalf("row %d: credits %q: %v", i+2, tb.get(row, "credits"), err)
		}
		for _, c := range credits {
			types[c.Type]++
			if ratOf(t, c.Amount.String()).Sign() >= 0 {
				t.Errorf("row %d: credit %s is not negative", i+2, c.Amount)
			}
		}
		var labels []struct{ Key, Value string }
		if err := json.Unmarshal([]byte(tb.get(row, "labels")), &labels); err != nil {
			t.Fatalf("row %d: labels %q: %v", i+2, tb.get(row, "labels"), err)
		}
		for _, l := range labels {
			if l.Key == "goog-k8s-cluster-name" {
				gke++
			}
		}
		costTypes[tb.get(row, "cost_type")]++
	}
	for _, want := range []string{"COMMITTED_USAGE_DISCOUNT", "SUSTAINED_USAGE_DISCOUNT", "FREE_TIER"} {
		if types[want] == 0 {
			t.Errorf("no %s credits (%v)", want, types)
		}
	}
	for _, want := range []string{"regular", "tax", "rounding_error"} {
		if costTypes[want] == 0 {
			t.Errorf("no %s rows (%v)", want, costTypes)
		}
	}
	if gke == 0 {
		t.Error("no GKE-labelled rows")
	}
}

// Over whole months, FOCUS BilledCost and EffectiveCost agree: the
// commitments' purchases equal their used plus unused parts
// (billing-formats.md §1, identities).
func TestFocusRows(t *testing.T) {
	data, _ := generate(t, Options{Provider: "focus", Rows: 8000, Days: 60, Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Seed: 6})
	tb := readTable(t, data)
	billed, effective := new(big.Rat), new(big.Rat)
	providers := map[string]bool{}
	allowed := map[string]bool{"Usage": true, "Purchase": true, "Tax": true, "Credit": true, "Adjustment": true}
	statuses := map[string]int{}
	for i, row := range tb.rows {
		billed.Add(billed, ratOf(t, tb.get(row, "BilledCost")))
		effective.Add(effective, ratOf(t, tb.get(row, "EffectiveCost")))
		providers[tb.get(row, "ProviderName")] = true
		if !allowed[tb.get(row, "ChargeCategory")] {
			t.Fatalf("row %d: ChargeCategory %q", i+2, tb.get(row, "ChargeCategory"))
		}
		statuses[tb.get(row, "CommitmentDiscountStatus")]++
		if tags := tb.get(row, "Tags"); tags != "" {
			var m map[string]string
			if err := json.Unmarshal([]byte(tags), &m); err != nil {
				t.Fatalf("row %d: Tags %q: %v", i+2, tags, err)
			}
		}
		if tb.get(row, "ChargeCategory") == "Usage" && tb.get(row, "CommitmentDiscountStatus") == "" {
			list := new(big.Rat).Mul(ratOf(t, tb.get(row, "ListUnitPrice")), ratOf(t, tb.get(row, "PricingQuantity")))
			if list.Cmp(ratOf(t, tb.get(row, "ListCost"))) != 0 {
				t.Fatalf("row %d: ListCost %s ≠ ListUnitPrice × PricingQuantity", i+2, tb.get(row, "ListCost"))
			}
		}
	}
	if billed.Cmp(effective) != 0 {
		t.Errorf("Σ BilledCost %s ≠ Σ EffectiveCost %s", billed.FloatString(10), effective.FloatString(10))
	}
	if len(providers) != 3 || !providers["AWS"] || !providers["Microsoft"] || !providers["Google Cloud"] {
		t.Errorf("providers %v", providers)
	}
	if statuses["Used"] == 0 || statuses["Unused"] == 0 {
		t.Errorf("commitment statuses %v", statuses)
	}
}
