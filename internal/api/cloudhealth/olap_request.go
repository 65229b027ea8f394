package cloudhealth

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
)

// olapMaxURILength is the guide's limit on a request URI (§1.1).
const olapMaxURILength = 4000

// olapMaxDimensions is the guide's "up to 4 dimensions" (§4.2).
const olapMaxDimensions = 4

// The dimension names of the guide (§4.2, §4.3, the /new examples).
// Regions and tags are not named by the guide: AWS-Region follows the
// pattern of its neighbours, and Tag-<key> names a tag (provider and
// custom tags alike) the way Groupset-<id> names a perspective.
const (
	olapDimTime            = "time"
	olapDimAccount         = "AWS-Account"
	olapDimServiceCategory = "AWS-Service-Category"
	olapDimRegion          = "AWS-Region"
	olapDimAZ              = "AWS-Availability-Zones"
	olapDimReservationMode = "EC2-Reservation-Execution-Mode"
	olapPerspectivePrefix  = "Groupset-"
	olapTagPrefix          = "Tag-"
)

// olapDimensionAliases are other spellings clients send. The guide's own
// filter examples spell the zones "AWS-Availaibility-Zones", so clients
// copied from it do too.
var olapDimensionAliases = map[string]string{
	"AWS-Availaibility-Zones": olapDimAZ,
	"accounts":                olapDimAccount,
}

// olapBuiltinDimensions maps the fixed dimension names onto the query model's.
var olapBuiltinDimensions = map[string]cost.Dimension{
	olapDimAccount:         cost.DimSubAccountID,
	olapDimServiceCategory: cost.DimServiceCategory,
	olapDimRegion:          cost.DimRegion,
	olapDimAZ:              cost.DimAvailabilityZone,
	olapDimReservationMode: cost.DimPricingCategory,
}

// olapDimension is one dimension of a request, resolved: the time axis,
// a perspective (PerspectiveID) or a line-item dimension (Dim, tags
// included).
type olapDimension struct {
	Name          string // canonical CloudHealth name, as the response repeats it
	Time          bool
	PerspectiveID string
	Dim           cost.Dimension
}

// olapInterval is the granularity of the time dimension.
type olapInterval string

const (
	intervalUnset   olapInterval = "" // a custom report's own interval
	intervalHourly  olapInterval = "hourly"
	intervalDaily   olapInterval = "daily"
	intervalWeekly  olapInterval = "weekly"
	intervalMonthly olapInterval = "monthly"
)

var olapIntervals = []olapInterval{intervalHourly, intervalDaily, intervalWeekly, intervalMonthly}

// olapFilter is one filters[] parameter. A time filter holds either
// Indexes (relative negative or absolute positive, as sent) or Months
// (first instants of YYYY-MM members), never both; others hold Members.
type olapFilter struct {
	Raw       string // as sent, for messages and the response's "filters"
	Dimension olapDimension
	Reject    bool
	Members   []string
	Indexes   []int
	Months    []time.Time
}

// olapRequest is a parsed report request. For a custom report, empty
// Dimensions and Measures and an unset Interval mean the saved report's.
type olapRequest struct {
	Path               olapPath
	Dimensions         []olapDimension
	Measures           []string
	Interval           olapInterval
	Filters            []olapFilter
	CollapseNullArrays bool
	GetQuery           bool
	ClientAPIID        string
	OrgID              string
}

// olapInvalid is a 422, the guide's "input format error" (§2).
func olapInvalid(format string, args ...any) error {
	return apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf(format, args...))
}

// olapFilterRE splits "<dimension>:select|reject:<members>". The dimension
// may itself hold colons (tag keys such as aws:createdBy), so the
// operator is the first ":select:" or ":reject:".
var olapFilterRE = regexp.MustCompile(`^(.+?):(select|reject):(.*)$`)

// olapMonthRE is a YYYY-MM time member.
var olapMonthRE = regexp.MustCompile(`^\d{4}-\d{2}$`)

// parseOLAPRequest parses a request of the reporting API: its path (see
// parseOLAPPath) and raw query string. Array parameters arrive raw
// (dimensions[]=x) or percent-encoded (dimensions%5B%5D=x); keys and
// values are trimmed because the guide's examples break URLs over lines.
// Parameters it does not know (api_key, NO_CACHE, query) are ignored.
func parseOLAPRequest(path, rawQuery string) (olapRequest, error) {
	if n := len(path) + 1 + len(rawQuery); n > olapMaxURILength {
		return olapRequest{}, apierr.New(http.StatusRequestURITooLong,
			fmt.Sprintf("request URI of %d characters is over the maximum of %d", n, olapMaxURILength))
	}
	p, err := parseOLAPPath(path)
	if err != nil {
		return olapRequest{}, err
	}
	q, err := parseOLAPQuery(rawQuery)
	if err != nil {
		return olapRequest{}, err
	}
	req := olapRequest{Path: p, ClientAPIID: q.Get("client_api_id"), OrgID: q.Get("org_id")}
	if p.Kind != olapPathReport {
		// The catalogues answer the same whatever report parameters a
		// client leaves on the URL; only the tenant ones matter.
		return req, nil
	}
	if req.CollapseNullArrays, err = parseOLAPFlag(q, "collapse_null_arrays"); err != nil {
		return olapRequest{}, err
	}
	if req.GetQuery, err = parseOLAPFlag(q, "get_query"); err != nil {
		return olapRequest{}, err
	}
	if req.Interval, err = parseOLAPInterval(q.Get("interval"), p); err != nil {
		return olapRequest{}, err
	}
	if req.Dimensions, err = parseOLAPDimensions(q["dimensions[]"], p); err != nil {
		return olapRequest{}, err
	}
	if req.Measures, err = parseOLAPMeasures(q["measures[]"], p); err != nil {
		return olapRequest{}, err
	}
	for _, f := range q["filters[]"] {
		flt, err := parseOLAPFilter(f, req.Interval)
		if err != nil {
			return olapRequest{}, err
		}
		req.Filters = append(req.Filters, flt)
	}
	return req, nil
}

// parseOLAPQuery splits a raw query string like url.ParseQuery, but
// trims keys and values and keeps the order of repeated keys whatever
// their spacing: " dimensions[]" and "dimensions[]" are one parameter,
// and dimensions[] order is the response's nesting order.
func parseOLAPQuery(raw string) (url.Values, error) {
	q := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("malformed query string: invalid semicolon separator in %q", pair))
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("malformed query string: %v", err))
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("malformed query string: %v", err))
		}
		k = strings.TrimSpace(k)
		q[k] = append(q[k], strings.TrimSpace(v))
	}
	return q, nil
}

// parseOLAPFlag reads a boolean parameter: 1/0, true/false in any case
// (clients send Python's "True"); absent or empty is false.
func parseOLAPFlag(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return false, olapInvalid("%s must be true or false, not %q", name, v)
	}
	return b, nil
}

func parseOLAPInterval(v string, p olapPath) (olapInterval, error) {
	if v == "" {
		return p.Report.Interval, nil // intervalUnset for a custom report
	}
	for _, iv := range olapIntervals {
		if strings.EqualFold(v, string(iv)) {
			return iv, nil
		}
	}
	return "", olapInvalid("unknown interval %q (want hourly, daily, weekly or monthly)", v)
}

func parseOLAPDimensions(names []string, p olapPath) ([]olapDimension, error) {
	if len(names) == 0 {
		names = p.Report.Dimensions // none for a custom report
	}
	if len(names) > olapMaxDimensions {
		return nil, olapInvalid("%d dimensions requested; a report has at most %d", len(names), olapMaxDimensions)
	}
	out := make([]olapDimension, 0, len(names))
	for _, n := range names {
		d, err := parseOLAPDimension(n)
		if err != nil {
			return nil, err
		}
		for _, prev := range out {
			if prev.Name == d.Name {
				return nil, olapInvalid("dimension %q requested twice", n)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// parseOLAPDimension resolves a dimension name as dimensions[] and filters[]
// write it.
func parseOLAPDimension(name string) (olapDimension, error) {
	if a, ok := olapDimensionAliases[name]; ok {
		name = a
	}
	switch {
	case name == olapDimTime:
		return olapDimension{Name: olapDimTime, Time: true}, nil
	case strings.HasPrefix(name, olapPerspectivePrefix):
		// Perspective ids are 64-bit integers written as strings (§1.3).
		id := name[len(olapPerspectivePrefix):]
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			return olapDimension{}, olapInvalid("dimension %q: a perspective id must be a positive integer", name)
		}
		return olapDimension{Name: name, PerspectiveID: id}, nil
	case strings.HasPrefix(name, olapTagPrefix):
		key := name[len(olapTagPrefix):]
		if key == "" {
			return olapDimension{}, olapInvalid("dimension %q names no tag key", name)
		}
		return olapDimension{Name: name, Dim: cost.TagDimension(key)}, nil
	}
	if d, ok := olapBuiltinDimensions[name]; ok {
		return olapDimension{Name: name, Dim: d}, nil
	}
	return olapDimension{}, olapInvalid("unknown dimension %q (want time, %s, %s, %s, %s, %s, %s<perspective id> or %s<tag key>)",
		name, olapDimAccount, olapDimServiceCategory, olapDimRegion, olapDimAZ, olapDimReservationMode, olapPerspectivePrefix, olapTagPrefix)
}

func parseOLAPMeasures(names []string, p olapPath) ([]string, error) {
	allowed := p.Report.Measures
	if p.IsCustom() {
		allowed = olapAllMeasures
	}
	if len(names) == 0 {
		if len(p.Report.Measures) == 0 {
			return nil, nil // a custom report's own measures
		}
		return p.Report.Measures[:1], nil
	}
	out := make([]string, 0, len(names))
	for _, m := range names {
		if !slices.Contains(allowed, m) {
			return nil, olapInvalid("unknown measure %q for this report (want one of %s)", m, strings.Join(allowed, ", "))
		}
		if slices.Contains(out, m) {
			return nil, olapInvalid("measure %q requested twice", m)
		}
		out = append(out, m)
	}
	return out, nil
}

// parseOLAPFilter reads one filters[] value. Time members are checked
// against the interval when it is known (a custom report's is not until
// its saved query is read: then checkInterval).
func parseOLAPFilter(s string, iv olapInterval) (olapFilter, error) {
	m := olapFilterRE.FindStringSubmatch(s)
	if m == nil {
		return olapFilter{}, olapInvalid("filter %q is not <dimension>:select|reject:<member>,<member>", s)
	}
	d, err := parseOLAPDimension(m[1])
	if err != nil {
		return olapFilter{}, fmt.Errorf("filter %q: %w", s, err)
	}
	f := olapFilter{Raw: s, Dimension: d, Reject: m[2] == "reject"}
	members := strings.Split(m[3], ",")
	for i, mem := range members {
		members[i] = strings.TrimSpace(mem)
		if members[i] == "" {
			return olapFilter{}, olapInvalid("filter %q: empty member", s)
		}
	}
	if !d.Time {
		f.Members = members
		return f, nil
	}
	months := olapMonthRE.MatchString(members[0])
	for _, mem := range members {
		if olapMonthRE.MatchString(mem) != months {
			return olapFilter{}, olapInvalid("filter %q: indexes and dates cannot be mixed in one filter", s)
		}
		if months {
			t, err := time.Parse("2006-01", mem)
			if err != nil {
				return olapFilter{}, olapInvalid("filter %q: %q is not a month (YYYY-MM)", s, mem)
			}
			f.Months = append(f.Months, t)
			continue
		}
		i, err := strconv.Atoi(mem)
		if err != nil || i == 0 {
			return olapFilter{}, olapInvalid("filter %q: time member %q is neither an index (-1, 12) nor a month (YYYY-MM)", s, mem)
		}
		f.Indexes = append(f.Indexes, i)
	}
	if months && f.Reject {
		return olapFilter{}, olapInvalid("filter %q: months (YYYY-MM) can only be selected, not rejected; use indexes", s)
	}
	return f, f.checkInterval(iv)
}

// checkInterval checks a time filter's members against interval iv:
// indexes within its member count, months only at monthly. An unset
// interval checks nothing.
func (f olapFilter) checkInterval(iv olapInterval) error {
	n := iv.memberCount()
	if !f.Dimension.Time || n == 0 {
		return nil
	}
	if len(f.Months) > 0 && iv != intervalMonthly {
		return olapInvalid("filter %q: months (YYYY-MM) can only select members of a monthly interval, not %s", f.Raw, iv)
	}
	for _, i := range f.Indexes {
		if i > n || i < -n {
			return olapInvalid("filter %q: time index %d is out of range: %s has %d members (1..%d, or -1..-%d)",
				f.Raw, i, iv, n, n, n)
		}
	}
	return nil
}
