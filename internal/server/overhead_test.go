package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// BenchmarkRequestOverhead measures what a request costs outside its
// query (issue 23): the whole handler of a server (metrics, logging,
// the guard with its key verification and rate limits, the conditional
// layer), answering a conditional GET of /api/v1/costs with 304, so that
// the dialect's handler never runs. "key" authenticates a Bearer key,
// "noauth" is a server without keys: their difference is the cost of
// authentication.
func BenchmarkRequestOverhead(b *testing.B) {
	for _, tc := range []struct {
		name   string
		noAuth bool
	}{{"key", false}, {"noauth", true}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			st, err := duckdb.Open(ctx, "", duckdb.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			tenants, err := tenant.Open(ctx, st)
			if err != nil {
				b.Fatal(err)
			}
			key, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "admin", Role: tenant.RoleAdmin})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Date(2024, 4, 10, 12, 0, 0, 0, time.UTC)
			h := Handler(Config{Store: st, State: st, Tenants: tenants, NoAuth: tc.noAuth, Clock: func() time.Time { return now }})
			get := func(inm string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/costs?window=30d&groupBy=service", nil)
				req.Header.Set("Authorization", "Bearer "+key)
				if inm != "" {
					req.Header.Set("If-None-Match", inm)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			first := get("")
			tag := first.Header().Get("ETag")
			if first.Code != http.StatusOK || tag == "" {
				b.Fatalf("first GET: %d, tag %q: %s", first.Code, tag, first.Body)
			}
			if rec := get(tag); rec.Code != http.StatusNotModified {
				b.Fatalf("conditional GET: %d, want 304", rec.Code)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if rec := get(tag); rec.Code != http.StatusNotModified {
					b.Fatalf("conditional GET: %d, want 304", rec.Code)
				}
			}
		})
	}
}
