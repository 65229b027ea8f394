package azurebilling

import (
	"net/http"
	"slices"
	"strings"
)

// schemaPaths describes the endpoints for schema/: path below Prefix,
// summary, and the query parameters each takes beyond the filters.
var schemaPaths = []struct {
	path, summary string
	params        []string
	filters       int // 0: none, 1: cost-entries filters (§5.1), 2: summary filters (§5.2)
}{
	{"snapshots/", "Imported export runs, newest first", []string{"page", "page_size"}, 0},
	{"snapshots/{id}/", "One snapshot", nil, 0},
	{"customers/", "Customer tenants (the billing account for bills without customers)", []string{"page", "page_size"}, 0},
	{"customers/{id}/", "One customer", nil, 0},
	{"subscriptions/", "Subscriptions with their customer", []string{"page", "page_size"}, 0},
	{"subscriptions/{id}/", "One subscription", nil, 0},
	{"resources/", "Resources", []string{"page", "page_size"}, 0},
	{"resources/{id}/", "One resource", nil, 0},
	{"meters/", "Meters", []string{"page", "page_size"}, 0},
	{"meters/{id}/", "One meter", nil, 0},
	{"cost-entries/", "Line items of the selected snapshots", []string{"date", "snapshot", "page", "page_size"}, 1},
	{"cost-entries/{id}/", "One line item", nil, 0},
	{"cost-entries/aggregate/", "Σ cost_in_usd per group", []string{"group_by", "date", "snapshot"}, 1},
	{"costs/subscription-summary/", "Costs by subscription", []string{"date"}, 2},
	{"costs/virtual-machines-summary/", "Costs by subscription, meter category Virtual Machines by default", []string{"date"}, 2},
	{"costs/resource-group-summary/", "Costs by resource group", []string{"date"}, 2},
	{"costs/meter-category-summary/", "Costs by meter category", []string{"date"}, 2},
	{"costs/region-summary/", "Costs by resource location", []string{"date"}, 2},
	{"costs/resource-group-totals/", "Costs per resource of one resource group", []string{"date"}, 2},
	{"costs/available-report-dates/", "Days of a month with costs", []string{"month"}, 0},
	{"reports/available-report-dates/", "Report dates of complete snapshots", nil, 0},
	{"snapshots/available-report-dates/", "Report dates of complete snapshots", nil, 0},
}

// schema serves a small OpenAPI 3 document of the dialect: its paths and
// query parameters, so that clients can discover them; the response
// shapes are in ../shared/specs/azure-billing.md.
func (a *API) schema(r *http.Request) (any, error) {
	paths := obj{}
	for _, p := range schemaPaths {
		var params []any
		if strings.Contains(p.path, "{id}") {
			params = append(params, obj{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", obj{{"type", "integer"}}}})
		}
		names := slices.Clone(p.params)
		for _, f := range filterParams {
			if p.filters == 1 || (p.filters == 2 && f.summary) {
				names = append(names, f.name)
			}
		}
		if p.filters != 0 {
			names = append(names, "source_id", "tag_key", "tag_value")
		}
		for _, n := range names {
			required := (n == "group_by" && p.filters == 1 && strings.HasSuffix(p.path, "aggregate/")) ||
				(n == "resource_group" && strings.HasSuffix(p.path, "resource-group-totals/"))
			params = append(params, obj{{"name", n}, {"in", "query"}, {"required", required}, {"schema", obj{{"type", "string"}}}})
		}
		op := obj{{"summary", p.summary}, {"responses", obj{{"200", obj{{"description", "OK"}}}}}}
		if params != nil {
			op = append(op, kv{"parameters", params})
		}
		paths = append(paths, kv{Prefix + p.path, obj{{"get", op}}})
	}
	return obj{
		{"openapi", "3.0.3"},
		{"info", obj{{"title", "Tally: Azure billing API"}, {"version", "1"}}},
		{"paths", paths},
	}, nil
}
