package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestInvalidUTF8 sends paths and query parameters that are not UTF-8
// (which once reached the store and answered 500) to every dialect: each
// answers 400 in its own error format, naming the parameter.
func TestInvalidUTF8(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenants, err := tenant.Open(context.Background(), st) // the audit log in DuckDB too
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: true})
	param := func(name string) string { return `query parameter \"` + name + `\" is not valid UTF-8` }
	f := func(target string, status int, want string) {
		t.Helper()
		rec := send(h, http.MethodGet, target, nil, "")
		if rec.Code != status || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d %s, want %d with %s", target, rec.Code, rec.Body, status, want)
		}
	}
	f("/api/v1/snapshots?source=%ff", 400, `"message": "`+param("source")+`"`)
	f("/api/v1/audit?object=%ff", 400, `"message": "`+param("object")+`"`)
	f("/api/v1/audit?objectId=ok&object=a%c3%28b", 400, param("object"))
	f("/api/v1/snapshots?%ff=1", 400, `"message": "a query parameter name is not valid UTF-8"`)
	f("/api/v1/snapshots/%ff", 400, `"message": "the request path is not valid UTF-8"`)
	f("/model/cloudCost?window=7d&aggregate=%ed%a0%80", 400, `{"code":400,"data":null,"message":"`+param("aggregate")+`"}`)
	f("/cloudkitty/v2/summary?groupby=%fe", 400, `{"message":"`+param("groupby")+`"}`)
	f("/cloudkitty/v1/report/total?tenant_id=%fe", 400, `{"debuginfo":null,"faultcode":"Client","faultstring":"`+param("tenant_id")+`"}`)
	f("/cloudhealth/olap_reports/%ff", 400, `{"error":"the request path is not valid UTF-8"}`)
	f("/azure-billing/api/customers/?name=%ff", 400, `{"detail":"`+param("name")+`"}`)
	// Valid UTF-8, escaped or not, goes through.
	f("/api/v1/snapshots?source=%c3%a9t%C3%A9", 200, `"data": []`)
	f("/api/v1/audit?object=été", 200, `"data": []`)
}
