package kubecost

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// Property is one aggregation property of a request.
type Property struct {
	// Name is the property as aggregationProperties lists it: the
	// canonical spelling ("invoiceEntityID") or "label:<name>".
	Name string
	// Dim is the Tally dimension that fills it.
	Dim cost.Dimension
	// Label is the label name of a label property, "" otherwise.
	Label string
}

// propertyNames are the cloud cost properties of §5.1, in the canonical
// spelling. Their dimensions come from fields, so that aggregating and
// filtering by a property always read the same value.
var propertyNames = []string{
	"invoiceEntityID", "invoiceEntityName", "accountID", "accountName", "regionID",
	"availabilityZone", "provider", "providerID", "category", "service",
}

var propertyByLower = func() map[string]Property {
	m := make(map[string]Property, len(propertyNames))
	for _, n := range propertyNames {
		d, ok := fields(n)
		if !ok {
			panic("kubecost: property " + n + " has no filter field")
		}
		m[strings.ToLower(n)] = Property{Name: n, Dim: d}
	}
	return m
}()

// defaultAggregate is used when aggregate is absent or empty: each line
// item as it was ingested (§5.1).
var defaultAggregate = []string{"invoiceEntityID", "accountID", "provider", "providerID", "category", "service"}

// Accumulate is how a request's window is split into sets (§3.3).
type Accumulate string

// The accumulate options. There is no hourly option: Tally's cloud costs
// are answered in whole days, so accumulate=hour is refused.
const (
	AccumulateDay     Accumulate = "day" // absent, false, day and anything unknown
	AccumulateAll     Accumulate = "all" // true: one set for the whole window
	AccumulateWeek    Accumulate = "week"
	AccumulateMonth   Accumulate = "month"
	AccumulateQuarter Accumulate = "quarter"
)

// maxSets bounds the sets of one response: the buckets of one query.
const maxSets = query.MaxBuckets

// Request is a parsed /model/cloudCost request.
type Request struct {
	// Window is the query range, widened to whole UTC days (§3.4).
	Window     cost.Window
	Aggregate  []Property
	Accumulate Accumulate
	// Steps are the windows of the sets, in order, as query.Cut cuts
	// Window at the accumulate step; they tile Window. An empty window
	// (week or month at the instant it begins) has none.
	Steps []cost.Window
	// Filter compares properties as Kubecost shows them: provider names
	// (providerNames), names falling back to ids (fieldMappings) and
	// labels as OpenCost names them (labelDim), all mapped by the query.
	Filter filter.Expr
	// Offset and Limit page the items of each set (0: no limit).
	Offset, Limit int
}

// ParseCloudCostRequest reads the query parameters of GET
// /model/cloudCost relative to now. It is pure so that it can be
// table-tested and fuzzed. Errors wrap cost.ErrInvalid and their messages
// name the parameter in OpenCost's wording.
func ParseCloudCostRequest(v url.Values, now time.Time) (Request, error) {
	var r Request
	ws := v.Get("window")
	if strings.TrimSpace(ws) == "" {
		return r, badParam("missing require window param")
	}
	w, err := cost.ParseWindow(ws, now)
	if err != nil {
		return r, fmt.Errorf("invalid window parameter: %w", err)
	}
	r.Window = w.WidenToDays()
	if r.Aggregate, err = parseAggregate(v.Get("aggregate")); err != nil {
		return r, err
	}
	if r.Accumulate, err = parseAccumulate(v.Get("accumulate")); err != nil {
		return r, err
	}
	if f := v.Get("filter"); strings.TrimSpace(f) != "" {
		e, err := filter.ParseKubecost(f, fields)
		if err != nil {
			//lint:ignore ST1005 OpenCost's own wording, which clients see.
			return r, fmt.Errorf("Parsing 'filter' parameter: %w", err)
		}
		r.Filter = kubecostLabels(e)
	}
	if r.Offset, err = intParam(v, "offset"); err != nil {
		return r, err
	}
	if r.Limit, err = intParam(v, "limit"); err != nil {
		return r, err
	}
	if r.Window.End.After(r.Window.Start) {
		b, err := query.Cut(r.Window, r.Accumulate.step())
		if errors.Is(err, query.ErrTooManyBuckets) {
			return r, badParam(fmt.Sprintf("invalid window parameter: %s gives more than %d sets with accumulate=%s; use a shorter window or a longer accumulate", r.Window, maxSets, r.Accumulate))
		}
		if err != nil {
			return r, err
		}
		r.Steps = b.Windows
	}
	return r, nil
}

// parseAggregate reads the comma-separated aggregate list (§5.1): names
// case-insensitive and trimmed, label:<name> with a case-sensitive prefix,
// duplicates ignored, the default set when nothing is given;
// perspective:<id> is Tally's, a perspective's groups. Label names
// are kept as given, not sanitised as OpenCost does for Prometheus; a
// label reads the bill's tags as OpenCost names them (labelMapping).
func parseAggregate(s string) ([]Property, error) {
	var out []Property
	seen := map[string]bool{}
	for _, raw := range strings.Split(s, ",") {
		item := strings.TrimSpace(raw)
		if item == "" {
			continue
		}
		p, ok := propertyByLower[strings.ToLower(item)]
		if id, isPerspective := strings.CutPrefix(item, cost.PerspectivePrefix); !ok && isPerspective {
			// Tally's extension: a perspective's groups, shown as a label
			// named after it (the engine resolves the dimension).
			if id = strings.TrimSpace(id); id == "" {
				return nil, badParam("error parsing aggregate by invalid cloud cost property: " + item)
			}
			p, ok = Property{Name: cost.PerspectivePrefix + id, Dim: cost.PerspectiveDimension(id), Label: cost.PerspectivePrefix + id}, true
		}
		if !ok {
			name, isLabel := strings.CutPrefix(item, "label:")
			name = strings.TrimSpace(name)
			if !isLabel || name == "" {
				return nil, badParam("error parsing aggregate by invalid cloud cost property: " + item)
			}
			p = Property{Name: "label:" + name, Dim: labelDim(name), Label: name}
		}
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		for _, n := range defaultAggregate {
			out = append(out, propertyByLower[strings.ToLower(n)])
		}
	}
	return out, nil
}

// parseAccumulate reads accumulate case-insensitively (§3.3): absent,
// false and unknown values give daily sets, as in OpenCost. hour is
// refused because cloud costs are daily; quarter is implemented.
func parseAccumulate(s string) (Accumulate, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return AccumulateAll, nil
	case "week":
		return AccumulateWeek, nil
	case "month":
		return AccumulateMonth, nil
	case "quarter":
		return AccumulateQuarter, nil
	case "hour":
		return "", badParam("invalid accumulate parameter: hour: cloud costs are daily; use day, week, month, quarter or true")
	}
	return AccumulateDay, nil
}

func intParam(v url.Values, name string) (int, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, badParam(fmt.Sprintf("invalid value for %s %s", name, s))
	}
	return n, nil
}

// step is the query step of acc: days, weeks starting on Sunday (§3.3),
// calendar months or quarters, or the whole window.
func (acc Accumulate) step() query.Step {
	switch acc {
	case AccumulateAll:
		return query.StepNone
	case AccumulateWeek:
		return query.Weeks(1, time.Sunday)
	case AccumulateMonth:
		return query.Months(1)
	case AccumulateQuarter:
		return query.Quarters(1)
	}
	return query.Days(1)
}

// query returns the engine query of r at step: the five metrics in
// Kubecost's order (see metrics), grouped by the aggregate properties as
// shown, each item's window the days its costs cover (Spans, §3.2), an
// item charged for several days split across the steps in proportion to
// time (Spread, §3.4: the window is whole days, the steps whole days).
//
// Totals are in USD (query.Query.USD): Kubecost has no currency field and
// adds every item of a key into one number, so amounts must share one
// currency. Items whose USD amount the bill does not give are left out
// by the store rather than added in another currency, and a group of
// only such items is no item (PricedOnly) rather than a cost of 0. An
// answer whose items share one billing currency is asked in it instead
// (API.stream, currency.go).
func (r Request) query(step query.Step) query.Query {
	q := query.Query{Window: r.Window, Step: step, Filter: r.Filter, USD: true, PricedOnly: true, Spans: true, Spread: true,
		Mappings: maps.Clone(fieldMappings)}
	for _, d := range filter.Dimensions(r.Filter) {
		if name, ok := labelName(d); ok {
			q.Mappings[d] = labelMapping(name)
		}
	}
	for _, p := range r.Aggregate {
		if name, ok := labelName(p.Dim); ok {
			q.Mappings[p.Dim] = labelMapping(name)
		}
		d := shown(p.Dim)
		q.GroupBy = append(q.GroupBy, d)
		q.Mappings[d] = shownMapping(p.Dim)
	}
	for _, m := range metrics {
		q.Metrics = append(q.Metrics, m.metric)
	}
	return q
}

// ViewRequest is a parsed view request: the cloud cost request plus the
// view parameters (§8). Offset and Limit page the table rows.
type ViewRequest struct {
	Request
	// Metric is the index in metrics of costMetric.
	Metric int
	// SortBy is "name", "cost" or "kubernetesPercent"; Ascending its order.
	SortBy    string
	Ascending bool
	// CSV is true for format=csv.
	CSV bool
}

// ParseViewRequest reads the parameters of the /model/cloudCost/view
// endpoints relative to now.
func ParseViewRequest(v url.Values, now time.Time) (ViewRequest, error) {
	r, err := ParseCloudCostRequest(v, now)
	vr := ViewRequest{Request: r, SortBy: "cost"}
	if err != nil {
		return vr, err
	}
	vr.Metric = defaultMetric
	if s := v.Get("costMetric"); s != "" {
		if vr.Metric = metricIndex(s); vr.Metric < 0 {
			return vr, badParam(fmt.Sprintf("error parsing 'costMetric': failed to parse a valid CostMetricName from '%s'", s))
		}
	}
	switch s := v.Get("sortBy"); strings.ToLower(s) {
	case "", "cost":
	case "name":
		vr.SortBy = "name"
	case "kubernetespercent":
		vr.SortBy = "kubernetesPercent"
	default:
		return vr, badParam(fmt.Sprintf("error parsing 'sortBy': failed to parse a valid SortField from '%s'", s))
	}
	switch s := v.Get("sortByOrder"); strings.ToLower(s) {
	case "", "desc":
	case "asc":
		vr.Ascending = true
	default:
		return vr, badParam(fmt.Sprintf("error parsing 'sortByOrder': failed to parse a valid SortDirection from '%s'", s))
	}
	switch s := v.Get("format"); strings.ToLower(s) {
	case "", "json":
	case "csv":
		vr.CSV = true
	default:
		return vr, badParam(fmt.Sprintf("invalid value for format %s (want json or csv)", s))
	}
	return vr, nil
}
