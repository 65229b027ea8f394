package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// The isolation suite: two organizations and two partner customers over
// overlapping data, and every endpoint of every dialect asked by each of
// them. Each account's cost is a distinct power of two, so a total shows
// exactly which accounts went into it; rows outside the probes' month
// and superseded imports, which no correct total counts, have larger
// powers of two (worldrows_test.go). Dialects add their endpoints to
// isolationProbes as they land. The registry names every account and
// some customers, with names and keys that contain the account ids, so
// that a registered entry shown outside its scope names a hidden account.

var accountCost = map[string]int{
	"acct-a1": 1, "acct-a2": 2, "acct-b1": 4, "acct-shared": 8, "acct-c1": 16, "acct-c2": 32,
}

type world struct {
	h       http.Handler
	tenants *tenant.Service
	keys    map[string]string   // caller -> key
	scope   map[string][]string // caller -> accounts it may see
	rows    []row               // every line item stored (worldrows_test.go)
	snapB   int64               // a snapshot holding only acct-b1
	st      *duckdb.Store       // the world's store, for tests that change it
	orgA    int64
	orgB    int64
	c2      int64

	// customers are the accounts of each partner customer ("C1"), as
	// the tests set them.
	customers map[string][]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rows, snapB := loadWorld(t, st)
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{tenants: tenants, keys: map[string]string{}, scope: map[string][]string{}, rows: rows, snapB: snapB, st: st}
	sys := tenant.System
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	orgA, err := tenants.CreateOrg(ctx, sys, tenant.OrgSpec{Name: "A"})
	must(err)
	orgB, err := tenants.CreateOrg(ctx, sys, tenant.OrgSpec{Name: "B"})
	must(err)
	w.orgA, w.orgB = orgA.ID, orgB.ID
	_, err = tenants.SetOrgAccounts(ctx, sys, orgA.ID, tenant.AssignReplace, tenant.Accounts{tenant.AWSAccounts: {"acct-a1", "acct-a2", "acct-shared"}})
	must(err)
	_, err = tenants.SetOrgAccounts(ctx, sys, orgB.ID, tenant.AssignReplace, tenant.Accounts{
		tenant.AWSAccounts: {"acct-b1", "acct-shared"}, tenant.AzureSubscriptions: {registeredOnly}})
	must(err)
	c1, err := tenants.CreateCustomer(ctx, sys, "C1")
	must(err)
	c2, err := tenants.CreateCustomer(ctx, sys, "C2")
	must(err)
	w.c2 = c2.ID
	w.customers = map[string][]string{"C1": {"acct-c1"}, "C2": {"acct-c2"}}
	_, err = tenants.SetCustomerAccounts(ctx, sys, c1.ID, tenant.AssignReplace, []string{"acct-c1"})
	must(err)
	_, err = tenants.SetCustomerAccounts(ctx, sys, c2.ID, tenant.AssignReplace, []string{"acct-c2"})
	must(err)
	key := func(caller string, spec tenant.KeySpec, scope []string) {
		k, _, err := tenants.CreateKey(ctx, sys, spec)
		must(err)
		w.keys[caller], w.scope[caller] = k, scope
	}
	key("admin", tenant.KeySpec{Name: "admin", Role: tenant.RoleAdmin}, nil)
	key("orgA", tenant.KeySpec{Name: "a", Role: tenant.RoleViewer, OrgID: orgA.ID}, []string{"acct-a1", "acct-a2", "acct-shared"})
	key("orgB", tenant.KeySpec{Name: "b", Role: tenant.RoleEditor, OrgID: orgB.ID}, []string{"acct-b1", "acct-shared", registeredOnly})
	key("custC1", tenant.KeySpec{Name: "c1", Role: tenant.RoleViewer, CustomerID: c1.ID}, []string{"acct-c1"})
	key("custC2", tenant.KeySpec{Name: "c2", Role: tenant.RoleViewer, CustomerID: c2.ID}, []string{"acct-c2"})
	key("partner", tenant.KeySpec{Name: "p", Role: tenant.RolePartner}, nil)
	registerWorld(t, st)
	seedWorldMetrics(t, st)
	w.h = Handler(Config{Store: st, State: st, Tenants: tenants, Clock: func() time.Time { return worldNow }})
	seedWorldPerspectives(t, w)
	return w
}

// registeredOnly is a subscription of organization B that the registry
// holds and no bill does.
const registeredOnly = "reg-acct-b1"

// registerWorld names every account ("Name of acct-a1"), gives acct-b1,
// acct-c1 and registeredOnly registered customers ("cust-of-acct-b1"),
// and names the bills' billing account, in the store's documents, where
// the server's registry finds them.
func registerWorld(t *testing.T, st *duckdb.Store) {
	t.Helper()
	ctx := context.Background()
	r := registry.New(registry.DocRepo(st))
	name := func(s string) *string { return &s }
	entries := []registry.Entry{
		{Kind: registry.Customer, Key: "payer", Name: name("Payer Inc"), Provider: "Microsoft"},
		{Kind: registry.Customer, Key: "cust-of-acct-b1", Name: name("Customer of acct-b1"), Provider: "Microsoft"},
		{Kind: registry.Customer, Key: "cust-of-acct-c1", Name: name("Customer of acct-c1"), Provider: "Microsoft"},
		{Kind: registry.SubAccount, Key: registeredOnly, Name: name("Registered acct-b1"), Parent: "cust-of-acct-b1", Provider: "Microsoft"},
	}
	for a := range accountCost {
		e := registry.Entry{Kind: registry.SubAccount, Key: a, Name: name("Name of " + a), Provider: "Microsoft"}
		if a == "acct-c1" || a == "acct-b1" {
			e.Parent = "cust-of-" + a
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		if _, err := r.Register(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

// worldItemAt is a line item of an account: an Azure subscription's
// virtual machine, so that every dialect, the Azure billing API included,
// shows it.
func worldItemAt(account string, day time.Time, billed int) *cost.LineItem {
	li := storetest.Item(account, "Microsoft.Compute", day, fmt.Sprint(billed))
	li.ProviderName, li.MeterCategory, li.ResourceGroup = "Microsoft", "Virtual Machines", "rg-"+account
	li.ResourceID = "/subscriptions/" + account + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-" + account
	return li
}

// loadAzure imports items as one Azure export of source and returns its
// snapshots.
func loadAzure(t *testing.T, st store.Store, source string, items ...*cost.LineItem) []store.Snapshot {
	t.Helper()
	return storetest.Import(t, st, store.ImportSpec{Source: source, Provider: "azure", Files: []string{source + ".csv"}}, items...)
}

// do sends one request as caller; "partner@C1" is the partner key acting
// for customer C1 with client_api_id (any key may ask: "orgA@C2").
func (w *world) do(t *testing.T, caller, method, path string) (int, string) {
	t.Helper()
	key := w.keys[caller]
	if k, c, ok := strings.Cut(caller, "@C"); ok {
		key = w.keys[k]
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "client_api_id=" + c
	}
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

// expected returns the sum of the rows of set in the accounts caller
// sees, and the accounts it must never see.
func (w *world) expected(caller string, set rowSet) (sum int, hidden []string) {
	scope := w.callerScope(caller)
	for a := range accountCost {
		if scope != nil && !slices.Contains(scope, a) {
			hidden = append(hidden, a)
		}
	}
	for _, r := range w.rows {
		if (scope == nil || slices.Contains(scope, r.account)) && set(r) {
			sum += r.cost
		}
	}
	return sum, hidden
}

// callerScope is the accounts caller may see (nil: all); a key acting
// for a customer ("partner@C1") sees the customer's accounts within its
// own scope.
func (w *world) callerScope(caller string) []string {
	k, c, ok := strings.Cut(caller, "@")
	if !ok {
		return w.scope[caller]
	}
	base, own := w.scope[k], w.customers[c]
	if own == nil {
		own = []string{} // a customer that does not exist has no accounts
	}
	if base == nil {
		return own
	}
	out := []string{}
	for _, a := range own {
		if slices.Contains(base, a) {
			out = append(out, a)
		}
	}
	return out
}

var callers = []string{"admin", "orgA", "orgB", "custC1", "custC2", "partner", "partner@C1", "partner@C2"}

// isolationProbes are the endpoints that return cost data. total reads
// the caller's total billed cost from the body; every body is also
// searched for the accounts the caller must not see.
type isolationProbe struct {
	name, path string
	total      func(body string) (int, error)
}

var isolationProbes = []isolationProbe{
	{"native costs", "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed", func(body string) (int, error) {
		var out struct {
			Data []struct {
				Costs map[string]string `json:"costs"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return 0, err
		}
		sum := 0
		for _, r := range out.Data {
			var n int
			fmt.Sscan(r.Costs["billed"], &n)
			sum += n
		}
		return sum, nil
	}},
	{"native costs by account", "/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed&groupBy=subAccountId&step=day", nil},
	{"native costs filtered by provider spellings", `/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed&filter=provider:"aws","AZURE","gcp","Amazon%20Web%20Services","Microsoft"`, nil},
	{"native costs filtered to every account", `/api/v1/costs?window=2024-03-01,2024-04-01&metric=billed&filter=subAccountId<~:"acct"`, nil},
	{"native snapshots", "/api/v1/snapshots", func(body string) (int, error) {
		var out struct {
			Data []struct {
				Totals []struct {
					Costs map[string]string `json:"costs"`
				} `json:"totals"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return 0, err
		}
		sum := 0
		for _, s := range out.Data {
			for _, t := range s.Totals {
				var n int
				fmt.Sscan(t.Costs["billed"], &n)
				sum += n
			}
		}
		return sum, nil
	}},
	{"kubecost cloudCost", kcWindow("/model/cloudCost", "aggregate=accountID&accumulate=true"), kubecostInvoiced},
	{"kubecost cloudCost by label", kcWindow("/model/cloudCost", "aggregate=label:team&accumulate=true"), kubecostInvoiced},
	{"kubecost cloudCost by region, invoice entity and account name", kcWindow("/model/cloudCost", "aggregate=regionID,invoiceEntityID,invoiceEntityName,accountName&accumulate=true"), kubecostInvoiced},
	{"kubecost cloudCost filtered by a label", kcWindow("/model/cloudCost", `aggregate=service&accumulate=true&filter=label:"team"|label!:"team"`), kubecostInvoiced},
	{"kubecost cloudCost daily by default", kcWindow("/model/cloudCost", ""), nil},
	{"kubecost totals view", kcWindow("/model/cloudCost/view/totals", "costMetric=invoicedCost"), func(body string) (int, error) {
		var out struct {
			Data *struct {
				Combined struct {
					Cost float64 `json:"cost"`
				} `json:"combined"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || out.Data == nil {
			return 0, err
		}
		return int(math.Round(out.Data.Combined.Cost)), nil
	}},
	{"kubecost table view", kcWindow("/model/cloudCost/view/table", "aggregate=accountID&costMetric=invoicedCost"), func(body string) (int, error) {
		var out struct {
			Data []struct {
				Cost float64 `json:"cost"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return 0, err
		}
		sum := 0.0
		for _, r := range out.Data {
			sum += r.Cost
		}
		return int(math.Round(sum)), nil
	}},
	{"kubecost table view as CSV", kcWindow("/model/cloudCost/view/table", "aggregate=accountID&format=csv"), nil},
	{"kubecost graph view", kcWindow("/model/cloudCost/view/graph", "aggregate=accountID"), nil},
	{"azure billing cost entries", "/azure-billing/api/cost-entries/", sumField("cost_in_usd", false)},
	{"azure billing cost entries by date", "/azure-billing/api/cost-entries/?date=2024-03-01", sumField("cost_in_usd", false)},
	{"azure billing aggregate", "/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName", sumField("total_cost", false)},
	{"azure billing aggregate by two keys in one parameter", "/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName,resourceLocation", sumField("total_cost", false)},
	{"azure billing cost entries with page but no page size", "/azure-billing/api/cost-entries/?page=2", sumField("cost_in_usd", false)},
	{"azure billing subscription summary", "/azure-billing/api/costs/subscription-summary/", sumField("total_usd", true)},
	{"azure billing dated summary", "/azure-billing/api/costs/subscription-summary/?date=2024-03-01", sumField("total_usd", true)},
	{"azure billing virtual machines summary", "/azure-billing/api/costs/virtual-machines-summary/", sumField("total_usd", true)},
	{"azure billing resource group summary", "/azure-billing/api/costs/resource-group-summary/", sumField("total_usd", true)},
	{"azure billing region summary", "/azure-billing/api/costs/region-summary/", sumField("total_usd", true)},
	{"azure billing subscriptions", "/azure-billing/api/subscriptions/", nil},
	{"azure billing customers", "/azure-billing/api/customers/", nil},
	{"azure billing customers page", "/azure-billing/api/customers/?page=1&page_size=100", nil},
	{"azure billing subscriptions page", "/azure-billing/api/subscriptions/?page=last&page_size=2", nil},
	{"azure billing cost entries by a registered name", "/azure-billing/api/cost-entries/?subscriptionName=Name%20of%20acct-b1", nil},
	{"azure billing aggregate by a registered name", "/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName&subscriptionName=name%20of%20acct-c1", nil},
	{"azure billing resources", "/azure-billing/api/resources/", nil},
	{"azure billing snapshots", "/azure-billing/api/snapshots/", nil},
	{"cloudkitty v1 total", ckMay("/cloudkitty/v1/report/total", "all_tenants=True"), ckTotal},
	{"cloudkitty v1 summary by tenant and type", ckMay("/cloudkitty/v1/report/summary", "groupby=tenant_id,res_type"), ckSummary},
	{"cloudkitty v1 tenants", ckMay("/cloudkitty/v1/report/tenants", ""), nil},
	{"cloudkitty v1 dataframes", ckMay("/cloudkitty/v1/storage/dataframes", ""), ckFrames("rating")},
	{"cloudkitty v2 dataframes", ckMay("/cloudkitty/v2/dataframes", ""), ckFrames("price")},
	{"cloudkitty v2 summary by scope", ckMay("/cloudkitty/v2/summary", "groupby=project_id&response_format=object"), ckV2Summary},
	{"cloudkitty v2 summary by hour and type", ckMay("/cloudkitty/v2/summary", "groupby=time,type&response_format=object"), ckV2Summary},
	{"cloudkitty v2 summary filtered to every scope", ckMay("/cloudkitty/v2/summary", "filters=project_id:acct-a1,project_id:acct-a2,project_id:acct-b1,project_id:acct-shared,project_id:acct-c1,project_id:acct-c2&response_format=object"), ckV2Summary},
	{"native organizations", "/api/v1/organizations", nil},
	{"native customers", "/api/v1/customers", nil},
	{"native me", "/api/v1/me", nil},
	// Perspectives are owned: 1001 is organization B's, 1002 customer
	// C1's, each named after an account only its owner sees
	// (seedWorldPerspectives), so that listing, reading or offering one
	// outside its owner (as a report dimension or an asset attribute)
	// names a hidden account.
	{"cloudhealth perspective list", "/cloudhealth/v1/perspective_schemas?active_only=1", nil},
	{"cloudhealth perspective get of organization B's", "/cloudhealth/v1/perspective_schemas/1001?include_version=true", nil},
	{"cloudhealth perspective get of customer C1's", "/cloudhealth/v1/perspective_schemas/1002", nil},
	{"cloudhealth asset attributes with perspective groups", "/cloudhealth/api/AzureVm", nil},
	// Metrics are read per instance; each account has one (seedWorldMetrics).
	{"cloudhealth metrics of acct-a1", metricsProbe("/metrics/v1", "acct-a1"), nil},
	{"cloudhealth metrics of acct-b1", metricsProbe("/metrics/v1/", "acct-b1"), nil},
	{"cloudhealth metrics of acct-c2 by the alias", metricsProbe("/v1/metrics", "acct-c2"), nil},
	{"cloudhealth metrics of acct-shared hourly", "/cloudhealth/metrics/v1?asset=arn:aws:ec2:us-east-1:acct-shared:instance/i-acct-shared&from=2024-03-04&to=2024-03-05", nil},
	{"native rightsizing", "/api/v1/recommendations/rightsizing?window=2024-03-01,2024-04-01", nil},
	{"cloudhealth aws accounts", "/cloudhealth/v1/aws_accounts?per_page=100", nil}, // cloudhealth_accounts_test.go fills them
	{"native saved reports", "/api/v1/reports", nil},
}

// kubecostInvoiced adds the invoiced cost of every item of every set of
// a /model/cloudCost answer.
func kubecostInvoiced(body string) (int, error) {
	var out struct {
		Data struct {
			Sets []struct {
				CloudCosts map[string]struct {
					InvoicedCost struct {
						Cost float64 `json:"cost"`
					} `json:"invoicedCost"`
				} `json:"cloudCosts"`
			} `json:"sets"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return 0, err
	}
	sum := 0.0
	for _, set := range out.Data.Sets {
		for _, c := range set.CloudCosts {
			sum += c.InvoicedCost.Cost
		}
	}
	return int(math.Round(sum)), nil
}

// sumField adds a money field over the rows of a JSON array, or of the
// "data" array of a summary envelope; the field may be a string or a
// number.
func sumField(field string, envelope bool) func(string) (int, error) {
	return func(body string) (int, error) {
		var rows []map[string]any
		if envelope {
			var out struct {
				Data []map[string]any `json:"data"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				return 0, err
			}
			rows = out.Data
		} else if err := json.Unmarshal([]byte(body), &rows); err != nil {
			return 0, err
		}
		sum := 0.0
		for _, r := range rows {
			switch v := r[field].(type) {
			case float64:
				sum += v
			case string:
				var f float64
				fmt.Sscan(v, &f)
				sum += f
			}
		}
		return int(math.Round(sum)), nil
	}
}

// ckMay is a CloudKitty path over May, the month of the world's rated
// hours (ratedHour).
func ckMay(path, params string) string {
	q := path + "?begin=2024-05-01&end=2024-06-01"
	if params != "" {
		q += "&" + params
	}
	return q
}

// ckTotal reads report/total's JSON string decimal.
func ckTotal(body string) (int, error) {
	var s string
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return 0, err
	}
	return exactInt(s)
}

// exactInt reads a decimal that must be a whole number.
func exactInt(s string) (int, error) {
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsInteger() {
		return 0, fmt.Errorf("not a whole number: %q", s)
	}
	return int(d.IntPart()), nil
}

// ckSummary adds the rates of a v1 summary.
func ckSummary(body string) (int, error) {
	var out struct {
		Summary []struct{ Rate string }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return 0, err
	}
	sum := 0
	for _, r := range out.Summary {
		n, err := exactInt(r.Rate)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// ckFrames adds a field ("rating" of v1, "price" of v2) wherever it
// appears in a dataframes answer.
func ckFrames(field string) func(string) (int, error) {
	return func(body string) (int, error) {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return 0, err
		}
		sum := 0
		var walk func(any) error
		walk = func(v any) error {
			switch x := v.(type) {
			case map[string]any:
				for k, y := range x {
					if k == field {
						n, err := exactInt(fmt.Sprint(y))
						if err != nil {
							return err
						}
						sum += n
						continue
					}
					if err := walk(y); err != nil {
						return err
					}
				}
			case []any:
				for _, y := range x {
					if err := walk(y); err != nil {
						return err
					}
				}
			}
			return nil
		}
		return sum, walk(v)
	}
}

// ckV2Summary adds the rates of a v2 summary in the object format.
func ckV2Summary(body string) (int, error) {
	var out struct {
		Results []struct{ Rate json.Number }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return 0, err
	}
	sum := 0
	for _, r := range out.Results {
		n, err := exactInt(r.Rate.String())
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// kcWindow is a Kubecost path over the suite's month.
func kcWindow(path, params string) string {
	q := path + "?window=2024-03-01T00:00:00Z,2024-04-01T00:00:00Z"
	if params != "" {
		q += "&" + params
	}
	return q
}

// TestPipelineIsForAdmins: only administrators of the default
// organization drive or read the pipeline, through either dialect.
func TestPipelineIsForAdmins(t *testing.T) {
	w := newWorld(t)
	for _, path := range []string{"/model/etl/status", "/model/cloudCost/status", "/model/etl/cloudUsage/rebuild?commit=true", "/api/v1/sources"} {
		for _, caller := range callers {
			code, body := w.do(t, caller, http.MethodGet, path)
			want := http.StatusForbidden
			if caller == "admin" {
				want = http.StatusNotImplemented // the world has no pipeline
			}
			if code != want {
				t.Errorf("GET %s as %s: %d, want %d: %s", path, caller, code, want, body)
			}
		}
	}
}

func TestIsolation(t *testing.T) {
	w := newWorld(t)
	for _, p := range slices.Concat(isolationProbes, cloudhealthReportProbes, cloudhealthAssetProbes, budgetProbes) {
		for _, caller := range callers {
			code, body := w.do(t, caller, http.MethodGet, p.path)
			if code != http.StatusOK {
				t.Errorf("%s as %s: status %d: %s", p.name, caller, code, body)
				continue
			}
			want, hidden := w.expected(caller, selectedRows(t, p.path))
			for _, h := range hidden {
				if strings.Contains(withoutEcho(t, body, p.path), h) {
					t.Errorf("%s as %s: the body names %s, outside its scope:\n%s", p.name, caller, h, body)
				}
			}
			if p.total == nil {
				continue
			}
			got, err := p.total(body)
			if err != nil {
				t.Errorf("%s as %s: %v", p.name, caller, err)
			} else if got != want {
				t.Errorf("%s as %s: total %d, want %d", p.name, caller, got, want)
			}
		}
	}
}
