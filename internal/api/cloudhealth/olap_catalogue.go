package cloudhealth

import (
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/query"
)

// olapNewBody is the /new answer (§4.1): the dimensions a request may
// name, with their members, and the measures.
type olapNewBody struct {
	Dimensions []olapNewDimension `json:"dimensions"`
	Measures   []olapNewMember    `json:"measures"`
}

// olapNewDimension's field order is the guide's example.
type olapNewDimension struct {
	Label   string          `json:"label"`
	Name    string          `json:"name"`
	Members []olapNewMember `json:"members"`
}

type olapNewMember struct {
	Label string `json:"label"`
	Name  string `json:"name"`
}

// olapCatalogueDims are the line-item dimensions /new lists, with their
// labels, in the order listed.
var olapCatalogueDims = []struct {
	name, label string
}{
	{olapDimAccount, "Accounts"},
	{olapDimServiceCategory, "Service Categories"},
	{olapDimRegion, "Regions"},
	{olapDimAZ, "Availability Zones"},
	{olapDimReservationMode, "Reservation Execution Modes"},
}

// olapIntervalLabels name the time dimension by interval (the guide's
// "Days").
var olapIntervalLabels = map[olapInterval]string{
	intervalMonthly: "Months", intervalWeekly: "Weeks", intervalDaily: "Days", intervalHourly: "Hours",
}

// olapNew answers /olap_reports/:type/:id/new: every active perspective
// the caller sees as Groupset-<id> with its groups, then the line-item dimensions with
// the members seen in the caller's scope over the report's default time
// span (one query of the report's items), then time with the members of
// the report's interval, named by absolute index. Tag dimensions
// (Tag-<key>) are accepted by reports but not listed: the keys are open.
func (a *API) olapNew(r *http.Request, req olapRequest) (any, error) {
	p := req.Path
	iv := p.Report.Interval
	if iv == intervalUnset {
		iv = intervalMonthly
	}
	now := a.now()
	var out olapNewBody
	v, err := perspectiveViewer(r.Context())
	if err != nil {
		return nil, err
	}
	ids := a.perspectives.List(v, true)
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	sort.Slice(keys, func(i, j int) bool { return olapIDLess(keys[i], keys[j]) })
	for _, id := range keys {
		pr, ok := a.perspectives.Perspective(v, id)
		if !ok {
			continue
		}
		out.Dimensions = append(out.Dimensions, olapNewDimension{Label: pr.Schema.Name, Name: olapPerspectivePrefix + id, Members: olapGroups(pr.Schema)})
	}

	sem := olapReportSemantics(p)
	q := query.Query{
		Window:  iv.timeWindow(now),
		Metrics: []cost.Metric{sem.Metric},
		Filter:  sem.Filter,
		GroupBy: []cost.Dimension{cost.DimSubAccountID, cost.DimSubAccountName},
	}
	for _, d := range olapCatalogueDims[1:] {
		q.GroupBy = append(q.GroupBy, olapBuiltinDimensions[d.name])
	}
	res, err := a.engine.Query(r.Context(), q)
	if err != nil {
		return nil, olapEngineError(err)
	}
	for i, d := range olapCatalogueDims {
		col := i
		if i > 0 {
			col = i + 1 // after the account's name
		}
		labels := map[string]string{}
		for _, row := range res.Rows {
			name := olapMemberName(row.Keys[col])
			if _, ok := labels[name]; !ok {
				labels[name] = ""
			}
			if i == 0 && row.Keys[1] != "" && row.Keys[1] > labels[name] {
				// An account's label is its name (registered, else the
				// bill's); of two names, the greater, so that the answer
				// does not depend on row order.
				labels[name] = row.Keys[1]
			}
		}
		names := make([]string, 0, len(labels))
		for n := range labels {
			names = append(names, n)
		}
		slices.Sort(names)
		members := make([]olapNewMember, 0, len(names))
		for _, n := range names {
			label := labels[n]
			if label == "" {
				label = n
			}
			members = append(members, olapNewMember{Label: label, Name: n})
		}
		out.Dimensions = append(out.Dimensions, olapNewDimension{Label: d.label, Name: d.name, Members: members})
	}

	times := olapNewDimension{Label: olapIntervalLabels[iv], Name: olapDimTime, Members: []olapNewMember{}}
	for _, m := range iv.olapTimeMembers(now) {
		times.Members = append(times.Members, olapNewMember{Label: m.Label, Name: m.Name})
	}
	out.Dimensions = append(out.Dimensions, times)

	allowed := p.Report.Measures
	if p.IsCustom() {
		allowed = olapAllMeasures
	}
	out.Measures = []olapNewMember{}
	for _, m := range allowed {
		if _, refused := olapRefusedMeasures[m]; refused {
			continue // offered only what a report can answer
		}
		out.Measures = append(out.Measures, olapNewMember{Label: olapMeasureLabel(p, m), Name: m})
	}
	return out, nil
}

// olapGroups lists a perspective's groups as report members: named by
// group name, the value the perspective's mapping gives line items, so
// that a filter naming a member selects its group. Merged groups are
// gone (their items report under the target); Other is a static group.
func olapGroups(s perspective.Schema) []olapNewMember {
	out := []olapNewMember{}
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, olapNewMember{Label: name, Name: name})
		}
	}
	for _, c := range s.Constants {
		for _, g := range c.List {
			switch {
			case c.Type == perspective.ConstStatic:
				add(g.Name)
			case c.Type == perspective.ConstDynamic && g.BlkID != nil && *g.BlkID != "" && g.FwdTo == "":
				add(g.Name)
			}
		}
	}
	return out
}

// olapIDLess orders perspective ids numerically (they are integers).
func olapIDLess(a, b string) bool {
	x, errX := strconv.ParseInt(a, 10, 64)
	y, errY := strconv.ParseInt(b, 10, 64)
	if errX == nil && errY == nil {
		return x < y
	}
	return a < b
}
