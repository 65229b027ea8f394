package native

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestProviderSpellings: a native filter finds a provider by the CLI's
// name (aws, azure, gcp), the stored FOCUS name and Kubecost's, in any
// case; groups keep the stored names.
func TestProviderSpellings(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var items = map[string]string{"AWS": "1", "Microsoft": "2", "Google Cloud": "4", "Oracle": "8"}
	for provider, billed := range items {
		li := storetest.Item("a", "S", storetest.Day(3, 1), billed)
		li.ProviderName = provider
		storetest.Load(t, st, "src-"+provider, li)
	}
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

	groups := func(f string) map[string]string {
		t.Helper()
		v := url.Values{"window": {"2024-03-01,2024-04-01"}, "groupBy": {"provider"}, "metric": {"billed"}, "filter": {f}}
		code, body := get(t, srv, "/api/v1/costs?"+v.Encode())
		if code != http.StatusOK {
			t.Fatalf("filter=%s: %d %s", f, code, body)
		}
		var r struct {
			Data []struct {
				Group map[string]string `json:"group"`
				Costs map[string]string `json:"costs"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, g := range r.Data {
			out[g.Group["provider"]] = g.Costs["billed"]
		}
		return out
	}
	one := func(stored string) map[string]string { return map[string]string{stored: items[stored]} }
	for f, want := range map[string]map[string]string{
		`provider:"aws"`:                 one("AWS"),
		`provider:"AWS"`:                 one("AWS"),
		`provider:"Amazon Web Services"`: one("AWS"),
		`provider:"azure"`:               one("Microsoft"),
		`provider:"Azure"`:               one("Microsoft"),
		`provider:"MICROSOFT"`:           one("Microsoft"),
		`provider:"gcp"`:                 one("Google Cloud"),
		`provider:"GCP"`:                 one("Google Cloud"),
		`provider:"google cloud"`:        one("Google Cloud"),
		`provider:"oracle"`:              one("Oracle"),
		`provider<~:"goo"`:               one("Google Cloud"),
		`provider:"aws","gcp"`:           {"AWS": "1", "Google Cloud": "4"},
		`provider!:"azure"`:              {"AWS": "1", "Google Cloud": "4", "Oracle": "8"},
		`provider:"nimbus"`:              {},
	} {
		got := groups(f)
		if len(got) != len(want) {
			t.Errorf("filter=%s: %v, want %v", f, got, want)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("filter=%s: %v, want %v", f, got, want)
			}
		}
	}
}
