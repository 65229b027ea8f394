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

	"github.com/tally-cost/tally/internal/tenant"
)

// tenancyVolatile hides what changes between runs: times, key ids and
// secrets.
var tenancyVolatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"(createdAt|updatedAt|revokedAt|time)": "[^"]+"`), `"$1": "<time>"`},
	{regexp.MustCompile(`tly_[0-9a-f]{12}(_[0-9a-f]{64})?`), `tly_<key>`},
}

// call sends one request (as the no-auth administrator unless key is
// given) and returns the status and the normalised body.
func call(t *testing.T, srv *httptest.Server, key, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	for _, v := range tenancyVolatile {
		out = v.re.ReplaceAll(out, []byte(v.repl))
	}
	return res.StatusCode, out
}

// TestTenancyEndpoints walks an administrator through organizations,
// customers and keys, then checks what a scoped key sees and that the
// audit log recorded every change with its author.
func TestTenancyEndpoints(t *testing.T) {
	srv := newServer(t)
	step := stepper(t, srv)
	step("tenancy_me_noauth", "", "GET", "/api/v1/me", "", 200)
	step("tenancy_org_create", "", "POST", "/api/v1/organizations", `{"name":"Team A","description":"web"}`, 201)
	step("tenancy_org_accounts_put", "", "PUT", "/api/v1/organizations/2/accounts", `{"aws_accounts":["111"]}`, 200)
	step("tenancy_org_flex_create", "", "POST", "/api/v1/organizations", `{"name":"Team A1","parentId":2}`, 201)
	step("error_tenancy_flex_outside_parent", "", "PATCH", "/api/v1/organizations/3/accounts", `{"accounts":"add","aws_accounts":["222"]}`, 400)
	step("error_tenancy_patch_without_mode", "", "PATCH", "/api/v1/organizations/3/accounts", `{"aws_accounts":["111"]}`, 400)
	step("error_tenancy_unknown_field", "", "POST", "/api/v1/organizations", `{"nmae":"x"}`, 400)
	step("error_tenancy_blank_name", "", "POST", "/api/v1/organizations", `{"name":" "}`, 400)
	step("error_tenancy_long_name", "", "POST", "/api/v1/organizations", `{"name":"`+strings.Repeat("x", 256)+`"}`, 400)
	step("error_tenancy_nul_description", "", "POST", "/api/v1/organizations", `{"name":"x","description":"a\u0000b"}`, 400)
	step("error_tenancy_long_customer", "", "POST", "/api/v1/customers", `{"name":"`+strings.Repeat("é", 256)+`"}`, 400)
	// encoding/json would have stored U+FFFD for the invalid byte.
	step("error_tenancy_body_not_utf8", "", "POST", "/api/v1/customers", "{\"name\":\"Acme\xff\"}", 400)
	step("error_tenancy_body_not_utf8_key", "", "POST", "/api/v1/keys", "{\"name\":\"k\xc3\",\"role\":\"viewer\"}", 400)
	step("tenancy_orgs", "", "GET", "/api/v1/organizations", "", 200)
	step("tenancy_customer_create", "", "POST", "/api/v1/customers", `{"name":"Acme"}`, 201)
	step("tenancy_customer_accounts", "", "PATCH", "/api/v1/customers/1/accounts", `{"accounts":"add","ids":["222"]}`, 200)
	created := step("tenancy_key_create", "", "POST", "/api/v1/keys", `{"name":"alice","role":"viewer","organization":2}`, 201)
	step("error_tenancy_key_role", "", "POST", "/api/v1/keys", `{"role":"root"}`, 400)
	step("error_tenancy_key_org", "", "POST", "/api/v1/keys", `{"role":"viewer","organization":99}`, 404)

	if !strings.Contains(string(created), `"secret": "tly_<key>"`) {
		t.Fatalf("the creation answer lacks the key: %s", created)
	}
	if keys, err := testTenants.Keys(tenant.System); err != nil || len(keys) != 1 {
		t.Fatalf("keys after one creation: %v %v", keys, err)
	}
	alice := createRaw(t, srv)
	step("tenancy_me_scoped", alice, "GET", "/api/v1/me", "", 200)
	step("tenancy_costs_scoped", alice, "GET", "/api/v1/costs?window=2024-03-01,2024-04-01&groupBy=subAccountId&metric=billed", "", 200)
	step("tenancy_orgs_scoped", alice, "GET", "/api/v1/organizations", "", 200)
	step("error_tenancy_forbidden", alice, "POST", "/api/v1/customers", `{"name":"x"}`, 403)
	step("error_tenancy_org_outside", alice, "GET", "/api/v1/organizations/1", "", 404)
	step("error_tenancy_audit_forbidden", alice, "GET", "/api/v1/audit", "", 403)
	step("error_tenancy_content_type", "", "POST", "/api/v1/customers", "", 400)
	step("tenancy_key_revoke", "", "DELETE", "/api/v1/keys/1", "", 200)
	step("tenancy_org_delete_child", "", "DELETE", "/api/v1/organizations/3", "", 204)
	step("tenancy_audit", "", "GET", "/api/v1/audit?limit=50", "", 200)
}

// createRaw makes a viewer key of organization 2 through the API and
// returns the secret from the raw answer.
func createRaw(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	res, err := http.Post(srv.URL+"/api/v1/keys", "application/json", strings.NewReader(`{"name":"alice2","role":"viewer","organization":2}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var k struct {
		Secret string `json:"secret"`
	}
	if err := json.NewDecoder(res.Body).Decode(&k); err != nil || !strings.HasPrefix(k.Secret, "tly_") {
		t.Fatalf("created key: %+v %v", k, err)
	}
	return k.Secret
}

// TestDeleteSnapshot: administrators delete an import and the audit log
// records it; other roles get 403, unknown ids 404.
func TestDeleteSnapshot(t *testing.T) {
	srv := newServer(t)
	viewer, _, err := testTenants.CreateKey(context.Background(), tenant.System, tenant.KeySpec{Name: "v", Role: tenant.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := call(t, srv, viewer, "DELETE", "/api/v1/snapshots/1", ""); code != 403 {
		t.Fatalf("viewer deleting: %d %s", code, body)
	}
	code, body := call(t, srv, "", "DELETE", "/api/v1/snapshots/1", "")
	if code != 200 || !strings.Contains(string(body), `"status": "deleted"`) {
		t.Fatalf("admin deleting: %d %s", code, body)
	}
	if code, _ := call(t, srv, "", "DELETE", "/api/v1/snapshots/1", ""); code != 404 {
		t.Fatalf("deleting twice: %d", code)
	}
	if code, body := call(t, srv, "", "GET", "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed", ""); code != 200 || !strings.Contains(string(body), `"data": []`) {
		t.Fatalf("costs after deleting the only snapshot: %d %s", code, body)
	}
}
