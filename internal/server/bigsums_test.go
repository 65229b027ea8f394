package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestBigSumsAllDialects: a CUR whose billing-period total passes what a
// DECIMAL(38, 24) sum holds (about 1.7·10^14; issue 19: three items of
// 90,000,000,000,000.5 could not be ingested) ingests, and its total
// answers to the last digit through the Kubecost, native and Azure
// billing APIs (CloudKitty and CloudHealth answer errors only so far).
func TestBigSumsAllDialects(t *testing.T) {
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/BlendedCost\n")
	want := new(big.Rat)
	add := func(id, account, day, amount string) {
		fmt.Fprintf(&b, "%s,111111111111,2024-03-01T00:00:00Z,2024-04-01T00:00:00Z,%s,Usage,2024-03-%sT00:00:00Z,2024-03-%sT01:00:00Z,AmazonEC2,USD,%s,%s\n", id, account, day, day, amount, amount)
		r, _ := new(big.Rat).SetString(amount)
		want.Add(want, r)
	}
	for i := range 3 {
		add(fmt.Sprint("a", i), "222222222222", "01", "90000000000000.5")
	}
	for i := range 4 {
		add(fmt.Sprint("c", i), "333333333333", fmt.Sprintf("%02d", i+2), "99999999999999.999999999999999999999999")
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "big", Provider: "aws"}); err != nil {
		t.Fatalf("ingesting a bill past 1.7e14: %v", err)
	}
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
	getJSON := func(path string, v any) {
		t.Helper()
		getExact(t, h, path, v)
	}
	rat := func(s string) *big.Rat {
		t.Helper()
		return exact(t, s)
	}
	window := "2024-03-01T00:00:00Z,2024-04-01T00:00:00Z"
	got := map[string]*big.Rat{}
	for _, agg := range []string{"accountID", "service", "accountID,service"} {
		var kc struct {
			Data struct {
				Sets []struct {
					CloudCosts map[string]struct {
						InvoicedCost struct {
							Cost json.Number `json:"cost"`
						} `json:"invoicedCost"`
					} `json:"cloudCosts"`
				} `json:"sets"`
			} `json:"data"`
		}
		getJSON("/model/cloudCost?window="+window+"&aggregate="+agg+"&accumulate=true", &kc)
		sum := new(big.Rat)
		for _, s := range kc.Data.Sets {
			for _, c := range s.CloudCosts {
				sum.Add(sum, rat(c.InvoicedCost.Cost.String()))
			}
		}
		got["kubecost by "+agg] = sum
	}
	for _, groupBy := range []string{"service", "subAccountId"} {
		var nat struct {
			Totals []struct {
				Costs map[string]string `json:"costs"`
			} `json:"totals"`
		}
		getJSON("/api/v1/costs?window="+window+"&metric=billed&groupBy="+groupBy, &nat)
		if len(nat.Totals) != 1 {
			t.Fatalf("native totals %+v, want one", nat.Totals)
		}
		got["native by "+groupBy] = rat(nat.Totals[0].Costs["billed"])
	}
	if want.Cmp(new(big.Rat).SetFloat64(1.7e14)) <= 0 {
		t.Fatal("the bill is small: the test would prove nothing")
	}
	for name, g := range got {
		if g.Cmp(want) != 0 {
			t.Errorf("%s: total %s, want %s", name, g.FloatString(24), want.FloatString(24))
		}
	}

	// The Azure billing API, over an Azure bill of its own (asked after
	// the totals above, which would count it).
	azureWant := azureBigBill(t, ctx, st)
	for _, p := range []struct{ path, field string }{
		{"/azure-billing/api/costs/subscription-summary/", "total_usd"},
		{"/azure-billing/api/costs/subscription-summary/", "total_billing"},
		{"/azure-billing/api/costs/resource-group-summary/", "total_usd"},
		{"/azure-billing/api/costs/meter-category-summary/", "total_billing"},
		{"/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName", "total_cost"},
	} {
		var rows []map[string]any
		if strings.Contains(p.path, "summary") {
			var env struct {
				Data []map[string]any `json:"data"`
			}
			getJSON(p.path, &env)
			rows = env.Data
		} else {
			getJSON(p.path, &rows)
		}
		if len(rows) != 1 || rat(fmt.Sprint(rows[0][p.field])).Cmp(azureWant) != 0 {
			t.Errorf("%s: %s = %v, want one row of %s", p.path, p.field, rows, azureWant.FloatString(1))
		}
	}
}

// azureBigBill ingests an EA export of three rows of 90,000,000,000,000.5
// (issue 19) and returns their total.
func azureBigBill(t *testing.T, ctx context.Context, st *duckdb.Store) *big.Rat {
	t.Helper()
	azureBill(t, ctx, st, "90000000000000.5", 3)
	w, _ := new(big.Rat).SetString("270000000000001.5")
	return w
}

// azureBill ingests, as source azure-big, an EA export of n copies of the
// first row of the test file, in USD, each costing amount.
func azureBill(t *testing.T, ctx context.Context, st *duckdb.Store, amount string, n int) {
	t.Helper()
	src, err := os.ReadFile(testfiles.Shared(t, "azure", "ea-v2-cost-in-billing-currency.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(src), "\r\n"), "\n")
	header := strings.Split(strings.TrimRight(lines[0], "\r"), ",")
	row := strings.Split(strings.TrimRight(lines[1], "\r"), ",")
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	row[col("CostInBillingCurrency")] = amount
	row[col("BillingCurrencyCode")] = "USD"
	out := lines[0] + "\n"
	for range n {
		out += strings.Join(row, ",") + "\n"
	}
	path := filepath.Join(t.TempDir(), "ea-big.csv")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "azure-big", Provider: "azure"}); err != nil {
		t.Fatalf("ingesting an Azure bill of %d × %s: %v", n, amount, err)
	}
}

// TestSumPastLimitRefused: a sum of 10^26 (cost.MaxTotal) answers in
// full, and one past it an error (400) naming the limit, never a number,
// through the native API, Kubecost and Azure billing. No test can ingest
// 10^12 maximal rows, so the daily rollup, which all these answers read
// here, is set to the sums it would hold (in a file, reopened: the store
// reads at Open whether its rollup holds integer parts).
func TestSumPastLimitRefused(t *testing.T) {
	window := "2024-03-01T00:00:00Z,2024-04-01T00:00:00Z"
	cur := func(t *testing.T, ctx context.Context, st *duckdb.Store) {
		path := filepath.Join(t.TempDir(), "cur.csv")
		if err := os.WriteFile(path, []byte("identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/BlendedCost\n"+
			"a,111111111111,2024-03-01T00:00:00Z,2024-04-01T00:00:00Z,222222222222,Usage,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,AmazonEC2,USD,0,0\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: "big", Provider: "aws"}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		load  func(t *testing.T, ctx context.Context, st *duckdb.Store)
		paths []string
	}{
		{"CUR", cur, []string{
			"/api/v1/costs?window=" + window + "&metric=billed&groupBy=service",
			"/api/v1/costs?window=" + window + "&metric=billed&groupBy=subAccountId&step=day",
			"/model/cloudCost?window=" + window + "&aggregate=service&accumulate=true",
			"/model/cloudCost?window=" + window + "&aggregate=accountID",
		}},
		{"EA", func(t *testing.T, ctx context.Context, st *duckdb.Store) { azureBill(t, ctx, st, "0", 1) }, []string{
			"/azure-billing/api/costs/subscription-summary/",
			"/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName",
		}},
	}
	limit := regexp.MustCompile(`[^0-9.]100000000000000000000000000(\.0+)?[^0-9.]`) // Azure billing writes a ".0"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dbPath := filepath.Join(t.TempDir(), "t.duckdb")
			st, err := duckdb.Open(ctx, dbPath, duckdb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { st.Close() }()
			c.load(t, ctx, st)
			// set gives the rollup rows the integer part whole and the
			// rest frac, and serves the reopened file.
			set := func(whole, frac string) http.Handler {
				t.Helper()
				var cols []string
				for _, m := range []string{"billed_cost", "net_cost", "usd_billed_cost", "usd_net_cost"} {
					cols = append(cols, m+"_hi = "+whole, m+" = "+frac)
				}
				if _, err := st.DB().Exec(`UPDATE rollup_daily SET ` + strings.Join(cols, ", ")); err != nil {
					t.Fatal(err)
				}
				// The service rollup is summed again from these rows
				// when the file is opened for writing.
				if _, err := st.DB().Exec(`DELETE FROM rollup_service_daily`); err != nil {
					t.Fatal(err)
				}
				st.Close()
				if st, err = duckdb.Open(ctx, dbPath, duckdb.Options{}); err != nil {
					t.Fatal(err)
				}
				tenants, err := tenant.Open(ctx, st)
				if err != nil {
					t.Fatal(err)
				}
				return Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
			}
			h := set("99999999999999999999999999", "1")
			for _, p := range c.paths {
				rec := send(h, http.MethodGet, p, nil, "")
				if rec.Code != 200 || !limit.MatchString(rec.Body.String()) {
					t.Errorf("GET %s at the limit: %d %.600s, want 10^26 in full", p, rec.Code, rec.Body)
				}
			}
			h = set("100000000000000000000000000", "0.000000000000000000000001")
			for _, p := range c.paths {
				rec := send(h, http.MethodGet, p, nil, "")
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "above 10^26") || strings.Contains(rec.Body.String(), "HUGEINT") {
					t.Errorf("GET %s one past the limit: %d %.600s, want 400 naming the limit", p, rec.Code, rec.Body)
				}
			}
		})
	}
}
