package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// The account-list writes: every write that sets a customer's or an
// organization's accounts, with bodies that leave lists empty, null or
// missing. Whatever a write answers, the keys it affects must then see
// exactly the accounts the answer gives them (none, for an empty list:
// total 0 on every data probe), and a refused write must change nothing.
// The suite does not decide whether a body without a list is an error or
// an empty list; it holds the server to what it answered.

// accountWrite is one write, and the status it must answer (0: the body
// is ambiguous, so either 200 or 400 will do).
type accountWrite struct {
	writer, method, body string
	want                 int
}

// dataProbes are the isolation probes asked after each write: totals in
// every dialect, and the lists that name accounts.
var dataProbes = []string{
	"native costs", "native costs by account", "native snapshots",
	"kubecost cloudCost", "kubecost totals view", "kubecost table view as CSV",
	"azure billing cost entries", "azure billing subscription summary", "azure billing subscriptions",
}

// checkProbes asks the data probes as each caller and checks them
// against the world's scopes.
func (w *world) checkProbes(t *testing.T, log *cases, what string, affected []string) {
	t.Helper()
	for _, p := range isolationProbes {
		if !slices.Contains(dataProbes, p.name) {
			continue
		}
		total := p.total
		if total == nil {
			total = func(string) (int, error) { return 0, nil }
		}
		for _, caller := range affected {
			set := selectedRows(t, p.path)
			if p.total == nil {
				set = func(row) bool { return false } // names only
			}
			w.checkTotal(t, log, caller, p.path, what+", then "+p.name, set, total)
		}
	}
}

func TestCustomerAccountWrites(t *testing.T) {
	w := newWorld(t)
	path := "/api/v1/customers/1/accounts"
	var writes []accountWrite
	for _, writer := range []string{"admin", "partner"} {
		writes = append(writes,
			accountWrite{writer, http.MethodPut, `{}`, 0},
			accountWrite{writer, http.MethodPut, `{"ids":null}`, 0},
			accountWrite{writer, http.MethodPut, `{"accounts":null,"ids":null}`, 0},
			accountWrite{writer, http.MethodPut, `{"ids":[]}`, http.StatusOK},
			accountWrite{writer, http.MethodPut, `{"ids":["acct-c1","acct-a1"]}`, http.StatusOK},
			accountWrite{writer, http.MethodPut, `{"ids":["acct-c2"]}`, http.StatusConflict}, // C2's
			accountWrite{writer, http.MethodPut, `{"ids":[null]}`, 0},
			accountWrite{writer, http.MethodPut, `{"ids":[""]}`, http.StatusBadRequest},
			accountWrite{writer, http.MethodPut, `{"aws_accounts":null}`, http.StatusBadRequest},
			accountWrite{writer, http.MethodPut, `null`, 0},
			accountWrite{writer, http.MethodPatch, `{"accounts":"add"}`, 0},
			accountWrite{writer, http.MethodPatch, `{"accounts":"add","ids":null}`, 0},
			accountWrite{writer, http.MethodPatch, `{"accounts":"add","ids":[]}`, http.StatusOK},
			accountWrite{writer, http.MethodPatch, `{"accounts":"remove","ids":null}`, 0},
			accountWrite{writer, http.MethodPatch, `{"accounts":"remove","ids":["acct-c1"]}`, http.StatusOK},
			accountWrite{writer, http.MethodPatch, `{"accounts":"add","ids":["acct-b1"]}`, http.StatusOK},
			accountWrite{writer, http.MethodPatch, `{"ids":["acct-b1"]}`, http.StatusBadRequest},
		)
	}
	for _, c := range writes {
		t.Run(c.method+" "+c.body+" as "+c.writer, func(t *testing.T) {
			log := cases{t: t}
			w.customerWrite(t, &log, path, c)
			log.done()
		})
		// Back to the world's assignment for the next write.
		if code, body := w.send(t, "admin", http.MethodPut, path, `{"ids":["acct-c1"]}`); code != http.StatusOK {
			t.Fatalf("restoring C1's accounts: %d %s", code, body)
		}
		w.customers["C1"], w.scope["custC1"] = []string{"acct-c1"}, []string{"acct-c1"}
	}
}

// customerWrite sends one write of customer C1's accounts and checks
// what its keys and the partner acting for it then see.
func (w *world) customerWrite(t *testing.T, log *cases, path string, c accountWrite) {
	t.Helper()
	what := fmt.Sprintf("%s %s %s as %s", c.method, path, c.body, c.writer)
	code, body := w.send(t, c.writer, c.method, path, c.body)
	if !statusAsWanted(code, c.want) {
		log.fail("%s: %d, want %s: %s", what, code, wantText(c.want), body)
	}
	if code == http.StatusOK {
		var out struct {
			Accounts []string `json:"accounts"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || out.Accounts == nil {
			log.fail("%s: the answer gives no account list: %v %s", what, err, body)
			return
		}
		w.customers["C1"], w.scope["custC1"] = out.Accounts, out.Accounts
		// The administrator reads back what the answer said.
		if got := w.customerAccounts(t, "1"); !sameSet(got, out.Accounts) {
			log.fail("%s: answered accounts %v, then GET shows %v", what, out.Accounts, got)
		}
	} else if got := w.customerAccounts(t, "1"); !sameSet(got, w.customers["C1"]) {
		log.fail("%s: refused with %d, but the accounts changed from %v to %v", what, code, w.customers["C1"], got)
		w.customers["C1"], w.scope["custC1"] = got, got
	}
	w.checkProbes(t, log, what, []string{"custC1", "partner@C1", "custC2", "partner@C2"})
}

func TestOrganizationAccountWrites(t *testing.T) {
	w := newWorld(t)
	path := fmt.Sprintf("/api/v1/organizations/%d/accounts", w.orgA)
	original := `{"aws_accounts":["acct-a1","acct-a2","acct-shared"]}`
	writes := []accountWrite{
		{"admin", http.MethodPut, `{}`, 0},
		{"admin", http.MethodPut, `{"aws_accounts":null}`, 0},
		{"admin", http.MethodPut, `{"aws_accounts":[]}`, http.StatusOK},
		{"admin", http.MethodPut, `{"azure_subscriptions":null}`, 0},
		{"admin", http.MethodPut, `{"gcp_compute_projects":null,"data_center_accounts":null}`, 0},
		{"admin", http.MethodPut, `{"aws_accounts":null,"azure_subscriptions":null,"gcp_compute_projects":null,"data_center_accounts":null}`, 0},
		{"admin", http.MethodPut, `{"aws_accounts":[],"azure_subscriptions":[],"gcp_compute_projects":[],"data_center_accounts":[]}`, http.StatusOK},
		{"admin", http.MethodPut, `{"aws_accounts":null,"azure_subscriptions":["acct-a2"]}`, http.StatusOK},
		{"admin", http.MethodPut, `{"gcp_compute_projects":["acct-c1"],"data_center_accounts":null}`, http.StatusOK},
		{"admin", http.MethodPut, `{"aws_accounts":[null]}`, 0},
		{"admin", http.MethodPut, `{"ids":null}`, http.StatusBadRequest},
		{"admin", http.MethodPut, `null`, 0},
		{"admin", http.MethodPatch, `{"accounts":"add"}`, 0},
		{"admin", http.MethodPatch, `{"accounts":"add","aws_accounts":null}`, 0},
		{"admin", http.MethodPatch, `{"accounts":"remove"}`, 0},
		{"admin", http.MethodPatch, `{"accounts":"remove","azure_subscriptions":null}`, 0},
		{"admin", http.MethodPatch, `{"accounts":"remove","aws_accounts":["acct-a1","acct-a2","acct-shared"]}`, http.StatusOK},
		{"admin", http.MethodPatch, `{"accounts":"add","data_center_accounts":["acct-b1"]}`, http.StatusOK},
		{"admin", http.MethodPatch, `{"aws_accounts":null}`, http.StatusBadRequest},
	}
	for _, c := range writes {
		t.Run(c.method+" "+c.body, func(t *testing.T) {
			log := cases{t: t}
			w.orgWrite(t, &log, path, c)
			log.done()
		})
		if code, body := w.send(t, "admin", http.MethodPut, path, original); code != http.StatusOK {
			t.Fatalf("restoring organization A's accounts: %d %s", code, body)
		}
		w.scope["orgA"] = []string{"acct-a1", "acct-a2", "acct-shared"}
	}
}

// orgWrite sends one write of organization A's accounts and checks what
// its key, and organization B's, then see.
func (w *world) orgWrite(t *testing.T, log *cases, path string, c accountWrite) {
	t.Helper()
	what := fmt.Sprintf("%s %s %s as %s", c.method, path, c.body, c.writer)
	before := w.scope["orgA"]
	code, body := w.send(t, c.writer, c.method, path, c.body)
	if !statusAsWanted(code, c.want) {
		log.fail("%s: %d, want %s: %s", what, code, wantText(c.want), body)
	}
	if code == http.StatusOK {
		got, err := orgAccounts(body)
		if err != nil {
			log.fail("%s: %v: %s", what, err, body)
			return
		}
		w.scope["orgA"] = got
		if back := w.orgAccountsAsAdmin(t, w.orgA); !sameSet(back, got) {
			log.fail("%s: answered accounts %v, then GET shows %v", what, got, back)
		}
	} else if back := w.orgAccountsAsAdmin(t, w.orgA); !sameSet(back, before) {
		log.fail("%s: refused with %d, but the accounts changed from %v to %v", what, code, before, back)
		w.scope["orgA"] = back
	}
	w.checkProbes(t, log, what, []string{"orgA", "orgB"})
}

// statusAsWanted: want 0 accepts 200 or 400.
func statusAsWanted(code, want int) bool {
	if want == 0 {
		return code == http.StatusOK || code == http.StatusBadRequest
	}
	return code == want
}

func wantText(want int) string {
	if want == 0 {
		return "200 or 400"
	}
	return fmt.Sprint(want)
}

// customerAccounts reads a customer's accounts as the administrator.
func (w *world) customerAccounts(t *testing.T, id string) []string {
	t.Helper()
	code, body := w.do(t, "admin", http.MethodGet, "/api/v1/customers/"+id)
	var out struct {
		Accounts []string `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil {
		t.Fatalf("GET customer %s: %d %v %s", id, code, err, body)
	}
	return out.Accounts
}

// orgAccounts reads every account of every kind of an organization's
// JSON: the scope of its keys.
func orgAccounts(body string) ([]string, error) {
	var out struct {
		Accounts map[string][]string `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return nil, err
	}
	if out.Accounts == nil {
		return nil, fmt.Errorf("the answer gives no accounts")
	}
	all := []string{}
	for _, ids := range out.Accounts {
		all = append(all, ids...)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

func (w *world) orgAccountsAsAdmin(t *testing.T, id int64) []string {
	t.Helper()
	code, body := w.do(t, "admin", http.MethodGet, fmt.Sprintf("/api/v1/organizations/%d", id))
	got, err := orgAccounts(body)
	if code != http.StatusOK || err != nil {
		t.Fatalf("GET organization %d: %d %v %s", id, code, err, body)
	}
	return got
}

// sameSet compares two account lists as sets.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
