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
	{"customers/", "Customer tenants (the billing account for bills without customers) and registered customers", []string{"page", "page_size"}, 0},
	{"customers/{id}/", "One customer", nil, 0},
	{"subscriptions/", "Subscriptions of the bills and registered ones, with their customer", []string{"page", "page_size"}, 0},
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

// paramDocs describe the query parameters whose use is not evident from
// their names.
var paramDocs = map[string]string{
	"group_by":  "Repeat the parameter or separate names with commas; unknown names are ignored (a Warning header lists them).",
	"page_size": "Asks for pages: the answer becomes {count, next, previous, results}. Without it every row comes in one array.",
	"page":      "Page number (or \"last\"), only with page_size; ignored without it.",
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
			param := obj{{"name", n}, {"in", "query"}, {"required", required}}
			if d, ok := paramDocs[n]; ok {
				param = append(param, kv{"description", d})
			}
			schema := obj{{"type", "string"}}
			if n == "group_by" {
				schema = obj{{"type", "array"}, {"items", obj{{"type", "string"}, {"enum", groupByNames}}}}
			}
			params = append(params, append(param, kv{"schema", schema}))
		}
		op := obj{{"summary", p.summary}, {"responses", obj{{"200", obj{{"description", "OK"}}}}}}
		if params != nil {
			op = append(op, kv{"parameters", params})
		}
		paths = append(paths, kv{Prefix + p.path, append(obj{{"get", op}}, writeOps(p.path)...)})
	}
	return obj{
		{"openapi", "3.0.3"},
		{"info", obj{{"title", "Tally: Azure billing API"}, {"version", "1"}}},
		{"paths", paths},
	}, nil
}

// writeOps describes the writes of the customers and subscriptions paths
// (writes.go); the other paths take none.
func writeOps(path string) obj {
	collection, _, _ := strings.Cut(path, "/")
	var noun, key string
	switch collection {
	case "snapshots":
		if !strings.HasSuffix(path, "{id}/") {
			return nil
		}
		return obj{{"delete", obj{{"summary", "Delete an export run (administrators); the previous run of its month shows again"},
			{"parameters", []any{obj{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", obj{{"type", "integer"}}}}}},
			{"responses", obj{{"204", obj{{"description", "Deleted"}}}, {"403", obj{{"description", "Not an administrator of the default organization"}}}, {"404", obj{{"description", "Not found"}}}}}}}}
	case "customers":
		noun, key = "customer", "tenant_id"
	case "subscriptions":
		noun, key = "subscription", "subscription_id"
	default:
		return nil
	}
	text := obj{{"type", "string"}, {"maxLength", 255}}
	props := obj{{key, text}, {"name", obj{{"type", "string"}, {"maxLength", 255}, {"nullable", true}}}}
	if noun == "subscription" {
		props = append(props, kv{"customer_id", obj{{"type", "integer"}, {"description", "id of a listed customer; also accepted as customer"}}})
	}
	body := func(required ...string) obj {
		schema := obj{{"type", "object"}}
		if required != nil {
			schema = append(schema, kv{"required", required})
		}
		schema = append(schema, kv{"properties", props})
		return obj{{"required", true}, {"content", obj{{mediaJSON, obj{{"schema", schema}}}, {mediaForm, obj{{"schema", schema}}}}}}
	}
	responses := func(codes ...string) obj {
		texts := map[string]string{
			"200": "OK", "201": "Created", "204": "Deleted", "400": "Invalid fields",
			"403": "Not an editor or administrator of the default organization", "404": "Not found",
			"409": "Still in imported snapshots, or the customer of registered subscriptions", "415": "Not JSON or form data",
		}
		out := obj{}
		for _, c := range codes {
			out = append(out, kv{c, obj{{"description", texts[c]}}})
		}
		return out
	}
	if !strings.Contains(path, "{id}") {
		required := []string{key}
		if noun == "subscription" {
			required = append(required, "customer_id")
		}
		return obj{{"post", obj{
			{"summary", "Register a " + noun + " before its first bill, optionally named"},
			{"requestBody", body(required...)},
			{"responses", responses("201", "400", "403", "415")},
		}}}
	}
	id := []any{obj{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", obj{{"type", "integer"}}}}}
	change := "Name the " + noun + " (null clears the name given here; " + key + " cannot change)"
	if noun == "subscription" {
		change = "Name the subscription or, without bills, change its customer (" + key + " cannot change)"
	}
	return obj{
		{"put", obj{{"summary", change}, {"parameters", id}, {"requestBody", body(key)}, {"responses", responses("200", "400", "403", "404", "415")}}},
		{"patch", obj{{"summary", change}, {"parameters", id}, {"requestBody", body()}, {"responses", responses("200", "400", "403", "404", "415")}}},
		{"delete", obj{{"summary", "Remove a registered " + noun + " that no imported snapshot holds"}, {"parameters", id},
			{"responses", responses("204", "403", "404", "409")}}},
	}
}
