package native

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestRootAccount: the native API groups and filters by the root account
// (an MCA's billingAccountId above its billing profiles), which items of
// other bills leave empty.
func TestRootAccount(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p1 := storetest.Item("sub-1", "Microsoft.Compute", storetest.Day(3, 1), "1.5")
	p1.ProviderName, p1.BillingAccountID, p1.RootAccountID, p1.RootAccountName = "Microsoft", "profile-1", "account-1", "Contoso"
	p2 := storetest.Item("sub-2", "Microsoft.Storage", storetest.Day(3, 2), "2")
	p2.ProviderName, p2.BillingAccountID, p2.RootAccountID, p2.RootAccountName = "Microsoft", "profile-2", "account-1", "Contoso"
	aws := storetest.Item("111", "AmazonEC2", storetest.Day(3, 2), "4")
	storetest.Load(t, st, "mixed", p1, p2, aws)
	tenants, err := tenant.Open(context.Background(), &tenant.MemRepo{})
	if err != nil {
		t.Fatal(err)
	}
	api := New(engine.New(st), tenants, nil)
	api.now = func() time.Time { return now }
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), tenant.NoAuth)))
	}))
	t.Cleanup(srv.Close)

	march := "window=2024-03-01T00:00:00Z,2024-04-01T00:00:00Z"
	f := func(name, path string) {
		t.Helper()
		code, body := get(t, srv, path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: status %d; body %s", path, code, body)
		}
		golden.Assert(t, name, body)
	}
	f("costs_by_root_account", "/api/v1/costs?"+march+"&groupBy=rootAccountId,rootAccountName,billingAccountId&metric=billed")
	f("costs_filter_root_account", "/api/v1/costs?"+march+`&groupBy=subAccountId&metric=billed&filter=rootAccountId:"account-1"`)
}
