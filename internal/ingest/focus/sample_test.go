package focus

import (
	"encoding/csv"
	"errors"
	"github.com/tally-cost/tally/internal/testfiles"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// testdata returns the path of a shared test file: <module root>/../shared/testdata.
func testdata(t testing.TB, rel string) string {
	t.Helper()
	return testfiles.Shared(t, rel)
}

const samplePath = "focus/focus_sample.csv"

// readItems maps every row of r with the FOCUS mapper.
func readItems(t testing.TB, r tabular.Reader) []cost.LineItem {
	t.Helper()
	defer r.Close()
	m, err := NewMapper(r.Header())
	if err != nil {
		t.Fatalf("NewMapper: %v", err)
	}
	var items []cost.LineItem
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		var li cost.LineItem
		if err := m.Map(row, &li); err != nil {
			t.Fatalf("Map: %v", err)
		}
		items = append(items, li)
	}
}

func readSampleCSV(t testing.TB) []cost.LineItem {
	t.Helper()
	f, err := os.Open(testdata(t, samplePath))
	if err != nil {
		t.Fatal(err)
	}
	r, err := tabular.NewCSV(samplePath, f)
	if err != nil {
		t.Fatal(err)
	}
	return readItems(t, r)
}

// rawSample reads the sample with encoding/csv, independently of the code
// under test: the header and the records.
func rawSample(t testing.TB) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(testdata(t, samplePath))
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
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	return col, recs[1:]
}

// rat parses a raw cost cell exactly; NULL and empty are 0.
func rat(t testing.TB, s string) *big.Rat {
	t.Helper()
	if s == "" || s == "NULL" {
		return new(big.Rat)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("raw cost %q does not parse", s)
	}
	return r
}

type groupKey struct{ provider, account, service, day string }

// TestSampleTotals checks Σ BilledCost, Σ EffectiveCost and Σ ListCost per
// (ProviderName, SubAccountId, ServiceName, charge day) against exact sums
// of the raw columns.
func TestSampleTotals(t *testing.T) {
	col, recs := rawSample(t)
	metrics := []struct {
		column string
		metric cost.Metric
	}{{"BilledCost", cost.Billed}, {"EffectiveCost", cost.Amortized}, {"ListCost", cost.List}, {"ContractedCost", cost.Contracted}}

	null := func(s string) string {
		if s == "NULL" {
			return ""
		}
		return s
	}
	want := map[groupKey][]*big.Rat{}
	for _, rec := range recs {
		k := groupKey{null(rec[col["ProviderName"]]), null(rec[col["SubAccountId"]]), null(rec[col["ServiceName"]]),
			rec[col["ChargePeriodStart"]][:10]}
		if want[k] == nil {
			want[k] = []*big.Rat{new(big.Rat), new(big.Rat), new(big.Rat), new(big.Rat)}
		}
		for i, m := range metrics {
			want[k][i].Add(want[k][i], rat(t, rec[col[m.column]]))
		}
	}

	items := readSampleCSV(t)
	if len(items) != len(recs) || len(items) != 1000 {
		t.Fatalf("mapped %d items, the file has %d rows (want 1000)", len(items), len(recs))
	}
	got := map[groupKey][]*big.Rat{}
	for _, li := range items {
		k := groupKey{li.ProviderName, li.SubAccountID, li.ServiceName, li.ChargePeriodStart.Format("2006-01-02")}
		if got[k] == nil {
			got[k] = []*big.Rat{new(big.Rat), new(big.Rat), new(big.Rat), new(big.Rat)}
		}
		for i, m := range metrics {
			got[k][i].Add(got[k][i], li.Cost[m.metric].Rat())
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("group %+v missing", k)
		}
		for i, m := range metrics {
			if g[i].Cmp(w[i]) != 0 {
				t.Errorf("group %+v: Σ %s = %s, want %s", k, m.column, g[i].FloatString(20), w[i].FloatString(20))
			}
		}
	}
}

// TestSampleItems checks the per-row properties that the totals do not:
// metric identities, USD, normalised enums and Kubernetes markers.
func TestSampleItems(t *testing.T) {
	col, recs := rawSample(t)
	items := readSampleCSV(t)
	wantK8s, k8s := 0, 0
	frequencies := map[string]int{}
	for i, li := range items {
		rec := recs[i]
		provider, service, tags := rec[col["ProviderName"]], rec[col["ServiceName"]], rec[col["Tags"]]
		if (provider == "AWS" && strings.Contains(service, "Kubernetes")) ||
			(provider == "Microsoft" && strings.Contains(tags, `"aks-managed-`)) {
			wantK8s++
		}
		if li.Kubernetes {
			k8s++
		}
		frequencies[li.ChargeFrequency]++
		if !li.Cost[cost.Net].Equal(li.Cost[cost.Billed]) || !li.Cost[cost.AmortizedNet].Equal(li.Cost[cost.Amortized]) {
			t.Fatalf("row %d: net or amortized net differs from billed or amortized", i+2)
		}
		for m := range li.Cost {
			if !li.USD[m].Valid || !li.USD[m].Decimal.Equal(li.Cost[m]) {
				t.Fatalf("row %d: USD %s = %v, want %s (billing currency USD)", i+2, cost.Metric(m), li.USD[m], li.Cost[m])
			}
		}
		if li.ChargeType != rec[col["ChargeCategory"]] || li.ChargeCategory != li.ChargeType {
			t.Fatalf("row %d: ChargeType %q ChargeCategory %q, raw %q", i+2, li.ChargeType, li.ChargeCategory, rec[col["ChargeCategory"]])
		}
		if li.Category == "" {
			t.Fatalf("row %d: no category", i+2)
		}
		if strings.HasPrefix(tags, "{") && len(li.Tags) == 0 {
			t.Fatalf("row %d: tags %s not read", i+2, tags)
		}
	}
	if k8s != wantK8s || wantK8s == 0 {
		t.Fatalf("%d Kubernetes items, want %d", k8s, wantK8s)
	}
	if frequencies["Usage-Based"] != 999 || frequencies["One-Time"] != 1 {
		t.Fatalf("charge frequencies %v, want 999 Usage-Based (7 written Usage-based) and 1 One-Time", frequencies)
	}
}
