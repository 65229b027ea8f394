package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/asset"
)

// cloudhealthAssetProbes are TestIsolation's probes of the CloudHealth
// assets: cost to date counts every visible bill row of the asset, of
// any month (rated rows name no asset: selectedRows), and no asset of
// another account shows, through relations either.
var cloudhealthAssetProbes = []isolationProbe{
	{"cloudhealth asset types", "/cloudhealth/api", nil},
	{"cloudhealth subscriptions", "/cloudhealth/api/search?name=AzureSubscription&api_version=2", sumField("cost_to_date", false)},
	{"cloudhealth virtual machines with their subscription", "/cloudhealth/api/search.json?name=AzureVm&api_version=2&include=subscription", sumField("cost_to_date", false)},
	{"cloudhealth resource groups by field", "/cloudhealth/api/search?name=AzureResourceGroup&api_version=2&fields=name,cost_to_date,subscription.name,subscription.subscription_id", sumField("cost_to_date", false)},
	{"cloudhealth active subscriptions, v1", "/cloudhealth/api/search?name=AzureSubscription&query=is_active=1", nil},
}

// TestCustomTagIsolation: POST /cloudhealth/v1/custom_tags as each
// caller on the virtual machine of every account. Editors tag exactly
// the machines of their accounts, and every other machine fails as one
// that does not exist; roles that do not edit content are refused whole.
// What an editor tagged shows to the callers that see the machine only.
func TestCustomTagIsolation(t *testing.T) {
	w := newWorld(t)
	var groups []string
	owner := map[int64]string{}
	for a := range accountCost {
		id := asset.ID(asset.AzureVm, strings.ToLower("/subscriptions/"+a+"/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-"+a))
		owner[id] = a
		groups = append(groups, fmt.Sprintf(`{"asset_type": "AzureVm", "ids": [%d], "tags": [{"key": "tagged-by", "value": "tagger"}]}`, id))
	}
	body := `{"tag_groups": [` + strings.Join(groups, ",") + `]}`
	for _, caller := range callers {
		req := httptest.NewRequest(http.MethodPost, "/cloudhealth/v1/custom_tags?api_key="+w.keys[strings.Split(caller, "@")[0]], strings.NewReader(strings.Replace(body, "tagger", caller, -1)))
		if _, c, ok := strings.Cut(caller, "@C"); ok {
			req.URL.RawQuery += "&client_api_id=" + c
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		scope := w.callerScope(caller)
		editor := caller == "admin" || caller == "orgB"
		if !editor {
			if rec.Code != http.StatusForbidden {
				t.Errorf("custom tags as %s: %d, want 403: %s", caller, rec.Code, rec.Body)
			}
			continue
		}
		var out struct {
			Updates []struct {
				AssetID int64 `json:"asset_id"`
			} `json:"updates"`
			Errors []struct {
				AssetID int64 `json:"asset_id"`
			} `json:"errors"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			t.Fatalf("custom tags as %s: %d %s", caller, rec.Code, rec.Body)
		}
		for _, u := range out.Updates {
			if scope != nil && !slices.Contains(scope, owner[u.AssetID]) {
				t.Errorf("custom tags as %s: tagged the machine of %s, outside its scope", caller, owner[u.AssetID])
			}
		}
		for _, e := range out.Errors {
			if scope == nil || slices.Contains(scope, owner[e.AssetID]) {
				t.Errorf("custom tags as %s: the machine of %s, in its scope, failed", caller, owner[e.AssetID])
			}
		}
		if len(out.Updates)+len(out.Errors) != len(accountCost) {
			t.Errorf("custom tags as %s: %d updates and %d errors for %d machines", caller, len(out.Updates), len(out.Errors), len(accountCost))
		}
	}
	// orgB tagged acct-b1's machine last: orgA must not see that tag
	// (nor the machine); the shared machine's tag it sees.
	for _, caller := range []string{"orgA", "custC1", "partner@C2"} {
		code, got := w.do(t, caller, http.MethodGet, "/cloudhealth/api/search?name=AzureVm&api_version=2&fields=name,tags")
		if code != http.StatusOK {
			t.Fatalf("search as %s: %d %s", caller, code, got)
		}
		if strings.Contains(got, "acct-b1") {
			t.Errorf("search as %s shows acct-b1's machine: %s", caller, got)
		}
		if caller == "orgA" && !strings.Contains(got, `"value":"orgB"`) {
			t.Errorf("search as orgA: the shared machine's tag set by orgB is missing: %s", got)
		}
	}
}

// TestCustomTagsInCosts: a custom tag set through the CloudHealth
// dialect groups the native API's costs at once (the engine's overlay,
// fed by the asset index's Covers), and a caller that does not see the
// tagged machine's account does not see the tag's group either.
func TestCustomTagsInCosts(t *testing.T) {
	w := newWorld(t)
	id := asset.ID(asset.AzureVm, strings.ToLower("/subscriptions/acct-a1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-acct-a1"))
	req := httptest.NewRequest(http.MethodPost, "/cloudhealth/v1/custom_tags?api_key="+w.keys["admin"],
		strings.NewReader(fmt.Sprintf(`{"tag_groups": [{"asset_type": "AzureVm", "ids": [%d], "tags": [{"key": "team", "value": "blue"}]}]}`, id)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"tag_value":"blue"`) {
		t.Fatalf("tagging: %d %s", rec.Code, rec.Body)
	}
	blue := func(caller string) string {
		code, body := w.do(t, caller, http.MethodGet, "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed&groupBy=tag:team")
		if code != http.StatusOK {
			t.Fatalf("costs as %s: %d %s", caller, code, body)
		}
		var out struct {
			Data []struct {
				Group map[string]string `json:"group"`
				Costs map[string]string `json:"costs"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Data {
			if r.Group["tag:team"] == "blue" {
				return r.Costs["billed"]
			}
		}
		return ""
	}
	if got, want := blue("admin"), fmt.Sprint(accountCost["acct-a1"]); got != want {
		t.Errorf("admin's costs tagged blue: %q, want acct-a1's %s", got, want)
	}
	if got := blue("orgB"); got != "" {
		t.Errorf("orgB, which does not see acct-a1, has costs tagged blue: %s", got)
	}
}
