package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/tenant"
)

// The response cache through the whole server (the engine's cache.go):
// every dialect's answer served from the cache is the uncached answer,
// byte for byte, for every caller; and every kind of change shows in the
// next answer.

// uncachedTwin is a server over the world's store with the cache off,
// opened now: it reads the state the world's server has written.
func (w *world) uncachedTwin() *world {
	twin := *w
	twin.h = Handler(Config{Store: w.st, State: w.st, Tenants: w.tenants, Clock: func() time.Time { return worldNow }, CacheBytes: -1})
	return &twin
}

// cacheCounter reads one of the cache's counters from /metrics.
func cacheCounter(t *testing.T, h http.Handler, name string) float64 {
	t.Helper()
	code, body := get(t, h, "/metrics")
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("/metrics: %d, no %s in:\n%.2000s", code, name, body)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCachedAnswersMatchUncached: every probe of the isolation suite,
// asked by every caller (and by a second key sharing orgA's scope), in a
// random order, twice: each answer, whether the cache gave it or not, is
// the byte-identical answer of a server without a cache, so no caller
// ever receives another scope's cached answer, and the second round is
// served from the cache.
func TestCachedAnswersMatchUncached(t *testing.T) {
	w := newWorld(t)
	k, _, err := w.tenants.CreateKey(context.Background(), tenant.System,
		tenant.KeySpec{Name: "a-second", Role: tenant.RoleViewer, OrgID: w.orgA})
	if err != nil {
		t.Fatal(err)
	}
	w.keys["orgA2"], w.scope["orgA2"] = k, w.scope["orgA"]
	twin := w.uncachedTwin()
	type ask struct{ path, caller string }
	var asks []ask
	for _, p := range slices.Concat(isolationProbes, cloudhealthReportProbes, cloudhealthAssetProbes, budgetProbes) {
		for _, c := range append(slices.Clone(callers), "orgA2") {
			asks = append(asks, ask{p.path, c})
		}
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("order seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := range 2 {
		rng.Shuffle(len(asks), func(i, j int) { asks[i], asks[j] = asks[j], asks[i] })
		hits := cacheCounter(t, w.h, "tally_cache_hits_total")
		for _, a := range asks {
			code, body := w.do(t, a.caller, http.MethodGet, a.path)
			wantCode, want := twin.do(t, a.caller, http.MethodGet, a.path)
			if code != wantCode || body != want {
				t.Errorf("round %d, %s as %s: cached server %d\n%s\nuncached %d\n%s", round, a.path, a.caller, code, body, wantCode, want)
			}
		}
		// A few probes are not cached (untagged progress paths, answers
		// that read no store): nine in ten is "the cache answered".
		got := cacheCounter(t, w.h, "tally_cache_hits_total") - hits
		if round == 1 && got < float64(len(asks)*9/10) {
			t.Errorf("the second round of %d questions had %v cache hits", len(asks), got)
		}
	}
	if r := cacheCounter(t, w.h, "tally_cache_hit_ratio"); r <= 0 || r >= 1 {
		t.Errorf("hit ratio %v", r)
	}
	if b := cacheCounter(t, w.h, "tally_cache_bytes"); b <= 0 || b > cacheCounter(t, w.h, "tally_cache_max_bytes") {
		t.Errorf("cache bytes %v", b)
	}
}

// TestCacheFollowsChanges: after each kind of change, through the API or
// beside it, a question answered from the cache before it is answered as
// a fresh uncached server answers it, and the answer did change.
func TestCacheFollowsChanges(t *testing.T) {
	const march = "window=2024-03-01,2024-04-01&metric=billed"
	for _, c := range []struct {
		name, path string
		change     func(t *testing.T, w *world)
	}{
		{"an import beside the API", "/api/v1/costs?" + march + "&groupBy=subAccountId", func(t *testing.T, w *world) {
			loadAzure(t, w.st, "late-bill", worldItemAt("acct-a1", time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), 1<<20))
		}},
		{"a snapshot deleted", "/api/v1/costs?" + march + "&groupBy=subAccountId", func(t *testing.T, w *world) {
			if code, body := w.do(t, "admin", http.MethodDelete, fmt.Sprintf("/api/v1/snapshots/%d", w.snapB)); code != http.StatusOK {
				t.Fatalf("delete: %d %s", code, body)
			}
		}},
		{"a subscription renamed", "/api/v1/costs?" + march + "&groupBy=subAccountName", func(t *testing.T, w *world) {
			_, body := w.do(t, "admin", http.MethodGet, "/azure-billing/api/subscriptions/")
			i := strings.Index(body, `"id":`)
			if i < 0 {
				t.Fatalf("no subscription: %s", body)
			}
			id := body[i+len(`"id":`):]
			id = id[:strings.IndexAny(id, ",}")]
			if code, out := w.send(t, "admin", http.MethodPatch, "/azure-billing/api/subscriptions/"+id+"/", `{"name": "Renamed"}`); code != http.StatusOK {
				t.Fatalf("rename: %d %s", code, out)
			}
		}},
		{"a custom tag", "/api/v1/costs?" + march + "&groupBy=tag:team", func(t *testing.T, w *world) {
			id := asset.ID(asset.AzureVm, strings.ToLower("/subscriptions/acct-a1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-acct-a1"))
			req := httptest.NewRequest(http.MethodPost, "/cloudhealth/v1/custom_tags?api_key="+w.keys["admin"],
				strings.NewReader(fmt.Sprintf(`{"tag_groups": [{"asset_type": "AzureVm", "ids": [%d], "tags": [{"key": "team", "value": "blue"}]}]}`, id)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			w.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("tagging: %d %s", rec.Code, rec.Body)
			}
		}},
		{"an exchange rate", "/api/v1/costs?" + march + "&currency=USD", func(t *testing.T, w *world) {
			rec := send(w.h, http.MethodPut, "/api/v1/exchange-rates/2024-03",
				map[string]string{"Authorization": "Bearer " + w.keys["admin"], "Content-Type": "application/json"}, `{"rates":{"EUR":"1.08"}}`)
			if rec.Code != http.StatusOK {
				t.Fatalf("rates: %d %s", rec.Code, rec.Body)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			_, before := w.do(t, "admin", http.MethodGet, c.path)
			hits := cacheCounter(t, w.h, "tally_cache_hits_total")
			if _, again := w.do(t, "admin", http.MethodGet, c.path); again != before || cacheCounter(t, w.h, "tally_cache_hits_total") == hits {
				t.Fatal("the repeated question was not answered from the cache")
			}
			c.change(t, w)
			code, after := w.do(t, "admin", http.MethodGet, c.path)
			wantCode, want := w.uncachedTwin().do(t, "admin", http.MethodGet, c.path)
			if code != wantCode || after != want {
				t.Fatalf("after the change, cached server %d\n%s\nuncached %d\n%s", code, after, wantCode, want)
			}
			if after == before {
				t.Fatalf("the change did not change the answer (the test proves nothing):\n%s", after)
			}
		})
	}
}
