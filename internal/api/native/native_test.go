package native

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

var now = time.Date(2024, 4, 10, 12, 0, 0, 0, time.UTC)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	return newServerWith(t)
}

// newServerWith is newServer with more line items, imported as source
// "more".
func newServerWith(t *testing.T, more ...*cost.LineItem) *httptest.Server {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := storetest.Item("111", "AmazonEC2", storetest.Day(3, 1), "1.10")
	a.SetTag("team", "web")
	b := storetest.Item("111", "AmazonS3", storetest.Day(3, 2), "0.000000000000000000000001")
	b.SetTag("team", "data")
	c := storetest.Item("222", "AmazonEC2", storetest.Day(3, 2), "3")
	d := storetest.Item("222", "AmazonRDS", storetest.Day(4, 9), "4.5")
	storetest.Load(t, st, "aws-main", a, b, c, d)
	if len(more) > 0 {
		storetest.Load(t, st, "more", more...)
	}
	tenants, err := tenant.Open(context.Background(), &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	testTenants = tenants
	eng := engine.New(st)
	eng.SetAudit(tenants.Record)
	eng.SetRates(rates.New(st, nil))
	api := New(eng, tenants, nil)
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	return serveAs(t, tenants, mux)
}

// testTenants is the tenant service of the last newServer.
var testTenants *tenant.Service

var volatile = regexp.MustCompile(`"(createdAt|committedAt)": "[^"]+"`)

func get(t *testing.T, srv *httptest.Server, path string) (int, []byte) {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, want JSON", path, ct)
	}
	return res.StatusCode, volatile.ReplaceAll(body, []byte(`"$1": "<time>"`))
}

func TestEndpoints(t *testing.T) {
	srv := newServer(t)
	march := "window=2024-03-01T00:00:00Z,2024-04-01T00:00:00Z"
	f := func(name, path string, status int) {
		t.Helper()
		code, body := get(t, srv, path)
		if code != status {
			t.Fatalf("GET %s: status %d, want %d; body %s", path, code, status, body)
		}
		golden.Assert(t, name, body)
	}
	f("costs_by_service", "/api/v1/costs?"+march+"&groupBy=service&metric=billed,list", 200)
	f("costs_daily_by_account", "/api/v1/costs?window=2024-03-01,2024-03-04&step=day&groupBy=subAccountId&metric=billed", 200)
	f("costs_filter", "/api/v1/costs?"+march+`&groupBy=subAccountId&metric=billed&filter=service:"AmazonEC2"`, 200)
	f("costs_filter_tag", "/api/v1/costs?"+march+`&groupBy=tag:team&metric=billed&filter=tag[team]<~:"we"|service:"AmazonRDS"`, 200)
	f("costs_usd_limit", "/api/v1/costs?window=lastmonth&groupBy=service&metric=amortized&currency=usd&limit=1&offset=1", 200)
	f("costs_default_window", "/api/v1/costs?groupBy=service&metric=net", 200)
	f("snapshots", "/api/v1/snapshots", 200)
	f("snapshot_one", "/api/v1/snapshots/1", 200)
	f("snapshots_newest", "/api/v1/snapshots?limit=1", 200)
	f("snapshots_provider", "/api/v1/snapshots?provider=NOPE", 200)

	f("error_window", "/api/v1/costs?window=yesteryear", 400)
	f("error_window_too_long", "/api/v1/costs?window=1000000d", 400)
	f("error_window_year_one", "/api/v1/costs?window=0001-01-01,2024-01-01", 400)
	f("error_window_year_10000", "/api/v1/costs?window=0,253402300799&step=day", 400)
	f("error_group", "/api/v1/costs?groupBy=colour", 400)
	f("error_metric", "/api/v1/costs?metric=cheapest", 400)
	f("error_filter", `/api/v1/costs?filter=service:"AmazonEC2`, 400)
	f("error_param", "/api/v1/costs?windwo=7d", 400)
	f("error_limit", "/api/v1/costs?limit=-1", 400)
	f("error_step", "/api/v1/costs?step=fortnight", 400)
	f("error_status", "/api/v1/snapshots?status=done", 400)
	f("error_snapshots_limit", "/api/v1/snapshots?limit=0", 400)
	f("error_snapshot_missing", "/api/v1/snapshots/99", 404)
	f("error_snapshot_bad_id", "/api/v1/snapshots/abc", 404)
	f("error_no_endpoint", "/api/v1/nothing", 404)
}

// TestTotalsExact checks the response against sums computed here from the
// loaded values, independent of the store.
func TestTotalsExact(t *testing.T) {
	srv := newServer(t)
	_, body := get(t, srv, "/api/v1/costs?window=2024-03-01,2024-03-03&groupBy=subAccountId&metric=billed")
	var res costsResponse
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Data {
		got[r.Group["subAccountId"]] = r.Costs["billed"]
	}
	if got["111"] != "1.100000000000000000000001" || got["222"] != "3" || len(got) != 2 {
		t.Fatalf("per-account billed = %v", got)
	}
	if len(res.Totals) != 1 || res.Totals[0].Costs["billed"] != "4.100000000000000000000001" {
		t.Fatalf("totals = %+v", res.Totals)
	}
}

// TestOpenAPIMatchesRoutes keeps the published document in step with the
// routes: every documented path answers, every parameter is one the
// handler reads.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	srv := newServer(t)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Paths) < 4 {
		t.Fatalf("documented paths = %d", len(doc.Paths))
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			req, _ := http.NewRequest(strings.ToUpper(method), srv.URL+strings.Replace(path, "{id}", "1", 1), nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(body), "no such endpoint") || res.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("documented %s %s is not routed: %d %s", method, path, res.StatusCode, body)
			}
		}
		if path == "/api/v1/costs" {
			var get struct {
				Parameters []struct {
					Name string `json:"name"`
				} `json:"parameters"`
			}
			if err := json.Unmarshal(ops["get"], &get); err != nil {
				t.Fatal(err)
			}
			for _, p := range get.Parameters {
				if !knownParams[p.Name] {
					t.Fatalf("documented parameter %q is not read by the handler", p.Name)
				}
			}
			if len(get.Parameters) != len(knownParams) {
				t.Fatalf("handler reads %d parameters, document lists %d", len(knownParams), len(get.Parameters))
			}
		}
	}
}
