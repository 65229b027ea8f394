package azure

import (
	"encoding/csv"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// rawTotals sums the raw cost column of a file with encoding/csv and
// math/big, independently of the code under test: per (subscription, day)
// and per (subscription, meter category).
type rawTotals struct {
	rows     int
	byDay    map[string]*big.Rat
	byMeter  map[string]*big.Rat
	grandSum *big.Rat
	// listSum is the list cost by the rule of billing-formats.md §6.10
	// and OpenCost: the pay-as-you-go amount, else the pay-as-you-go price
	// × quantity, else the cost, where an amount or price of 0 beside a
	// cost that is not 0 counts as missing.
	listSum *big.Rat
	// location and publisher are each row's ResourceLocation and
	// PublisherName cells, untouched ("" when the layout has none).
	location, publisher []string
}

func readRaw(t *testing.T, path string) rawTotals {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	pick := func(names ...string) int {
		for _, n := range names {
			if i, ok := col[n]; ok {
				return i
			}
		}
		t.Fatalf("%s: none of %v in header", path, names)
		return -1
	}
	costCol := pick("costinbillingcurrency", "cost", "pretaxcost")
	subCol := pick("subscriptionid", "subscriptionguid")
	dateCol := pick("date", "usagedatetime")
	meterCol := pick("metercategory")
	optional := func(name string) int {
		if i, ok := col[name]; ok {
			return i
		}
		return -1
	}
	paygCostCol, paygPriceCol, qtyCol := optional("paygcostinbillingcurrency"), optional("paygprice"), optional("quantity")
	locationCol, publisherCol := optional("resourcelocation"), optional("publishername")
	cell := func(rec []string, i int) string {
		if i < 0 {
			return ""
		}
		return rec[i]
	}
	rat := func(s string) *big.Rat {
		v := new(big.Rat)
		if s != "" {
			if _, ok := v.SetString(s); !ok {
				t.Fatalf("%s: raw number %q", path, s)
			}
		}
		return v
	}

	tot := rawTotals{byDay: map[string]*big.Rat{}, byMeter: map[string]*big.Rat{}, grandSum: new(big.Rat), listSum: new(big.Rat)}
	for _, rec := range recs[1:] {
		tot.rows++
		v := rat(rec[costCol])
		list := v
		if pc := cell(rec, paygCostCol); pc != "" && (rat(pc).Sign() != 0 || v.Sign() == 0) {
			list = rat(pc)
		} else if pp, q := cell(rec, paygPriceCol), cell(rec, qtyCol); pp != "" && q != "" && rat(pp).Sign() != 0 {
			// No test file has an exchange-rate column or a refund, which
			// the reader would also apply.
			list = new(big.Rat).Mul(rat(pp), rat(q))
		}
		tot.listSum.Add(tot.listSum, list)
		tot.location = append(tot.location, cell(rec, locationCol))
		tot.publisher = append(tot.publisher, cell(rec, publisherCol))
		var day time.Time
		for _, layout := range []string{"01/02/2006", "2006-01-02", "2006-01-02 15:04:05"} {
			if d, err := time.Parse(layout, rec[dateCol]); err == nil {
				day = d
				break
			}
		}
		if day.IsZero() {
			t.Fatalf("%s: raw date %q", path, rec[dateCol])
		}
		add(tot.byDay, rec[subCol]+"|"+day.Format("2006-01-02"), v)
		add(tot.byMeter, rec[subCol]+"|"+rec[meterCol], v)
		tot.grandSum.Add(tot.grandSum, v)
	}
	return tot
}

func add(m map[string]*big.Rat, k string, v *big.Rat) {
	if m[k] == nil {
		m[k] = new(big.Rat)
	}
	m[k].Add(m[k], v)
}

func compareSums(t *testing.T, what string, got, want map[string]*big.Rat) {
	t.Helper()
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		g, w := got[k], want[k]
		if g == nil || w == nil || g.Cmp(w) != 0 {
			t.Errorf("%s %s: got %v, want %v", what, k, ratString(g), ratString(w))
		}
	}
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "<missing>"
	}
	return r.FloatString(30)
}

// TestFiles reads every Azure test export and checks that the cost of
// every (subscription, day) and (subscription, meter category) equals the
// exact sum of the raw cost column.
func TestFiles(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "azure")
	wantRows := map[string]int{
		"EA_ActualCost_Small.csv":            11,
		"EA_AmortizedCost_Small.csv":         28,
		"EA_NoRows.csv":                      0,
		"ea-v2-camel-case.csv":               4,
		"ea-v2-cost-in-billing-currency.csv": 5,
		"legacy-camel-case.csv":              3,
		"legacy-pretax-cost.csv":             3,
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) != len(wantRows) {
		t.Fatalf("found %d files (%v), want %d", len(files), err, len(wantRows))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			kind := KindFromName(name)
			items := readItems(t, path, kind)
			raw := readRaw(t, path)
			if len(items) != raw.rows || len(items) != wantRows[name] {
				t.Fatalf("%d items, raw file has %d rows, want %d", len(items), raw.rows, wantRows[name])
			}
			// The cost column is the amortized metric of an amortized
			// export and the billed one of any other.
			metric := cost.Billed
			if kind == KindAmortized {
				metric = cost.Amortized
			}
			byDay, byMeter := map[string]*big.Rat{}, map[string]*big.Rat{}
			listSum := new(big.Rat)
			for i, li := range items {
				listSum.Add(listSum, li.Cost[cost.List].Rat())
				// Region and publisher as the bill writes them: no
				// lower-casing, no removed spaces, no "Microsoft" for an
				// empty publisher.
				if raw.location[i] != "" && li.RegionID != raw.location[i] {
					t.Errorf("row %d: RegionID %q, ResourceLocation %q", i+2, li.RegionID, raw.location[i])
				}
				if li.PublisherName != raw.publisher[i] {
					t.Errorf("row %d: PublisherName %q, file %q", i+2, li.PublisherName, raw.publisher[i])
				}
				v := li.Cost[metric].Rat()
				add(byDay, li.SubAccountID+"|"+li.ChargePeriodStart.Format("2006-01-02"), v)
				add(byMeter, li.SubAccountID+"|"+li.MeterCategory, v)
				if li.ChargePeriodEnd.Sub(li.ChargePeriodStart) != 24*time.Hour {
					t.Errorf("charge period %v – %v is not a day", li.ChargePeriodStart, li.ChargePeriodEnd)
				}
				if li.ProviderName != "Microsoft" {
					t.Errorf("ProviderName %q", li.ProviderName)
				}
				if !li.BillingPeriodStart.Before(li.BillingPeriodEnd) || li.ChargePeriodStart.Before(li.BillingPeriodStart) || !li.ChargePeriodStart.Before(li.BillingPeriodEnd) {
					t.Errorf("charge day %v outside billing period %v – %v", li.ChargePeriodStart, li.BillingPeriodStart, li.BillingPeriodEnd)
				}
			}
			compareSums(t, "per subscription and day", byDay, raw.byDay)
			compareSums(t, "per subscription and meter category", byMeter, raw.byMeter)
			compareSums(t, "list", map[string]*big.Rat{"total": listSum}, map[string]*big.Rat{"total": raw.listSum})
		})
	}
}

// TestFileDetails pins values of particular rows of the real exports.
func TestFileDetails(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "azure")

	actual := readItems(t, filepath.Join(dir, "EA_ActualCost_Small.csv"), KindActual)
	p := actual[0] // the reservation purchase
	check(t, "purchase ChargeCategory", p.ChargeCategory, "Purchase")
	check(t, "purchase billed", p.Cost[cost.Billed].String(), "3.25")
	check(t, "purchase amortized", p.Cost[cost.Amortized].String(), "0")
	check(t, "purchase USD amortized", p.USD[cost.Amortized].Decimal.String(), "0")
	check(t, "purchase CommitmentDiscountType", p.CommitmentDiscountType, "Reservation")
	check(t, "purchase BillingPeriodEnd", p.BillingPeriodEnd.Format(time.RFC3339), "2023-10-01T00:00:00Z")
	check(t, "purchase ChargePeriodStart", p.ChargePeriodStart.Format(time.RFC3339), "2023-09-21T00:00:00Z")
	check(t, "purchase BillingAccountID", p.BillingAccountID, "8611537")
	check(t, "purchase RegionID", p.RegionID, "uksouth")
	s := actual[1] // storage with tags without braces
	check(t, "tag CostCenter", s.Tags["CostCenter"], "1234")
	check(t, "tag databricks-environment", s.Tags["databricks-environment"], "true")
	check(t, "storage Category", s.Category, "Storage")
	check(t, "storage ServiceName", s.ServiceName, "Microsoft.Storage")
	check(t, "storage ProviderID", s.ProviderID, "dbstoragewp6hglwvvrad2")
	check(t, "storage list", s.Cost[cost.List].String(), "0.00004")
	check(t, "storage RegionID (as written)", s.RegionID, "EastUS2")

	amortized := readItems(t, filepath.Join(dir, "EA_AmortizedCost_Small.csv"), KindAmortized)
	v := amortized[0] // AKS node covered by a reservation
	check(t, "covered amortized", v.Cost[cost.Amortized].String(), "0.493152")
	check(t, "covered billed", v.Cost[cost.Billed].String(), "0")
	check(t, "covered contracted", v.Cost[cost.Contracted].String(), "1.168")
	check(t, "covered CommitmentDiscountStatus", v.CommitmentDiscountStatus, "Used")
	if !v.Kubernetes {
		t.Error("AKS node row not marked Kubernetes")
	}
	check(t, "AKS ProviderID", v.ProviderID, "azure:///subscriptions/9ec51cfd-5ca7-4d76-8101-dd0a4abc5674/resourceGroups/mc_analyticsengine_analyticsengine_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-agentpool-42850074-vmss/virtualMachines/1")
	check(t, "AKS Category", v.Category, "Compute")
	check(t, "28-digit cost", amortized[11].Cost[cost.Amortized].String(), "0.000000007292255759239199")

	mca := readItems(t, filepath.Join(dir, "ea-v2-camel-case.csv"), KindAuto)
	m := mca[0]
	check(t, "MCA BillingAccountID", m.BillingAccountID, "NF5V-BI6B-BG7-PGB")
	check(t, "MCA BillingPeriodStart (empty cells: month of date)", m.BillingPeriodStart.Format(time.RFC3339), "2023-08-01T00:00:00Z")
	check(t, "MCA list", m.Cost[cost.List].String(), "0.0000204972")
	check(t, "MCA ResourceName", m.ResourceName, "filtereddatademo")
	check(t, "MCA ResourceGroup", m.ResourceGroup, "filtered-group-demo")

	// PayGPrice is 0 on every row of this EA v2 export: the list cost is
	// the cost (19.998413754), not UnitPrice × Quantity (13.80...).
	ea2 := readItems(t, filepath.Join(dir, "ea-v2-cost-in-billing-currency.csv"), KindAuto)
	list, net := decimal.Zero, decimal.Zero
	for _, li := range ea2 {
		list, net = list.Add(li.Cost[cost.List]), net.Add(li.Cost[cost.Net])
	}
	check(t, "EA v2 net", net.String(), "19.998413754")
	check(t, "EA v2 list (PayGPrice 0: the cost)", list.String(), "19.998413754")
	check(t, "EA v2 RegionID (as written)", ea2[1].RegionID, "Unassigned")
	check(t, "EA v2 empty PublisherName", ea2[0].PublisherName, "")
	check(t, "EA v2 Marketplace PublisherName", ea2[1].PublisherName, "OpenShift on Azure testing")

	legacy := readItems(t, filepath.Join(dir, "legacy-pretax-cost.csv"), KindAuto)
	l := legacy[1]
	check(t, "legacy ChargeType", l.ChargeType, "Usage")
	check(t, "legacy cost", l.Cost[cost.Billed].String(), "0.00010368")
	check(t, "legacy list", l.Cost[cost.List].String(), "0.00010368")
	check(t, "legacy RegionID (as written)", l.RegionID, "US East 2")
	check(t, "legacy RegionName", l.RegionName, "US East 2")
	check(t, "legacy tag", l.Tags["project"], "p1")
	check(t, "legacy ResourceType", l.ResourceType, "Microsoft.Storage/storageAccounts")
	check(t, "legacy USD billed", l.USD[cost.Billed].Decimal.String(), "0.00010368")
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
