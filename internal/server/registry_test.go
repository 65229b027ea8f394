package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// send is world.do with a JSON body.
func (w *world) send(t *testing.T, caller, method, path, body string) (int, string) {
	t.Helper()
	key := w.keys[caller]
	if p, ok := strings.CutPrefix(caller, "partner@"); ok {
		key = w.keys["partner"]
		path += "?client_api_id=" + map[string]string{"C1": "1", "C2": "2"}[p]
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Token "+key)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestRegistryAcrossTenants: registered names show to the callers that see
// their entities, registered subscriptions without bills to the callers
// whose scope holds them; only the default organization's administrators
// and editors write, and their writes are audited.
func TestRegistryAcrossTenants(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		caller, path string
		shows        []string
	}{
		{"admin", "/azure-billing/api/subscriptions/", []string{"Registered acct-b1", "Customer of acct-b1", "Name of acct-c2"}},
		{"orgB", "/azure-billing/api/subscriptions/", []string{"Registered acct-b1", "Customer of acct-b1", "Name of acct-shared"}},
		{"custC1", "/azure-billing/api/customers/", []string{"Customer of acct-c1", "Payer Inc"}},
		{"partner@C1", "/azure-billing/api/subscriptions/", []string{"Name of acct-c1", "Payer Inc"}},
		{"custC2", "/azure-billing/api/cost-entries/", []string{"Name of acct-c2", "Payer Inc"}},
		{"orgA", "/azure-billing/api/costs/subscription-summary/", []string{"Name of acct-a1", "Name of acct-shared"}},
	} {
		code, body := w.do(t, c.caller, http.MethodGet, c.path)
		for _, s := range c.shows {
			if code != http.StatusOK || !strings.Contains(body, s) {
				t.Errorf("GET %s as %s: %d, lacks %q: %s", c.path, c.caller, code, s, body)
			}
		}
	}
	code, body := w.do(t, "orgA", http.MethodGet, "/azure-billing/api/customers/")
	if code != http.StatusOK || strings.Contains(body, "Customer of") || !strings.Contains(body, "Payer Inc") {
		t.Errorf("orgA's customers: %d %s", code, body)
	}

	for i, caller := range callers {
		want := http.StatusForbidden
		if caller == "admin" {
			want = http.StatusCreated
		}
		code, body := w.send(t, caller, http.MethodPost, "/azure-billing/api/customers/", fmt.Sprintf(`{"tenant_id": "t-%d"}`, i))
		if code != want {
			t.Errorf("POST customers/ as %s: %d, want %d: %s", caller, code, want, body)
		}
		if want == http.StatusForbidden && !strings.Contains(body, "You do not have permission to perform this action.") {
			t.Errorf("POST customers/ as %s: %s", caller, body)
		}
	}
	// orgB holds an editor key, but a name shows to every tenant.
	if code, body := w.send(t, "orgB", http.MethodPatch, "/azure-billing/api/subscriptions/", `{"name": "x"}`); code != http.StatusMethodNotAllowed {
		t.Errorf("PATCH on the collection: %d %s", code, body)
	}
	code, body = w.do(t, "orgB", http.MethodGet, "/azure-billing/api/subscriptions/")
	var id string
	if i := strings.Index(body, `"id":`); code == http.StatusOK && i >= 0 {
		id = body[i+len(`"id":`):]
		id = id[:strings.IndexAny(id, ",}")]
	}
	if code, body := w.send(t, "orgB", http.MethodPatch, "/azure-billing/api/subscriptions/"+id+"/", `{"name": "x"}`); code != http.StatusForbidden {
		t.Errorf("PATCH a subscription as orgB's editor: %d %s", code, body)
	}

	log, err := w.tenants.Audit(context.Background(), tenant.System, tenant.AuditFilter{Object: "registry.customer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Actor != "admin" || log[0].Action != "create" || log[0].ObjectID != "t-0" {
		t.Fatalf("audit of registry customers: %+v", log)
	}
}

// TestRegistryPersists: what the API registers is kept in the DuckDB
// file and served again after a restart.
func TestRegistryPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tally.duckdb")
	serve := func(f func(h http.Handler)) {
		st, err := duckdb.Open(ctx, path, duckdb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(Handler(Config{Store: st, State: st, NoAuth: true}))
	}
	call := func(h http.Handler, method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	serve(func(h http.Handler) {
		if code, body := call(h, http.MethodPost, "/azure-billing/api/customers/", `{"tenant_id": "tenant-p", "name": "Persistent"}`); code != http.StatusCreated {
			t.Fatalf("registering: %d %s", code, body)
		}
	})
	serve(func(h http.Handler) {
		code, body := call(h, http.MethodGet, "/azure-billing/api/customers/", "")
		if code != http.StatusOK || !strings.Contains(body, `"tenant_id":"tenant-p","name":"Persistent"`) {
			t.Fatalf("after a restart: %d %s", code, body)
		}
	})
}
