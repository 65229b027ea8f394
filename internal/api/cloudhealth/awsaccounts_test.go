package cloudhealth

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cloudaccount"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// newAccountServer is newTestServer with the AWS accounts mounted, a
// registry for their names, and fixed External IDs.
func newAccountServer(t *testing.T) (*testServer, *registry.Registry) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	key, err := secret.ParseKey(secret.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 300)
	for i := range random {
		random[i] = byte(i)
	}
	accounts, err := cloudaccount.Open(ctx, st, secret.StaticKeys(key),
		cloudaccount.Options{Now: func() time.Time { return testNow }, Rand: bytes.NewReader(random)})
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st)
	reg := registry.New(registry.DocRepo(st))
	eng.SetRegistry(reg)
	api := New(eng, book, slog.New(slog.DiscardHandler))
	api.now = func() time.Time { return testNow }
	api.SetAWSAccounts(accounts)
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, book: book}, reg
}

// TestAWSAccountsGolden replays the endpoints of §9.1 with their errors:
// 201 on create, 422 {"errors": [...]} in upstream's words, paging with
// page=0 and a page past the end, the External ID under any id token,
// 404 for unknown and malformed ids, 403 for viewers and scoped keys.
func TestAWSAccountsGolden(t *testing.T) {
	s, _ := newAccountServer(t)
	const a = "/v1/aws_accounts"
	viewer := []string{"X-Test-Role", "viewer"}
	scoped := []string{"X-Test-Accounts", "123456789012"}
	scopedEditor := []string{"X-Test-Accounts", "123456789012", "X-Test-Role", "editor"}
	s.script(t, "aws_accounts", []step{
		{Method: "GET", Path: a},
		{Method: "GET", Path: a + "/:id/generate_external_id"},
		{Method: "GET", Path: a + "/1000000000001/generate_external_id"},
		{Method: "POST", Path: a, Body: `{"name": "Production Account", "owner_id": "123456789012", "authentication": {"protocol": "assume_role", "assume_role_arn": "arn:aws:iam::123456789012:role/CloudHealth-IAM-Role"}, "billing": {"bucket": "my-billing-bucket"}, "cloudtrail": {"enabled": true, "bucket": "my-cloudtrail-bucket"}, "tags": [{"key": "Environment", "value": "Production"}]}`},
		{Method: "POST", Path: a, Body: `{"id": 0, "name": "Tools", "authentication": {"protocol": "access_key", "access_key": "AKIAQQQQQQQQQQQ", "secret_key": "S87345j34lkj3l45lkj+2342"}}`},
		{Method: "POST", Path: a, Body: `{"name": "Tools", "owner_id": "1234", "authentication": {"protocol": "access_key"}}`},
		{Method: "POST", Path: a, Body: `{}`},
		{Method: "POST", Path: a, Body: `{"name": "Role", "authentication": {"protocol": "assume_role", "assume_role_arn": "arn:aws:iam::1:role/x", "assume_role_external_id": "my-own"}}`},
		{Method: "POST", Path: a, Body: `name=Tools&authentication[protocol]=access_key`, Header: []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{Method: "POST", Path: a, Body: `{"name": "Tools"`},
		{Method: "POST", Path: a, Body: `{"name": "Viewer's"}`, Header: viewer},
		{Method: "POST", Path: a, Body: `{"name": "Scoped"}`, Header: scopedEditor},
		{Method: "GET", Path: a + "?per_page=1"},
		{Method: "GET", Path: a + "?page=0&per_page=1"},
		{Method: "GET", Path: a + "?page=2&per_page=1"},
		{Method: "GET", Path: a + "?page=3&per_page=1"},
		{Method: "GET", Path: a + "?page=9223372036854775807&per_page=100"},
		{Method: "GET", Path: a + "?per_page=abc"},
		{Method: "GET", Path: a + "?page=-1"},
		{Method: "GET", Path: a, Header: scoped},
		{Method: "GET", Path: a + "/1000000000002", Header: scoped},
		{Method: "GET", Path: a + "/1000000000001"},
		{Method: "GET", Path: a + "/999"},
		{Method: "GET", Path: a + "/abc"},
		{Method: "PUT", Path: a + "/1000000000001", Body: `{"name": "Production Engineering Account", "tags": [{"key": "Environment", "value": "production"}, {"key": "Owner", "value": "Engineering"}]}`},
		{Method: "PUT", Path: a + "/1000000000002", Body: `{"id": 1000000000002, "name": "Tools 123", "authentication": {"protocol": "access_key", "access_key": "AKIAQQQQQQQQQQQ"}}`},
		{Method: "PUT", Path: a + "/1000000000002", Body: `{"id": 1000000000001, "name": "Tools"}`},
		{Method: "PUT", Path: a + "/1000000000002", Body: `{"name": "Production Engineering Account"}`},
		{Method: "PUT", Path: a + "/999", Body: `{"name": "Nobody"}`},
		{Method: "PUT", Path: a + "/1000000000001", Body: `{"name": "Scoped"}`, Header: scopedEditor},
		{Method: "DELETE", Path: a + "/1000000000002", Header: viewer},
		{Method: "DELETE", Path: a + "/1000000000002"},
		{Method: "DELETE", Path: a + "/1000000000002"},
		{Method: "GET", Path: a},
	})
}

// TestAWSAccountLocationAndName: the 201 carries the account's Location,
// and an account's name reaches the registry under its owner id, so
// that reports show it; the name follows renames and leaves with the
// account.
func TestAWSAccountLocationAndName(t *testing.T) {
	s, reg := newAccountServer(t)
	ctx := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	req, err := http.NewRequest("POST", s.URL+"/cloudhealth/v1/aws_accounts", strings.NewReader(`{"name": "Prod", "owner_id": "123456789012"}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := s.URL + "/cloudhealth/v1/aws_accounts/1000000000001"; res.StatusCode != 201 || res.Header.Get("Location") != want {
		t.Errorf("POST: %d, Location %q; want 201 and %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	name := func() string {
		t.Helper()
		e, err := reg.Get(ctx, registry.SubAccount, "123456789012")
		if err != nil {
			return "(" + err.Error() + ")"
		}
		return e.Provider + ":" + e.NameOr("(no name)")
	}
	if got := name(); got != "AWS:Prod" {
		t.Errorf("registered after POST: %s", got)
	}
	s.call(t, step{Method: "PUT", Path: "/v1/aws_accounts/1000000000001", Body: `{"name": "Production"}`})
	if got := name(); got != "AWS:Production" {
		t.Errorf("registered after PUT: %s", got)
	}
	s.call(t, step{Method: "DELETE", Path: "/v1/aws_accounts/1000000000001"})
	if got := name(); !strings.Contains(got, "not registered") {
		t.Errorf("registered after DELETE: %s", got)
	}
}

// TestAWSAccountsUnmounted: without SetAWSAccounts the paths are the
// dialect's 404.
func TestAWSAccountsUnmounted(t *testing.T) {
	s := newTestServer(t)
	r := s.call(t, step{Method: "GET", Path: "/v1/aws_accounts"})
	if r.Status != 404 || !strings.Contains(string(r.Body), `"error":"no such endpoint: GET /cloudhealth/v1/aws_accounts"`) {
		t.Errorf("GET without accounts: %d %s", r.Status, r.Body)
	}
}
