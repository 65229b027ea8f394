package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The Azure billing API's filters are query parameters, all of which
// must hold (internal/api/azurebilling/params.go): text filters compare
// case-insensitively, min_cost and max_cost bound each line item's
// cost_in_usd. The summaries take only the snake_case subset. Each
// generated filter carries its own evaluator, as the Kubecost-language
// filters do, and every caller must get the total of its own rows that
// match.

// azureFilter is one set of filter parameters and the rows it matches.
type azureFilter struct {
	params url.Values
	match  func(row) bool
	// entriesOnly marks parameters the summaries ignore (camelCase
	// names); a summary is not asked with them.
	entriesOnly bool
}

func (f azureFilter) String() string { return "Azure billing filter " + f.params.Encode() }

// azureFilters generates filters naming each account by id (in another
// case too), resource group and registered name, alone, combined with
// another account's resource group and with cost bounds; and cost bounds
// that select only the in-month amounts (at most 32) or only the others
// (2^8 and up). The set is small because the API is slow to ask: every
// filter is asked by every caller on every endpoint.
func azureFilters() []azureFilter {
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	all := func(row) bool { return true }
	cheap := func(r row) bool { return r.cost <= 32 }
	dear := func(r row) bool { return r.cost >= 256 }
	out := []azureFilter{
		{params: q("min_cost", "256"), match: dear},
		{params: q("max_cost", "32"), match: cheap},
		{params: q("min_cost", "4", "max_cost", "16"), match: func(r row) bool { return r.cost >= 4 && r.cost <= 16 }},
		{params: q("min_cost", "1e20"), match: func(row) bool { return false }},
		{params: q("meter_category", "virtual MACHINES", "max_cost", "1e20"), match: all},
		{params: q("tags", "[]"), match: func(row) bool { return false }, entriesOnly: true},
	}
	accounts := worldAccounts()
	for i, a := range accounts {
		other := accounts[(i+1)%len(accounts)]
		is := func(r row) bool { return r.account == a }
		out = append(out,
			azureFilter{params: q("subscription_id", a), match: is},
			azureFilter{params: q("resource_group", "RG-"+a, "min_cost", "33"), match: func(r row) bool { return is(r) && dear(r) }},
			azureFilter{params: q("subscription_id", strings.ToUpper(a), "resource_group", "rg-"+other), match: func(row) bool { return false }},
			// Users named every subscription ("Name of acct-a1"), so the
			// bill's own name ("acct-a1-name") no longer matches.
			azureFilter{params: q("subscriptionName", "name of "+a, "resourceGroupName", "rg-"+a), match: is, entriesOnly: true},
			azureFilter{params: q("subscriptionName", a+"-name"), match: func(row) bool { return false }, entriesOnly: true},
		)
	}
	return out
}

// azureEndpoint is an Azure billing endpoint that filters.
type azureEndpoint struct {
	name, path string
	summary    bool
	total      func(body string) (int, error)
}

var azureEndpoints = []azureEndpoint{
	{"cost entries", "/azure-billing/api/cost-entries/", false, sumField("cost_in_usd", false)},
	{"cost entries of 29 February", "/azure-billing/api/cost-entries/?date=2024-02-29", false, sumField("cost_in_usd", false)},
	{"cost entries page", "/azure-billing/api/cost-entries/?page=1&page_size=1000", false, pageSum("cost_in_usd")},
	{"aggregate of 1 March", "/azure-billing/api/cost-entries/aggregate/?group_by=subscriptionName&group_by=resourceGroupName&date=2024-03-01", false, sumField("total_cost", false)},
	{"subscription summary", "/azure-billing/api/costs/subscription-summary/", true, sumField("total_usd", true)},
	{"resource group summary of 1 April", "/azure-billing/api/costs/resource-group-summary/?date=2024-04-01", true, sumField("total_usd", true)},
	{"meter category summary", "/azure-billing/api/costs/meter-category-summary/", true, sumField("total_usd", true)},
}

func TestAzureBillingFilters(t *testing.T) {
	w := newWorld(t)
	for _, e := range azureEndpoints {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel() // the endpoints share one world and only read it
			log := cases{t: t}
			rows := selectedRows(t, e.path)
			for _, f := range azureFilters() {
				if e.summary && f.entriesOnly {
					continue
				}
				path := e.path + paramSep(e.path) + f.params.Encode()
				set := func(r row) bool { return rows(r) && f.match(r) }
				for _, caller := range callers {
					w.checkTotal(t, &log, caller, path, f.String(), set, e.total)
				}
			}
			log.done()
		})
	}
}

// paramSep is what joins more parameters to path.
func paramSep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// pageSum adds a money field over the results of a DRF page.
func pageSum(field string) func(string) (int, error) {
	return func(body string) (int, error) {
		var out struct {
			Count   *int            `json:"count"`
			Results json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return 0, err
		}
		if out.Count == nil {
			return 0, fmt.Errorf("not a page")
		}
		return sumField(field, false)(string(out.Results))
	}
}
