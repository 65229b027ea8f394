package native

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// newPerspectiveServer is newServer's data (111: EC2 1.10 team=web, S3
// 1e-24 team=data; 222: EC2 3, RDS 4.5) with a perspective book that the
// engine also reads, as the server wires them.
func newPerspectiveServer(t *testing.T) (*httptest.Server, *tenant.Service) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
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
	tenants, err := tenant.Open(ctx, &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st)
	eng.SetPerspectives(book)
	api := New(eng, tenants, nil)
	api.SetPerspectives(book)
	api.SetClock(func() time.Time { return now })
	mux := http.NewServeMux()
	api.Register(mux)
	return serveAs(t, tenants, mux), tenants
}

// teams is the schema the tests preview and save: EC2 in a static group
// Compute, everything else by its team tag (untagged items in Other).
const teams = `{"name":"Teams","rules":[` +
	`{"type":"filter","asset":"AwsAsset","to":"Compute","condition":{"clauses":[{"field":["service"],"op":"=","val":"AmazonEC2"}]}},` +
	`{"type":"categorize","asset":"AwsAsset","tag_field":["team"],"name":"Team"}],` +
	`"constants":[{"type":"Static Group","list":[{"ref_id":"Compute","name":"Compute"}]}]}`

const march = `"window":"2024-03-01,2024-04-10"`

// TestPerspectivesEndpoints walks perspectives through the native API
// (preview, create, list, get, replace with a version check, delete,
// validation) and checks an organization scoped to account 222 neither
// sees nor changes the default organization's and previews only its
// own costs.
func TestPerspectivesEndpoints(t *testing.T) {
	srv, tenants := newPerspectiveServer(t)
	editorB, viewerB := otherOrg(t, tenants, "Team 222", "222")
	runCRUD(t, srv, []crudCase{
		{"perspectives_preview", "", "POST", "/api/v1/perspectives/preview", `{"schema":` + teams + `,` + march + `,"metric":"billed"}`, 200},
		{"perspectives_preview_filter", "", "POST", "/api/v1/perspectives/preview", `{"schema":` + teams + `,` + march + `,"filter":"subAccountId:\"111\""}`, 200},
		{"perspectives_preview_default_window", "", "POST", "/api/v1/perspectives/preview", `{"schema":` + teams + `}`, 200},
		{"error_perspectives_preview_no_schema", "", "POST", "/api/v1/perspectives/preview", `{` + march + `}`, 400},
		{"error_perspectives_preview_blank_name", "", "POST", "/api/v1/perspectives/preview", `{"schema":{"name":" ","rules":[]}}`, 400},
		{"error_perspectives_preview_rule", "", "POST", "/api/v1/perspectives/preview", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a"}]}}`, 400},
		{"error_perspectives_preview_op", "", "POST", "/api/v1/perspectives/preview", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a","condition":{"clauses":[{"field":["service"],"op":">","val":"a"}]}}]}}`, 400},
		{"error_perspectives_preview_field", "", "POST", "/api/v1/perspectives/preview", `{"schema":{"name":"x","rules":[{"type":"categorize","field":["colour"],"name":"C"}]}}`, 400},
		{"error_perspectives_preview_window", "", "POST", "/api/v1/perspectives/preview", `{"schema":` + teams + `,"window":"yesteryear"}`, 400},
		{"error_perspectives_preview_unknown_field", "", "POST", "/api/v1/perspectives/preview", `{"schema":` + teams + `,"groupBy":"service"}`, 400},

		{"perspectives_create", "", "POST", "/api/v1/perspectives", teams, 201},
		{"error_perspectives_create_taken", "", "POST", "/api/v1/perspectives", teams, 409},
		{"error_perspectives_create_invalid", "", "POST", "/api/v1/perspectives", `{"name":"x","rules":[{"type":"sort"}]}`, 400},
		{"perspectives_list", "", "GET", "/api/v1/perspectives", "", 200},
		{"perspectives_get", "", "GET", "/api/v1/perspectives/1001", "", 200},
		{"error_perspectives_get_unknown", "", "GET", "/api/v1/perspectives/9", "", 404},
		{"perspectives_put", "", "PUT", "/api/v1/perspectives/1001", strings.Replace(teams, `"Teams"`, `"Teams and compute","version":1`, 1), 200},
		{"error_perspectives_put_stale", "", "PUT", "/api/v1/perspectives/1001", strings.Replace(teams, `"Teams"`, `"Again","version":1`, 1), 409},
		{"error_perspectives_list_param", "", "GET", "/api/v1/perspectives?active_only=true", "", 400},

		// Organization B (account 222): it sees none of the default
		// organization's perspectives, its viewer may not create, and its
		// preview counts only 222's costs.
		{"perspectives_list_org_b", viewerB, "GET", "/api/v1/perspectives", "", 200},
		{"error_perspectives_get_other_org", editorB, "GET", "/api/v1/perspectives/1001", "", 404},
		{"error_perspectives_put_other_org", editorB, "PUT", "/api/v1/perspectives/1001", teams, 404},
		{"error_perspectives_delete_other_org", editorB, "DELETE", "/api/v1/perspectives/1001", "", 404},
		{"error_perspectives_viewer_forbidden", viewerB, "POST", "/api/v1/perspectives", teams, 403},
		{"perspectives_preview_org_b", viewerB, "POST", "/api/v1/perspectives/preview", `{"schema":` + teams + `,` + march + `,"metric":"billed"}`, 200},
		{"perspectives_create_org_b", editorB, "POST", "/api/v1/perspectives", teams, 201},

		{"error_perspectives_delete_param", "", "DELETE", "/api/v1/perspectives/1001?hard=maybe", "", 400},
		{"perspectives_delete", "", "DELETE", "/api/v1/perspectives/1001", "", 204},
		{"perspectives_list_archived", "", "GET", "/api/v1/perspectives", "", 200},
		{"perspectives_delete_hard", "", "DELETE", "/api/v1/perspectives/1001?hard=true", "", 204},
		{"error_perspectives_delete_again", "", "DELETE", "/api/v1/perspectives/1001", "", 404},
		{"perspectives_list_admin", "", "GET", "/api/v1/perspectives", "", 200},
	})
}

// TestPreviewIsSaved: the groups a preview answers are, cost for cost,
// those GET /api/v1/costs answers grouping by the perspective once it
// is saved: the preview compiles the mapping the engine attaches.
func TestPreviewIsSaved(t *testing.T) {
	srv, _ := newPerspectiveServer(t)
	code, out := call(t, srv, "", "POST", "/api/v1/perspectives/preview", `{"schema":`+teams+`,`+march+`}`)
	if code != http.StatusOK {
		t.Fatalf("preview: %d %s", code, out)
	}
	var pv previewResponse
	if err := json.Unmarshal(out, &pv); err != nil {
		t.Fatal(err)
	}
	if code, out := call(t, srv, "", "POST", "/api/v1/perspectives", teams); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, out)
	}
	_, out = call(t, srv, "", "GET", "/api/v1/costs?window=2024-03-01,2024-04-10&groupBy=perspective:1001", "")
	var cs costsResponse
	if err := json.Unmarshal(out, &cs); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{}
	for _, g := range pv.Groups {
		want[g.Name] = g.Costs
	}
	got := map[string]map[string]string{}
	for _, r := range cs.Data {
		got[r.Group["perspective:1001"]] = r.Costs
	}
	if len(want) != 3 || len(got) != len(want) {
		t.Fatalf("preview groups %v, saved %v", want, got)
	}
	for name, costs := range want {
		for m, v := range costs {
			if got[name][m] != v {
				t.Errorf("group %q %s: preview %s, saved %s", name, m, v, got[name][m])
			}
		}
	}
	if c := want["Compute"]["billed"]; c != "4.1" {
		t.Errorf("Compute = %s, want 4.1 (both EC2 items)", c)
	}
}

// TestPerspectivesUnconfigured: without SetPerspectives the endpoints say so.
func TestPerspectivesUnconfigured(t *testing.T) {
	srv := newServer(t)
	if code, out := call(t, srv, "", "GET", "/api/v1/perspectives", ""); code != http.StatusNotImplemented {
		t.Errorf("GET /api/v1/perspectives without a book: %d %s", code, out)
	}
}

// TestOpenAPIPerspectiveDeleteParams keeps DELETE /api/v1/perspectives/{id}'s
// documented parameters those its handler reads (besides the guard's).
func TestOpenAPIPerspectiveDeleteParams(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var del struct {
		Parameters []struct {
			Name string `json:"name"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/perspectives/{id}"]["delete"], &del); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{"api_key": true, "client_api_id": true}
	for _, p := range del.Parameters {
		documented[p.Name] = true
	}
	if len(documented) != len(perspectiveDeleteParams) {
		t.Errorf("documented %v, handler reads %v", documented, perspectiveDeleteParams)
	}
	for name := range documented {
		if !perspectiveDeleteParams[name] {
			t.Errorf("documented parameter %q is not read by the handler", name)
		}
	}
}
