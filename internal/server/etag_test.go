package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// conditionalGet sends a GET (or HEAD) as caller with If-None-Match inm
// ("" for none).
func (w *world) conditionalGet(t *testing.T, caller, method, path, inm string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+w.keys[caller])
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

// etagProbes are one cost endpoint of each dialect: the first isolation
// probe under each dialect's prefix.
func etagProbes(t *testing.T) []isolationProbe {
	var out []isolationProbe
	for _, d := range dialects() {
		i := slices.IndexFunc(slices.Concat(isolationProbes, cloudhealthReportProbes), func(p isolationProbe) bool {
			return strings.HasPrefix(p.path, d.Prefix)
		})
		if i < 0 {
			t.Fatalf("no isolation probe under %s", d.Prefix)
		}
		out = append(out, slices.Concat(isolationProbes, cloudhealthReportProbes)[i])
	}
	return out
}

// TestConditionalRequests: for one endpoint of each dialect, a GET
// answers 200 with an entity tag, the same GET with If-None-Match
// answers 304 without a body, and each kind of change (an import, a
// snapshot deleted, a perspective created, a registry entry added) makes
// the next GET a 200 with another tag.
func TestConditionalRequests(t *testing.T) {
	w := newWorld(t)
	probes := etagProbes(t)
	tags := map[string]string{}
	check := func(t *testing.T, when string) {
		t.Helper()
		for _, p := range probes {
			first := w.conditionalGet(t, "admin", http.MethodGet, p.path, tags[p.path])
			if first.Code != http.StatusOK {
				t.Fatalf("%s %s: GET with the tag of before: %d, want 200: %s", when, p.name, first.Code, first.Body)
			}
			tag := first.Header().Get("ETag")
			if tag == "" || tag == tags[p.path] {
				t.Fatalf("%s %s: tag %q, the previous was %q: want a new one", when, p.name, tag, tags[p.path])
			}
			if cc := first.Header().Get("Cache-Control"); cc != "private, no-cache" {
				t.Errorf("%s %s: Cache-Control %q", when, p.name, cc)
			}
			tags[p.path] = tag
			for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
				again := w.conditionalGet(t, "admin", http.MethodGet, p.path, inm)
				if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != tag {
					t.Errorf("%s %s: If-None-Match %s: %d, ETag %q, body %q: want 304, the tag, no body",
						when, p.name, inm, again.Code, again.Header().Get("ETag"), again.Body)
				}
			}
			head := w.conditionalGet(t, "admin", http.MethodHead, p.path, tag)
			if head.Code != http.StatusNotModified {
				t.Errorf("%s %s: HEAD with GET's tag: %d, want 304", when, p.name, head.Code)
			}
			if other := w.conditionalGet(t, "admin", http.MethodGet, p.path, `"other"`); other.Code != http.StatusOK || other.Body.Len() == 0 {
				t.Errorf("%s %s: If-None-Match of another tag: %d, want 200 with the answer", when, p.name, other.Code)
			}
		}
	}
	check(t, "at first")

	storetest.Load(t, w.st, "etag-import", worldItemAt("acct-a1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), 1))
	check(t, "after an import")

	if code, body := w.send(t, "admin", http.MethodDelete, fmt.Sprintf("/api/v1/snapshots/%d", w.snapB), ""); code != http.StatusOK {
		t.Fatalf("deleting snapshot %d: %d %s", w.snapB, code, body)
	}
	check(t, "after a delete")

	if code, body := w.sendAs(t, "admin", http.MethodPost, perspectivesPath, accountsPerspective("ETag perspective")); code != http.StatusOK {
		t.Fatalf("creating a perspective: %d %s", code, body)
	}
	check(t, "after a perspective change")

	if code, body := w.send(t, "admin", http.MethodPost, "/azure-billing/api/customers/", `{"tenant_id": "t-etag"}`); code != http.StatusCreated {
		t.Fatalf("registering a customer: %d %s", code, body)
	}
	check(t, "after a registry change")
}

// TestConditionalRequestsPerPrincipal: a scoped key's tag differs from
// an administrator's for the same URL, and neither's tag gets the other
// a 304.
func TestConditionalRequestsPerPrincipal(t *testing.T) {
	w := newWorld(t)
	for _, p := range etagProbes(t) {
		admin := w.conditionalGet(t, "admin", http.MethodGet, p.path, "").Header().Get("ETag")
		scoped := w.conditionalGet(t, "orgA", http.MethodGet, p.path, "").Header().Get("ETag")
		if admin == "" || scoped == "" || admin == scoped {
			t.Errorf("%s: admin's tag %q, orgA's %q: want two different tags", p.name, admin, scoped)
			continue
		}
		if rec := w.conditionalGet(t, "orgA", http.MethodGet, p.path, admin); rec.Code != http.StatusOK {
			t.Errorf("%s: orgA with the admin's tag: %d, want 200", p.name, rec.Code)
		}
	}
}

// TestConditionalRequestsNotOnErrors: a 4xx answer carries no tag, and
// If-None-Match: * on it still gets the error, not a 304.
func TestConditionalRequestsNotOnErrors(t *testing.T) {
	w := newWorld(t)
	for _, path := range []string{
		"/api/v1/costs?window=nonsense",
		"/model/cloudCost?window=nonsense",
		"/azure-billing/api/no-such-endpoint/",
		"/cloudkitty/v1/no-such-endpoint",
		"/cloudhealth/olap_reports/no-such-report",
	} {
		for _, inm := range []string{"", "*"} {
			rec := w.conditionalGet(t, "admin", http.MethodGet, path, inm)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("GET %s (If-None-Match %q): %d, want a 4xx", path, inm, rec.Code)
			}
			if tag := rec.Header().Get("ETag"); tag != "" {
				t.Errorf("GET %s: %d with ETag %s", path, rec.Code, tag)
			}
		}
	}
}

// TestSplitTags: If-None-Match lists, weak tags and tags with commas.
func TestSplitTags(t *testing.T) {
	for _, c := range []struct {
		header string
		want   []string
	}{
		{`"a"`, []string{`"a"`}},
		{`"a", W/"b",  "c,d"`, []string{`"a"`, `W/"b"`, `"c,d"`}},
		{`"a",,"b"`, []string{`"a"`, `"b"`}},
		{`junk, "a"`, []string{`"a"`}},
		{`"unterminated`, nil},
		{``, nil},
	} {
		if got := splitTags(c.header); !slices.Equal(got, c.want) {
			t.Errorf("splitTags(%q) = %q, want %q", c.header, got, c.want)
		}
	}
	if !matchesAny(`W/"x", "y"`, `"x"`) || matchesAny(`"xy"`, `"x"`) {
		t.Error("matchesAny: weak comparison wrong")
	}
}

// TestEntityTagInputs: each input of the tag changes it; the order of
// query parameters does not.
func TestEntityTagInputs(t *testing.T) {
	now := time.Date(2024, 6, 15, 12, 0, 30, 0, time.UTC)
	admin := &tenant.Principal{KeyID: 1, Role: tenant.RoleAdmin}
	req := func(target string, hdr ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	tag := func(gen uint64, p *tenant.Principal, r *http.Request, now time.Time) string {
		return entityTag(answerShape(p, r, now), gen)
	}
	base := tag(1, admin, req("/model/x?a=1&b=2"), now)
	if got := tag(1, admin, req("/model/x?b=2&a=1"), now); got != base {
		t.Errorf("parameter order changed the tag")
	}
	if got := tag(1, admin, req("/model/x?a=1&b=2"), now.Add(20*time.Second)); got != base {
		t.Errorf("the same minute changed the tag")
	}
	for name, tag := range map[string]string{
		"generation":      tag(2, admin, req("/model/x?a=1&b=2"), now),
		"key":             tag(1, &tenant.Principal{KeyID: 2, Role: tenant.RoleAdmin}, req("/model/x?a=1&b=2"), now),
		"customer":        tag(1, &tenant.Principal{KeyID: 1, Role: tenant.RoleAdmin, CustomerID: 3}, req("/model/x?a=1&b=2"), now),
		"path":            tag(1, admin, req("/model/y?a=1&b=2"), now),
		"query":           tag(1, admin, req("/model/x?a=1&b=3"), now),
		"repeated values": tag(1, admin, req("/model/x?a=1&a=2&b=2"), now),
		"accept":          tag(1, admin, req("/model/x?a=1&b=2", "Accept", "text/csv"), now),
		"accept-encoding": tag(1, admin, req("/model/x?a=1&b=2", "Accept-Encoding", "gzip"), now),
		"minute":          tag(1, admin, req("/model/x?a=1&b=2"), now.Add(time.Minute)),
	} {
		if tag == base {
			t.Errorf("changing the %s left the tag %s", name, tag)
		}
	}
}

// TestUntaggedPaths: GET actions and in-memory progress are never
// answered 304; cost endpoints are.
func TestUntaggedPaths(t *testing.T) {
	for path, want := range map[string]bool{
		"/model/cloudCost":                                    true,
		"/model/cloudCost/view/totals":                        true,
		"/api/v1/budgets/3/status":                            false,
		"/model/cloudCost/rebuild":                            false,
		"/model/cloudCost/repair":                             false,
		"/model/cloudCost/status":                             false,
		"/model/etl/status":                                   false,
		"/model/etl/asset/reconciliation/run":                 false,
		"/api/v1/sources/cur":                                 false,
		"/cloudkitty/v1/rating/reload_modules/":               false,
		"/cloudkitty/v2/scope":                                false,
		"/cloudhealth/v1/aws_accounts/1/generate_external_id": false,
		"/cloudkitty/v2/summary":                              true,
		"/azure-billing/api/costs/subscription-summary/":      true,
	} {
		if got := tagged(path); got != want {
			t.Errorf("tagged(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestWritesRetireTags: a tag made while a write request ran (the store
// changed, the domain package's memory not yet) is not current after it,
// even when the store's generation did not move again.
func TestWritesRetireTags(t *testing.T) {
	var writes atomic.Uint64 // engine.Engine.Changed's counter
	c := newConditionals(func(context.Context) (engine.Stamp, error) {
		return engine.Stamp{Settled: 7 + writes.Load(), All: 7 + writes.Load()}, nil
	},
		func() { writes.Add(1) }, func() time.Time { return worldNow }, slog.Default())
	h := c.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "answer") }))
	p := &tenant.Principal{KeyID: 1, Role: tenant.RoleAdmin}
	serve := func(method, inm string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/api/v1/costs", nil)
		r = r.WithContext(tenant.WithPrincipal(r.Context(), p))
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	tag := serve(http.MethodGet, "").Header().Get("ETag")
	if rec := serve(http.MethodGet, tag); rec.Code != http.StatusNotModified {
		t.Fatalf("repeated GET: %d, want 304", rec.Code)
	}
	serve(http.MethodPost, "")
	if rec := serve(http.MethodGet, tag); rec.Code != http.StatusOK || rec.Header().Get("ETag") == tag {
		t.Fatalf("GET after a write: %d, tag %s (was %s): want 200 and a new tag", rec.Code, rec.Header().Get("ETag"), tag)
	}
}
