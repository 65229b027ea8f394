package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// rawAzure reads an Azure cost export with encoding/csv and math/big,
// independently of Tally's reader: the sum of its cost column (whichever
// of the layouts' spellings it has), its billing currencies and its
// ResourceLocation values ("" when a row has none).
func rawAzure(t *testing.T, path string) (sum *big.Rat, currencies, locations []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	find := func(names ...string) int {
		for _, n := range names {
			for i, h := range header {
				if strings.EqualFold(strings.TrimPrefix(h, "\ufeff"), n) {
					return i
				}
			}
		}
		return -1
	}
	costCol := find("CostInBillingCurrency", "PreTaxCost", "Cost")
	curCol := find("BillingCurrencyCode", "BillingCurrency", "Currency")
	locCol := find("ResourceLocation")
	if costCol < 0 || curCol < 0 {
		t.Fatalf("%s: no cost or currency column in %q", path, header)
	}
	sum = new(big.Rat)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		v, ok := new(big.Rat).SetString(rec[costCol])
		if !ok {
			t.Fatalf("%s: cost %q", path, rec[costCol])
		}
		sum.Add(sum, v)
		if !slices.Contains(currencies, rec[curCol]) {
			currencies = append(currencies, rec[curCol])
		}
		loc := ""
		if locCol >= 0 {
			loc = rec[locCol]
		}
		if !slices.Contains(locations, loc) {
			locations = append(locations, loc)
		}
	}
	slices.Sort(locations)
	return sum, currencies, locations
}

// TestDialectsAgreeAzure: on every Azure export of the shared test data,
// read alone, the Kubecost API and the native API give the file's cost
// (billed, or amortized for an amortized export) to the last digit in its own billing currency (Kubecost answers a
// single-currency deployment in that currency), and Kubecost's regionID
// keys are the file's ResourceLocation values as written, not rewritten.
func TestDialectsAgreeAzure(t *testing.T) {
	regionChecks := 0
	for _, name := range []string{"EA_ActualCost_Small.csv", "EA_AmortizedCost_Small.csv", "ea-v2-camel-case.csv",
		"ea-v2-cost-in-billing-currency.csv", "legacy-camel-case.csv", "legacy-pretax-cost.csv"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			path := testfiles.Shared(t, "azure", name)
			want, currencies, locations := rawAzure(t, path)
			// An amortized export's cost column is the amortized cost.
			metric, kcMetric := "billed", "invoicedCost"
			if strings.Contains(name, "Amortized") {
				metric, kcMetric = "amortized", "amortizedCost"
			}
			if len(currencies) != 1 {
				t.Skipf("%s bills in %q: this test reads single-currency files", name, currencies)
			}
			st, err := duckdb.Open(ctx, "", duckdb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "azure", Provider: "azure"}); err != nil {
				t.Fatal(err)
			}
			tenants, err := tenant.Open(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
			get := func(path string, v any) {
				t.Helper()
				getExact(t, h, path, v)
			}
			const window = "2000-01-01T00:00:00Z,2100-01-01T00:00:00Z"
			var kc struct {
				Data struct {
					Sets []struct {
						CloudCosts map[string]map[string]json.RawMessage `json:"cloudCosts"`
					} `json:"sets"`
				} `json:"data"`
			}
			get("/model/cloudCost?window="+window+"&aggregate=regionID&accumulate=true", &kc)
			kubecost, regions := new(big.Rat), []string{}
			for _, s := range kc.Data.Sets {
				for k, c := range s.CloudCosts {
					var m struct {
						Cost json.Number `json:"cost"`
					}
					if err := json.Unmarshal(c[kcMetric], &m); err != nil {
						t.Fatalf("kubecost %s of %s: %v", kcMetric, k, err)
					}
					v, ok := new(big.Rat).SetString(m.Cost.String())
					if !ok {
						t.Fatalf("kubecost cost %q", m.Cost)
					}
					kubecost.Add(kubecost, v)
					if k == "__unallocated__" {
						k = ""
					}
					regions = append(regions, k)
				}
			}
			slices.Sort(regions)
			var nat struct {
				Totals []struct {
					Currency string            `json:"currency"`
					Costs    map[string]string `json:"costs"`
				} `json:"totals"`
			}
			get("/api/v1/costs?window="+window+"&metric="+metric+"&groupBy=service", &nat)
			if len(nat.Totals) != 1 || nat.Totals[0].Currency != currencies[0] {
				t.Fatalf("native totals %+v, want one %s total", nat.Totals, currencies[0])
			}
			native, ok := new(big.Rat).SetString(nat.Totals[0].Costs[metric])
			if !ok {
				t.Fatalf("native %s %q", metric, nat.Totals[0].Costs[metric])
			}
			for what, got := range map[string]*big.Rat{"kubecost": kubecost, "native": native} {
				if got.Cmp(want) != 0 {
					t.Errorf("%s total %s, want %s (the file's cost column)", what, got.FloatString(30), want.FloatString(30))
				}
			}
			if !slices.Contains(locations, "") {
				regionChecks++
				if !slices.Equal(regions, locations) {
					t.Errorf("kubecost regionID keys %q, want the file's ResourceLocation values %q", regions, locations)
				}
			}
		})
	}
	if regionChecks == 0 {
		t.Fatal("no file has a ResourceLocation on every row: the region check proved nothing")
	}
}
