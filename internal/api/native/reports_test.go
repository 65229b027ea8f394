package native

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/savedreport"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// newReportsServer is the native API with saved reports over an
// in-memory store, and the tenant service for making keys.
func newReportsServer(t *testing.T) (*httptest.Server, *tenant.Service) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenants, err := tenant.Open(ctx, &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	book, err := savedreport.Open(ctx, st, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	api := New(engine.New(st), tenants, nil)
	api.SetReports(book)
	mux := http.NewServeMux()
	api.Register(mux)
	return serveAs(t, tenants, mux), tenants
}

// TestReportsEndpoints walks saved custom reports through the native
// API: create, list, get, replace, delete, with the validation errors,
// and a second organization that neither sees nor changes the first's.
func TestReportsEndpoints(t *testing.T) {
	srv, tenants := newReportsServer(t)
	editorB, viewerB := otherOrg(t, tenants, "Team B")
	const q = `dimensions[]=time&dimensions[]=AWS-Account&measures[]=cost&interval=monthly&filters[]=time:select:-1,-2`
	runCRUD(t, srv, []crudCase{
		{"reports_create", "", "POST", "/api/v1/reports", `{"name":"Monthly by account","query":"` + q + `"}`, 201},
		{"reports_create_get_query_form", "", "POST", "/api/v1/reports", `{"name":"Saved","query":"report=My Saved Report?dimensions[]=AWS-Service-Category&measures[]=cost"}`, 201},
		{"error_reports_bad_interval", "", "POST", "/api/v1/reports", `{"name":"x","query":"dimensions[]=time&interval=yearly"}`, 400},
		{"error_reports_unknown_parameter", "", "POST", "/api/v1/reports", `{"name":"x","query":"dimensions[]=time&sort=cost"}`, 400},
		{"error_reports_no_query", "", "POST", "/api/v1/reports", `{"name":"x"}`, 400},
		{"error_reports_blank_name", "", "POST", "/api/v1/reports", `{"name":" ","query":"measures[]=cost"}`, 400},
		{"error_reports_unknown_field", "", "POST", "/api/v1/reports", `{"name":"x","query":"measures[]=cost","owner":1}`, 400},
		{"reports_list", "", "GET", "/api/v1/reports", "", 200},
		{"reports_get", "", "GET", "/api/v1/reports/100000000001", "", 200},
		{"error_reports_get_unknown", "", "GET", "/api/v1/reports/5", "", 404},
		{"reports_put", "", "PUT", "/api/v1/reports/100000000002", `{"name":"Services","query":"dimensions[]=AWS-Service-Category&measures[]=cost&interval=daily"}`, 200},
		{"reports_delete", "", "DELETE", "/api/v1/reports/100000000002", "", 204},
		{"error_reports_delete_again", "", "DELETE", "/api/v1/reports/100000000002", "", 404},

		// Organization B: its viewer may not save; its editor saves its own
		// report and sees only that one; the default organization's report
		// is a 404 to it, for reading and writing alike.
		{"error_reports_viewer_forbidden", viewerB, "POST", "/api/v1/reports", `{"name":"x","query":"measures[]=cost"}`, 403},
		{"reports_create_org_b", editorB, "POST", "/api/v1/reports", `{"name":"Team B","query":"measures[]=cost"}`, 201},
		{"reports_list_org_b", viewerB, "GET", "/api/v1/reports", "", 200},
		{"error_reports_get_other_org", editorB, "GET", "/api/v1/reports/100000000001", "", 404},
		{"error_reports_put_other_org", editorB, "PUT", "/api/v1/reports/100000000001", `{"name":"Mine","query":"measures[]=cost"}`, 404},
		{"error_reports_delete_other_org", editorB, "DELETE", "/api/v1/reports/100000000001", "", 404},
		{"reports_list_admin", "", "GET", "/api/v1/reports", "", 200},
	})
}

// TestReportsUnconfigured: without SetReports the endpoints say so.
func TestReportsUnconfigured(t *testing.T) {
	srv := newServer(t)
	if code, out := call(t, srv, "", "GET", "/api/v1/reports", ""); code != http.StatusNotImplemented {
		t.Errorf("GET /api/v1/reports without reports: %d %s", code, out)
	}
}
