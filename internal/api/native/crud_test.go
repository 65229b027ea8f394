package native

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/tenant"
)

// crudCase is one request of a walk through an endpoint (create, list,
// get, replace, delete and their errors): who sends it (key; "" is the
// no-auth administrator), the status it must answer and the golden file
// its body must match (none for 204, which has no body).
type crudCase struct {
	golden, key, method, path, body string
	status                          int
}

// run sends the request and checks it; it returns the normalised body
// for the assertions a golden file cannot make. A wrong status stops the
// test: the requests of a walk build on each other.
func (c crudCase) run(t *testing.T, srv *httptest.Server) []byte {
	t.Helper()
	code, out := call(t, srv, c.key, c.method, c.path, c.body)
	if code != c.status {
		// The case's golden name says which row of a table failed.
		t.Fatalf("%s %s (%s): %d, want %d: %s", c.method, c.path, c.golden, code, c.status, out)
	}
	if c.status != http.StatusNoContent {
		golden.Assert(t, c.golden, out)
	}
	return out
}

// runCRUD runs a walk's requests in order.
func runCRUD(t *testing.T, srv *httptest.Server, walk []crudCase) {
	t.Helper()
	for _, c := range walk {
		c.run(t, srv)
	}
}

// stepper returns crudCase.run as a function of the case's fields, for
// the walks that check more than golden files between requests.
func stepper(t *testing.T, srv *httptest.Server) func(golden, key, method, path, body string, status int) []byte {
	return func(golden, key, method, path, body string, status int) []byte {
		t.Helper()
		return crudCase{golden, key, method, path, body, status}.run(t, srv)
	}
}

// serveAs serves mux behind the server's guard in small: a Bearer key
// authenticates, no key is the no-auth administrator.
func serveAs(t *testing.T, tenants *tenant.Service, mux http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := tenant.NoAuth
		if h := r.Header.Get("Authorization"); h != "" {
			var err error
			if p, err = tenants.Authenticate(strings.TrimPrefix(h, "Bearer ")); err != nil {
				WriteError(w, r, err)
				return
			}
		}
		mux.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), p)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// otherOrg creates an organization (scoped to the AWS accounts given,
// if any) and returns the secrets of an editor key and a viewer key of
// it, for the walks that check one organization's items are not
// another's.
func otherOrg(t *testing.T, tenants *tenant.Service, name string, accounts ...string) (editor, viewer string) {
	t.Helper()
	ctx := context.Background()
	org, err := tenants.CreateOrg(ctx, tenant.System, tenant.OrgSpec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) > 0 {
		if _, err := tenants.SetOrgAccounts(ctx, tenant.System, org.ID, tenant.AssignReplace, tenant.Accounts{tenant.AWSAccounts: accounts}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(role tenant.Role) string {
		k, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: string(role), Role: role, OrgID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	return key(tenant.RoleEditor), key(tenant.RoleViewer)
}
