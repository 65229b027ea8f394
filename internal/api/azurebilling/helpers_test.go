package azurebilling

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// now is the fixed clock of the tests: in March 2024, the month of the
// test data.
var now = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)

// day is midnight UTC of 2024-03-d.
func day(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }

// item is an Azure line item: a USD pay-as-you-go VM hour unless the
// caller changes it.
func item(sub string, d int, billed string) *cost.LineItem {
	at := day(d)
	li := &cost.LineItem{
		ProviderName: "Microsoft", PublisherName: "Microsoft", InvoiceIssuerName: "Microsoft",
		BillingAccountID: "ba-1", BillingAccountName: "Billing One",
		SubAccountID: sub, SubAccountName: strings.ToUpper(sub[:1]) + sub[1:],
		BillingCurrency:   "USD",
		ChargePeriodStart: at, ChargePeriodEnd: at.AddDate(0, 0, 1),
		BillingPeriodStart: cost.MonthStart(at), BillingPeriodEnd: cost.MonthStart(at).AddDate(0, 1, 0),
		ChargeCategory: "Usage", ChargeType: "Usage", PricingCategory: "Standard",
		ServiceName: "Microsoft.Compute", RegionID: "westeurope", RegionName: "West Europe",
		ResourceID:    "/subscriptions/" + sub + "/resourceGroups/RG1/providers/Microsoft.Compute/virtualMachines/vm1",
		ResourceName:  "vm1",
		ResourceGroup: "RG1", ProductOrderName: "Azure plan",
		MeterID: "m-d2v3", MeterName: "D2 v3", MeterCategory: "Virtual Machines", MeterSubcategory: "Dv3 Series",
		ServiceFamily: "Compute", PricingUnit: "1 Hour", ConsumedUnit: "1 Hour",
		ConsumedQuantity: decimal.NewNullDecimal(decimal.RequireFromString("2")),
		UnitPrice:        decimal.NewNullDecimal(decimal.RequireFromString("0.75")),
		ListUnitPrice:    decimal.NewNullDecimal(decimal.RequireFromString("0.8")),
	}
	setCost(li, billed, true)
	return li
}

// setCost sets every metric to billed; usd says whether the bill gives a
// USD value (a USD bill, or MCA's costInUsd).
func setCost(li *cost.LineItem, billed string, usd bool) {
	d := decimal.RequireFromString(billed)
	for m := range cost.NumMetrics {
		li.Cost[m] = d
		li.USD[m] = decimal.NullDecimal{}
		if usd {
			li.USD[m] = decimal.NewNullDecimal(d)
		}
	}
}

// loadRun imports items as one Azure export run of source: provider
// azure, a blob file name, and the run's id and report date, as the
// Azure manifests give them.
func loadRun(t *testing.T, st store.Store, source, runID string, report time.Time, items ...*cost.LineItem) []store.Snapshot {
	t.Helper()
	return loadAs(t, st, "azure", source, runID, report, items...)
}

// loadAs is loadRun with another reader's provider name.
func loadAs(t *testing.T, st store.Store, provider, source, runID string, report time.Time, items ...*cost.LineItem) []store.Snapshot {
	t.Helper()
	spec := store.ImportSpec{Source: source, Provider: provider,
		Files: []string{"https://acct.blob.core.windows.net/exports/" + source + "/20240301-20240331/" + runID + "/part_0_0001.csv.gz?sv=secret"}}
	if runID != "" {
		spec.Runs = []store.Run{{PeriodStart: cost.MonthStart(report), ID: runID, End: report}}
	}
	return storetest.Import(t, st, spec, items...)
}

// openStore returns an empty DuckDB store in memory.
func openStore(t *testing.T) *duckdb.Store {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// serve serves the API over st with the fixed clock and a registry in
// memory. A test principal is the no-auth administrator unless
// X-Test-Accounts or X-Test-Role headers make it another
// (tenanttest.WithPrincipal, the server's guard in small).
func serve(t *testing.T, st store.Store) *httptest.Server {
	t.Helper()
	eng := engine.New(st)
	eng.SetRegistry(registry.New(&registry.MemRepo{}))
	return serveEngine(t, eng)
}

// serveEngine is serve over a given engine.
func serveEngine(t *testing.T, eng *engine.Engine) *httptest.Server {
	t.Helper()
	api := New(eng, slog.New(slog.DiscardHandler))
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return srv
}

// createdAt matches the snapshots' creation times, which are the import's
// wall clock; golden files show a fixed one.
var createdAt = regexp.MustCompile(`"created_at": "[0-9T:.-]+Z"`)

// response is what a test reads of an answer.
type response struct {
	status int
	header http.Header
	body   []byte // JSON indented, creation times fixed
}

// do sends method path and returns the answer; redirects are not
// followed, so that tests see them.
func do(t *testing.T, srv *httptest.Server, method, path string, header ...string) response {
	t.Helper()
	return send(t, srv, method, path, "", header...)
}

// send is do with a request body (none when empty); header pairs may set
// its Content-Type.
func send(t *testing.T, srv *httptest.Server, method, path, reqBody string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if reqBody != "" {
		rd = strings.NewReader(reqBody)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	// A fixed host (Django's test client's) keeps absolute links stable.
	req.Host = "testserver"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Type") == "application/json" && len(body) > 0 {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err != nil {
			t.Fatalf("%s %s: invalid JSON %v: %s", method, path, err, body)
		}
		body = createdAt.ReplaceAll(buf.Bytes(), []byte(`"created_at": "2024-03-20T12:00:00.000000Z"`))
		body = append(body, '\n')
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// get fetches path and fails the test unless it answers 200 with JSON.
func get(t *testing.T, srv *httptest.Server, path string, header ...string) []byte {
	t.Helper()
	res := do(t, srv, http.MethodGet, path, header...)
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: status %d, Content-Type %q; body %s", path, res.status, res.header.Get("Content-Type"), res.body)
	}
	return res.body
}

// decode parses a JSON body, numbers kept as text.
func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}
