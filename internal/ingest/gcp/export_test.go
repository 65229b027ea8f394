package gcp

import (
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/tally-cost/tally/internal/testfiles"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// testdataDir returns <module root>/../shared/testdata, the module root
// being the first directory up from the test's directory with a go.mod.
func testdataDir(t testing.TB) string {
	t.Helper()
	return testfiles.Shared(t)
}

var exportFiles = []string{"gcp/bigquery-export-flat.csv", "gcp/bigquery-export-with-credits.csv"}

// mapAll reads every row of r through NewMapper and returns the items.
func mapAll(t *testing.T, r tabular.Reader) []cost.LineItem {
	t.Helper()
	m, err := NewMapper(r.Header())
	if err != nil {
		t.Fatal(err)
	}
	var items []cost.LineItem
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatal(err)
		}
		var li cost.LineItem
		if err := m.Map(row, &li); err != nil {
			t.Fatal(err)
		}
		items = append(items, li)
	}
}

func readCSVItems(t *testing.T, path string) []cost.LineItem {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tabular.NewCSV(path, f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !Detect(r.Header()) {
		t.Fatalf("Detect(%s header) = false", path)
	}
	return mapAll(t, r)
}

// rawRecords reads a file with encoding/csv, independently of tabular,
// returning each record as a map from header name to cell.
func rawRecords(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range all[1:] {
		m := make(map[string]string, len(rec))
		for i, h := range all[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// creditAmountRE finds the amounts in a credits cell, JSON or Python.
var creditAmountRE = regexp.MustCompile(`['"]amount['"]\s*:\s*([-+0-9.eE]+)`)

func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	return r
}

type groupKey struct{ project, service, day string }

// TestExportFilesBilledPerProjectServiceDay checks Σ billed per (project,
// service, UTC day) against math/big over the raw cost column plus the
// credit amounts found by a regexp in the raw credits cell, and Σ list and
// Σ amortized against the raw cost column (these files have no
// cost_at_list and no committed-use credits).
func TestExportFilesBilledPerProjectServiceDay(t *testing.T) {
	for _, name := range exportFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(testdataDir(t), name)
			items := readCSVItems(t, path)
			records := rawRecords(t, path)
			if len(items) != len(records) || len(items) == 0 {
				t.Fatalf("%d items for %d records", len(items), len(records))
			}

			want := map[groupKey]*big.Rat{}
			wantCost := new(big.Rat)
			credits := 0
			for _, rec := range records {
				ts := rec["usage_start_time"]
				if !strings.HasSuffix(ts, "+00:00") {
					t.Fatalf("test assumes UTC timestamps, got %q", ts)
				}
				k := groupKey{rec["project.id"], rec["service.description"], ts[:10]}
				if want[k] == nil {
					want[k] = new(big.Rat)
				}
				want[k].Add(want[k], rat(t, rec["cost"]))
				wantCost.Add(wantCost, rat(t, rec["cost"]))
				for _, m := range creditAmountRE.FindAllStringSubmatch(rec["credits"], -1) {
					want[k].Add(want[k], rat(t, m[1]))
					credits++
				}
			}
			if name == "gcp/bigquery-export-with-credits.csv" && credits == 0 {
				t.Fatal("the regexp found no credits in the credits file")
			}

			got := map[groupKey]*big.Rat{}
			gotList, gotAmortized := new(big.Rat), new(big.Rat)
			for _, li := range items {
				k := groupKey{li.SubAccountID, li.ServiceName, li.ChargePeriodStart.UTC().Format("2006-01-02")}
				if got[k] == nil {
					got[k] = new(big.Rat)
				}
				got[k].Add(got[k], li.Cost[cost.Billed].Rat())
				gotList.Add(gotList, li.Cost[cost.List].Rat())
				gotAmortized.Add(gotAmortized, li.Cost[cost.Amortized].Rat())
				if li.Cost[cost.Net].Cmp(li.Cost[cost.Billed]) != 0 || li.Cost[cost.AmortizedNet].Cmp(li.Cost[cost.Billed]) != 0 {
					t.Fatalf("net %s / amortized net %s differ from billed %s", li.Cost[cost.Net], li.Cost[cost.AmortizedNet], li.Cost[cost.Billed])
				}
				for m := range li.Cost {
					if !li.USD[m].Valid || !li.USD[m].Decimal.Equal(li.Cost[m]) {
						t.Fatalf("USD bill: USD[%v] = %v, want %s", cost.Metric(m), li.USD[m], li.Cost[m])
					}
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d groups, want %d", len(got), len(want))
			}
			for k, w := range want {
				if got[k] == nil || got[k].Cmp(w) != 0 {
					t.Errorf("%v: billed %v, want %s", k, got[k], w.FloatString(12))
				}
			}
			if gotList.Cmp(wantCost) != 0 || gotAmortized.Cmp(wantCost) != 0 {
				t.Errorf("Σ list %s, Σ amortized %s, want Σ cost %s", gotList.FloatString(12), gotAmortized.FloatString(12), wantCost.FloatString(12))
			}
		})
	}
}

func TestExportFileFields(t *testing.T) {
	dir := testdataDir(t)
	flat := readCSVItems(t, filepath.Join(dir, exportFiles[0]))
	li := flat[0]
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("ProviderName", li.ProviderName, "Google Cloud")
	check("PublisherName", li.PublisherName, "Google Cloud")
	check("BillingAccountID", li.BillingAccountID, "018984-D0AAA4-940B88")
	check("SubAccountID", li.SubAccountID, "cloud-billing-292519")
	check("SubAccountName", li.SubAccountName, "cm_example")
	check("ServiceName", li.ServiceName, "Compute Engine")
	check("ServiceCategory", li.ServiceCategory, "Compute")
	check("SkuID", li.SkuID, "6B8F-E63D-832B")
	check("ChargeDescription", li.ChargeDescription, "Network Internet Egress from Americas to APAC")
	check("Category", li.Category, "Network")
	check("RegionID", li.RegionID, "us-central1")
	check("ResourceName", li.ResourceName, "instance-1")
	check("ResourceID", li.ResourceID, "//example")
	check("ProviderID", li.ProviderID, "instance-1")
	check("ChargeType", li.ChargeType, "regular")
	check("ChargeCategory", li.ChargeCategory, "Usage")
	check("BillingCurrency", li.BillingCurrency, "USD")
	check("ConsumedQuantity", li.ConsumedQuantity.Decimal.String(), "14871")
	check("ConsumedUnit", li.ConsumedUnit, "bytes")
	check("PricingQuantity", li.PricingQuantity.Decimal.String(), "0.00001385")
	check("PricingUnit", li.PricingUnit, "gibibyte")
	check("ChargePeriodStart", li.ChargePeriodStart.Format(time.RFC3339), "2022-08-01T03:00:00Z")
	check("ChargePeriodEnd", li.ChargePeriodEnd.Format(time.RFC3339), "2022-08-01T04:00:00Z")
	// invoice.month 202208 is the Pacific month: PDT is UTC−7.
	check("BillingPeriodStart", li.BillingPeriodStart.Format(time.RFC3339), "2022-08-01T07:00:00Z")
	check("BillingPeriodEnd", li.BillingPeriodEnd.Format(time.RFC3339), "2022-09-01T07:00:00Z")
	if li.Kubernetes || len(li.Tags) != 0 {
		t.Errorf("Kubernetes %v, tags %v; want false and none", li.Kubernetes, li.Tags)
	}

	withCredits := readCSVItems(t, filepath.Join(dir, exportFiles[1]))
	li = withCredits[0]
	check("billed of a row with a promotion credit", li.Cost[cost.Billed].String(), "0")
	check("list of a row with a promotion credit", li.Cost[cost.List].String(), "0.000005")
	check("amortized of a row with a promotion credit", li.Cost[cost.Amortized].String(), "0.000005")
	check("RegionID from location.location", li.RegionID, "global")
	check("Category by service", li.Category, "Other")
	check("ServiceCategory", li.ServiceCategory, "Security")
	li = withCredits[3]
	check("tag from labels", li.Tags["goog-resource-type"], "bigquery_resource")
	check("Category of Log Volume", li.Category, "Other")
}

// TestJSONLMirrorsCSV writes each export file as BigQuery JSON lines
// (nested objects, lists as JSON) and checks that tabular.NewJSONL with
// Columns maps every row to the same item as the CSV.
func TestJSONLMirrorsCSV(t *testing.T) {
	for _, name := range exportFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(testdataDir(t), name)
			want := readCSVItems(t, path)
			text := csvToJSONL(t, path)
			r, err := tabular.NewJSONL("mirror.jsonl", io.NopCloser(strings.NewReader(text)), Columns)
			if err != nil {
				t.Fatal(err)
			}
			got := mapAll(t, r)
			if unknown := r.Unknown(); len(unknown) != 0 {
				t.Errorf("keys outside Columns: %q", unknown)
			}
			if len(got) != len(want) {
				t.Fatalf("%d JSONL items, %d CSV items", len(got), len(want))
			}
			for i := range want {
				g, w := fmt.Sprintf("%+v", got[i]), fmt.Sprintf("%+v", want[i])
				if g != w {
					t.Fatalf("row %d\nJSONL %s\n  CSV %s", i+1, g, w)
				}
			}
		})
	}
}
