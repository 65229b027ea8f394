package server

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/testfiles"
)

// Writes that take an id, sent by every key that may not make them, to
// every object of the world, its own and other tenants': each must be
// refused (403 for the role, 404 for an object the caller cannot see)
// and change nothing the administrator can read.

// stateProbes are what the administrator reads to tell that nothing
// changed: every tenancy object, snapshot and registered entry.
var stateProbes = []string{
	"/api/v1/organizations", "/api/v1/customers", "/api/v1/keys", "/api/v1/snapshots",
	"/azure-billing/api/subscriptions/", "/azure-billing/api/customers/", "/api/v1/exchange-rates",
}

// state is the administrator's view of stateProbes.
func (w *world) state(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range stateProbes {
		code, body := w.do(t, "admin", http.MethodGet, p)
		fmt.Fprintf(&b, "GET %s: %d\n%s\n", p, code, body)
	}
	return b.String()
}

type write struct{ method, path, body string }

func TestRefusedWrites(t *testing.T) {
	w := newWorld(t)
	keys := w.keyIDs(t)
	subs := w.adminList(t, "/azure-billing/api/subscriptions/")
	azureCustomers := w.adminList(t, "/azure-billing/api/customers/")
	ownSnapshot := w.rows[0].snapshot // acct-a1's superseded March
	cur, err := os.ReadFile(testfiles.Shared(t, "aws", "cur-snake-case-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}

	// Writes no key but the administrator's may make.
	adminOnly := []write{
		{http.MethodDelete, fmt.Sprintf("/api/v1/snapshots/%d", w.snapB), ""},
		{http.MethodDelete, fmt.Sprintf("/api/v1/snapshots/%d", ownSnapshot), ""},
		{http.MethodDelete, fmt.Sprintf("/azure-billing/api/snapshots/%d/", w.snapB), ""},
		{http.MethodPost, "/api/v1/keys", `{"name":"x","role":"admin","organization":1}`},
		{http.MethodPost, "/api/v1/keys", fmt.Sprintf(`{"name":"x","role":"viewer","organization":%d}`, w.orgB)},
		{http.MethodPut, "/api/v1/exchange-rates/2024-03", `{"rates":{"EUR":"1.08"}}`},
		{http.MethodDelete, "/api/v1/exchange-rates/2024-03", ""},
		// A bill holds every tenant's accounts: a scoped administrator
		// may not load one, not even of its own accounts.
		{http.MethodPost, "/api/v1/imports?provider=aws&source=probe&name=cur.csv", string(cur)},
	}
	for _, org := range []int64{1, w.orgA, w.orgB} {
		p := fmt.Sprintf("/api/v1/organizations/%d", org)
		adminOnly = append(adminOnly,
			write{http.MethodPatch, p, `{"name":"x"}`},
			write{http.MethodDelete, p, ""},
			write{http.MethodPut, p + "/accounts", `{"aws_accounts":["acct-c1"]}`},
			write{http.MethodPut, p + "/accounts", `{"aws_accounts":null}`},
			write{http.MethodPatch, p + "/accounts", `{"accounts":"add","azure_subscriptions":["acct-b1"]}`},
		)
	}
	for _, name := range []string{"admin", "a", "b", "p"} {
		adminOnly = append(adminOnly,
			write{http.MethodDelete, fmt.Sprintf("/api/v1/keys/%d", keys[name]), ""},
			write{http.MethodPost, fmt.Sprintf("/api/v1/keys/%d/rotate", keys[name]), ""},
		)
	}
	for _, s := range subs {
		p := fmt.Sprintf("/azure-billing/api/subscriptions/%d/", objectID(s))
		adminOnly = append(adminOnly, write{http.MethodPatch, p, `{"name":"x"}`}, write{http.MethodDelete, p, ""})
	}
	for _, c := range azureCustomers {
		p := fmt.Sprintf("/azure-billing/api/customers/%d/", objectID(c))
		adminOnly = append(adminOnly, write{http.MethodPatch, p, `{"name":"x"}`}, write{http.MethodDelete, p, ""})
	}
	// Writes the partner (for every customer) may also make: managing
	// customers, their accounts and their keys.
	var customerWrites []write
	for _, c := range []int64{1, w.c2} {
		p := fmt.Sprintf("/api/v1/customers/%d", c)
		customerWrites = append(customerWrites,
			write{http.MethodPatch, p, `{"name":"x"}`},
			write{http.MethodDelete, p, ""},
			write{http.MethodPut, p + "/accounts", `{"ids":["acct-a1"]}`},
			write{http.MethodPut, p + "/accounts", `{"ids":null}`},
			write{http.MethodPatch, p + "/accounts", `{"accounts":"add","ids":["acct-b1"]}`},
			write{http.MethodPost, "/api/v1/keys", fmt.Sprintf(`{"name":"x","role":"viewer","customer":%d}`, c)},
		)
	}
	for _, name := range []string{"c1", "c2"} {
		customerWrites = append(customerWrites,
			write{http.MethodDelete, fmt.Sprintf("/api/v1/keys/%d", keys[name]), ""},
			write{http.MethodPost, fmt.Sprintf("/api/v1/keys/%d/rotate", keys[name]), ""},
		)
	}

	log := cases{t: t}
	before := w.state(t)
	for _, caller := range callers {
		if caller == "admin" {
			continue
		}
		writes := adminOnly
		if caller != "partner" {
			writes = slices.Concat(adminOnly, customerWrites)
		}
		for _, wr := range writes {
			code, body := w.send(t, caller, wr.method, wr.path, wr.body)
			if code != http.StatusForbidden && code != http.StatusNotFound {
				log.fail("%s %s %s as %s: %d, want 403 or 404: %.300s", wr.method, wr.path, wr.body, caller, code, body)
			}
			if after := w.state(t); after != before {
				log.fail("%s %s %s as %s changed what the administrator reads:\n%s", wr.method, wr.path, wr.body, caller, diffLines(before, after))
				before = after
				continue
			}
			log.pass()
		}
	}
	log.done()
}

// diffLines shows the lines of b that a lacks, enough to tell what a
// write changed.
func diffLines(a, b string) string {
	have := map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		have[l] = true
	}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		if !have[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
