package azurebilling

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/tenant"
)

const (
	jsonCT = "application/json"
	formCT = "application/x-www-form-urlencoded"
)

// objPath is the {id}/ path of a customer or subscription.
func objPath(kind, key string) string { return Prefix + kind + "s/" + itoa(stableID(kind, key)) + "/" }

// compact is a JSON body without white space, for comparisons.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return buf.String()
}

// writer returns a function that sends a write with a Content-Type and
// checks its status and compact body ("" for none).
func writer(t *testing.T, srv *httptest.Server) func(method, path, ct, body string, status int, want string) {
	return func(method, path, ct, body string, status int, want string) {
		t.Helper()
		res := send(t, srv, method, path, body, "Content-Type", ct)
		if got := compact(t, res.body); res.status != status || got != want {
			t.Errorf("%s %s %s:\n got %d %s\nwant %d %s", method, path, body, res.status, got, status, want)
		}
	}
}

func jsonList(t *testing.T, b []byte, field string) []string {
	t.Helper()
	var rows []map[string]any
	decode(t, b, &rows)
	var out []string
	for _, r := range rows {
		s, _ := r[field].(string)
		out = append(out, s)
	}
	return out
}

// TestCreateCustomer: POST customers/ registers a customer; its fields
// are checked as DRF checks a ModelSerializer's, and bodies are JSON or
// form data.
func TestCreateCustomer(t *testing.T) {
	srv := testServer(t)
	f := writer(t, srv)
	post := func(ct, body string, status int, want string) {
		t.Helper()
		f("POST", Prefix+"customers/", ct, body, status, want)
	}
	created := func(key, name string) string {
		return `{"id":` + itoa(stableID("customer", key)) + `,"tenant_id":"` + key + `","name":` + name + `}`
	}
	exists := `{"tenant_id":["customer with this tenant id already exists."]}`
	post(jsonCT, `{"tenant_id": " tenant-9 ", "name": "Northwind"}`, 201, created("tenant-9", `"Northwind"`))
	post(jsonCT, `{"tenant_id": "tenant-9"}`, 400, exists) // registered
	post(jsonCT, `{"tenant_id": "tenant-1"}`, 400, exists) // in the bills
	post(jsonCT, `{"tenant_id": "ea-1"}`, 400, exists)     // a billing account of the bills
	post(jsonCT, `{"name": "x"}`, 400, `{"tenant_id":["This field is required."]}`)
	post(jsonCT, `{"tenant_id": null}`, 400, `{"tenant_id":["This field may not be null."]}`)
	post(jsonCT, `{"tenant_id": "  "}`, 400, `{"tenant_id":["This field may not be blank."]}`)
	post(jsonCT, `{"tenant_id": "`+strings.Repeat("é", 256)+`"}`, 400, `{"tenant_id":["Ensure this field has no more than 255 characters."]}`)
	post(jsonCT, `{"tenant_id": "a\u0000b"}`, 400, `{"tenant_id":["Null characters are not allowed."]}`)
	post(jsonCT, `{"tenant_id": "a\u0007b"}`, 400, `{"tenant_id":["Control characters are not allowed."]}`)
	post(jsonCT, `{"tenant_id": ["t"], "name": {"a": 1}}`, 400, `{"tenant_id":["Not a valid string."],"name":["Not a valid string."]}`)
	post(jsonCT, `{"tenant_id": "t-10", "name": "`+strings.Repeat("n", 256)+`"}`, 400, `{"name":["Ensure this field has no more than 255 characters."]}`)
	post(jsonCT, `[{"tenant_id": "t"}]`, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`)
	post(jsonCT, `"t"`, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`)
	post(jsonCT, `null`, 400, `{"non_field_errors":["No data provided"]}`)
	post(jsonCT, ``, 400, `{"tenant_id":["This field is required."]}`) // no body: no fields
	post(jsonCT, `{"tenant_id": `, 400, `{"detail":"JSON parse error - unexpected EOF"}`)
	post(jsonCT, `{"tenant_id": "t"} x`, 400, `{"detail":"JSON parse error - extra data after the JSON value"}`)
	post("text/plain", `tenant_id=t`, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`)
	post("", `{"tenant_id": "t"}`, 415, `{"detail":"Unsupported media type \"\" in request."}`)
	post(jsonCT, `{"tenant_id": "t", "name": "`+strings.Repeat("n", 70<<10)+`"}`, 413, `{"detail":"request body too large"}`)
	post("multipart/form-data; boundary=x", `--x--`, 415, `{"detail":"Unsupported media type \"multipart/form-data; boundary=x\" in request."}`)
	// Numbers are text to DRF's CharField; a charset does not matter.
	post(jsonCT+"; charset=utf-8", `{"tenant_id": 42}`, 201, created("42", "null"))
	post(formCT, `tenant_id=tenant-f&name=Form+%26+Co`, 201, created("tenant-f", `"Form & Co"`))
	post(formCT, `tenant_id=tenant-e&name=`, 201, created("tenant-e", "null"))
	// Bytes that are not UTF-8 are refused, not stored as U+FFFD.
	post(jsonCT, "{\"tenant_id\": \"t\xff\"}", 400, `{"detail":"JSON parse error - 'utf-8' codec can't decode byte 0xff in position 16"}`)
	post(formCT, `tenant_id=t-11&name=a%FFb`, 400, `{"name":["Not valid UTF-8 text."]}`)
	post(formCT, "tenant_id=t\xc3&name=n", 400, `{"tenant_id":["Not valid UTF-8 text."]}`)

	// Listed by tenant id among the customers of the bills, and found by
	// id.
	got := jsonList(t, get(t, srv, Prefix+"customers/"), "tenant_id")
	want := []string{"42", "ba-1", "ea-1", "tenant-1", "tenant-9", "tenant-e", "tenant-f"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("customers: %v, want %v", got, want)
	}
	if got := compact(t, get(t, srv, objPath("customer", "tenant-9"))); got != created("tenant-9", `"Northwind"`) {
		t.Errorf("registered customer: %s", got)
	}
}

// TestUpdateCustomer: PUT and PATCH change a customer's name only; the
// first write to a customer of the bills registers it, and null gives the
// bill's name back.
func TestUpdateCustomer(t *testing.T) {
	srv := testServer(t)
	f := writer(t, srv)
	tenant1 := objPath("customer", "tenant-1")
	named := func(name string) string {
		return `{"id":` + itoa(stableID("customer", "tenant-1")) + `,"tenant_id":"tenant-1","name":` + name + `}`
	}
	f("PATCH", tenant1, jsonCT, `{"name": "Contoso Ltd"}`, 200, named(`"Contoso Ltd"`))
	f("PUT", tenant1, jsonCT, `{"tenant_id": "tenant-2", "name": "X"}`, 400,
		`{"tenant_id":["A customer's tenant id cannot be changed; register a new customer instead."]}`)
	f("PUT", tenant1, jsonCT, `{"name": "X"}`, 400, `{"tenant_id":["This field is required."]}`)
	f("PUT", tenant1, jsonCT, `{"tenant_id": "tenant-1"}`, 200, named(`"Contoso Ltd"`)) // no name: unchanged
	f("PATCH", tenant1, formCT, `tenant_id=tenant-1`, 200, named(`"Contoso Ltd"`))
	f("PATCH", tenant1, "text/csv", `name,x`, 415, `{"detail":"Unsupported media type \"text/csv\" in request."}`)
	f("PATCH", tenant1, jsonCT, `{"name": `, 400, `{"detail":"JSON parse error - unexpected EOF"}`)
	f("PATCH", Prefix+"customers/999/", jsonCT, `{"name": "X"}`, 404, `{"detail":"Not found."}`)
	f("PATCH", Prefix+"customers/abc/", jsonCT, `{"name": "X"}`, 404, `{"detail":"Not found."}`)
	f("PATCH", Prefix+"customers/"+itoa(stableID("customer", "ea-1"))+"/", jsonCT, `{"name": "EA Renamed"}`, 200,
		`{"id":`+itoa(stableID("customer", "ea-1"))+`,"tenant_id":"ea-1","name":"EA Renamed"}`)
	golden.Assert(t, "named_customers", get(t, srv, Prefix+"customers/"))
	f("PATCH", tenant1, jsonCT, `{"name": null}`, 200, named(`"Contoso"`)) // the bill's name again
	f("PUT", tenant1, jsonCT, `{"tenant_id": "tenant-1", "name": ""}`, 200, named(`"Contoso"`))
}

// TestNamesShow: names given through the registry win wherever the API
// shows a customer's or subscription's name, and subscriptionName filters
// by the name shown.
func TestNamesShow(t *testing.T) {
	srv := testServer(t)
	f := writer(t, srv)
	f("PATCH", objPath("customer", "tenant-1"), jsonCT, `{"name": "Contoso Ltd"}`, 200,
		`{"id":`+itoa(stableID("customer", "tenant-1"))+`,"tenant_id":"tenant-1","name":"Contoso Ltd"}`)
	f("PATCH", objPath("subscription", "sub-1"), jsonCT, `{"name": "Production"}`, 200,
		`{"id":`+itoa(stableID("subscription", "sub-1"))+`,"customer":{"id":`+itoa(stableID("customer", "tenant-1"))+
			`,"tenant_id":"tenant-1","name":"Contoso Ltd"},"subscription_id":"sub-1","name":"Production"}`)
	for _, c := range []struct{ name, path string }{
		{"named_subscriptions", "subscriptions/"},
		{"named_entry", "cost-entries/" + itoa(2<<32+1) + "/"},
		{"named_subscription_summary", "costs/subscription-summary/"},
		{"named_aggregate", "cost-entries/aggregate/?group_by=subscriptionName&group_by=meterCategory"},
	} {
		t.Run(c.name, func(t *testing.T) { golden.Assert(t, c.name, get(t, srv, Prefix+c.path)) })
	}
	for path, want := range map[string]string{
		"subscriptions/" + itoa(stableID("subscription", "sub-1")) + "/": `"name":"Production"`,
		"costs/virtual-machines-summary/":                                `"subscription_id":"sub-1","subscription_name":"Production"`,
		"cost-entries/?page=1&page_size=1":                               `"name":"Contoso Ltd"},"subscription_id":"sub-1","name":"Production"}`,
		"cost-entries/":                                                  `"name":"Contoso Ltd"},"subscription_id":"sub-1","name":"Production"}`,
	} {
		body := compact(t, get(t, srv, Prefix+path))
		if !strings.Contains(body, want) || strings.Contains(body, `"Sub-1"`) {
			t.Errorf("%s shows the bill's name or not %s: %s", path, want, body)
		}
	}
	// subscriptionName matches the shown name, not the bill's.
	count := func(q string) int {
		t.Helper()
		return len(jsonList(t, get(t, srv, Prefix+"cost-entries/?"+q), "date"))
	}
	if n, all := count("subscriptionName=PRODUCTION"), count("subscription_id=sub-1"); n != all || n == 0 {
		t.Errorf("subscriptionName=PRODUCTION: %d entries, want sub-1's %d", n, all)
	}
	if n := count("subscriptionName=Sub-1"); n != 0 {
		t.Errorf("the renamed subscription's bill name still matches %d entries", n)
	}
	if n, all := count("subscriptionName=sub-2"), count("subscription_id=sub-2"); n != all || n == 0 {
		t.Errorf("subscriptionName=sub-2 (not renamed): %d entries, want %d", n, all)
	}
	agg := compact(t, get(t, srv, Prefix+"cost-entries/aggregate/?group_by=subscriptionName&subscriptionName=production"))
	if agg != `[{"subscription__name":"Production","total_cost":110.25}]` {
		t.Errorf("aggregate filtered by the given name: %s", agg)
	}
}

// TestRenamedSubscriptionsMerge: two subscriptions named alike are one
// group of aggregate/?group_by=subscriptionName, their costs added
// exactly; the summaries keep one row per subscription id.
func TestRenamedSubscriptionsMerge(t *testing.T) {
	st := openStore(t)
	a1, a2 := item("sub-a", 1, "0.1"), item("sub-a", 2, "1.000000000000000001")
	b1, b2 := item("sub-b", 1, "0.2"), item("sub-b", 2, "2.000000000000000002")
	c := item("sub-c", 1, "5")
	loadRun(t, st, "mca", "run-1", day(2), a1, a2, b1, b2, c)
	srv := serve(t, st)
	f := writer(t, srv)
	agg := func() string {
		return compact(t, get(t, srv, Prefix+"cost-entries/aggregate/?group_by=subscriptionName"))
	}
	if got, want := agg(), `[{"subscription__name":"Sub-c","total_cost":5.0},{"subscription__name":"Sub-b","total_cost":2.200000000000000002},{"subscription__name":"Sub-a","total_cost":1.100000000000000001}]`; got != want {
		t.Fatalf("before renaming:\n got %s\nwant %s", got, want)
	}
	for _, sub := range []string{"sub-a", "sub-b"} {
		res := send(t, srv, "PATCH", objPath("subscription", sub), `{"name": "Shared"}`, "Content-Type", jsonCT)
		if res.status != 200 {
			t.Fatalf("naming %s: %d %s", sub, res.status, res.body)
		}
	}
	if got, want := agg(), `[{"subscription__name":"Sub-c","total_cost":5.0},{"subscription__name":"Shared","total_cost":3.300000000000000003}]`; got != want {
		t.Fatalf("after renaming:\n got %s\nwant %s", got, want)
	}
	sum := compact(t, get(t, srv, Prefix+"costs/subscription-summary/"))
	for _, want := range []string{
		`{"total_usd":2.200000000000000002,"total_billing":2.200000000000000002,"subscription_id":"sub-b","subscription_name":"Shared"}`,
		`{"total_usd":1.100000000000000001,"total_billing":1.100000000000000001,"subscription_id":"sub-a","subscription_name":"Shared"}`,
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %s: %s", want, sum)
		}
	}
	// Clearing one name splits the group again.
	f("PATCH", objPath("subscription", "sub-b"), jsonCT, `{"name": null}`, 200,
		`{"id":`+itoa(stableID("subscription", "sub-b"))+`,"customer":{"id":`+itoa(stableID("customer", "ba-1"))+
			`,"tenant_id":"ba-1","name":"Billing One"},"subscription_id":"sub-b","name":"Sub-b"}`)
	if got, want := agg(), `[{"subscription__name":"Sub-c","total_cost":5.0},{"subscription__name":"Sub-b","total_cost":2.200000000000000002},{"subscription__name":"Shared","total_cost":1.100000000000000001}]`; got != want {
		t.Fatalf("after clearing sub-b's name:\n got %s\nwant %s", got, want)
	}
}

// TestRegisteredSubscriptions: POST subscriptions/ registers one under a
// listed customer; it is listed until deleted; what the bills hold
// cannot be deleted.
func TestRegisteredSubscriptions(t *testing.T) {
	srv := testServer(t)
	f := writer(t, srv)
	cust := func(key string) string { return itoa(stableID("customer", key)) }
	f("POST", Prefix+"customers/", jsonCT, `{"tenant_id": "tenant-9"}`, 201, `{"id":`+cust("tenant-9")+`,"tenant_id":"tenant-9","name":null}`)
	sub := func(key, customer, customerName, name string) string {
		return `{"id":` + itoa(stableID("subscription", key)) + `,"customer":{"id":` + cust(customer) + `,"tenant_id":"` + customer +
			`","name":` + customerName + `},"subscription_id":"` + key + `","name":` + name + `}`
	}
	post := func(body string, status int, want string) {
		t.Helper()
		f("POST", Prefix+"subscriptions/", jsonCT, body, status, want)
	}
	post(`{"subscription_id": "sub-new", "name": "New", "customer_id": `+cust("tenant-9")+`}`, 201, sub("sub-new", "tenant-9", "null", `"New"`))
	// A customer of the bills, given as upstream's "customer" field.
	post(`{"subscription_id": "sub-ea", "customer": "`+cust("ea-1")+`"}`, 201, sub("sub-ea", "ea-1", `"Enrollment One"`, "null"))
	post(`{"subscription_id": "sub-1", "customer_id": `+cust("tenant-1")+`}`, 400, `{"subscription_id":["subscription with this subscription id already exists."]}`)
	post(`{"subscription_id": "sub-new", "customer_id": `+cust("tenant-1")+`}`, 400, `{"subscription_id":["subscription with this subscription id already exists."]}`)
	post(`{"subscription_id": "sub-x"}`, 400, `{"customer_id":["This field is required."]}`)
	post(`{"subscription_id": "sub-x", "customer_id": 99}`, 400, `{"customer_id":["Invalid pk \"99\" - object does not exist."]}`)
	post(`{"subscription_id": "sub-x", "customer": 99}`, 400, `{"customer":["Invalid pk \"99\" - object does not exist."]}`)
	post(`{"subscription_id": "sub-x", "customer_id": "abc"}`, 400, `{"customer_id":["Incorrect type. Expected pk value, received str."]}`)
	post(`{"subscription_id": "sub-x", "customer_id": true}`, 400, `{"customer_id":["Incorrect type. Expected pk value, received bool."]}`)
	post(`{"subscription_id": "sub-x", "customer_id": 1.5}`, 400, `{"customer_id":["Incorrect type. Expected pk value, received float."]}`)
	post(`{"subscription_id": "sub-x", "customer_id": null}`, 400, `{"customer_id":["This field may not be null."]}`)
	post(`{"name": 5}`, 400, `{"subscription_id":["This field is required."],"customer_id":["This field is required."]}`)
	f("POST", Prefix+"subscriptions/", formCT, `subscription_id=sub-form&customer_id=`+cust("tenant-9"), 201, sub("sub-form", "tenant-9", "null", "null"))

	subs := jsonList(t, get(t, srv, Prefix+"subscriptions/"), "subscription_id")
	if want := []string{"sub-1", "sub-2", "sub-3", "sub-ea", "sub-form", "sub-new"}; !reflect.DeepEqual(subs, want) {
		t.Errorf("subscriptions: %v, want %v", subs, want)
	}
	// A registered subscription's customer can change; a billed one's not.
	f("PATCH", objPath("subscription", "sub-form"), jsonCT, `{"customer_id": `+cust("tenant-1")+`, "name": "Moved"}`, 200,
		sub("sub-form", "tenant-1", `"Contoso"`, `"Moved"`))
	f("PUT", objPath("subscription", "sub-form"), jsonCT, `{"subscription_id": "sub-other"}`, 400,
		`{"subscription_id":["A subscription's id cannot be changed; register a new subscription instead."]}`)
	f("PUT", objPath("subscription", "sub-form"), jsonCT, `{"subscription_id": "sub-form"}`, 200, sub("sub-form", "tenant-1", `"Contoso"`, `"Moved"`))
	f("PATCH", objPath("subscription", "sub-1"), jsonCT, `{"customer_id": `+cust("ea-1")+`}`, 400,
		`{"customer_id":["The customer of a subscription in imported bills comes from the bills and cannot be changed."]}`)
	f("PATCH", objPath("subscription", "sub-1"), jsonCT, `{"customer": `+cust("tenant-1")+`, "name": "P"}`, 200, sub("sub-1", "tenant-1", `"Contoso"`, `"P"`))

	// Deleting: the bills' objects stay; a customer stays while
	// registered subscriptions name it.
	f("DELETE", objPath("subscription", "sub-1"), "", "", 409,
		`{"detail":"Subscription sub-1 has cost entries in imported snapshots, which it comes from: delete those snapshots first, or PATCH its name to null to clear the name given here."}`)
	f("DELETE", objPath("customer", "tenant-1"), "", "", 409,
		`{"detail":"Customer tenant-1 has cost entries in imported snapshots, which it comes from: delete those snapshots first, or PATCH its name to null to clear the name given here."}`)
	f("DELETE", objPath("customer", "tenant-9"), "", "", 409,
		`{"detail":"Customer tenant-9 is the customer of the registered subscriptions sub-new: delete them first."}`)
	f("DELETE", objPath("subscription", "sub-new"), "", "", 204, "")
	f("DELETE", objPath("subscription", "sub-new"), "", "", 404, `{"detail":"Not found."}`)
	f("DELETE", objPath("customer", "tenant-9"), "", "", 204, "")
	if r := do(t, srv, "GET", objPath("customer", "tenant-9")); r.status != 404 {
		t.Errorf("a deleted customer: %d %s", r.status, r.body)
	}
	golden.Assert(t, "registered_subscriptions", get(t, srv, Prefix+"subscriptions/"))
}

// TestWritePermissions: only editors and administrators of the default
// organization with whole scope write; the rest get DRF's 403 before
// their request is read.
func TestWritePermissions(t *testing.T) {
	srv := testServer(t)
	forbidden := `{"detail":"You do not have permission to perform this action."}`
	callers := map[string][]string{
		"viewer":          {"X-Test-Role", "viewer"},
		"partner":         {"X-Test-Role", "partner"},
		"scoped editor":   {"X-Test-Role", "editor", "X-Test-Accounts", "sub-1"},
		"scoped admin":    {"X-Test-Role", "admin", "X-Test-Accounts", "sub-1,sub-2,sub-3"},
		"scoped viewer":   {"X-Test-Accounts", "sub-1"},
		"scoped customer": {"X-Test-Role", "partner", "X-Test-Accounts", "sub-2"},
	}
	writes := []struct{ method, path, body string }{
		{"POST", Prefix + "customers/", `{"tenant_id": "t-new"}`},
		{"POST", Prefix + "customers/", `not json`},
		{"PUT", objPath("customer", "tenant-1"), `{"tenant_id": "tenant-1", "name": "X"}`},
		{"PATCH", objPath("customer", "tenant-1"), `{"name": "X"}`},
		{"PATCH", Prefix + "customers/999/", `{"name": "X"}`},
		{"DELETE", objPath("customer", "tenant-1"), ``},
		{"POST", Prefix + "subscriptions/", `{"subscription_id": "s", "customer_id": 1}`},
		{"PATCH", objPath("subscription", "sub-1"), `{"name": "X"}`},
		{"DELETE", objPath("subscription", "sub-1"), ``},
	}
	for name, header := range callers {
		for _, w := range writes {
			res := send(t, srv, w.method, w.path, w.body, append([]string{"Content-Type", jsonCT}, header...)...)
			if got := compact(t, res.body); res.status != http.StatusForbidden || got != forbidden {
				t.Errorf("%s: %s %s = %d %s, want 403", name, w.method, w.path, res.status, got)
			}
		}
	}
	// Nothing changed; an editor of the default organization may write.
	if body := string(get(t, srv, Prefix+"customers/")); strings.Contains(body, "t-new") || strings.Contains(body, `"X"`) {
		t.Fatalf("a refused write changed something: %s", body)
	}
	res := send(t, srv, "POST", Prefix+"customers/", `{"tenant_id": "t-new"}`, "Content-Type", jsonCT, "X-Test-Role", "editor")
	if res.status != http.StatusCreated {
		t.Fatalf("an editor registering: %d %s", res.status, res.body)
	}
}

// auditRecorder keeps the engine's audit entries.
type auditRecorder struct{ entries []string }

func (a *auditRecorder) record(_ context.Context, p *tenant.Principal, action, object, id, detail string) error {
	a.entries = append(a.entries, strings.Join([]string{p.Actor(), action, object, id, detail}, " | "))
	return nil
}

// TestWritesAudited: every change goes to the audit log, refused ones
// not.
func TestWritesAudited(t *testing.T) {
	st := openStore(t)
	loadRun(t, st, "mca", "run-1", day(1), item("sub-1", 1, "1"))
	eng := engine.New(st)
	eng.SetRegistry(registry.New(&registry.MemRepo{}))
	rec := &auditRecorder{}
	eng.SetAudit(rec.record)
	srv := serveEngine(t, eng)
	step := func(method, path, body string, status int, header ...string) {
		t.Helper()
		res := send(t, srv, method, path, body, append([]string{"Content-Type", jsonCT}, header...)...)
		if res.status != status {
			t.Fatalf("%s %s: %d %s, want %d", method, path, res.status, res.body, status)
		}
	}
	step("POST", Prefix+"customers/", `{"tenant_id": "t-9", "name": "Nine"}`, 201)
	step("POST", Prefix+"subscriptions/", `{"subscription_id": "s-9", "customer_id": `+itoa(stableID("customer", "ba-1"))+`}`, 201)
	step("PATCH", objPath("subscription", "sub-1"), `{"name": "One"}`, 200, "X-Test-Role", "editor")
	step("PATCH", objPath("subscription", "sub-1"), `{"name": "Refused"}`, 403, "X-Test-Role", "viewer")
	step("DELETE", objPath("subscription", "s-9"), ``, 204)
	want := []string{
		`no-auth | create | registry.customer | t-9 | name="Nine" provider="Microsoft"`,
		`no-auth | create | registry.customer | ba-1 | name=null provider="Microsoft"`,
		`no-auth | create | registry.subaccount | s-9 | name=null parent="ba-1" provider="Microsoft"`,
		`test | create | registry.subaccount | sub-1 | name="One" provider="Microsoft"`,
		`no-auth | delete | registry.subaccount | s-9 | name=null parent="ba-1" provider="Microsoft"`,
	}
	if !reflect.DeepEqual(rec.entries, want) {
		t.Fatalf("audit:\n got %q\nwant %q", rec.entries, want)
	}
}

// TestRegisteredScope: a scoped caller sees the names of what it sees and
// nothing registered outside its scope.
func TestRegisteredScope(t *testing.T) {
	srv := testServer(t)
	for _, w := range []struct{ method, path, body string }{
		{"PATCH", objPath("customer", "tenant-1"), `{"name": "Secret Customer"}`},
		{"PATCH", objPath("subscription", "sub-1"), `{"name": "Secret Sub"}`},
		{"POST", Prefix + "customers/", `{"tenant_id": "tenant-hidden", "name": "Hidden Customer"}`},
		{"POST", Prefix + "subscriptions/", `{"subscription_id": "sub-hidden", "name": "Hidden Sub", "customer_id": ` + itoa(stableID("customer", "tenant-hidden")) + `}`},
	} {
		if res := send(t, srv, w.method, w.path, w.body, "Content-Type", jsonCT); res.status >= 300 {
			t.Fatalf("%s %s: %d %s", w.method, w.path, res.status, res.body)
		}
	}
	paths := []string{"customers/", "subscriptions/", "cost-entries/", "cost-entries/aggregate/?group_by=subscriptionName",
		"costs/subscription-summary/", "costs/virtual-machines-summary/"}
	f := func(accounts string, shown, hidden []string) {
		t.Helper()
		for _, p := range paths {
			body := string(get(t, srv, Prefix+p, "X-Test-Accounts", accounts))
			for _, s := range hidden {
				if strings.Contains(body, s) {
					t.Errorf("%s seen by %s shows %q: %s", p, accounts, s, body)
				}
			}
		}
		var all string
		for _, p := range paths[:2] {
			all += string(get(t, srv, Prefix+p, "X-Test-Accounts", accounts))
		}
		for _, s := range shown {
			if !strings.Contains(all, s) {
				t.Errorf("the lists seen by %s lack %q: %s", accounts, s, all)
			}
		}
	}
	f("sub-2", []string{"Enrollment One"}, []string{"Secret", "Hidden", "hidden", "tenant-1", "sub-1"})
	f("sub-1", []string{"Secret Customer", "Secret Sub"}, []string{"Hidden", "hidden", "sub-2"})
	f("sub-hidden", []string{"Hidden Customer", "Hidden Sub"}, []string{"Secret", "sub-1", "sub-2", "Contoso"})
	if r := do(t, srv, "GET", objPath("subscription", "sub-hidden"), "X-Test-Accounts", "sub-1"); r.status != 404 {
		t.Errorf("a registered subscription outside the scope: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "GET", objPath("customer", "tenant-hidden"), "X-Test-Accounts", "sub-1"); r.status != 404 {
		t.Errorf("a registered customer outside the scope: %d %s", r.status, r.body)
	}
}
