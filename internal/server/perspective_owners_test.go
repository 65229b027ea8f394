package server

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/tenant"
)

const perspectivesPath = "/cloudhealth/v1/perspective_schemas"

// sendAs is w.do with a JSON body, for any caller acting for a customer
// ("admin@C1"), which world.send (registry_test.go) does not cover.
func (w *world) sendAs(t *testing.T, caller, method, path, body string) (int, string) {
	t.Helper()
	k, c, acting := strings.Cut(caller, "@C")
	if acting {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "client_api_id=" + c
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.keys[k])
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// accountsPerspective is a perspective named name that groups line items
// by account.
func accountsPerspective(name string) string {
	return `{"schema":{"name":"` + name + `","include_in_reports":"true","rules":[{"type":"categorize","asset":"AwsAsset","ref_id":"0","name":"Account","field":["subAccountId"]}]}}`
}

// seedWorldPerspectives gives the isolation world one perspective of
// organization B (1001) and one of customer C1 (1002, made by the
// administrator acting for C1), each named after an account only its
// owner sees, so that a perspective listed, read or offered as a
// dimension or an asset attribute outside its owner names a hidden
// account, which TestIsolation catches.
func seedWorldPerspectives(t *testing.T, w *world) {
	t.Helper()
	for _, s := range []struct{ caller, name, want string }{
		{"orgB", "Accounts of acct-b1", "1001"},
		{"admin@C1", "Accounts of acct-c1", "1002"},
	} {
		code, body := w.sendAs(t, s.caller, http.MethodPost, perspectivesPath, accountsPerspective(s.name))
		if code != http.StatusOK || !strings.Contains(body, "Perspective "+s.want+" created") {
			t.Fatalf("seeding %q as %s: %d %s", s.name, s.caller, code, body)
		}
	}
}

// TestPerspectiveOwnership: perspectives belong to the organization or
// partner customer whose key made them. Organizations A and B each make
// a "Teams" (names are per owner) and see only their own; a customer's
// key sees its customer's; the default organization's unscoped keys see
// all. Every use of another owner's id, in the perspective API, a
// CloudHealth report, a native groupBy or filter, a Kubecost aggregate
// or an asset attribute, answers exactly as an unknown id does.
func TestPerspectiveOwnership(t *testing.T) {
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

	create := func(caller, name string, want int) {
		t.Helper()
		if code, body := w.sendAs(t, caller, http.MethodPost, perspectivesPath, accountsPerspective(name)); code != want {
			t.Fatalf("POST %q as %s: %d %s, want %d", name, caller, code, body, want)
		}
	}
	create("editA", "Teams", 200)  // 1003
	create("orgB", "Teams", 200)   // 1004
	create("editC2", "Teams", 200) // 1005
	create("orgB", "Teams", 422)   // B's name already
	create("orgA", "Mine", 403)    // a viewer

	list := func(caller string) []string {
		t.Helper()
		code, body := w.do(t, caller, http.MethodGet, perspectivesPath)
		var got map[string]struct{ Name string }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("list as %s: %d %s", caller, code, body)
		}
		return slices.Sorted(maps.Keys(got))
	}
	all := []string{"1001", "1002", "1003", "1004", "1005"}
	sees := map[string][]string{
		"admin": all, "partner": all, // the default organization, unscoped
		"orgA": {"1003"}, "editA": {"1003"},
		"orgB":   {"1001", "1004"},
		"custC1": {"1002"}, "partner@C1": {"1002"}, "admin@C1": {"1002"},
		"custC2": {"1005"}, "editC2": {"1005"}, "partner@C2": {"1005"},
	}
	for caller, want := range sees {
		if got := list(caller); !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", caller, got, want)
		}
	}

	// same asks path as caller with the perspective id and with an id
	// that exists nowhere, and wants the same status and body (the id
	// aside): another owner's perspective is an unknown one.
	same := func(caller, method, path, id, body string, status int) {
		t.Helper()
		code, got := w.sendAs(t, caller, method, strings.ReplaceAll(path, "ID", id), body)
		ucode, unknown := w.sendAs(t, caller, method, strings.ReplaceAll(path, "ID", "4242"), body)
		if code != status || ucode != code || strings.ReplaceAll(got, id, "4242") != unknown {
			t.Errorf("%s %s as %s: %d %s\nan unknown id: %d %s\nwant both %d and alike", method, path, caller, code, got, ucode, unknown, status)
		}
	}
	const (
		window  = "2024-03-01T00:00:00Z,2024-04-01T00:00:00Z"
		report  = "/cloudhealth/olap_reports/cost/history?filters[]=time:select:2024-03&dimensions[]=Groupset-ID"
		native  = "/api/v1/costs?window=" + window + "&groupBy=perspective:ID"
		kube    = "/model/cloudCost?window=" + window + "&aggregate=perspective:ID"
		vmAttrs = "/cloudhealth/api/search?name=AzureVm&api_version=2&fields=name,attr_group__ID"
	)
	nativeFilter := "/api/v1/costs?window=" + window + "&filter=" + url.QueryEscape(`perspective[ID]:"acct-b1"`)
	kubeFilter := "/model/cloudCost?window=" + window + "&filter=" + url.QueryEscape(`perspective[ID]:"acct-b1"`)
	for _, c := range []struct{ caller, id string }{
		{"orgA", "1004"}, {"editA", "1004"}, {"orgA", "1001"}, {"orgA", "1002"},
		{"orgB", "1003"}, {"custC1", "1005"}, {"editC2", "1002"}, {"partner@C2", "1003"},
	} {
		same(c.caller, http.MethodGet, perspectivesPath+"/ID?include_version=true", c.id, "", 200)
		same(c.caller, http.MethodGet, report, c.id, "", 422)
		same(c.caller, http.MethodGet, native, c.id, "", 400)
		same(c.caller, http.MethodGet, nativeFilter, c.id, "", 400)
		same(c.caller, http.MethodGet, kube, c.id, "", 400)
		same(c.caller, http.MethodGet, kubeFilter, c.id, "", 400)
		same(c.caller, http.MethodGet, vmAttrs, c.id, "", 200)
	}
	// Writes to another owner's: the editor of A and the editor of C2
	// are refused as for an unknown id, and nothing changes.
	for _, c := range []struct{ caller, id string }{{"editA", "1004"}, {"orgB", "1003"}, {"editC2", "1002"}} {
		same(c.caller, http.MethodPut, perspectivesPath+"/ID", c.id, accountsPerspective("Taken over"), 404)
		same(c.caller, http.MethodDelete, perspectivesPath+"/ID?hard_delete=true", c.id, "", 404)
	}
	if got := list("admin"); !slices.Equal(got, all) {
		t.Errorf("after the refused writes, admin lists %v", got)
	}

	// Each owner uses its own everywhere.
	for _, c := range []struct{ caller, id string }{{"orgA", "1003"}, {"orgB", "1004"}, {"custC2", "1005"}, {"admin", "1004"}, {"admin", "1002"}} {
		for _, p := range []string{report, native, kube, vmAttrs} {
			path := strings.ReplaceAll(p, "ID", c.id)
			if code, body := w.do(t, c.caller, http.MethodGet, path); code != http.StatusOK {
				t.Errorf("GET %s as %s: %d %s", path, c.caller, code, body)
			}
		}
	}
	// org B's "Teams" groups org B's accounts.
	code, body := w.do(t, "orgB", http.MethodGet, strings.ReplaceAll(native, "ID", "1004"))
	if code != http.StatusOK || !strings.Contains(body, `"acct-b1"`) || strings.Contains(body, "acct-a1") {
		t.Errorf("org B by its perspective: %d %s", code, body)
	}

	// The report catalogue and the asset attributes offer exactly the
	// perspectives the caller sees.
	offered := func(caller, path, list, prefix string) []string {
		t.Helper()
		code, body := w.do(t, caller, http.MethodGet, path)
		var spec map[string]json.RawMessage
		var entries []struct{ Name string }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &spec) != nil || json.Unmarshal(spec[list], &entries) != nil {
			t.Fatalf("GET %s as %s: %d %s", path, caller, code, body)
		}
		var got []string
		for _, a := range entries {
			if id, ok := strings.CutPrefix(a.Name, prefix); ok {
				got = append(got, id)
			}
		}
		return got
	}
	for caller, want := range sees {
		if got := offered(caller, "/cloudhealth/olap_reports/cost/history/new", "dimensions", "Groupset-"); !slices.Equal(got, want) {
			t.Errorf("%s's report catalogue offers perspectives %v, want %v", caller, got, want)
		}
		if got := offered(caller, "/cloudhealth/api/AzureVm", "attributes", "attr_group__"); !slices.Equal(got, want) {
			t.Errorf("%s's AzureVm attributes group by %v, want %v", caller, got, want)
		}
	}

	// Owners change their own; the default organization's administrator
	// changes anyone's, and the owner stays.
	if code, body := w.sendAs(t, "editA", http.MethodPut, perspectivesPath+"/1003", accountsPerspective("A's teams")); code != 200 {
		t.Errorf("editA updates its own: %d %s", code, body)
	}
	if code, body := w.sendAs(t, "admin", http.MethodPut, perspectivesPath+"/1004", accountsPerspective("B's teams")); code != 200 {
		t.Errorf("admin updates B's: %d %s", code, body)
	}
	if code, body := w.do(t, "orgB", http.MethodGet, perspectivesPath+"/1004"); code != 200 || !strings.Contains(body, `"B's teams"`) {
		t.Errorf("org B after admin's update: %d %s", code, body)
	}
	if got := list("orgA"); !slices.Equal(got, []string{"1003"}) {
		t.Errorf("org A after admin's update of B's: %v", got)
	}
}
