package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/api/native"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

func authServer(t *testing.T, limits Limits, extra ...Dialect) (http.Handler, string) {
	t.Helper()
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
	key, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "viewer", Role: tenant.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	return Handler(Config{Store: st, State: st, Tenants: tenants, Limits: limits, Extra: extra}), key
}

func send(h http.Handler, method, target string, header map[string]string, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestUnauthenticatedBodies: each dialect answers 401 in its own error
// format, with the texts its clients know.
func TestUnauthenticatedBodies(t *testing.T) {
	h, _ := authServer(t, Limits{})
	bad := map[string]string{"Authorization": "Bearer tly_000000000000_" + strings.Repeat("0", 64)}
	cases := []struct {
		path   string
		header map[string]string
		want   string
	}{
		{"/api/v1/costs", nil, `"status": 401,` + "\n" + `    "message": "authentication required"`},
		{"/api/v1/costs", bad, `"message": "invalid or revoked API key"`},
		{"/model/cloudCost", nil, `{"code":401,"data":null,"message":"authentication required"}`},
		{"/cloudkitty/v1/report/total", nil, `{"debuginfo":null,"faultcode":"Client","faultstring":"The request you have made requires authentication."}`},
		{"/cloudkitty/v2/summary", bad, `{"message":"The request you have made requires authentication."}`},
		{"/cloudhealth/olap_reports", nil, `{"error":"You need to sign in or sign up before continuing"}`},
		{"/azure-billing/api/snapshots/", nil, `{"detail":"Authentication credentials were not provided."}`},
		{"/azure-billing/api/snapshots/", map[string]string{"Authorization": "Token bogus"}, `{"detail":"Invalid token."}`},
	}
	for _, c := range cases {
		rec := send(h, http.MethodGet, c.path, c.header, "")
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("GET %s: %d %s, want 401 with %s", c.path, rec.Code, rec.Body, c.want)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: Content-Type %q", c.path, ct)
		}
	}
	// Public paths need no key.
	for _, p := range append([]string{"/healthz", "/readyz", "/metrics", "/"}, native.Public...) {
		if rec := send(h, http.MethodGet, p, nil, ""); rec.Code != 200 {
			t.Errorf("public %s: %d", p, rec.Code)
		}
	}
}

// TestAzureBillingUnauthenticated: the Azure billing API answers 401 as
// DRF's TokenAuthentication does: WWW-Authenticate names the Token
// scheme, and a Token header without exactly one credential gets DRF's
// text for it. The other dialects' 401s stay as they were, without the
// header.
func TestAzureBillingUnauthenticated(t *testing.T) {
	h, key := authServer(t, Limits{})
	const path = "/azure-billing/api/snapshots/"
	for _, c := range []struct{ authorization, want string }{
		{"", `{"detail":"Authentication credentials were not provided."}`},
		{"Token bogus", `{"detail":"Invalid token."}`},
		{"Token", `{"detail":"Invalid token header. No credentials provided."}`},
		{"token   ", `{"detail":"Invalid token header. No credentials provided."}`},
		{"Token " + key + " extra", `{"detail":"Invalid token header. Token string should not contain spaces."}`},
	} {
		header := map[string]string{}
		if c.authorization != "" {
			header["Authorization"] = c.authorization
		}
		rec := send(h, http.MethodGet, path, header, "")
		if rec.Code != http.StatusUnauthorized || strings.TrimSpace(rec.Body.String()) != c.want || rec.Header().Get("WWW-Authenticate") != "Token" {
			t.Errorf("Authorization %q: %d %q %s, want 401 with WWW-Authenticate Token and %s",
				c.authorization, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body, c.want)
		}
	}
	if rec := send(h, http.MethodGet, path, map[string]string{"Authorization": "Token " + key}, ""); rec.Code != 200 {
		t.Errorf("a good token: %d %s", rec.Code, rec.Body)
	}
	for _, p := range []string{"/api/v1/costs", "/model/cloudCost", "/cloudkitty/v2/summary", "/cloudhealth/olap_reports"} {
		for _, a := range []string{"", "Token"} {
			rec := send(h, http.MethodGet, p, map[string]string{"Authorization": a}, "")
			if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != "" || strings.Contains(rec.Body.String(), "token header") {
				t.Errorf("GET %s with %q: %d %q %s", p, a, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
			}
		}
	}
}

// TestKeyForms: every way a dialect's clients send a key works.
func TestKeyForms(t *testing.T) {
	h, key := authServer(t, Limits{})
	for _, c := range []struct {
		name, target string
		header       map[string]string
	}{
		{"bearer", "/api/v1/me", map[string]string{"Authorization": "Bearer " + key}},
		{"lowercase bearer", "/api/v1/me", map[string]string{"Authorization": "bearer " + key}},
		{"DRF token", "/api/v1/me", map[string]string{"Authorization": "Token " + key}},
		{"bare", "/api/v1/me", map[string]string{"Authorization": key}},
		{"X-Auth-Token", "/api/v1/me", map[string]string{"X-Auth-Token": key}},
		{"api_key", "/api/v1/me?api_key=" + key, nil},
	} {
		rec := send(h, http.MethodGet, c.target, c.header, "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name": "viewer"`) {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}
}

func TestForbiddenIsExplained(t *testing.T) {
	h, key := authServer(t, Limits{})
	rec := send(h, http.MethodPost, "/api/v1/organizations", map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}, `{"name":"x"}`)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "the viewer role may not administer") {
		t.Fatalf("viewer creating an organization: %d %s", rec.Code, rec.Body)
	}
}

func TestLimits(t *testing.T) {
	echo := Dialect{Prefix: "/echo/", Error: native.WriteError, Rates: []RateLimit{{Method: http.MethodPost, PathPrefix: "/echo/metrics", Limit: 3, Window: time.Minute}}}
	h, key := authServer(t, Limits{MaxBody: 100, Timeout: time.Second}, echo)
	auth := map[string]string{"Authorization": "Bearer " + key}

	long := "/api/v1/costs?filter=" + strings.Repeat("x", 4000)
	if rec := send(h, http.MethodGet, long, auth, ""); rec.Code != http.StatusRequestURITooLong {
		t.Errorf("long URI: %d %s", rec.Code, rec.Body)
	}
	if rec := send(h, http.MethodPost, "/echo/x", auth, strings.Repeat("a", 101)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the limit: %d %s", rec.Code, rec.Body)
	}
	// A body without a declared length is cut off while it is read.
	req := httptest.NewRequest(http.MethodPost, "/echo/x", io.MultiReader(strings.NewReader(strings.Repeat("a", 200))))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed body over the limit: %d %s", rec.Code, rec.Body)
	}
	if rec := send(h, http.MethodPost, "/echo/x", auth, strings.Repeat("a", 100)); rec.Code != 200 || !strings.Contains(rec.Body.String(), "deadline: true body: 100") {
		t.Errorf("body at the limit: %d %s", rec.Code, rec.Body)
	}

	for i := 1; i <= 4; i++ {
		rec := send(h, http.MethodPost, "/echo/metrics", auth, "{}")
		if i <= 3 && rec.Code != 200 {
			t.Fatalf("POST %d within the rate limit: %d %s", i, rec.Code, rec.Body)
		}
		if i == 4 {
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "rate limit exceeded") {
				t.Fatalf("POST over the rate limit: %d %v %s", rec.Code, rec.Header(), rec.Body)
			}
		}
	}
	// Other methods and paths are not counted.
	if rec := send(h, http.MethodGet, "/echo/metrics", auth, ""); rec.Code != 200 {
		t.Fatalf("GET beside a POST rate limit: %d", rec.Code)
	}
}

func TestRateWindowResets(t *testing.T) {
	l := newRateLimiter()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	d := Dialect{Prefix: "/x/", Rates: []RateLimit{{Method: "POST", PathPrefix: "/x/", Limit: 2, Window: time.Minute}}}
	req := httptest.NewRequest("POST", "/x/m", nil)
	a, b := &tenant.Principal{KeyID: 1}, &tenant.Principal{KeyID: 2}
	for i, want := range []bool{true, true, false} {
		if err := l.allow(d, req, a); (err == nil) != want {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if err := l.allow(d, req, b); err != nil {
		t.Fatalf("another key shares the limit: %v", err)
	}
	now = now.Add(59 * time.Second)
	if err := l.allow(d, req, a); err == nil || !strings.Contains(err.Error(), "retry in 1 s") {
		t.Fatalf("at 59 s: %v", err)
	}
	now = now.Add(time.Second)
	if err := l.allow(d, req, a); err != nil {
		t.Fatalf("new window: %v", err)
	}
}

func TestCredentials(t *testing.T) {
	f := func(header map[string]string, target, wantKey, wantFor string) {
		t.Helper()
		req := httptest.NewRequest("GET", target, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if k, f := credentials(req); k != wantKey || f != wantFor {
			t.Errorf("credentials(%v %s) = %q, %q; want %q, %q", header, target, k, f, wantKey, wantFor)
		}
	}
	f(nil, "/x", "", "")
	f(map[string]string{"Authorization": "Bearer k"}, "/x", "k", "")
	f(map[string]string{"Authorization": "Basic abc"}, "/x", "Basic abc", "")
	f(map[string]string{"Authorization": "Bearer k"}, "/x?api_key=k", "k", "")
	// CloudHealth partners: the partner's key in the header, the customer
	// id as api_key.
	f(map[string]string{"Authorization": "Bearer k"}, "/x?api_key=1234", "k", "1234")
	f(map[string]string{"X-Auth-Token": "t"}, "/x", "t", "")
	f(nil, "/x?api_key=q", "q", "")
}
