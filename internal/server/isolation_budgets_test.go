package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// budgetProbes are TestIsolation's probes of the forecast and the
// anomalies: the forecast's actual spend is the caller's own March, and
// the anomalies (each account's first April day after a fortnight of
// none, flagged as new spend) name only the caller's accounts and add
// up to its own April row.
var budgetProbes = []isolationProbe{
	{"native forecast of March", "/api/v1/forecast?window=2024-03-01,2024-04-01&metric=billed", sumSeries("actual")},
	{"native forecast of March by a filter naming every account", `/api/v1/forecast?window=2024-03-01,2024-04-01&filter=subAccountId<~:"acct"`, sumSeries("actual")},
	{"native anomalies by account", "/api/v1/anomalies?window=2024-03-15,2024-04-02&groupBy=subAccountId", sumSeries("cost")},
	{"native anomalies by service, every account", `/api/v1/anomalies?window=2024-03-15,2024-04-02&filter=subAccountId<~:"acct"`, sumSeries("cost")},
	{"native budgets", "/api/v1/budgets", nil},
}

// sumSeries adds up field (a decimal string) over the data array.
func sumSeries(field string) func(string) (int, error) {
	return func(body string) (int, error) {
		var out struct {
			Data []map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return 0, err
		}
		sum := 0
		for _, d := range out.Data {
			s, ok := d[field].(string)
			if !ok {
				return 0, fmt.Errorf("data without %s: %v", field, d)
			}
			n, err := exactInt(s)
			if err != nil {
				return 0, err
			}
			sum += n
		}
		return sum, nil
	}
}

// TestBudgetIsolation: a budget is its creator's organization's. The
// administrator's budget over acct-c1 (its filter names the account) is
// seen only by callers that see every account; organization B's budget
// only by B (and by those unscoped callers); nobody else learns either
// exists, and nobody outside B changes B's.
func TestBudgetIsolation(t *testing.T) {
	w := newWorld(t)
	if code, body := w.doBody(t, "admin", http.MethodPost, "/api/v1/budgets", `{"name":"C1's account","filter":"subAccountId:\"acct-c1\"","amount":"100","currency":"USD"}`); code != http.StatusCreated {
		t.Fatalf("admin's budget: %d %s", code, body)
	}
	if code, body := w.doBody(t, "orgB", http.MethodPost, "/api/v1/budgets", `{"name":"Team B","amount":"50","currency":"USD"}`); code != http.StatusCreated {
		t.Fatalf("B's budget: %d %s", code, body)
	}
	for _, caller := range callers {
		code, body := w.do(t, caller, http.MethodGet, "/api/v1/budgets")
		if code != http.StatusOK {
			t.Errorf("budgets as %s: %d %s", caller, code, body)
			continue
		}
		all := w.callerScope(caller) == nil
		if got := strings.Contains(body, "acct-c1"); got != all {
			t.Errorf("budgets as %s: shows the acct-c1 budget %v, want %v: %s", caller, got, all, body)
		}
		if got, want := strings.Contains(body, "Team B"), all || caller == "orgB"; got != want {
			t.Errorf("budgets as %s: shows B's budget %v, want %v: %s", caller, got, want, body)
		}
		for _, path := range []string{"/api/v1/budgets/1", "/api/v1/budgets/2/status"} {
			code, body := w.do(t, caller, http.MethodGet, path)
			want := http.StatusNotFound
			if all || (caller == "orgB" && strings.HasPrefix(path, "/api/v1/budgets/2")) {
				want = http.StatusOK
			}
			if code != want {
				t.Errorf("GET %s as %s: %d, want %d: %s", path, caller, code, want, body)
			}
		}
	}
	if code, body := w.do(t, "orgA", http.MethodDelete, "/api/v1/budgets/2"); code != http.StatusForbidden {
		t.Errorf("a viewer of A deleting B's budget: %d %s", code, body)
	}
	if code, body := w.doBody(t, "orgB", http.MethodPut, "/api/v1/budgets/1", `{"name":"Mine","amount":"1","currency":"USD"}`); code != http.StatusNotFound {
		t.Errorf("B replacing the admin's budget: %d %s", code, body)
	}
}
