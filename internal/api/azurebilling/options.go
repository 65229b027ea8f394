package azurebilling

import (
	"strings"
)

// DRF names a view after its class: the name without "View" or
// "ViewSet", split into words, and for a router's viewset the suffix
// "List" or "Instance"; an extra action is named after its method. These
// are upstream's view names for each path (§2), which OPTIONS and the
// browsable API show and clients of DRF's metadata read.
var (
	viewNames = map[string]string{
		"":                                  "Api Root",
		"schema/":                           "Spectacular API",
		"cost-entries/aggregate/":           "Aggregate",
		"costs/subscription-summary/":       "Subscription Summary",
		"costs/virtual-machines-summary/":   "Virtual Machine Summary",
		"costs/resource-group-summary/":     "Resource Group Summary",
		"costs/meter-category-summary/":     "Meter Category Summary",
		"costs/region-summary/":             "Region Summary",
		"costs/resource-group-totals/":      "Resource Group Totals",
		"costs/available-report-dates/":     "Available Report Dates",
		"reports/available-report-dates/":   "Snapshot Report Dates",
		"snapshots/available-report-dates/": "Snapshot Report Dates",
	}
	// viewsetNames are the names of the router's viewsets, by collection.
	viewsetNames = map[string]string{
		"snapshots":     "Cost Report Snapshot",
		"customers":     "Customer",
		"subscriptions": "Subscription",
		"resources":     "Resource",
		"meters":        "Meter",
		"cost-entries":  "Cost Entry",
	}
)

// viewName is DRF's name of the view serving rel.
func viewName(rel string) string {
	if n, ok := viewNames[rel]; ok {
		return n
	}
	if n, ok := viewsetNames[strings.TrimSuffix(rel, "/")]; ok {
		return n + " List"
	}
	if c, _, ok := detailPath(rel); ok {
		return viewsetNames[c] + " Instance"
	}
	return ""
}

// viewDescription says what rel serves: the summary the OpenAPI document
// gives its path (schemaPaths), so that the two never disagree. DRF
// shows the view's docstring here; Tally's own text describes Tally's
// behaviour, which departs from upstream's where §9 says so.
func viewDescription(rel string) string {
	switch rel {
	case "":
		return "The API's collections and endpoints, with their URLs; schema/ describes their parameters."
	case "schema/":
		return "OpenAPI 3 description of this API."
	}
	path := rel
	if c, _, ok := detailPath(rel); ok && viewNames[rel] == "" {
		path = c + "/{id}/"
	}
	for _, p := range schemaPaths {
		if p.path == path {
			return p.summary
		}
	}
	return ""
}

// options is DRF's metadata answer to OPTIONS (SimpleMetadata): the
// view's name and description and the media types it renders and
// parses. Tally renders JSON only (no browsable HTML), and parses
// bodies, as JSON or form data, only where it takes writes.
func options(rel string) obj {
	parses := []string{mediaJSON}
	if a := allowedFor(rel); a == allowedCollection || a == allowedObject {
		parses = []string{mediaJSON, mediaForm}
	}
	return obj{
		{"name", viewName(rel)}, {"description", viewDescription(rel)},
		{"renders", []string{"application/json"}}, {"parses", parses},
	}
}
