package azurebilling

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// request is what the query string of a cost endpoint asks for: the
// client's filters and the snapshot selection (§5, §7).
type request struct {
	// filters are the client's conditions, all of which must hold.
	filters []filter.Expr
	// sourceID is the source_id filter (hasSource: given).
	sourceID  int64
	hasSource bool
	// date is the date parameter: given, and valid (day at midnight UTC).
	dateGiven, dateValid bool
	day                  time.Time
	// snapshot, when not 0, reads that snapshot only (cost entries).
	snapshot int64
}

// filterParam is one filter of §5: its parameter name, whether the
// summaries accept it (they take the snake_case subset of §5.2) and how
// it becomes a filter expression.
type filterParam struct {
	name    string
	summary bool
	build   func(v string) (filter.Expr, error)
}

// eq is a case-insensitive exact match, the rule of every text filter.
func eq(d cost.Dimension) func(string) (filter.Expr, error) {
	return func(v string) (filter.Expr, error) {
		return filter.Cond{Dim: d, Op: filter.Equals, Values: []string{v}, FoldCase: true}, nil
	}
}

var filterParams = []filterParam{
	{"resourceGroupName", false, eq(cost.DimResourceGroup)},
	{"resource_group", true, eq(cost.DimResourceGroup)},
	{"subscriptionName", false, eq(cost.DimSubAccountName)},
	{"subscription_id", true, eq(cost.DimSubAccountID)},
	{"meterCategory", false, eq(cost.DimMeterCategory)},
	{"meter_category", true, eq(cost.DimMeterCategory)},
	{"meterSubCategory", false, eq(cost.DimMeterSubcategory)},
	{"meter_subcategory", true, eq(cost.DimMeterSubcategory)},
	{"serviceFamily", false, eq(cost.DimServiceFamily)},
	{"resourceLocation", false, eq(cost.DimRegion)},
	{"location", true, eq(cost.DimRegion)},
	{"chargeType", false, eq(cost.DimChargeType)},
	{"pricingModel", false, func(v string) (filter.Expr, error) { return pricingModelFilter(v), nil }},
	{"pricing_model", true, func(v string) (filter.Expr, error) { return pricingModelFilter(v), nil }},
	{"publisherName", false, eq(cost.DimPublisher)},
	{"publisher_name", true, eq(cost.DimPublisher)},
	{"costCenter", false, eq(cost.DimCostCenter)},
	{"resource_name", true, resourceNameFilter},
	{"min_cost", true, func(v string) (filter.Expr, error) { return costBound("min_cost", v, filter.AtLeast) }},
	{"max_cost", true, func(v string) (filter.Expr, error) { return costBound("max_cost", v, filter.AtMost) }},
	{"tags", false, tagsFilter},
}

// resourceNameFilter matches upstream's resource_name, the last segment
// of the resource id, and also the bill's own ResourceName column (EA),
// which names the same resource.
func resourceNameFilter(v string) (filter.Expr, error) {
	return filter.Or{Xs: []filter.Expr{
		filter.Cond{Dim: cost.DimResourceName, Op: filter.Equals, Values: []string{v}, FoldCase: true},
		filter.Cond{Dim: cost.DimResourceID, Op: filter.Suffix, Values: []string{"/" + v, "/" + v + "/"}, FoldCase: true},
	}}, nil
}

// last is the value Django's QueryDict.get returns: the last one given,
// decoded as UTF-8 with invalid bytes replaced, as Django decodes query
// strings (the store cannot compare invalid UTF-8).
func last(v url.Values, name string) string {
	vals := v[name]
	if len(vals) == 0 {
		return ""
	}
	return strings.ToValidUTF8(vals[len(vals)-1], "\uFFFD")
}

// requestParams are the parameters parseRequest reads besides the
// filters of filterParams.
var requestParams = []string{"source_id", "tag_key", "tag_value", "date", "snapshot"}

// parseRequest reads the filters and the date of v. summary selects the
// summaries' subset of parameters. Unknown parameters and empty values
// are ignored, as upstream's filter sets do; a number filter that is not
// a number is a fieldError. An unparsable date is not an error here:
// cost entries answer it with an empty list, summaries with 400.
func parseRequest(v url.Values, summary bool) (request, error) {
	var q request
	// Django's form fields refuse NUL characters; the store could not
	// compare them either.
	for _, p := range filterParams {
		if (p.summary || !summary) && strings.ContainsRune(last(v, p.name), 0) {
			return request{}, &fieldError{field: p.name, msg: msgNullCharacters}
		}
	}
	for _, name := range requestParams {
		if strings.ContainsRune(last(v, name), 0) {
			return request{}, &fieldError{field: name, msg: msgNullCharacters}
		}
	}
	for _, p := range filterParams {
		s := last(v, p.name)
		if s == "" || (summary && !p.summary) {
			continue
		}
		x, err := p.build(s)
		if err != nil {
			return request{}, err
		}
		q.filters = append(q.filters, x)
	}
	if s := last(v, "source_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return request{}, &fieldError{field: "source_id", msg: msgEnterNumber}
		}
		q.sourceID, q.hasSource = id, true
	}
	// tag_value only counts together with tag_key (§5.1): tags then
	// contain {key: value}. Tags are compared exactly, as upstream's JSON
	// containment does.
	if key := last(v, "tag_key"); key != "" {
		q.filters = append(q.filters, filter.Cond{Dim: cost.TagDimension(""), Op: filter.Equals, Values: []string{key}})
		if val := last(v, "tag_value"); val != "" {
			q.filters = append(q.filters, filter.Cond{Dim: cost.TagDimension(key), Op: filter.Equals, Values: []string{val}})
		}
	}
	if s := last(v, "date"); s != "" {
		q.dateGiven = true
		q.day, q.dateValid = parseDate(s)
	}
	if s := last(v, "snapshot"); s != "" && !summary {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return request{}, &fieldError{field: "snapshot", msg: msgEnterNumber}
		}
		q.snapshot = id
	}
	return q, nil
}

// expr is the whole filter of q: Microsoft's line items, the client's
// filters and source_id resolved against the known source names (a
// source id no source has matches nothing). subscriptionName matches the
// names subscriptions show: the engine reads the sub-account name
// dimension through the registered names (registry.Names).
func (q request) expr(sources []string) filter.Expr {
	xs := append([]filter.Expr{microsoft}, q.filters...)
	if q.hasSource {
		var names []string
		for _, s := range sources {
			if sourceID(s) == q.sourceID {
				names = append(names, s)
			}
		}
		if len(names) == 0 {
			xs = append(xs, filter.Or{})
		} else {
			xs = append(xs, filter.Cond{Dim: cost.DimSource, Op: filter.Equals, Values: names})
		}
	}
	return filter.AndOf(xs...)
}

var (
	dateRE  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	monthRE = regexp.MustCompile(`^(\d{4})-(\d{1,2})$`)
)

// parseDate reads a date as upstream's strptime("%Y-%m-%d") does
// ("2024-01-05", also "2024-1-5"); false when it is not a real date.
func parseDate(s string) (time.Time, bool) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if y < 1 || t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// parseMonth reads month=YYYY-MM (also YYYY-M); empty means the month of
// now. It returns the first day of the month.
func parseMonth(s string, now time.Time) (time.Time, error) {
	if s == "" {
		now = now.UTC()
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	m := monthRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, badRequest(msgInvalidMonth)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 1 || mo < 1 || mo > 12 {
		return time.Time{}, badRequest(msgInvalidMonth)
	}
	return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), nil
}

// parseGroupBy reads the group_by of aggregate/: repeated (upstream's
// form) or comma-separated, known names in the order given, each once.
// Unknown names are dropped as upstream drops them (§6) and returned in
// ignored, so that the answer can say so; if no known name is left, the
// 400 lists the valid ones.
func parseGroupBy(v url.Values) (fields []field, ignored []string, err error) {
	given, ok := v["group_by"]
	if !ok || len(given) == 0 {
		return nil, nil, groupByError(msgGroupByRequired)
	}
	var seen []string
	for _, g := range given {
		for _, n := range strings.Split(g, ",") {
			n = strings.TrimSpace(n)
			f, ok := groupByFields[n]
			switch {
			case slices.Contains(seen, n):
			case !ok:
				if n != "" {
					ignored = append(ignored, n)
				}
			default:
				fields = append(fields, f)
			}
			seen = append(seen, n)
		}
	}
	if len(fields) == 0 {
		return nil, nil, groupByError(msgInvalidGroupBy)
	}
	return fields, ignored, nil
}

// groupByNames are the valid group_by names, sorted.
var groupByNames = slices.Sorted(maps.Keys(groupByFields))

// groupByError is a 400 with upstream's text in detail, which clients
// match on, and the valid names beside it.
func groupByError(detail string) error {
	return &detailError{status: http.StatusBadRequest, detail: detail, more: obj{{"valid_group_by", groupByNames}}}
}

// maxMagnitude bounds the amounts a cost bound is compared with: stored
// amounts are DECIMAL(38, 24), below 10^14 in absolute value.
var maxMagnitude = decimal.New(1, cost.Precision-cost.Scale)

// costBound is min_cost or max_cost: cost_in_usd at least or at most v,
// per line item before any grouping (§5.1). Stored amounts have at most
// cost.Scale places, so a bound with more is rounded outwards (up for a
// minimum, down for a maximum) without changing which amounts match, and
// a bound beyond every storable amount matches all or nothing.
func costBound(name, v string, op filter.AmountOp) (filter.Expr, error) {
	v = strings.TrimSpace(v) // as Django's DecimalField reads it
	if len(v) > 100 {
		return nil, &fieldError{field: name, msg: msgEnterNumber}
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return nil, &fieldError{field: name, msg: msgEnterNumber}
	}
	atLeast := op == filter.AtLeast
	// Far-out exponents are decided before any arithmetic, which would
	// otherwise expand 1e999999999 digit by digit.
	switch {
	case d.IsZero():
		d = decimal.Zero
	case d.Exponent() > cost.Precision:
		d = maxMagnitude.Mul(decimal.NewFromInt(int64(d.Sign())))
	case d.Exponent() < -4*cost.Precision:
		// Tiny: every stored amount compares with it as with the
		// smallest storable step on its side of zero, or zero.
		step := decimal.New(1, -cost.Scale)
		switch {
		case d.Sign() > 0 && atLeast:
			d = step
		case d.Sign() < 0 && !atLeast:
			d = step.Neg()
		default:
			d = decimal.Zero
		}
	case atLeast:
		d = d.RoundCeil(cost.Scale)
	default:
		d = d.RoundFloor(cost.Scale)
	}
	switch {
	case d.Cmp(maxMagnitude) >= 0 && atLeast, d.Cmp(maxMagnitude.Neg()) <= 0 && !atLeast:
		return filter.Or{}, nil // no amount is that far out
	case d.Cmp(maxMagnitude) >= 0, d.Cmp(maxMagnitude.Neg()) <= 0:
		return filter.And{}, nil // every amount is within
	}
	return filter.Amount{Metric: cost.Billed, USD: true, Op: op, Value: d}, nil
}

// tagsFilter is tags=<JSON>: the tags contain the given object (§5.1).
// Tally keeps tags as text, so a number or boolean compares as its JSON
// text; a null, array or nested object, or JSON that is not an object, is
// contained in no tag map and matches nothing.
func tagsFilter(v string) (filter.Expr, error) {
	if !json.Valid([]byte(v)) {
		return nil, &fieldError{field: "tags", msg: msgEnterJSON}
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.UseNumber() // numbers compare as written, never through a float
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, &fieldError{field: "tags", msg: msgEnterJSON}
	}
	m, ok := x.(map[string]any)
	if !ok {
		return filter.Or{}, nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable filter text for logs and tests
	var xs []filter.Expr
	for _, k := range keys {
		var s string
		switch val := m[k].(type) {
		case string:
			s = val
		case json.Number:
			s = val.String()
		case bool:
			s = strconv.FormatBool(val)
		default:
			return filter.Or{}, nil
		}
		if k == "" || strings.ContainsRune(k+s, 0) {
			// The store needs a key to read a tag, and cannot compare NUL
			// characters; no export writes either.
			return filter.Or{}, nil
		}
		xs = append(xs, filter.Cond{Dim: cost.TagDimension(k), Op: filter.Equals, Values: []string{s}})
	}
	return filter.And{Xs: xs}, nil
}

// page is the optional DRF page-number pagination (§4: only when asked
// for with page_size).
type page struct {
	asked  bool
	number int  // 1-based; 0 with last
	last   bool // page=last
	size   int
}

// Page sizes: DRF's page_size query parameter with a default and a cap.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// parsePage reads page and page_size. Pagination applies only when
// page_size is given: upstream has none and ignores page, so a client
// sending page alone gets the bare array upstream answers (§4). Once
// asked for, it follows DRF: a page_size that is not a positive integer
// takes the default and a large one the cap; a page that is not a
// positive integer or "last", or lies past the end, is 404 "Invalid
// page.".
func parsePage(v url.Values) (page, error) {
	ps, pn := last(v, "page_size"), last(v, "page")
	if ps == "" {
		return page{}, nil
	}
	p := page{asked: true, number: 1, size: defaultPageSize}
	if n, err := strconv.Atoi(ps); err == nil && n > 0 {
		p.size = min(n, maxPageSize)
	}
	switch {
	case pn == "":
	case pn == "last":
		p.number, p.last = 0, true
	default:
		n, err := strconv.Atoi(pn)
		if err != nil || n < 1 {
			return page{}, &detailError{status: 404, detail: msgInvalidPage}
		}
		p.number = n
	}
	return p, nil
}
