package kubecost

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// payer is the AWS payer account of the test data (the documented
// example's invoice entity).
const payer = "297945954695"

// lineItem builds a line item whose five metrics differ, so that a mixed-up
// metric shows: list 2x, invoiced (billed) x, net 0.9x, amortized net
// 0.8x, amortized 0.7x.
func lineItem(provider, billing, account, service string, at time.Time, billed string) *cost.LineItem {
	li := storetest.Item(account, service, at, billed)
	li.ProviderName, li.BillingAccountID = provider, billing
	x := decimal.RequireFromString(billed)
	for m, f := range map[cost.Metric]string{cost.Net: "0.9", cost.AmortizedNet: "0.8", cost.Amortized: "0.7"} {
		v := x.Mul(decimal.RequireFromString(f))
		li.Cost[m], li.USD[m] = v, decimal.NewNullDecimal(v)
	}
	return li
}

// testItems are the data of every API test: two providers, Kubernetes and
// other items, labels, a credit, and days without data in the 7d window
// [04-18, 04-25): the 18th, 20th and 24th.
func testItems() []*cost.LineItem {
	ec2a := lineItem("AWS", payer, "111", "AmazonEC2", d(4, 23).Add(5*time.Hour), "100.5")
	ec2a.Kubernetes, ec2a.ProviderID, ec2a.Category, ec2a.AvailabilityZone = true, "i-0abc", "Compute", "us-east-1a"
	ec2a.SetTag("team", "web")
	ec2b := lineItem("AWS", payer, "111", "AmazonEC2", d(4, 23).Add(7*time.Hour), "20.25")
	ec2b.ProviderID, ec2b.Category = "i-0def", "Compute"
	ec2b.SetTag("team", "data")
	s3 := lineItem("AWS", payer, "222", "AmazonS3", d(4, 21), "3.333")
	s3.ProviderID, s3.Category = "bucket-a", "Storage"
	// A Kubernetes credit makes the S3 total negative: kubernetesPercent 0.
	credit := lineItem("AWS", payer, "222", "AmazonS3", d(4, 21), "-10")
	credit.Kubernetes, credit.Category = true, "Storage"
	ec2c := lineItem("AWS", payer, "222", "AmazonEC2", d(4, 19), "7")
	ec2c.Kubernetes, ec2c.ProviderID, ec2c.Category = true, "i-0ghi", "Compute"
	ec2c.SetTag("team", "web")
	vm := lineItem("Microsoft", "ea-1", "sub-1", "Virtual Machines", d(4, 22), "50")
	vm.Kubernetes, vm.ProviderID, vm.Category, vm.RegionID = true, "azure://vm1", "Compute", "eastus"
	vm.SetTag("team", "web")
	disk := lineItem("Microsoft", "ea-1", "sub-1", "Storage", d(4, 22), "0.00000000000000000001")
	disk.Category, disk.RegionID = "Storage", "eastus"
	march := lineItem("AWS", payer, "111", "AmazonEC2", d(3, 30), "1.1")
	march.Kubernetes, march.ProviderID, march.Category = true, "i-0abc", "Compute"
	return []*cost.LineItem{ec2a, ec2b, s3, credit, ec2c, vm, disk, march}
}

// newServer serves the API over a DuckDB store holding testItems, with a
// fixed now. A test principal sees everything unless an X-Test-Accounts
// header narrows it (the server's guard in small).
func newServer(t *testing.T, p Pipeline) (*httptest.Server, *engine.Engine) {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	items := testItems()
	storetest.Load(t, st, "aws-main", items[:5]...)
	storetest.Load(t, st, "azure-ea", items[5:7]...)
	storetest.Load(t, st, "aws-main", items[7:]...)
	eng := engine.New(st)
	api := New(eng, p, slog.New(slog.DiscardHandler))
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return srv, eng
}

// get fetches path and returns the status, the Content-Type and the body;
// JSON bodies are indented for readable golden files (json.Indent keeps
// every token, numbers included, byte for byte).
func get(t *testing.T, srv *httptest.Server, path string, header ...string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	ct := res.Header.Get("Content-Type")
	if ct == "application/json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err != nil {
			t.Fatalf("GET %s: invalid JSON %v: %s", path, err, body)
		}
		body = buf.Bytes()
	}
	return res.StatusCode, ct, body
}

func TestCloudCost(t *testing.T) {
	srv, _ := newServer(t, nil)
	f := func(name, query string) {
		t.Helper()
		code, ct, body := get(t, srv, "/model/cloudCost?"+query)
		if code != http.StatusOK || ct != "application/json" {
			t.Fatalf("%s: status %d, Content-Type %q; body %s", query, code, ct, body)
		}
		golden.Assert(t, name, body)
	}
	// The documented example: 2d is yesterday and today; today is empty.
	f("cloudcost_doc_example", `window=2d&aggregate=invoiceEntityID&filter=service:"AmazonEC2"`)
	f("cloudcost_default_aggregate", "window=7d")
	f("cloudcost_multi_accumulate", "window=7d&aggregate=accountID,Service&accumulate=true")
	f("cloudcost_all_properties", "window=7d&accumulate=true&aggregate=providerID,provider,accountID,accountName,invoiceEntityID,invoiceEntityName,regionID,availabilityZone,service,category")
	f("cloudcost_label", "window=7d&aggregate=label:team&accumulate=true")
	f("cloudcost_label_service", "window=7d&aggregate=label:team,service&accumulate=true")
	f("cloudcost_provider", "window=7d&aggregate=provider&accumulate=true")
	f("cloudcost_filter_provider", `window=7d&aggregate=provider,invoiceEntityID&accumulate=true&filter=provider:"Azure"`)
	f("cloudcost_filter_provider_contains", `window=7d&aggregate=service&accumulate=true&filter=provider~:"zu"|label[team]:"data"`)
	f("cloudcost_week", "window=month&aggregate=provider&accumulate=week")
	f("cloudcost_month", "window=2024-03-15T00:00:00Z,2024-04-25T00:00:00Z&aggregate=service&accumulate=month")
	// Two quarters where accumulate=month would give three sets.
	f("cloudcost_quarter", "window=2024-02-01T00:00:00Z,2024-04-25T00:00:00Z&aggregate=service&accumulate=quarter")
	f("cloudcost_paged", "window=7d&aggregate=service&accumulate=true&offset=1&limit=2")
	f("cloudcost_no_data", "window=2024-01-01T00:00:00Z,2024-01-03T00:00:00Z&aggregate=service")
}

func TestViews(t *testing.T) {
	srv, _ := newServer(t, nil)
	f := func(name, path, contentType string) {
		t.Helper()
		code, ct, body := get(t, srv, path)
		if code != http.StatusOK || ct != contentType {
			t.Fatalf("%s: status %d, Content-Type %q; body %s", path, code, ct, body)
		}
		golden.Assert(t, name, body)
	}
	const json, week = "application/json", "window=7d&aggregate=service"
	f("graph", "/model/cloudCost/view/graph?"+week, json)
	f("graph_list_accumulated", "/model/cloudCost/view/graph?"+week+"&costMetric=listCost&accumulate=true", json)
	f("graph_no_data", "/model/cloudCost/view/graph?window=2024-01-01T00:00:00Z,2024-01-03T00:00:00Z", json)
	f("totals", "/model/cloudCost/view/totals?"+week, json)
	f("totals_invoiced_filtered", "/model/cloudCost/view/totals?"+week+`&costMetric=INVOICEDCOST&filter=provider:"AWS"`, json)
	f("totals_no_data", "/model/cloudCost/view/totals?window=2024-01-01T00:00:00Z,2024-01-03T00:00:00Z", json)
	f("table", "/model/cloudCost/view/table?"+week, json)
	f("table_name_asc", "/model/cloudCost/view/table?"+week+"&sortBy=name&sortByOrder=asc", json)
	f("table_k8s_paged", "/model/cloudCost/view/table?"+week+"&sortBy=kubernetesPercent&offset=1&limit=2", json)
	f("table_labels", "/model/cloudCost/view/table?window=7d&aggregate=label:team&costMetric=netCost", json)
	f("table_csv", "/model/cloudCost/view/table?"+week+"&format=csv", "text/csv")
}

func TestErrors(t *testing.T) {
	srv, _ := newServer(t, nil)
	f := func(name, path string, status int) {
		t.Helper()
		code, ct, body := get(t, srv, path)
		if code != status || ct != "application/json" {
			t.Fatalf("%s: status %d, Content-Type %q, want %d JSON; body %s", path, code, ct, status, body)
		}
		golden.Assert(t, name, body)
	}
	f("error_no_window", "/model/cloudCost?aggregate=service", 400)
	f("error_window", "/model/cloudCost?window=yesteryear", 400)
	f("error_aggregate", "/model/cloudCost?window=7d&aggregate=colour", 400)
	f("error_accumulate_hour", "/model/cloudCost?window=7d&accumulate=hour", 400)
	f("error_filter_lex", `/model/cloudCost?window=7d&filter=service:"AmazonEC2`, 400)
	f("error_filter_parse", `/model/cloudCost?window=7d&filter=service:"a"+servic:"b"`, 400)
	f("error_limit", "/model/cloudCost?window=7d&limit=-1", 400)
	f("error_cost_metric", "/model/cloudCost/view/totals?window=7d&costMetric=cheapest", 400)
	f("error_sort_by", "/model/cloudCost/view/table?window=7d&sortBy=size", 400)
	f("error_format", "/model/cloudCost/view/table?window=7d&format=xml", 400)
	f("error_no_endpoint", "/model/allocation", 404)
	f("error_etl_not_configured", "/model/etl/status", 501)
}

// TestScope checks that the engine's tenant scope reaches the dialect: a
// caller limited to account 222 sees only its items.
func TestScope(t *testing.T) {
	srv, _ := newServer(t, nil)
	_, _, body := get(t, srv, "/model/cloudCost/view/table?window=7d&aggregate=accountID", "X-Test-Accounts", "222")
	var res struct{ Data []struct{ Name string } }
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 1 || res.Data[0].Name != "222" {
		t.Fatalf("scoped table = %s, want only account 222", body)
	}
}
