package azurebilling

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestEmptyText: an export row whose text cells are empty renders them
// as upstream does: "" where its importer copies the cell (entry, meter
// and subscription texts, a resource's name and location, and the group
// keys of aggregate/ and the summaries made of them), null where it
// stores NULL (a resource's group, the resource_name of a row without
// resource id, a customer's name, which it never sets).
func TestEmptyText(t *testing.T) {
	st := openStore(t)
	li := item("sub-e", 1, "1")
	li.SubAccountName, li.BillingAccountName, li.CostCenter, li.PricingCategory = "", "", "", ""
	li.ChargeType, li.PublisherName, li.ProductOrderName, li.RegionID, li.RegionName = "", "", "", "", ""
	li.ResourceID, li.ResourceName, li.ResourceGroup = "", "", ""
	li.MeterName, li.MeterCategory, li.MeterSubcategory, li.ServiceFamily, li.PricingUnit = "", "", "", "", ""
	loadRun(t, st, "mpa", "run-1", day(1), li)
	srv := serve(t, st)

	for path, wants := range map[string][]string{
		"cost-entries/": {
			`"customer":{"id":` + itoa(stableID("customer", "ba-1")) + `,"tenant_id":"ba-1","name":null}`,
			`"subscription_id":"sub-e","name":""}`,
			`"resource_id":"","resource_name":null,"name":"","resource_group":null,"location":""}`,
			`"meter_id":"m-d2v3","name":"","category":"","subcategory":"","service_family":"","unit":""}`,
			`"pricing_model":"","charge_type":"","publisher_name":"","cost_center":""`,
		},
		"cost-entries/aggregate/?group_by=" + strings.Join(groupByNames, ","): {
			`{"charge_type":"","cost_center":"","meter__category":"","meter__subcategory":"","pricing_model":"","publisher_name":"",` +
				`"resource__resource_group":null,"resource__location":"","meter__service_family":"","subscription__name":"","total_cost":1.0}`,
		},
		"costs/subscription-summary/":                   {`"subscription_id":"sub-e","subscription_name":""}`},
		"costs/resource-group-summary/":                 {`"resource_group":null}`},
		"costs/meter-category-summary/":                 {`"meter_category":""}`},
		"costs/region-summary/":                         {`"location":""}`},
		"costs/resource-group-totals/?resource_group=x": {`"data":[]`},
		"resources/":     {`"resource_name":null,"name":"","resource_group":null,"location":""}`},
		"meters/":        {`"name":"","category":"","subcategory":"","service_family":"","unit":""}`},
		"subscriptions/": {`"name":null},"subscription_id":"sub-e","name":""}`},
	} {
		body := compact(t, get(t, srv, Prefix+path))
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: want %s in %s", path, want, body)
			}
		}
	}
}

// TestPageOnlyWithPageSize: page alone, whatever its value, is ignored as
// upstream (which has no pagination) ignores it: the bare array, never
// the page envelope or a 404; with page_size it pages.
func TestPageOnlyWithPageSize(t *testing.T) {
	srv := testServer(t)
	for _, path := range []string{"cost-entries/", "snapshots/", "customers/", "subscriptions/", "resources/", "meters/"} {
		bare := get(t, srv, Prefix+path)
		for _, page := range []string{"page=2", "page=99", "page=abc", "page=last", "page=0", "page=2&page_size="} {
			if got := get(t, srv, Prefix+path+"?"+page); string(got) != string(bare) {
				t.Errorf("%s?%s = %s, want the bare array %s", path, page, got, bare)
			}
		}
		if got := compact(t, get(t, srv, Prefix+path+"?page_size=1")); !strings.HasPrefix(got, `{"count":`) {
			t.Errorf("%s?page_size=1 = %s, want a page", path, got)
		}
	}
}

// TestSourcesIncluded: sources_included counts the sources that
// contributed rows to the answer under the client's filters; a source
// that has a snapshot but whose rows the filters leave out is not
// included, and not missing either (it has a snapshot).
func TestSourcesIncluded(t *testing.T) {
	srv := testServer(t)
	type envelope struct {
		Queried  int `json:"sources_queried"`
		Included int `json:"sources_included"`
		Missing  []struct {
			Name, Reason string
		} `json:"sources_missing"`
	}
	for _, c := range []struct {
		query    string
		included int
		missing  string // names, in order
	}{
		{"", 3, "mca-broken"},
		{"?subscription_id=sub-2", 1, "mca-broken"},
		{"?subscription_id=sub-1&resource_group=rg1", 1, "mca-broken"},
		{"?resource_group=nothing", 0, "mca-broken"},
		{"?meter_category=Storage", 2, "mca-broken"},
		{"?source_id=" + itoa(sourceID("ea-main")), 1, "mca-broken"},
		// 1 March: mpa-prod's second run and ea-main hold it.
		{"?date=2024-03-01", 2, "focus-ms,mca-broken"},
		{"?date=2024-03-01&subscription_id=sub-2", 1, "focus-ms,mca-broken"},
		{"?date=2024-03-01&resource_group=nothing", 0, "focus-ms,mca-broken"},
	} {
		var e envelope
		decode(t, get(t, srv, Prefix+"costs/subscription-summary/"+c.query), &e)
		var missing []string
		for _, m := range e.Missing {
			missing = append(missing, m.Name)
		}
		if e.Queried != 4 || e.Included != c.included || strings.Join(missing, ",") != c.missing {
			t.Errorf("%s: queried %d, included %d, missing %v; want 4, %d, %s", c.query, e.Queried, e.Included, missing, c.included, c.missing)
		}
	}
}

// TestAllowOnEveryAnswer: DRF's views send Allow with every answer, GET
// included, and errors of a known path too.
func TestAllowOnEveryAnswer(t *testing.T) {
	srv := testServer(t)
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "", allowed},
		{"GET", "meters/", allowed},
		{"HEAD", "cost-entries/", allowed},
		{"GET", "customers/", allowedCollection},
		{"GET", "snapshots/1/", allowedSnapshot},
		{"GET", "subscriptions/" + itoa(stableID("subscription", "sub-1")) + "/", allowedObject},
		{"GET", "costs/subscription-summary/?date=bad", allowed}, // 400
		{"GET", "snapshots/99/", allowedSnapshot},                // 404
	} {
		if res := do(t, srv, c.method, Prefix+c.path); res.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d, Allow %q, want %q", c.method, c.path, res.status, res.header.Get("Allow"), c.allow)
		}
	}
	// An unknown path has no view, so no Allow.
	if res := do(t, srv, "GET", Prefix+"nothing/"); res.header.Get("Allow") != "" {
		t.Errorf("GET nothing/: Allow %q", res.header.Get("Allow"))
	}
}

// TestGroupByForms: comma-separated names group as repeated parameters
// do; unknown names beside known ones are dropped, as upstream drops
// them, and a Warning header names them and the valid ones.
func TestGroupByForms(t *testing.T) {
	srv := testServer(t)
	repeated := get(t, srv, Prefix+"cost-entries/aggregate/?group_by=subscriptionName&group_by=meterCategory")
	for _, q := range []string{"group_by=subscriptionName,meterCategory", "group_by=subscriptionName,%20meterCategory", "group_by=subscriptionName,bogus&group_by=meterCategory"} {
		if got := get(t, srv, Prefix+"cost-entries/aggregate/?"+q); string(got) != string(repeated) {
			t.Errorf("%s = %s, want %s", q, got, repeated)
		}
	}
	res := do(t, srv, http.MethodGet, Prefix+"cost-entries/aggregate/?group_by=subscriptionName,bogus")
	want := `299 - "group_by bogus ignored: not one of ` + strings.Join(groupByNames, ", ") + `"`
	if w := res.header.Values("Warning"); !slices.Contains(w, want) {
		t.Errorf("Warning = %q, want %q among them", w, want)
	}
	w := do(t, srv, http.MethodGet, Prefix+"cost-entries/aggregate/?group_by=subscriptionName").header.Values("Warning")
	if strings.Contains(strings.Join(w, "\n"), "group_by") {
		t.Errorf("a valid group_by warns %q", w)
	}
}

// TestRootListsEverything: every path the API serves is reachable from
// the root (detail paths through their collections).
func TestRootListsEverything(t *testing.T) {
	srv := testServer(t)
	body := compact(t, get(t, srv, Prefix))
	a := New(nil, nil)
	for path := range a.static {
		if path != "" && !strings.Contains(body, `"http://testserver`+Prefix+path+`"`) {
			t.Errorf("the root does not list %s: %s", path, body)
		}
	}
}

// TestSummaryAcrossSources: a subscription billed by two sources is one
// group of a summary, its billing total the sum of both, in one currency
// without the mixed-currency warning, and both sources included; in two
// currencies the warning is sent.
func TestSummaryAcrossSources(t *testing.T) {
	for _, c := range []struct {
		name, currency, warning string
	}{
		{"one currency", "USD", ""},
		{"two currencies", "EUR", "different billing currencies"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			loadRun(t, st, "mca-a", "", day(2), item("sub-1", 1, "1.25"))
			other := item("sub-1", 1, "2.5")
			other.BillingCurrency = c.currency
			loadRun(t, st, "mca-b", "", day(2), other)
			srv := serve(t, st)
			res := do(t, srv, http.MethodGet, Prefix+"costs/subscription-summary/")
			var e struct {
				Included int `json:"sources_included"`
				Data     []struct {
					Billing json.Number `json:"total_billing"`
				} `json:"data"`
			}
			decode(t, res.body, &e)
			if e.Included != 2 || len(e.Data) != 1 || e.Data[0].Billing != "3.75" {
				t.Errorf("%s", res.body)
			}
			w := strings.Join(res.header.Values("Warning"), "\n")
			if (c.warning == "") != (w == "") || !strings.Contains(w, c.warning) {
				t.Errorf("Warning = %q, want %q", w, c.warning)
			}
		})
	}
}
