package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// rawUnblended sums the unblended cost column of a CUR file with
// math/big, independently of Tally's readers.
func rawUnblended(t *testing.T, path string) *big.Rat {
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
	col := -1
	for i, h := range header {
		if h == "lineItem/UnblendedCost" || h == "line_item_unblended_cost" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s: no unblended cost column", path)
	}
	sum := new(big.Rat)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return sum
		}
		if err != nil {
			t.Fatal(err)
		}
		if col < len(rec) && rec[col] != "" {
			v, ok := new(big.Rat).SetString(rec[col])
			if !ok {
				t.Fatalf("%s: cost %q", path, rec[col])
			}
			sum.Add(sum, v)
		}
	}
}

// getExact GETs path from h, fails the test unless the answer is a 200,
// and decodes its JSON into v keeping every digit of its numbers
// (json.Number; Kubecost's are exact decimals): the cross-checks compare
// totals to the last digit.
func getExact(t *testing.T, h http.Handler, path string, v any) {
	t.Helper()
	rec := send(h, http.MethodGet, path, nil, "")
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	dec := json.NewDecoder(rec.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatal(err)
	}
}

// exact reads a decimal text as an exact rational.
func exact(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	return r
}

// TestDialectsAgree ingests real CUR exports and checks that the billed
// (invoiced) total is the same, to the last digit, through the Kubecost
// API, the native API, hand-written SQL over the raw table, and a sum
// over the raw files.
func TestDialectsAgree(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := new(big.Rat)
	for _, name := range []string{"cur-legacy-slash-columns.csv", "cur-snake-case-columns.csv"} {
		path := testfiles.Shared(t, "aws", name)
		if _, err := ingest.Run(ctx, st, []string{path}, ingest.Options{Source: name, Provider: "aws"}); err != nil {
			t.Fatal(err)
		}
		want.Add(want, rawUnblended(t, path))
	}
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
	window := "2000-01-01T00:00:00Z,2100-01-01T00:00:00Z"
	getJSON := func(path string, v any) {
		t.Helper()
		getExact(t, h, path, v)
	}
	rat := func(s string) *big.Rat {
		t.Helper()
		return exact(t, s)
	}

	// kubecostSum is the Σ invoicedCost of a /model/cloudCost answer, and
	// its keys.
	kubecostSum := func(path string) (*big.Rat, map[string]bool) {
		t.Helper()
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
		getJSON(path, &kc)
		sum, keys := new(big.Rat), map[string]bool{}
		for _, s := range kc.Data.Sets {
			for k, c := range s.CloudCosts {
				sum.Add(sum, rat(c.InvoicedCost.Cost.String()))
				keys[k] = true
			}
		}
		return sum, keys
	}
	// The window holds every item's whole charge period, so Kubecost's
	// parts of items charged for a month (§3.4) add up to the items and
	// agree with the native API, which counts them on their start day; a
	// window over part of such a period differs by design
	// (TestKubecostSpreadsMonthlyItems).
	kubecost, _ := kubecostSum("/model/cloudCost?window=" + window + "&aggregate=accountID,service&accumulate=true")

	var nat struct {
		Totals []struct {
			Currency string            `json:"currency"`
			Costs    map[string]string `json:"costs"`
		} `json:"totals"`
	}
	getJSON("/api/v1/costs?window="+window+"&metric=billed&groupBy=service", &nat)
	if len(nat.Totals) != 1 || nat.Totals[0].Currency != "USD" {
		t.Fatalf("native totals %+v, want one USD total", nat.Totals)
	}
	native := rat(nat.Totals[0].Costs["billed"])
	// Every spelling of the provider finds the CURs' items: the CLI's
	// (aws), the stored one and Kubecost's, in any case.
	for _, p := range []string{"aws", "AWS", "Aws"} {
		var byProvider struct {
			Totals []struct {
				Costs map[string]string `json:"costs"`
			} `json:"totals"`
		}
		getJSON("/api/v1/costs?window="+window+"&metric=billed&groupBy=service&filter=provider:%22"+p+"%22", &byProvider)
		if len(byProvider.Totals) != 1 || rat(byProvider.Totals[0].Costs["billed"]).Cmp(native) != 0 {
			t.Errorf("native filter provider:%q: totals %+v, want %s", p, byProvider.Totals, native.FloatString(24))
		}
	}
	// Daily, the month-long items of the 2018 CUR are split into 30
	// parts (§3.4) whose sum is still the files' total, to the last digit.
	daily, _ := kubecostSum("/model/cloudCost?window=2018-01-01T00:00:00Z,2023-01-01T00:00:00Z&aggregate=service&accumulate=day")
	if daily.Cmp(want) != 0 {
		t.Errorf("kubecost daily total %s, want %s", daily.FloatString(24), want.FloatString(24))
	}
	// Kubecost's accountName falls back to the account id on a CUR, which
	// has no account names: the same total by account id and by name.
	byName, names := kubecostSum("/model/cloudCost?window=" + window + "&aggregate=accountName&accumulate=true")
	if names["__unallocated__"] {
		t.Errorf("accountName key __unallocated__ on a CUR: the name must fall back to the id")
	}
	if byName.Cmp(want) != 0 {
		t.Errorf("kubecost by accountName total %s, want %s", byName.FloatString(24), want.FloatString(24))
	}

	var text string
	if err := st.DB().QueryRowContext(ctx, `SELECT sum(billed_cost)::VARCHAR FROM line_items`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	sql := rat(strings.TrimSpace(text))

	// CloudHealth's reports are relative to now: a monthly cost history
	// of the current month (-1), asked of a server whose clock is in each
	// file's month, has the month's total as its Total.
	cloudhealth := new(big.Rat)
	for _, month := range []time.Time{time.Date(2018, 6, 15, 0, 0, 0, 0, time.UTC), time.Date(2022, 7, 15, 0, 0, 0, 0, time.UTC)} {
		hc := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true, Clock: func() time.Time { return month }})
		var rep struct {
			Data [][]json.Number `json:"data"`
		}
		getExact(t, hc, "/cloudhealth/olap_reports/cost/history?dimensions[]=time&interval=monthly&filters[]=time:select:-1", &rep)
		if len(rep.Data) != 2 || len(rep.Data[0]) != 1 || rep.Data[0][0] != rep.Data[1][0] {
			t.Fatalf("cloudhealth report of %s: data %v, want [[total] [month]] with equal cells", month.Format("2006-01"), rep.Data)
		}
		cloudhealth.Add(cloudhealth, rat(rep.Data[0][0].String()))
	}

	for name, got := range map[string]*big.Rat{"kubecost": kubecost, "native": native, "raw SQL": sql, "cloudhealth": cloudhealth} {
		if got.Cmp(want) != 0 {
			t.Errorf("%s total %s, want %s (the raw files)", name, got.FloatString(24), want.FloatString(24))
		}
	}
	if want.Sign() == 0 {
		t.Fatal("the raw files sum to zero: the test would prove nothing")
	}

	// Mixed currencies: a EUR bill without USD values beside the CURs.
	// Kubecost then answers in USD, as the native API's currency=USD
	// does: both leave the EUR item out until an administrator sets its
	// month's rate through the native API, and both convert it at that
	// rate after, to the last digit (the amount rounded half to even at
	// 12 digits, times the rate).
	eur := storetest.Item("eur-sub", "Virtual Machines", time.Date(2022, 7, 15, 0, 0, 0, 0, time.UTC), "1000.123456789012345")
	eur.BillingCurrency = "EUR"
	for m := range cost.NumMetrics {
		eur.USD[m] = decimal.NullDecimal{}
	}
	storetest.Load(t, st, "eur", eur)
	nativeUSD := func() *big.Rat {
		t.Helper()
		getJSON("/api/v1/costs?window="+window+"&metric=billed&currency=USD", &nat)
		if len(nat.Totals) != 1 {
			t.Fatalf("native USD totals %+v, want one", nat.Totals)
		}
		return rat(nat.Totals[0].Costs["billed"])
	}
	cloudCost := "/model/cloudCost?window=" + window + "&aggregate=accountID,service&accumulate=true"
	kc, _ := kubecostSum(cloudCost)
	if n := nativeUSD(); kc.Cmp(want) != 0 || n.Cmp(want) != 0 {
		t.Errorf("mixed, no rate: kubecost %s, native USD %s, want %s (the EUR item left out)", kc.FloatString(24), n.FloatString(24), want.FloatString(24))
	}
	if body := send(h, http.MethodGet, cloudCost, nil, "").Body.String(); !strings.Contains(body, "1 in EUR for 2022-07") {
		t.Errorf("mixed, no rate: the warning does not name the EUR item: %s", body)
	}
	if rec := send(h, http.MethodPut, "/api/v1/exchange-rates/2022-07", map[string]string{"Content-Type": "application/json"}, `{"rates":{"EUR":"1.0825"}}`); rec.Code != 200 {
		t.Fatalf("PUT a rate: %d %s", rec.Code, rec.Body)
	}
	converted := new(big.Rat).Mul(rat("1000.123456789012"), rat("1.0825"))
	withEUR := new(big.Rat).Add(want, converted)
	kc, keys := kubecostSum(cloudCost)
	if n := nativeUSD(); kc.Cmp(withEUR) != 0 || n.Cmp(withEUR) != 0 || !keys["eur-sub/Virtual Machines"] {
		t.Errorf("mixed, with a rate: kubecost %s (keys %v), native USD %s, want %s", kc.FloatString(24), keys, n.FloatString(24), withEUR.FloatString(24))
	}

	ratedAgree(t, st, h, window)
}

// ratedAgree: rated data (CloudKitty's, written as the processor writes
// it) beside the bills totals the same through CloudKitty's v1 total
// and v2 summary and the native API's provider rating, and equals the
// sum of the points written, to the last digit.
func ratedAgree(t *testing.T, st *duckdb.Store, h http.Handler, window string) {
	t.Helper()
	ctx := context.Background()
	hour := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	want := new(big.Rat)
	for i, scope := range []string{"proj-a", "proj-b", "proj-c"} {
		var fs []frames.Frame
		for h := range 3 {
			start := hour.Add(time.Duration(24*i+h) * time.Hour)
			var pts []frames.Point
			for _, price := range []string{"0.1", "0.2", "1234.567890123456789012345678"} {
				p := frames.Point{Unit: "instance", Qty: decimal.NewFromInt(1), Price: decimal.RequireFromString(price),
					Groupby: map[string]string{"project_id": scope}, Metadata: map[string]string{}}
				pts = append(pts, p)
				want.Add(want, exact(t, price))
			}
			fs = append(fs, frames.Frame{Scope: scope, Start: start, End: start.Add(time.Hour), Usage: map[string][]frames.Point{"instance": pts}})
		}
		if _, err := frames.Write(ctx, st, scope, "USD", fs...); err != nil {
			t.Fatal(err)
		}
	}
	from, to, _ := strings.Cut(window, ",")
	var total string
	getExact(t, h, "/cloudkitty/v1/report/total?all_tenants=True&begin="+from+"&end="+to, &total)
	var v2 struct {
		Results []struct {
			Rate json.Number `json:"rate"`
		} `json:"results"`
	}
	getExact(t, h, "/cloudkitty/v2/summary?response_format=object&begin="+from+"&end="+to, &v2)
	var nat struct {
		Totals []struct {
			Costs map[string]string `json:"costs"`
		} `json:"totals"`
	}
	getExact(t, h, "/api/v1/costs?window="+window+"&metric=billed&filter=provider:%22"+frames.Provider+"%22", &nat)
	if len(v2.Results) != 1 || len(nat.Totals) != 1 {
		t.Fatalf("rated: CloudKitty v2 rows %+v, native totals %+v: want one each", v2.Results, nat.Totals)
	}
	for name, got := range map[string]string{"CloudKitty v1 total": total, "CloudKitty v2 summary": v2.Results[0].Rate.String(), "native provider rating": nat.Totals[0].Costs["billed"]} {
		if exact(t, got).Cmp(want) != 0 {
			t.Errorf("rated: %s %s, want %s (the points written)", name, got, want.FloatString(24))
		}
	}
}
