package azurebilling

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// testServer serves the data of the golden tests:
//
//   - mpa-prod: a partner (MPA) export in USD for customer tenant-1, two
//     daily runs; the second restates March 1 and adds a storage
//     account, whose resource group differs from the VM's only in case,
//     and a reservation purchase without resource or meter.
//   - ea-main: an EA export in EUR without USD amounts or customer, and
//     without a manifest (no run id or report date): a spot VM on the
//     same meter and a savings-plan row.
//   - focus-ms: Microsoft's FOCUS export (provider focus).
//   - aws-main: an AWS bill, which the dialect never shows.
//   - mca-broken: an Azure source whose only import failed.
func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := openStore(t)
	withCustomer := func(li *cost.LineItem) *cost.LineItem {
		li.CustomerID, li.CustomerName, li.CostCenter = "tenant-1", "Contoso", "CC-1"
		li.SetTag("env", "prod")
		li.SetTag("team", "web")
		return li
	}
	loadRun(t, st, "mpa-prod", "run-p1", day(1), withCustomer(item("sub-1", 1, "1.123456789")))

	storage := withCustomer(item("sub-1", 2, "0.5"))
	storage.ResourceID = "/subscriptions/sub-1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st1"
	storage.ResourceName, storage.ResourceGroup = "st1", "rg1"
	storage.MeterID, storage.MeterName, storage.MeterCategory, storage.MeterSubcategory = "m-lrs", "LRS Data Stored", "Storage", "Tiered Block Blob"
	storage.ServiceFamily, storage.PricingUnit, storage.ConsumedUnit = "Storage", "1 GB/Month", "1 GB/Month"
	storage.ConsumedQuantity = decimal.NewNullDecimal(decimal.RequireFromString("10.12345678"))
	storage.UnitPrice = decimal.NewNullDecimal(decimal.RequireFromString("0.04950025"))
	storage.ListUnitPrice = decimal.NewNullDecimal(decimal.RequireFromString("0.0495"))
	storage.Tags = nil
	storage.SetTag("env", "Prod")

	purchase := withCustomer(item("sub-1", 2, "100"))
	purchase.ChargeType, purchase.ChargeCategory, purchase.PricingCategory = "Purchase", "Purchase", "Committed"
	purchase.CommitmentDiscountType = "Reservation"
	purchase.ResourceID, purchase.ResourceName, purchase.ResourceGroup, purchase.RegionID = "", "", "", ""
	purchase.MeterID, purchase.MeterName, purchase.MeterCategory, purchase.MeterSubcategory = "", "", "", ""
	purchase.ServiceFamily, purchase.PricingUnit, purchase.ConsumedUnit, purchase.ProductOrderName = "", "", "", "Reserved VM Instance, Standard_D2_v3, 1 Year"
	purchase.ConsumedQuantity, purchase.UnitPrice, purchase.ListUnitPrice = decimal.NullDecimal{}, decimal.NullDecimal{}, decimal.NullDecimal{}
	purchase.Tags = nil
	loadRun(t, st, "mpa-prod", "run-p2", day(2), withCustomer(item("sub-1", 1, "7.5")), withCustomer(item("sub-1", 2, "2.25")), storage, purchase)

	ea := func(d int, billed string) *cost.LineItem {
		li := item("sub-2", d, billed)
		li.BillingCurrency, li.BillingAccountID, li.BillingAccountName = "EUR", "ea-1", "Enrollment One"
		li.ResourceID = "/subscriptions/sub-2/resourceGroups/RG-Dev/providers/Microsoft.Compute/virtualMachines/vm-dev"
		li.ResourceName, li.ResourceGroup, li.RegionID, li.ProductOrderName = "vm-dev", "RG-Dev", "northeurope", ""
		setCost(li, billed, false)
		return li
	}
	spot := ea(1, "3.3333")
	spot.PricingCategory = "Dynamic"
	plan := ea(2, "1.5")
	plan.PricingCategory, plan.CommitmentDiscountType = "Committed", "Savings Plan"
	loadRun(t, st, "ea-main", "", day(2), spot, plan)

	focus := item("sub-3", 3, "4")
	focus.MeterID, focus.MeterCategory, focus.ResourceGroup, focus.ResourceID = "m-focus", "Storage", "rg-focus", ""
	loadAs(t, st, "focus", "focus-ms", "", day(3), focus)

	storetest.Load(t, st, "aws-main", storetest.Item("111", "AmazonEC2", day(1), "50"))

	imp, err := st.BeginImport(context.Background(), store.ImportSpec{Source: "mca-broken", Provider: "azure"})
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Append(item("sub-9", 1, "1000")); err != nil {
		t.Fatal(err)
	}
	if err := imp.Fail(context.Background(), errors.New("broken export")); err != nil {
		t.Fatal(err)
	}
	return serve(t, st)
}

// TestGolden records every endpoint's answer over the test data.
func TestGolden(t *testing.T) {
	srv := testServer(t)
	// Ids of objects, computed as the API derives them.
	subID := stableID("subscription", "sub-1")
	for _, c := range []struct{ name, path string }{
		{"root", ""},
		{"schema", "schema/"},
		{"snapshots", "snapshots/"},
		{"snapshot", "snapshots/2/"},
		{"snapshots_page", "snapshots/?page=2&page_size=2"},
		{"customers", "customers/"},
		{"customer", "customers/" + itoa(stableID("customer", "tenant-1")) + "/"},
		{"subscriptions", "subscriptions/"},
		{"subscription", "subscriptions/" + itoa(subID) + "/"},
		{"resources", "resources/"},
		{"resource", "resources/" + itoa(stableID("resource", "")) + "/"},
		{"meters", "meters/"},
		{"meter", "meters/" + itoa(stableID("meter", "m-lrs")) + "/"},
		{"entries", "cost-entries/"},
		{"entries_page", "cost-entries/?page=2&page_size=2&resource_group=rg1"},
		{"entries_last_page", "cost-entries/?page=last&page_size=4"},
		{"entry", "cost-entries/" + itoa(2<<32+1) + "/"},
		{"entries_date", "cost-entries/?date=2024-03-01"},
		{"entries_filters", "cost-entries/?resourceGroupName=RG1&subscriptionName=sub-1&meterCategory=virtual%20machines&min_cost=2.25&max_cost=2.25&tags=%7B%22env%22%3A%22prod%22%7D&pricingModel=ondemand&location=WESTEUROPE"},
		{"entries_snapshot", "cost-entries/?snapshot=1"},
		{"entries_tag_value", "cost-entries/?tag_key=env&tag_value=Prod"},
		{"entries_source", "cost-entries/?source_id=" + itoa(sourceID("ea-main"))},
		{"aggregate", "cost-entries/aggregate/?group_by=subscriptionName&group_by=meterCategory&group_by=nope"},
		{"aggregate_all", "cost-entries/aggregate/?group_by=resourceGroupName&group_by=resourceLocation&group_by=pricingModel&group_by=chargeType&group_by=publisherName&group_by=costCenter&group_by=serviceFamily&group_by=meterSubCategory"},
		{"aggregate_date", "cost-entries/aggregate/?group_by=subscriptionName&date=2024-03-01"},
		{"subscription_summary", "costs/subscription-summary/"},
		{"subscription_summary_date", "costs/subscription-summary/?date=2024-03-01"},
		{"subscription_summary_filters", "costs/subscription-summary/?subscription_id=SUB-1&resource_group=rg1&min_cost=1"},
		{"vm_summary", "costs/virtual-machines-summary/"},
		{"vm_summary_storage", "costs/virtual-machines-summary/?meter_category=Storage"},
		{"resource_group_summary", "costs/resource-group-summary/"},
		{"meter_category_summary", "costs/meter-category-summary/"},
		{"region_summary", "costs/region-summary/?date=2024-03-02"},
		{"resource_group_totals", "costs/resource-group-totals/?resource_group=RG1"},
		{"available_dates", "costs/available-report-dates/"},
		{"available_dates_feb", "costs/available-report-dates/?month=2024-2"},
		{"report_dates", "reports/available-report-dates/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			golden.Assert(t, c.name, get(t, srv, Prefix+c.path))
		})
	}
	// The documented path of the report dates answers as the other.
	if a, b := get(t, srv, Prefix+"snapshots/available-report-dates/"), get(t, srv, Prefix+"reports/available-report-dates/"); string(a) != string(b) {
		t.Errorf("snapshots/available-report-dates/ = %s, want %s", a, b)
	}
}

func itoa(n int64) string { return decimal.NewFromInt(n).String() }

// TestErrors: bad parameters, unknown objects and writes, with the status
// and body clients match on.
func TestErrors(t *testing.T) {
	srv := testServer(t)
	f := func(method, path string, status int, body string) {
		t.Helper()
		res := do(t, srv, method, Prefix+path)
		if res.status != status || strings.TrimSpace(string(res.body)) != body {
			t.Errorf("%s %s = %d %s, want %d %s", method, path, res.status, res.body, status, body)
		}
	}
	detail := func(s string) string { return "{\n  \"detail\": \"" + s + "\"\n}" }
	f("GET", "costs/subscription-summary/?date=2024-13-01", 400, detail("invalid date"))
	f("GET", "costs/resource-group-summary/?date=yesterday", 400, detail("invalid date"))
	f("GET", "costs/resource-group-totals/?resource_group=rg1&date=2024-02-30", 400, detail("invalid date"))
	f("GET", "costs/available-report-dates/?month=x", 400, detail("invalid month"))
	f("GET", "costs/available-report-dates/?month=2024-13", 400, detail("invalid month"))
	// Upstream's text in detail, which clients match on, and the names
	// that would have worked.
	valid := func(s string) string {
		return "{\n  \"detail\": \"" + s + "\",\n  \"valid_group_by\": [\n    \"chargeType\",\n    \"costCenter\",\n    \"meterCategory\",\n    \"meterSubCategory\",\n    \"pricingModel\",\n    \"publisherName\",\n    \"resourceGroupName\",\n    \"resourceLocation\",\n    \"serviceFamily\",\n    \"subscriptionName\"\n  ]\n}"
	}
	f("GET", "cost-entries/aggregate/", 400, valid("group_by parameter required"))
	f("GET", "cost-entries/aggregate/?group_by=nope&group_by=resource_group", 400, valid("invalid group_by fields"))
	f("GET", "cost-entries/aggregate/?group_by=", 400, valid("invalid group_by fields"))
	f("GET", "cost-entries/aggregate/?group_by=bogus", 400, valid("invalid group_by fields"))
	f("GET", "costs/resource-group-totals/", 400, detail("resource_group parameter required"))
	f("GET", "costs/resource-group-totals/?date=2024-03-01", 400, detail("resource_group parameter required"))
	f("GET", "cost-entries/?min_cost=abc", 400, "{\n  \"min_cost\": [\n    \"Enter a number.\"\n  ]\n}")
	f("GET", "costs/region-summary/?source_id=x", 400, "{\n  \"source_id\": [\n    \"Enter a number.\"\n  ]\n}")
	f("GET", "cost-entries/?resource_group=%00", 400, "{\n  \"resource_group\": [\n    \"Null characters are not allowed.\"\n  ]\n}")
	f("GET", "cost-entries/?tags=%7Bnope", 400, "{\n  \"tags\": [\n    \"Enter a valid JSON.\"\n  ]\n}")
	f("GET", "cost-entries/?page=99&page_size=100", 404, detail("Invalid page."))
	f("GET", "cost-entries/?page=0&page_size=100", 404, detail("Invalid page."))
	f("GET", "snapshots/?page=abc&page_size=2", 404, detail("Invalid page."))
	f("GET", "snapshots/?page=4&page_size=2", 404, detail("Invalid page."))
	f("GET", "snapshots/99/", 404, detail("Not found."))
	f("GET", "snapshots/abc/", 404, detail("Not found."))
	f("GET", "snapshots/5/", 404, detail("Not found.")) // the AWS bill's snapshot
	f("GET", "customers/1/", 404, detail("Not found."))
	f("GET", "cost-entries/"+itoa(5<<32+1)+"/", 404, detail("Not found."))
	f("GET", "cost-entries/"+itoa(2<<32+99)+"/", 404, detail("Not found."))
	f("GET", "nothing/", 404, detail("Not found."))
	f("GET", "snapshots/1/extra/", 404, detail("Not found."))
	// Unparsable dates select nothing on cost entries, as upstream.
	f("GET", "cost-entries/?date=bad", 200, "[]")
	f("GET", "cost-entries/aggregate/?group_by=subscriptionName&date=bad", 200, "[]")
	f("GET", "cost-entries/?snapshot=5", 200, "[]") // not an Azure snapshot

	// Methods a resource does not take: 405 in DRF's words, with the
	// methods that are allowed. Resources, meters and cost entries are
	// the bills and take no writes at all.
	const reads, collection, object = "GET, HEAD, OPTIONS", "GET, POST, HEAD, OPTIONS", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "resources/", reads},
		{"PUT", "resources/" + itoa(stableID("resource", "")) + "/", reads},
		{"PATCH", "meters/" + itoa(stableID("meter", "m-lrs")) + "/", reads},
		{"DELETE", "meters/" + itoa(stableID("meter", "m-lrs")) + "/", reads},
		{"POST", "cost-entries/", reads},
		{"DELETE", "cost-entries/" + itoa(2<<32+1) + "/", reads},
		{"PATCH", "cost-entries/" + itoa(2<<32+1) + "/", reads},
		{"POST", "cost-entries/aggregate/", reads},
		{"POST", "costs/subscription-summary/", reads},
		{"POST", "snapshots/", reads},
		{"PUT", "snapshots/1/", "GET, DELETE, HEAD, OPTIONS"},
		{"DELETE", "snapshots/available-report-dates/", reads},
		{"PUT", "customers/", collection},
		{"DELETE", "subscriptions/", collection},
		{"POST", "customers/1/", object},
		{"POST", "subscriptions/1/", object},
	} {
		res := do(t, srv, c.method, Prefix+c.path)
		if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != c.allow ||
			strings.TrimSpace(string(res.body)) != detail(`Method \"`+c.method+`\" not allowed.`) {
			t.Errorf("%s %s = %d %q %s, want 405 %q", c.method, c.path, res.status, res.header.Get("Allow"), res.body, c.allow)
		}
	}
}

// TestRedirect: paths need their trailing slash; the slash-less form of a
// known path redirects to it, keeping the query, and keeps the method of
// a write.
func TestRedirect(t *testing.T) {
	srv := testServer(t)
	for _, c := range []struct {
		method, path string
		status       int
		location     string
	}{
		{"GET", "snapshots?page=1", http.StatusMovedPermanently, Prefix + "snapshots/?page=1"},
		{"GET", "costs/region-summary", http.StatusMovedPermanently, Prefix + "costs/region-summary/"},
		{"GET", "snapshots/1", http.StatusMovedPermanently, Prefix + "snapshots/1/"},
		{"POST", "customers", http.StatusPermanentRedirect, Prefix + "customers/"},
		{"GET", "nothing", http.StatusNotFound, ""},
	} {
		res := do(t, srv, c.method, Prefix+c.path)
		if res.status != c.status || res.header.Get("Location") != c.location {
			t.Errorf("%s %s = %d %q, want %d %q", c.method, c.path, res.status, res.header.Get("Location"), c.status, c.location)
		}
	}
}

// TestOptionsAndHead: the reads DRF allows besides GET. OPTIONS gives
// DRF's metadata: the view's name as DRF derives it from upstream's
// classes, a description, and the body types of each resource (writes
// only for customers and subscriptions).
func TestOptionsAndHead(t *testing.T) {
	srv := testServer(t)
	const json, both = `"application/json"`, `"application/json",    "application/x-www-form-urlencoded"`
	for _, c := range []struct{ path, allow, name, description, parses string }{
		{"", "GET, HEAD, OPTIONS", "Api Root", "The API's collections and endpoints, with their URLs; schema/ describes their parameters.", json},
		{"meters/", "GET, HEAD, OPTIONS", "Meter List", "Meters", json},
		{"snapshots/", "GET, HEAD, OPTIONS", "Cost Report Snapshot List", "Imported export runs, newest first", json},
		{"snapshots/1/", "GET, DELETE, HEAD, OPTIONS", "Cost Report Snapshot Instance", "One snapshot", json},
		{"snapshots/available-report-dates/", "GET, HEAD, OPTIONS", "Snapshot Report Dates", "Report dates of complete snapshots", json},
		{"cost-entries/1/", "GET, HEAD, OPTIONS", "Cost Entry Instance", "One line item", json},
		{"cost-entries/aggregate/", "GET, HEAD, OPTIONS", "Aggregate", "Σ cost_in_usd per group", json},
		{"costs/virtual-machines-summary/", "GET, HEAD, OPTIONS", "Virtual Machine Summary", "Costs by subscription, meter category Virtual Machines by default", json},
		{"costs/available-report-dates/", "GET, HEAD, OPTIONS", "Available Report Dates", "Days of a month with costs", json},
		{"customers/", "GET, POST, HEAD, OPTIONS", "Customer List", "Customer tenants (the billing account for bills without customers) and registered customers", both},
		{"subscriptions/", "GET, POST, HEAD, OPTIONS", "Subscription List", "Subscriptions of the bills and registered ones, with their customer", both},
		{"customers/1/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS", "Customer Instance", "One customer", both},
		{"subscriptions/1/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS", "Subscription Instance", "One subscription", both},
	} {
		res := do(t, srv, http.MethodOptions, Prefix+c.path)
		body := strings.Join(strings.Fields(string(res.body)), " ")
		want := `{ "name": "` + c.name + `", "description": "` + c.description + `", "renders": [ "application/json" ], "parses": [ ` +
			strings.Join(strings.Fields(c.parses), " ") + ` ] }`
		if res.status != http.StatusOK || res.header.Get("Allow") != c.allow || body != want {
			t.Errorf("OPTIONS %s = %d %q %s, want Allow %q and %s", c.path, res.status, res.header.Get("Allow"), body, c.allow, want)
		}
	}
	res := do(t, srv, http.MethodHead, Prefix+"cost-entries/")
	if res.status != http.StatusOK || len(res.body) != 0 {
		t.Errorf("HEAD cost-entries/ = %d %s", res.status, res.body)
	}
}

// TestWarnings: totals that leave out items without USD, or add billing
// currencies, say so in a Warning header, not in the body.
func TestWarnings(t *testing.T) {
	srv := testServer(t)
	res := do(t, srv, http.MethodGet, Prefix+"costs/meter-category-summary/")
	w := strings.Join(res.header.Values("Warning"), "\n")
	if !strings.Contains(w, `299 - "2 line items have no USD value`) || !strings.Contains(w, "different billing currencies") {
		t.Errorf("Warning = %q", w)
	}
	res = do(t, srv, http.MethodGet, Prefix+"costs/subscription-summary/?subscription_id=sub-1")
	if w := res.header.Values("Warning"); len(w) != 0 {
		t.Errorf("a USD-only summary warns %q", w)
	}
}

// TestScope: a caller limited to some subscriptions sees only their
// entries, objects, sources and totals.
func TestScope(t *testing.T) {
	srv := testServer(t)
	scoped := []string{"X-Test-Accounts", "sub-2"}
	body := string(get(t, srv, Prefix+"cost-entries/", scoped...))
	if strings.Contains(body, "sub-1") || !strings.Contains(body, "sub-2") {
		t.Errorf("scoped entries: %s", body)
	}
	body = string(get(t, srv, Prefix+"subscriptions/", scoped...))
	if strings.Contains(body, "sub-1") || strings.Contains(body, "sub-3") {
		t.Errorf("scoped subscriptions: %s", body)
	}
	body = string(get(t, srv, Prefix+"costs/subscription-summary/", scoped...))
	if !strings.Contains(body, `"sources_queried": 1`) || strings.Contains(body, "mpa-prod") {
		t.Errorf("scoped summary: %s", body)
	}
	res := do(t, srv, http.MethodGet, Prefix+"cost-entries/"+itoa(2<<32+1)+"/", scoped...)
	if res.status != http.StatusNotFound {
		t.Errorf("another subscription's entry: %d %s", res.status, res.body)
	}
}
