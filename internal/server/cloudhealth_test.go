package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestCloudHealthPerspectiveLifecycle replays the recorded client
// session of cloudhealth.md §5.3 through the whole server: the key only
// in the api_key query parameter on every verb (no Authorization
// header), POST to the trailing-slash path answering 200 with the
// message clients parse, four GETs, a hard delete, and the Empty
// sentinel. A viewer's Bearer key reads but may not write; no key is the
// dialect's 401; an unrouted path is the dialect's 404.
func TestCloudHealthPerspectiveLifecycle(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	editor, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "editor", Role: tenant.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	viewer, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "viewer", Role: tenant.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{Store: st, State: st, Tenants: tenants})
	const ps = "/cloudhealth/v1/perspective_schemas"
	jsonCT := map[string]string{"Content-Type": "application/json"}
	body := `{"schema":{"name":"perspective-7yxn2ip1s6","include_in_reports":"false","rules":[{"type":"categorize","asset":"AwsAsset","ref_id":"0","name":"OwnerAccTest","tag_field":["owner"]}],"constants":[{"type":"Dynamic Group Block","list":[{"ref_id":"0","name":"OwnerAccTest"}]}],"merges":[]}}`
	expect := func(method, target string, header map[string]string, body string, status int, want string) {
		t.Helper()
		rec := send(h, method, target, header, body)
		if rec.Code != status || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s %s: %d %s, want %d with %s", method, target, rec.Code, rec.Body, status, want)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", method, target, ct)
		}
	}
	expect("POST", ps+"/?api_key="+editor, jsonCT, body, 200, `{"message":"Perspective 1001 created"}`)
	for range 4 {
		expect("GET", ps+"/1001?api_key="+editor, nil, "", 200, `"name":"perspective-7yxn2ip1s6"`)
	}
	expect("GET", ps+"?api_key="+editor, nil, "", 200, `{"1001":{"name":"perspective-7yxn2ip1s6","active":true}}`)

	bearer := map[string]string{"Authorization": "Bearer " + viewer, "Content-Type": "application/json"}
	expect("GET", ps+"/1001", bearer, "", 200, `"name":"perspective-7yxn2ip1s6"`)
	expect("POST", ps, bearer, `{"schema":{"name":"viewer's"}}`, 403, `"error":`)
	expect("DELETE", ps+"/1001?hard_delete=true&api_key="+viewer, nil, "", 403, `"error":`)
	expect("GET", ps, nil, "", 401, `{"error":"You need to sign in or sign up before continuing"}`)
	expect("POST", ps+"/", jsonCT, body, 401, `{"error":"You need to sign in or sign up before continuing"}`)
	expect("GET", "/cloudhealth/v1/nothing?api_key="+viewer, nil, "", 404, `{"error":"no such endpoint: GET /cloudhealth/v1/nothing"}`)

	expect("DELETE", ps+"/1001?api_key="+editor+"&hard_delete=true", nil, "", 200, `{"message":"Perspective 1001 deleted"}`)
	rec := send(h, "GET", ps+"/1001?api_key="+editor, nil, "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) !=
		`{"schema":{"name":"Empty","include_in_reports":"false","rules":[],"merges":[],"constants":[]}}` {
		t.Errorf("GET after the hard delete: %d %s, want 200 and the Empty sentinel", rec.Code, rec.Body)
	}
	expect("GET", ps+"?api_key="+editor, nil, "", 200, `{}`)
}
