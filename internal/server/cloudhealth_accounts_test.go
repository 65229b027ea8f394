package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/tenant"
)

// doBody is world.do with a JSON body.
func (w *world) doBody(t *testing.T, caller, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.keys[caller])
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestCloudHealthAccountIsolation: the isolation world, with AWS
// accounts enabled for owner ids that organization A, organization B,
// both, and customer C1 see. Each caller lists exactly the accounts of
// its scope, gets 404 for the others by id, and only whole-scope
// editors write; each organization has its own External ID. Saved
// reports are their organization's: another organization, a customer
// and a viewer of the same organization are told apart.
func TestCloudHealthAccountIsolation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	owners := map[string]string{"onlyA": "111111111111", "onlyB": "222222222222", "both": "333333333333", "c1": "444444444444"}
	if _, err := w.tenants.SetOrgAccounts(ctx, tenant.System, w.orgA, tenant.AssignAdd, tenant.Accounts{tenant.AWSAccounts: {owners["onlyA"], owners["both"]}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.tenants.SetOrgAccounts(ctx, tenant.System, w.orgB, tenant.AssignAdd, tenant.Accounts{tenant.AWSAccounts: {owners["onlyB"], owners["both"]}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.tenants.Customers(tenant.System) {
		if c.Name == "C1" {
			if _, err := w.tenants.SetCustomerAccounts(ctx, tenant.System, c.ID, tenant.AssignAdd, []string{owners["c1"]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const accts = "/cloudhealth/v1/aws_accounts"
	ids := map[string]int64{} // owner id -> account id
	for _, label := range []string{"onlyA", "onlyB", "both", "c1"} {
		code, body := w.doBody(t, "admin", "POST", accts, fmt.Sprintf(`{"name": "Account %s", "owner_id": %q}`, owners[label], owners[label]))
		var out struct{ ID int64 }
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("POST %s: %d %s", label, code, body)
		}
		ids[owners[label]] = out.ID
	}
	sees := map[string][]string{
		"admin": {"onlyA", "onlyB", "both", "c1"}, "partner": {"onlyA", "onlyB", "both", "c1"},
		"orgA": {"onlyA", "both"}, "orgB": {"onlyB", "both"}, "custC1": {"c1"}, "custC2": {},
		"partner@C1": {"c1"}, "partner@C2": {},
	}
	for _, caller := range callers {
		code, body := w.do(t, caller, "GET", accts+"?per_page=100")
		if code != http.StatusOK {
			t.Errorf("list as %s: %d %s", caller, code, body)
			continue
		}
		var got []string
		for label, owner := range owners {
			if strings.Contains(body, owner) {
				got = append(got, label)
			}
			if !slices.Contains(sees[caller], label) {
				if code, body := w.do(t, caller, "GET", fmt.Sprintf("%s/%d", accts, ids[owner])); code != http.StatusNotFound {
					t.Errorf("GET the account of %s as %s: %d %s, want 404", label, caller, code, body)
				}
			}
		}
		want := slices.Clone(sees[caller])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("list as %s shows %v, want %v:\n%s", caller, got, want, body)
		}
	}
	for _, caller := range []string{"orgA", "orgB", "custC1", "partner"} {
		path := fmt.Sprintf("%s/%d", accts, ids[owners["both"]])
		if code, body := w.doBody(t, caller, "PUT", path, `{"name": "Taken over"}`); code != http.StatusForbidden {
			t.Errorf("PUT as %s: %d %s, want 403", caller, code, body)
		}
		if code, body := w.do(t, caller, "DELETE", path); code != http.StatusForbidden {
			t.Errorf("DELETE as %s: %d %s, want 403", caller, code, body)
		}
	}
	external := map[string]bool{}
	for _, caller := range []string{"admin", "orgA", "orgB", "custC1"} {
		code, body := w.do(t, caller, "GET", accts+"/:id/generate_external_id")
		if code != http.StatusOK || external[body] {
			t.Errorf("External ID as %s: %d %s; want one of its own", caller, code, body)
		}
		external[body] = true
	}

	// Saved reports: organization B's editor saves one. Keys of the
	// default organization that see every account (admin, partner) see
	// it, as they see every account's costs.
	code, body := w.doBody(t, "orgB", "POST", "/api/v1/reports", `{"name": "B's report", "query": "measures[]=cost"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST a report as orgB: %d %s", code, body)
	}
	var rep struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	for _, caller := range callers {
		want := caller == "admin" || caller == "partner" || caller == "orgB"
		code, body := w.do(t, caller, "GET", "/api/v1/reports")
		if code != http.StatusOK || strings.Contains(body, "B's report") != want {
			t.Errorf("list reports as %s: %d %s; want the report shown: %v", caller, code, body, want)
		}
		code, body = w.do(t, caller, "GET", fmt.Sprintf("/api/v1/reports/%d", rep.ID))
		if (code == http.StatusOK) != want || (!want && code != http.StatusNotFound) {
			t.Errorf("get report as %s: %d %s", caller, code, body)
		}
	}
	if code, body := w.doBody(t, "orgA", "POST", "/api/v1/reports", `{"name": "A's", "query": "measures[]=cost"}`); code != http.StatusForbidden {
		t.Errorf("POST a report as orgA's viewer: %d %s, want 403", code, body)
	}
}

// TestSavedReportInCloudHealth: a report saved through the native API
// is the CloudHealth dialect's custom report, for its organization
// only: get_query gives back its name and query, the custom catalogue
// links it, and another organization gets 404 for both.
func TestSavedReportInCloudHealth(t *testing.T) {
	w := newWorld(t)
	const q = "dimensions[]=time&measures[]=cost&interval=monthly&filters[]=time:select:-1"
	code, body := w.doBody(t, "orgB", "POST", "/api/v1/reports", `{"name": "B monthly", "query": "`+q+`"}`)
	var rep struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &rep) != nil {
		t.Fatalf("POST a report as orgB: %d %s", code, body)
	}
	custom := fmt.Sprintf("/cloudhealth/olap_reports/custom/%d", rep.ID)
	code, body = w.do(t, "orgB", "GET", custom+"?get_query=true")
	var got struct{ Query string }
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Query != "report=B monthly?"+q {
		t.Errorf("get_query as orgB: %d %s", code, body)
	}
	if code, body := w.do(t, "orgB", "GET", custom); code != http.StatusOK || !strings.Contains(body, `"report": "B monthly"`) && !strings.Contains(body, `"report":"B monthly"`) {
		t.Errorf("the custom report as orgB: %d %s", code, body)
	}
	link := fmt.Sprintf("custom/%d", rep.ID)
	if code, body := w.do(t, "orgB", "GET", "/cloudhealth/olap_reports/custom"); code != http.StatusOK || !strings.Contains(body, link) {
		t.Errorf("the custom catalogue as orgB: %d %s, want a link to %s", code, body, link)
	}
	for _, caller := range []string{"orgA", "custC1", "partner@C1"} {
		if code, body := w.do(t, caller, "GET", custom+"?get_query=true"); code != http.StatusNotFound {
			t.Errorf("get_query as %s: %d %s, want 404", caller, code, body)
		}
		if code, body := w.do(t, caller, "GET", "/cloudhealth/olap_reports/custom"); code != http.StatusOK || strings.Contains(body, link) {
			t.Errorf("the custom catalogue as %s: %d %s, without %s", caller, code, body, link)
		}
	}
}
