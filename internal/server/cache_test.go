package server

import (
	"context"
	"errors"
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
	"github.com/tally-cost/tally/internal/store"
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
// random order, twice, and a third time while an import loads beside the
// API: each answer, whether the cache gave it or not, is
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
	var loading store.Import
	defer func() {
		if loading != nil {
			loading.Fail(context.Background(), errors.New("the test ended"))
		}
	}()
	for round := range 3 {
		if round == 2 {
			// An import loading: only listings of every status may
			// change, and each answer is still the uncached one.
			loading = beginLoading(t, w)
		}
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
		// While the import loads, most answers are still the cache's.
		got := cacheCounter(t, w.h, "tally_cache_hits_total") - hits
		if round > 0 && got < float64(len(asks)*9/10) {
			t.Errorf("round %d of %d questions had %v cache hits", round, len(asks), got)
		}
	}
	if r := cacheCounter(t, w.h, "tally_cache_hit_ratio"); r <= 0 || r >= 1 {
		t.Errorf("hit ratio %v", r)
	}
	if b := cacheCounter(t, w.h, "tally_cache_bytes"); b <= 0 || b > cacheCounter(t, w.h, "tally_cache_max_bytes") {
		t.Errorf("cache bytes %v", b)
	}
}

// beginLoading starts an import beside the API and appends an item to
// it without committing: its snapshot is loading.
func beginLoading(t *testing.T, w *world) store.Import {
	t.Helper()
	imp, err := w.st.BeginImport(context.Background(), store.ImportSpec{Source: "loading-bill", Provider: "azure", Files: []string{"loading.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Append(worldItemAt("acct-a1", time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), 1<<20)); err != nil {
		t.Fatal(err)
	}
	return imp
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

// TestImportLoadingKeepsTags: while an import loads beside the API, a
// dashboard revalidating a cost answer is answered 304 from the cache,
// and a snapshot listing shows the loading snapshot; once it commits,
// both answers change.
func TestImportLoadingKeepsTags(t *testing.T) {
	w := newWorld(t)
	costs := "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed&groupBy=subAccountId"
	ask := func(path, inm string) (int, string, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+w.keys["admin"])
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String(), rec.Header().Get("ETag")
	}
	code, before, tag := ask(costs, "")
	_, listed, listTag := ask("/api/v1/snapshots", "")
	if code != http.StatusOK || tag == "" || listTag == "" {
		t.Fatalf("costs: %d, tags %q %q", code, tag, listTag)
	}
	imp := beginLoading(t, w)
	hits := cacheCounter(t, w.h, "tally_cache_hits_total")
	if code, _, got := ask(costs, tag); code != http.StatusNotModified || got != tag {
		t.Errorf("costs revalidated while an import loads: %d, tag %q, want 304 and %q", code, got, tag)
	}
	if code, body, got := ask(costs, ""); code != http.StatusOK || body != before || got != tag {
		t.Errorf("costs while an import loads: %d, tag %q (was %q), changed: %v", code, got, tag, body != before)
	}
	if got := cacheCounter(t, w.h, "tally_cache_hits_total") - hits; got < 2 {
		t.Errorf("%v cache hits for costs asked twice while an import loads", got)
	}
	code, body, _ := ask("/api/v1/snapshots", listTag)
	if code != http.StatusOK || body == listed || !strings.Contains(body, `"loading"`) {
		t.Errorf("snapshots while an import loads: %d, changed %v:\n%s", code, body != listed, body)
	}
	if _, err := imp.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, after, got := ask(costs, tag)
	if code != http.StatusOK || after == before || got == tag {
		t.Errorf("costs after the commit: %d, tag %q (was %q), changed %v", code, got, tag, after != before)
	}
}
