package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The id probes: every endpoint that takes an id, asked by every caller
// for every object of the world. An object in the caller's scope answers
// 200 and names no hidden account; any other answers exactly as an id
// that does not exist does (same status, same body but for the id), so
// that ids cannot be guessed. Where the endpoint also takes a filter or
// a snapshot selection, the two are combined.

// idCase is one object behind an id and the accounts that make it
// visible: a caller sees it when its scope holds one of them (nil: every
// caller does).
type idCase struct {
	path   string
	owners []string
}

// sees reports whether caller's scope holds one of accounts.
func (w *world) sees(caller string, accounts []string) bool {
	scope := w.callerScope(caller)
	if scope == nil || accounts == nil {
		return true
	}
	for _, a := range accounts {
		if slices.Contains(scope, a) {
			return true
		}
	}
	return false
}

// checkIDs asks every case as every caller; missing is the same path
// with an id that names nothing.
func (w *world) checkIDs(t *testing.T, log *cases, ids []idCase, missing func(path string) string) {
	t.Helper()
	for _, c := range ids {
		for _, caller := range callers {
			code, body := w.do(t, caller, http.MethodGet, c.path)
			if w.sees(caller, c.owners) {
				if code != http.StatusOK {
					log.fail("GET %s as %s: %d, want 200: %.300s", c.path, caller, code, body)
					continue
				}
				if h := w.hiddenIn(caller, body); h != "" {
					log.fail("GET %s as %s: the body names %s, outside its scope: %.300s", c.path, caller, h, body)
					continue
				}
				log.pass()
				continue
			}
			m := missing(c.path)
			mcode, mbody := w.do(t, caller, http.MethodGet, m)
			if code != mcode || withoutID(body, c.path) != withoutID(mbody, m) {
				log.fail("GET %s as %s: %d %.300s; an id that does not exist: %d %.300s", c.path, caller, code, body, mcode, mbody)
				continue
			}
			if code != http.StatusNotFound && code != http.StatusForbidden {
				log.fail("GET %s as %s: %d, want 404 (or 403 for its role)", c.path, caller, code)
				continue
			}
			log.pass()
		}
	}
}

// hiddenIn returns an account hidden from caller that body names.
func (w *world) hiddenIn(caller, body string) string {
	_, hidden := w.expected(caller, func(row) bool { return false })
	for _, h := range hidden {
		if strings.Contains(body, h) {
			return h
		}
	}
	return ""
}

// withoutID is body with the id of path, wherever it stands as a whole
// number, replaced by "ID".
func withoutID(body, path string) string {
	return regexp.MustCompile(`\b`+lastNumber(path)+`\b`).ReplaceAllString(body, "ID")
}

// lastNumber is the last run of digits in s.
func lastNumber(s string) string {
	end := strings.LastIndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	start := end
	for start > 0 && s[start-1] >= '0' && s[start-1] <= '9' {
		start--
	}
	return s[start : end+1]
}

// replaceLastNumber puts n in place of the last number of path.
func replaceLastNumber(path string, n int64) string {
	id := lastNumber(path)
	i := strings.LastIndex(path, id)
	return path[:i] + strconv.FormatInt(n, 10) + path[i+len(id):]
}

// snapshotOwners maps each snapshot of the world to its account.
func (w *world) snapshotOwners() map[int64]string {
	out := map[int64]string{}
	for _, r := range w.rows {
		out[r.snapshot] = r.account
	}
	return out
}

// adminList reads an Azure billing list as the administrator.
func (w *world) adminList(t *testing.T, path string) []map[string]any {
	t.Helper()
	code, body := w.do(t, "admin", http.MethodGet, path)
	var out []map[string]any
	if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil {
		t.Fatalf("GET %s as admin: %d %v: %.300s", path, code, err, body)
	}
	return out
}

// objectID is the id of an Azure billing object as the JSON decoder
// reads it (a float64 that holds these ids exactly).
func objectID(o map[string]any) int64 { return int64(o["id"].(float64)) }

func TestIdProbes(t *testing.T) {
	w := newWorld(t)
	owners := w.snapshotOwners()

	t.Run("native snapshots", func(t *testing.T) {
		log := cases{t: t}
		var ids []idCase
		for id, a := range owners {
			ids = append(ids, idCase{fmt.Sprintf("/api/v1/snapshots/%d", id), []string{a}})
		}
		w.checkIDs(t, &log, ids, func(p string) string { return replaceLastNumber(p, 999999) })
		// The listing narrowed to another tenant's source or to superseded
		// runs holds only the caller's own.
		for _, q := range []string{"?status=complete", "?status=superseded", "?source=src-b-only", "?source=src-acct-c1&status=superseded"} {
			path := "/api/v1/snapshots" + q
			for _, caller := range callers {
				w.checkTotal(t, &log, caller, path, "snapshots"+q, selectedRows(t, path), probeTotal("native snapshots"))
			}
		}
		log.done()
	})

	t.Run("azure billing snapshots", func(t *testing.T) {
		log := cases{t: t}
		var ids []idCase
		rated := w.ratedSnapshots()
		for id, a := range owners {
			if rated[id] {
				continue // the Azure billing API shows Azure bills only
			}
			ids = append(ids, idCase{fmt.Sprintf("/azure-billing/api/snapshots/%d/", id), []string{a}})
		}
		w.checkIDs(t, &log, ids, func(p string) string { return replaceLastNumber(p, 999999) })
		log.done()
	})

	t.Run("azure billing objects", func(t *testing.T) {
		log := cases{t: t}
		var ids []idCase
		for _, s := range w.adminList(t, "/azure-billing/api/subscriptions/") {
			ids = append(ids, idCase{fmt.Sprintf("/azure-billing/api/subscriptions/%d/", objectID(s)), []string{s["subscription_id"].(string)}})
		}
		customers := map[string][]string{
			"payer":           worldAccounts(), // the billing account of every bill
			"cust-of-acct-b1": {"acct-b1", registeredOnly},
			"cust-of-acct-c1": {"acct-c1"},
		}
		for _, c := range w.adminList(t, "/azure-billing/api/customers/") {
			accounts, ok := customers[c["tenant_id"].(string)]
			if !ok {
				t.Fatalf("a customer the world does not have: %v", c)
			}
			ids = append(ids, idCase{fmt.Sprintf("/azure-billing/api/customers/%d/", objectID(c)), accounts})
		}
		for _, r := range w.adminList(t, "/azure-billing/api/resources/") {
			sub := strings.Split(r["resource_id"].(string), "/")[2]
			ids = append(ids, idCase{fmt.Sprintf("/azure-billing/api/resources/%d/", objectID(r)), []string{sub}})
		}
		// Entries of visible runs, and of superseded ones, which
		// cost-entries/{id}/ still finds.
		entries := w.adminList(t, "/azure-billing/api/cost-entries/")
		for id := range owners {
			if w.snapshotSuperseded(id) {
				entries = append(entries, w.adminList(t, fmt.Sprintf("/azure-billing/api/cost-entries/?snapshot=%d", id))...)
			}
		}
		for _, e := range entries {
			sub := e["subscription"].(map[string]any)["subscription_id"].(string)
			ids = append(ids, idCase{fmt.Sprintf("/azure-billing/api/cost-entries/%d/", objectID(e)), []string{sub}})
		}
		if len(ids) < 7+3+6+24 {
			t.Fatalf("only %d objects listed", len(ids))
		}
		w.checkIDs(t, &log, ids, func(p string) string { return replaceLastNumber(p, 999999) })
		log.done()
	})

	t.Run("azure billing snapshot selection with filters", func(t *testing.T) {
		log := cases{t: t}
		for id, a := range owners {
			if w.snapshotMonth(id) != 3 {
				continue // the March runs, superseded and visible
			}
			for _, f := range []url.Values{{}, {"subscription_id": {a}, "max_cost": {"1e20"}}, {"date": {"2024-03-01"}, "min_cost": {"33"}}} {
				for _, base := range []string{"/azure-billing/api/cost-entries/?", "/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName&"} {
					q := url.Values{"snapshot": {strconv.FormatInt(id, 10)}}
					for k, v := range f {
						q[k] = v
					}
					path := base + q.Encode()
					set := selectedRows(t, path)
					match := set
					if f.Get("min_cost") != "" {
						match = func(r row) bool { return set(r) && r.cost >= 33 }
					}
					total := sumField("cost_in_usd", false)
					if strings.Contains(base, "aggregate") {
						total = sumField("total_cost", false)
					}
					for _, caller := range callers {
						w.checkTotal(t, &log, caller, path, "snapshot "+q.Encode(), match, total)
					}
				}
			}
		}
		// source_id names a source by the id the snapshots show; another
		// tenant's source gives nothing.
		sources := map[int64]string{}
		for _, sn := range w.adminList(t, "/azure-billing/api/snapshots/") {
			sources[int64(sn["source"].(float64))] = strings.TrimSuffix(sn["file_name"].(string), ".csv")
		}
		if len(sources) != len(accountCost) {
			t.Fatalf("sources %v, want one per account", sources)
		}
		for id, src := range sources {
			for _, path := range []string{
				fmt.Sprintf("/azure-billing/api/cost-entries/?source_id=%d&min_cost=256", id),
				fmt.Sprintf("/azure-billing/api/costs/subscription-summary/?source_id=%d&date=2024-03-01", id),
			} {
				rows := selectedRows(t, path)
				set := func(r row) bool {
					return rows(r) && sourceOf(r.account) == src && (!strings.Contains(path, "min_cost") || r.cost >= 256)
				}
				total := sumField("cost_in_usd", false)
				if strings.Contains(path, "summary") {
					total = sumField("total_usd", true)
				}
				for _, caller := range callers {
					w.checkTotal(t, &log, caller, path, "source "+src, set, total)
				}
			}
		}
		log.done()
	})

	t.Run("tenancy objects", func(t *testing.T) {
		log := cases{t: t}
		// Who sees which organization, customer and key, by the README's
		// rules: the default organization's keys see every organization
		// and customer; an organization's keys see their organization; a
		// customer's keys (and a partner acting for it) their customer;
		// administrators see every key, partners their customers' keys.
		type obj struct {
			path string
			seen []string
		}
		objs := []obj{
			{"/api/v1/organizations/1", []string{"admin", "partner"}},
			{fmt.Sprintf("/api/v1/organizations/%d", w.orgA), []string{"admin", "partner", "orgA"}},
			{fmt.Sprintf("/api/v1/organizations/%d", w.orgB), []string{"admin", "partner", "orgB"}},
			{"/api/v1/customers/1", []string{"admin", "partner", "custC1", "partner@C1"}},
			{fmt.Sprintf("/api/v1/customers/%d", w.c2), []string{"admin", "partner", "custC2", "partner@C2"}},
		}
		keys := w.keyIDs(t)
		for name, id := range keys {
			seen := []string{"admin"}
			if name == "c1" || name == "c2" {
				seen = append(seen, "partner")
			}
			objs = append(objs, obj{fmt.Sprintf("/api/v1/keys/%d", id), seen})
		}
		for _, o := range objs {
			for _, caller := range callers {
				code, body := w.do(t, caller, http.MethodGet, o.path)
				if slices.Contains(o.seen, caller) {
					if code != http.StatusOK {
						log.fail("GET %s as %s: %d, want 200: %.300s", o.path, caller, code, body)
					} else if h := w.hiddenIn(caller, body); h != "" {
						log.fail("GET %s as %s names %s: %.300s", o.path, caller, h, body)
					} else {
						log.pass()
					}
					continue
				}
				m := replaceLastNumber(o.path, 999999)
				mcode, mbody := w.do(t, caller, http.MethodGet, m)
				if code != mcode || withoutID(body, o.path) != withoutID(mbody, m) {
					log.fail("GET %s as %s: %d %.200s; an id that does not exist: %d %.200s", o.path, caller, code, body, mcode, mbody)
				} else {
					log.pass()
				}
			}
		}
		log.done()
	})

	t.Run("acting for a customer with filters", func(t *testing.T) {
		log := cases{t: t}
		// Who may act for which customer (client_api_id): the default
		// organization's keys for any, a customer's key for its own; C99
		// does not exist.
		mayActFor := map[string][]string{"admin": {"C1", "C2"}, "partner": {"C1", "C2"}, "custC1": {"C1"}, "custC2": {"C2"}}
		type endpoint struct {
			path  string
			lang  *dialect
			total func(string) (int, error)
		}
		endpoints := []endpoint{
			{"/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed", &nativeFilters, nativeTotal},
			{kcWindow("/model/cloudCost", "aggregate=accountID&accumulate=true"), &kubecostFilters, probeTotal("kubecost cloudCost")},
			{"/azure-billing/api/cost-entries/?max_cost=1e20", nil, sumField("cost_in_usd", false)},
		}
		for _, key := range []string{"admin", "orgA", "orgB", "custC1", "custC2", "partner"} {
			for _, client := range []string{"C1", "C2", "C99"} {
				caller := key + "@" + client
				for _, e := range endpoints {
					for _, named := range []string{"", "acct-c1", "acct-c2", "acct-a1"} {
						path, match := e.path, func(row) bool { return true }
						switch {
						case named != "" && e.lang != nil:
							f := or(is("provider", "zzz"), is("account", named))
							path += "&" + url.Values{"filter": {f.text(*e.lang, true)}}.Encode()
							match = func(r row) bool { return f.match(*e.lang, r) }
						case named != "":
							path += "&subscription_id=" + named
							match = func(r row) bool { return r.account == named }
						}
						if !slices.Contains(mayActFor[key], client) {
							code, body := w.do(t, caller, http.MethodGet, path)
							if code != http.StatusNotFound {
								log.fail("GET %s as %s: %d, want 404: %.300s", path, caller, code, body)
							} else {
								log.pass()
							}
							continue
						}
						rows := selectedRows(t, path)
						set := func(r row) bool { return rows(r) && match(r) }
						w.checkTotal(t, &log, caller, path, "filtered", set, e.total)
					}
				}
			}
		}
		log.done()
	})
}

// snapshotSuperseded reports whether the world's snapshot id was
// superseded.
func (w *world) snapshotSuperseded(id int64) bool {
	for _, r := range w.rows {
		if r.snapshot == id {
			return r.superseded
		}
	}
	return false
}

// snapshotMonth is the month of the world's snapshot id.
func (w *world) snapshotMonth(id int64) int {
	for _, r := range w.rows {
		if r.snapshot == id {
			return int(r.day.Month())
		}
	}
	return 0
}

// keyIDs reads the ids of the world's keys by name, as the
// administrator lists them.
func (w *world) keyIDs(t *testing.T) map[string]int64 {
	t.Helper()
	code, body := w.do(t, "admin", http.MethodGet, "/api/v1/keys")
	var out struct {
		Data []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil {
		t.Fatalf("listing keys: %d %v %s", code, err, body)
	}
	ids := map[string]int64{}
	for _, k := range out.Data {
		ids[k.Name] = k.ID
	}
	return ids
}

// TestIdGuessing: objects outside the caller's scope are 404, exactly
// like objects that do not exist.
func TestIdGuessing(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		caller, path string
		want         int
	}{
		{"orgA", fmt.Sprintf("/api/v1/snapshots/%d", w.snapB), 404},
		{"orgB", fmt.Sprintf("/api/v1/snapshots/%d", w.snapB), 200},
		{"orgA", "/api/v1/snapshots/999999", 404},
		{"orgA", fmt.Sprintf("/api/v1/organizations/%d", w.orgB), 404},
		{"orgA", fmt.Sprintf("/api/v1/organizations/%d", w.orgA), 200},
		{"orgA", "/api/v1/organizations/1", 404},
		{"custC1", fmt.Sprintf("/api/v1/customers/%d", w.c2), 404},
		{"custC2", fmt.Sprintf("/api/v1/customers/%d", w.c2), 200},
		{"custC1", "/api/v1/costs?window=2024-03-01,2024-04-01&client_api_id=2", 404},
		{"orgA", "/api/v1/costs?window=2024-03-01,2024-04-01&client_api_id=1", 404},
		{"partner", "/api/v1/costs?window=2024-03-01,2024-04-01&client_api_id=99", 404},
		{"partner", "/api/v1/keys/1", 404},
		{"orgB", "/api/v1/keys/1", 403},
	}
	for _, c := range cases {
		if code, body := w.do(t, c.caller, http.MethodGet, c.path); code != c.want {
			t.Errorf("GET %s as %s: %d, want %d: %s", c.path, c.caller, code, c.want, body)
		}
	}
}
