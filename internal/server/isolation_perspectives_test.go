package server

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/tenant"
)

// nativePerspectives is the native API's perspectives path.
const nativePerspectives = "/api/v1/perspectives"

// accountsSchema is accountsPerspective in the native API's flat form.
func accountsSchema(name string) string {
	return `{"name":"` + name + `","rules":[{"type":"categorize","asset":"AwsAsset","name":"Account","field":["subAccountId"]}]}`
}

// TestNativePerspectiveIsolation: /api/v1/perspectives reads the book
// the CloudHealth dialect does with its owners and viewers. Every caller
// lists, through the native API, exactly the ids the CloudHealth list
// gives it; another owner's id answers every native call as an unknown
// id does and nothing changes; and the preview of an unsaved perspective
// adds up to the caller's own March and names no account it may not see.
func TestNativePerspectiveIsolation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for caller, spec := range map[string]tenant.KeySpec{
		"editA":  {Name: "edit-a", Role: tenant.RoleEditor, OrgID: w.orgA},
		"editC2": {Name: "edit-c2", Role: tenant.RoleEditor, CustomerID: w.c2},
	} {
		k, _, err := w.tenants.CreateKey(ctx, tenant.System, spec)
		if err != nil {
			t.Fatal(err)
		}
		w.keys[caller] = k
	}
	// 1001 (B) and 1002 (C1) are the world's; these are 1003 to 1005.
	for _, caller := range []string{"editA", "orgB", "editC2"} {
		if code, body := w.sendAs(t, caller, http.MethodPost, nativePerspectives, accountsSchema("Teams")); code != http.StatusCreated {
			t.Fatalf("POST as %s: %d %s", caller, code, body)
		}
	}
	if code, body := w.sendAs(t, "orgA", http.MethodPost, nativePerspectives, accountsSchema("Mine")); code != http.StatusForbidden {
		t.Errorf("POST as a viewer: %d %s", code, body)
	}

	nativeList := func(caller string) []string {
		t.Helper()
		code, body := w.sendAs(t, caller, http.MethodGet, nativePerspectives, "")
		var got struct{ Data []struct{ ID string } }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("native list as %s: %d %s", caller, code, body)
		}
		ids := []string{}
		for _, p := range got.Data {
			ids = append(ids, p.ID)
		}
		return ids
	}
	chList := func(caller string) []string {
		t.Helper()
		code, body := w.sendAs(t, caller, http.MethodGet, perspectivesPath, "")
		var got map[string]struct{ Name string }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("CloudHealth list as %s: %d %s", caller, code, body)
		}
		return slices.Sorted(maps.Keys(got))
	}
	for _, caller := range append(slices.Clone(callers), "editA", "editC2", "admin@C1") {
		nat, ch := nativeList(caller), chList(caller)
		if !slices.Equal(nat, ch) {
			t.Errorf("%s lists %v natively, %v through CloudHealth", caller, nat, ch)
		}
		if caller == "admin" && len(nat) != 5 {
			t.Errorf("admin lists %v, want all five", nat)
		}
	}

	// Another owner's id answers as one that exists nowhere.
	same := func(caller, method, path, id, body string, status int) {
		t.Helper()
		code, got := w.sendAs(t, caller, method, strings.ReplaceAll(path, "ID", id), body)
		ucode, unknown := w.sendAs(t, caller, method, strings.ReplaceAll(path, "ID", "4242"), body)
		if code != status || ucode != code || strings.ReplaceAll(got, id, "4242") != unknown {
			t.Errorf("%s %s as %s: %d %s\nan unknown id: %d %s\nwant both %d and alike", method, path, caller, code, got, ucode, unknown, status)
		}
	}
	for _, c := range []struct{ caller, id string }{
		{"orgA", "1004"}, {"editA", "1004"}, {"orgA", "1001"}, {"orgA", "1002"},
		{"orgB", "1003"}, {"custC1", "1005"}, {"editC2", "1002"}, {"partner@C2", "1003"},
	} {
		same(c.caller, http.MethodGet, nativePerspectives+"/ID", c.id, "", 404)
	}
	for _, c := range []struct{ caller, id string }{{"editA", "1004"}, {"orgB", "1003"}, {"editC2", "1002"}} {
		same(c.caller, http.MethodPut, nativePerspectives+"/ID", c.id, accountsSchema("Taken over"), 404)
		same(c.caller, http.MethodDelete, nativePerspectives+"/ID?hard=true", c.id, "", 404)
	}
	if got := nativeList("admin"); len(got) != 5 {
		t.Errorf("after the refused writes, admin lists %v", got)
	}
	if code, body := w.sendAs(t, "admin", http.MethodGet, nativePerspectives+"/1004", ""); code != http.StatusOK || !strings.Contains(body, `"Teams"`) {
		t.Errorf("B's perspective after the refused writes: %d %s", code, body)
	}

	// The preview of a perspective by account: each caller's groups are
	// its own accounts, adding up to its own March.
	for _, filter := range []string{"", `,"filter":"subAccountId<~:\"acct\""`} {
		body := `{"schema":` + accountsSchema("Preview") + `,"window":"2024-03-01,2024-04-01","metric":"billed"` + filter + `}`
		for _, caller := range callers {
			code, out := w.sendAs(t, caller, http.MethodPost, nativePerspectives+"/preview", body)
			if code != http.StatusOK {
				t.Errorf("preview%s as %s: %d %s", filter, caller, code, out)
				continue
			}
			want, hidden := w.expected(caller, selectedRows(t, "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed"))
			for _, h := range hidden {
				if strings.Contains(out, `"`+h+`"`) {
					t.Errorf("preview%s as %s names %s, outside its scope: %s", filter, caller, h, out)
				}
			}
			var res struct {
				Groups []struct {
					Costs map[string]string `json:"costs"`
				} `json:"groups"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("preview as %s: %v", caller, err)
			}
			got := 0
			for _, g := range res.Groups {
				n, err := exactInt(g.Costs["billed"])
				if err != nil {
					t.Fatalf("preview as %s: %v", caller, err)
				}
				got += n
			}
			if got != want {
				t.Errorf("preview%s as %s: total %d, want %d", filter, caller, got, want)
			}
		}
	}
}
