package cloudhealth

import (
	"fmt"
	"strconv"
	"strings"
)

// queryString renders the report parameters of r the way the guide's
// get_query answer writes them (§4.1): dimensions, measures, interval,
// then filters, brackets unescaped, members as sent. parseOLAPRequest
// reads it back to the same request.
func (r olapRequest) queryString() string {
	var parts []string
	for _, d := range r.Dimensions {
		parts = append(parts, "dimensions[]="+olapEscape(d.Name))
	}
	for _, m := range r.Measures {
		parts = append(parts, "measures[]="+olapEscape(m))
	}
	if r.Interval != intervalUnset {
		parts = append(parts, "interval="+string(r.Interval))
	}
	for _, f := range r.Filters {
		op := "select"
		if f.Reject {
			op = "reject"
		}
		var members []string
		switch {
		case len(f.Indexes) > 0:
			for _, i := range f.Indexes {
				members = append(members, strconv.Itoa(i))
			}
		case len(f.Months) > 0:
			for _, m := range f.Months {
				members = append(members, m.Format("2006-01"))
			}
		default:
			members = f.Members
		}
		parts = append(parts, "filters[]="+olapEscape(f.Dimension.Name+":"+op+":"+strings.Join(members, ",")))
	}
	return strings.Join(parts, "&")
}

// olapEscape escapes only what would break the query string apart (the
// guide's saved query shows names and colons unescaped).
var olapEscape = strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", "#", "%23", "=", "%3D", " ", "%20").Replace

// olapGetQuery is the get_query answer's "query" for a report named name.
func olapGetQuery(name string, r olapRequest) string {
	return "report=" + name + "?" + r.queryString()
}

// parseOLAPSavedQuery reads a custom report's saved parameters as the
// request of custom report path p: either the query string alone or the
// whole get_query form "report=<name>?<query>", whose name it returns.
func parseOLAPSavedQuery(p string, saved string) (string, olapRequest, error) {
	var name string
	if rest, ok := strings.CutPrefix(saved, "report="); ok {
		name, saved, _ = strings.Cut(rest, "?")
	}
	r, err := parseOLAPRequest(p, saved)
	if err != nil {
		// The native API checks a saved query's shape only (it cannot
		// import this parser), so a definition naming an unknown
		// dimension is its saver's mistake, answered as any invalid
		// report request is.
		return "", olapRequest{}, fmt.Errorf("saved report: %w", err)
	}
	return name, r, nil
}

// withSaved completes a custom report request r with the saved report's
// parameters: the dimensions, measures and interval r names replace the
// saved ones, r's filters apply after the saved ones, and time filters
// are checked against the resulting interval.
func (r olapRequest) withSaved(saved olapRequest) (olapRequest, error) {
	out := r
	if len(out.Dimensions) == 0 {
		out.Dimensions = saved.Dimensions
	}
	if len(out.Measures) == 0 {
		out.Measures = saved.Measures
	}
	if out.Interval == intervalUnset {
		out.Interval = saved.Interval
	}
	if out.Interval == intervalUnset {
		out.Interval = intervalMonthly
	}
	if len(out.Measures) == 0 {
		out.Measures = []string{measureCost}
	}
	out.Filters = append(append([]olapFilter(nil), saved.Filters...), r.Filters...)
	for _, f := range r.Filters {
		if err := f.checkInterval(out.Interval); err != nil {
			return olapRequest{}, err
		}
	}
	return out, nil
}
