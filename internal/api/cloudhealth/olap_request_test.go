package cloudhealth

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// summary renders a parsed request compactly, so that each case states
// its whole expectation on one line.
func (r olapRequest) summary() string {
	var b strings.Builder
	switch {
	case r.Path.IsCustom():
		fmt.Fprintf(&b, "custom/%d", r.Path.CustomID)
	case r.Path.Kind == olapPathIndex:
		b.WriteString("index")
	case r.Path.Kind == olapPathType:
		b.WriteString(r.Path.Type + "/")
	default:
		b.WriteString(r.Path.Type + "/" + r.Path.ID)
	}
	if r.Path.Kind == olapPathNew {
		b.WriteString("/new")
	}
	fmt.Fprintf(&b, " %s dims=[", orUnset(string(r.Interval)))
	for i, d := range r.Dimensions {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(d.describe())
	}
	fmt.Fprintf(&b, "] measures=%v", r.Measures)
	for _, f := range r.Filters {
		op := "select"
		if f.Reject {
			op = "reject"
		}
		fmt.Fprintf(&b, " filter=%s:%s:", f.Dimension.describe(), op)
		switch {
		case f.Indexes != nil:
			fmt.Fprint(&b, f.Indexes)
		case f.Months != nil:
			for i, m := range f.Months {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(m.Format("2006-01"))
			}
		default:
			b.WriteString(strings.Join(f.Members, ","))
		}
	}
	if r.CollapseNullArrays {
		b.WriteString(" collapse")
	}
	if r.GetQuery {
		b.WriteString(" get_query")
	}
	if r.ClientAPIID != "" {
		b.WriteString(" client=" + r.ClientAPIID)
	}
	if r.OrgID != "" {
		b.WriteString(" org=" + r.OrgID)
	}
	return b.String()
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

// describe names a dimension and what it resolved to.
func (d olapDimension) describe() string {
	switch {
	case d.Time:
		return "time"
	case d.PerspectiveID != "":
		return d.Name + "(perspective " + d.PerspectiveID + ")"
	}
	return d.Name + "(" + string(d.Dim) + ")"
}

// TestParseOLAPRequest parses every report URL of the guide (vendor text,
// "Reporting") and of the clients of spec §12.
func TestParseOLAPRequest(t *testing.T) {
	f := func(path, query, want string) {
		t.Helper()
		got, err := parseOLAPRequest(path, query)
		if err != nil {
			t.Errorf("parseOLAPRequest(%q, %q): %v", path, query, err)
			return
		}
		if s := got.summary(); s != want {
			t.Errorf("parseOLAPRequest(%q, %q)\n got  %s\n want %s", path, query, s, want)
		}
	}
	const histDefault = "cost/history monthly dims=[time AWS-Service-Category(serviceCategory)] measures=[cost]"
	// Anatomy of a Request.
	f("/olap_reports/cost/history", "interval=monthly", histDefault)
	f("/cloudhealth/olap_reports/cost/history/", "", histDefault)
	// Understand Time Filters.
	f("/olap_reports/cost/history", "interval=monthly&filters[]=time:select:-1", histDefault+" filter=time:select:[-1]")
	f("/olap_reports/cost/history", "interval=monthly&filters[]=time:select:12", histDefault+" filter=time:select:[12]")
	f("/olap_reports/cost/history", "interval=monthly&filters[]=time:select:-1,-2,-3", histDefault+" filter=time:select:[-1 -2 -3]")
	f("/olap_reports/cost/history", "interval=monthly&filters[]=time:select:12,11,10", histDefault+" filter=time:select:[12 11 10]")
	f("/olap_reports/cost/history", "interval=monthly&filters[]=time:select:2014-12", histDefault+" filter=time:select:2014-12")
	// Query Response Size Optimization, without and with collapsing.
	const collapse = "interval=monthly&dimensions[]=AWS-Service-Category&dimensions[]=time&dimensions[]=AWS-Account&measures[]=cost" +
		"&filters[]=time:select:-5,-1&filters[]=AWS-Service-Category:select:ec2_compute,nat_gateway_transfer,ec2_transfer,ebs_storage,nat_gateway_usage,ebs_io&NO_CACHE=1"
	const collapseWant = "cost/history monthly dims=[AWS-Service-Category(serviceCategory) time AWS-Account(subAccountId)] measures=[cost]" +
		" filter=time:select:[-5 -1] filter=AWS-Service-Category(serviceCategory):select:ec2_compute,nat_gateway_transfer,ec2_transfer,ebs_storage,nat_gateway_usage,ebs_io"
	f("/olap_reports/cost/history", collapse, collapseWant)
	f("/olap_reports/cost/history", collapse+"&collapse_null_arrays=1", collapseWant+" collapse")
	// Python requests percent-encodes the brackets (§1.1).
	f("/olap_reports/cost/history", strings.ReplaceAll(collapse, "[]", "%5B%5D"), collapseWant)
	// Catalogue and data of the Instance Usage report.
	f("/olap_reports/usage/instance", "",
		"usage/instance daily dims=[time EC2-Reservation-Execution-Mode(pricingCategory)] measures=[usage_quantity]")
	f("/olap_reports/usage/instance/new", "org_id=7&measures[]=bogus", "usage/instance/new unset dims=[] measures=[] org=7")
	// Add Dimensions and Measures, as the guide prints it (spaces where it
	// broke the URL over lines).
	const azWant = "usage/instance monthly dims=[time AWS-Availability-Zones(availabilityZone)] measures=[ec2_cost_compute]"
	f("/olap_reports/usage/instance", " dimensions[]=time &dimensions[]=AWS-Availability-Zones &measures[]=ec2_cost_compute &interval=monthly", azWant)
	// Add Filters, in both spellings of the zones the guide uses.
	f("/olap_reports/usage/instance", "dimensions[]=time&dimensions[]=AWS-Availability-Zones&measures[]=ec2_cost_compute"+
		"&filters[]=AWS-Availability-Zones:select:us-east-1a&interval=monthly",
		azWant+" filter=AWS-Availability-Zones(availabilityZone):select:us-east-1a")
	f("/olap_reports/usage/instance", "dimensions[]=time&dimensions[]=AWS-Availaibility-Zones&measures[]=ec2_cost_compute"+
		"&filters[]=AWS-Availaibility-Zones:reject:us-east-1b,us-east-1d&interval=monthly&api_key=XXXX",
		azWant+" filter=AWS-Availability-Zones(availabilityZone):reject:us-east-1b,us-east-1d")
	// Custom reports and Get Query.
	f("/olap_reports/custom/893353198679", "", "custom/893353198679 unset dims=[] measures=[]")
	f("/olap_reports/custom/893353198679", "get_query=true", "custom/893353198679 unset dims=[] measures=[] get_query")
	// The saved query of the Get Query example, run as a custom report.
	f("/olap_reports/custom/1", "dimensions[]=AWS-Account&dimensions[]=AWS-Service-Category&measures[]=cost&measures[]=cost_recurring&interval=monthly&filters[]=time:select:-1",
		"custom/1 monthly dims=[AWS-Account(subAccountId) AWS-Service-Category(serviceCategory)] measures=[cost cost_recurring] filter=time:select:[-1]")
	// A custom report's time filter waits for the saved interval.
	f("/olap_reports/custom/1", "filters[]=time:select:-40", "custom/1 unset dims=[] measures=[] filter=time:select:[-40]")
	// Specific Customer Report, the Ruby example (its empty query= too).
	f("/olap_reports/cost/history", "client_api_id=1234", histDefault+" client=1234")
	f("/olap_reports/cost/history", "api_key=k&client_api_id=1234&interval=monthly&query=", histDefault+" client=1234")
	// The Cloudticity SDK's report call (§12), brackets raw.
	f("/olap_reports/cost/history", "dimensions[]=AWS-Service-Category&measures[]=cost&interval=weekly&filters[]=time:select:-1"+
		"&client_api_id=77&filters[]=AWS-Service-Category:reject:ec2_compute,ebs_storage&filters[]=AWS-Account:select:5909874999458",
		"cost/history weekly dims=[AWS-Service-Category(serviceCategory)] measures=[cost] filter=time:select:[-1]"+
			" filter=AWS-Service-Category(serviceCategory):reject:ec2_compute,ebs_storage filter=AWS-Account(subAccountId):select:5909874999458 client=77")
	// The albertonarro client (§12): encoded brackets, empty org_id,
	// Python's True.
	f("/olap_reports/cost/current", "dimensions%5B%5D=time&dimensions%5B%5D=Groupset-206159639971&measures%5B%5D=cost"+
		"&filters%5B%5D=Groupset-206159639971%3Aselect%3A1392&interval=daily&org_id=&collapse_null_arrays=True&NO_CACHE=1",
		"cost/current daily dims=[time Groupset-206159639971(perspective 206159639971)] measures=[cost]"+
			" filter=Groupset-206159639971(perspective 206159639971):select:1392 collapse")
	// Tags (provider or custom), keys with colons, and the other intervals.
	f("/olap_reports/cost/s3", "dimensions[]=time&dimensions[]=Tag-aws:createdBy&interval=hourly&filters[]=Tag-aws:createdBy:select:alice&filters[]=time:reject:84,-84",
		"cost/s3 hourly dims=[time Tag-aws:createdBy(tag:aws:createdBy)] measures=[cost] filter=Tag-aws:createdBy(tag:aws:createdBy):select:alice filter=time:reject:[84 -84]")
	f("/olap_reports/usage/volume", "dimensions[]=AWS-Region&interval=Weekly&filters[]=time:select:52,-52&org_id=42",
		"usage/volume weekly dims=[AWS-Region(region)] measures=[usage_quantity] filter=time:select:[52 -52] org=42")
	// Four dimensions is the limit, not over it.
	f("/olap_reports/cost/instance", "dimensions[]=time&dimensions[]=accounts&dimensions[]=AWS-Region&dimensions[]=Groupset-181&measures[]=ec2_cost_on_demand&measures[]=instance_hours",
		"cost/instance monthly dims=[time AWS-Account(subAccountId) AWS-Region(region) Groupset-181(perspective 181)] measures=[ec2_cost_on_demand instance_hours]")
	// Catalogue paths.
	f("/olap_reports", "", "index unset dims=[] measures=[]")
	f("/olap_reports/usage/", "", "usage/ unset dims=[] measures=[]")
	f("/olap_reports", "client_api_id=9&interval=yearly", "index unset dims=[] measures=[] client=9")
}

// TestParseOLAPRequestErrors checks each refusal: its status and that
// its message names what was wrong.
func TestParseOLAPRequestErrors(t *testing.T) {
	f := func(path, query string, status int, msg string) {
		t.Helper()
		got, err := parseOLAPRequest(path, query)
		if err == nil {
			t.Errorf("parseOLAPRequest(%q, %q) = %s, want error %d %q", path, query, got.summary(), status, msg)
			return
		}
		if st := apierr.Status(err); st != status || !strings.Contains(apierr.Message(err), msg) {
			t.Errorf("parseOLAPRequest(%q, %q) = %d %q, want %d containing %q", path, query, st, apierr.Message(err), status, msg)
		}
	}
	const h = "/olap_reports/cost/history"
	f("/olap_reports/costs", "", 404, `unknown report type "costs"`)
	f("/olap_reports/cost/histories", "", 404, "unknown report cost/histories")
	f("/olap_reports/cost/history/old", "", 404, "no report at /olap_reports/cost/history/old")
	f("/olap_reports/cost/history/new/x", "", 404, "no report at")
	f("/olap_reports/custom/my-report", "", 404, `custom report id "my-report" is not a positive integer`)
	f("/olap_reports/custom/0", "", 404, "not a positive integer")
	f("/api/search", "", 404, "no report at /api/search")
	f(h, "interval=yearly", 422, `unknown interval "yearly"`)
	f(h, "dimensions[]=time&dimensions[]=AWS-Account&dimensions[]=AWS-Region&dimensions[]=Groupset-1&dimensions[]=Tag-team", 422, "5 dimensions requested; a report has at most 4")
	f(h, "dimensions[]=time&dimensions[]=time", 422, `dimension "time" requested twice`)
	f(h, "dimensions[]=AWS-Account&dimensions[]=accounts", 422, `dimension "accounts" requested twice`)
	f(h, "dimensions[]=AWS-Services", 422, `unknown dimension "AWS-Services"`)
	f(h, "dimensions[]=Groupset-abc", 422, `dimension "Groupset-abc": a perspective id must be a positive integer`)
	f(h, "dimensions[]=Tag-", 422, `dimension "Tag-" names no tag key`)
	f(h, "measures[]=ec2_cost_compute", 422, `unknown measure "ec2_cost_compute" for this report`)
	f(h, "measures[]=cost&measures[]=cost", 422, `measure "cost" requested twice`)
	f(h, "filters[]=time", 422, `filter "time" is not <dimension>:select|reject:<member>,<member>`)
	f(h, "filters[]=time:keep:-1", 422, "is not <dimension>:select|reject")
	f(h, "filters[]=AWS-Account:select:", 422, `filter "AWS-Account:select:": empty member`)
	f(h, "filters[]=AWS-Account:select:1,,2", 422, "empty member")
	f(h, "filters[]=Regions:select:us-east-1", 422, `filter "Regions:select:us-east-1": unknown dimension "Regions"`)
	f(h, "filters[]=time:select:0", 422, `time member "0" is neither an index`)
	f(h, "filters[]=time:select:last", 422, `time member "last" is neither an index`)
	f(h, "interval=monthly&filters[]=time:select:13", 422, "time index 13 is out of range: monthly has 12 members (1..12, or -1..-12)")
	f(h, "interval=monthly&filters[]=time:select:-13", 422, "time index -13 is out of range")
	f(h, "interval=daily&filters[]=time:select:-32", 422, "daily has 31 members")
	f(h, "interval=weekly&filters[]=time:select:53", 422, "weekly has 52 members")
	f(h, "interval=hourly&filters[]=time:select:85", 422, "hourly has 84 members")
	f(h, "filters[]=time:select:-1,2014-12", 422, "indexes and dates cannot be mixed in one filter")
	f(h, "filters[]=time:select:2014-12,-1", 422, "indexes and dates cannot be mixed in one filter")
	f(h, "filters[]=time:reject:2014-12", 422, "months (YYYY-MM) can only be selected, not rejected")
	f(h, "interval=daily&filters[]=time:select:2014-12", 422, "can only select members of a monthly interval, not daily")
	f(h, "filters[]=time:select:2014-13", 422, `"2014-13" is not a month`)
	f(h, "collapse_null_arrays=yes", 422, `collapse_null_arrays must be true or false, not "yes"`)
	f("/olap_reports/custom/1", "get_query=maybe", 422, "get_query must be true or false")
	f(h, "filters[]=time:select:%zz", 400, "malformed query string")
	f(h, "interval=monthly;dimensions[]=time", 400, "malformed query string")
	f(h, "dimensions[]="+strings.Repeat("x", 4000), 414, "is over the maximum of 4000")
}

// FuzzParseOLAPRequest checks that no query string panics the parser,
// that every refusal is a client error, and that what it accepts keeps
// the guide's limits.
func FuzzParseOLAPRequest(f *testing.F) {
	for _, s := range []string{
		"interval=monthly&filters[]=time:select:-1,-2,-3",
		"interval=monthly&filters[]=time:select:2014-12",
		"dimensions%5B%5D=time&dimensions%5B%5D=Groupset-206&measures%5B%5D=cost&collapse_null_arrays=True",
		"dimensions[]=time&dimensions[]=AWS-Availaibility-Zones&filters[]=AWS-Availaibility-Zones:reject:us-east-1b,us-east-1d",
		"dimensions[]=Tag-aws:createdBy&filters[]=Tag-aws:createdBy:select:a&interval=hourly",
	} {
		f.Add("/olap_reports/cost/history", s)
		f.Add("/olap_reports/custom/12", s)
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		r, err := parseOLAPRequest(path, query)
		if err != nil {
			if st := apierr.Status(err); st < 400 || st > 499 {
				t.Fatalf("parseOLAPRequest(%q, %q): status %d for %v", path, query, st, err)
			}
			return
		}
		if len(r.Dimensions) > olapMaxDimensions {
			t.Fatalf("parseOLAPRequest(%q, %q): %d dimensions", path, query, len(r.Dimensions))
		}
		if r.Path.Kind >= olapPathReport && !r.Path.IsCustom() && (len(r.Measures) == 0 || r.Interval == intervalUnset) {
			t.Fatalf("parseOLAPRequest(%q, %q): standard report without measures or interval: %s", path, query, r.summary())
		}
		for _, flt := range r.Filters {
			if flt.Dimension.Time && len(flt.Indexes) > 0 && len(flt.Months) > 0 {
				t.Fatalf("parseOLAPRequest(%q, %q): time filter mixes indexes and months", path, query)
			}
		}
	})
}

// TestOLAPErrorBody checks that a refused request reaches the client in
// the dialect's body (§2): the status and {"error": "<message>"}.
func TestOLAPErrorBody(t *testing.T) {
	_, err := parseOLAPRequest("/olap_reports/cost/history", "filters[]=time:select:13")
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest("GET", "/cloudhealth/olap_reports/cost/history", nil), err)
	const want = `{"error":"filter \"time:select:13\": time index 13 is out of range: monthly has 12 members (1..12, or -1..-12)"}`
	if rec.Code != 422 || strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("WriteError = %d %s, want 422 %s", rec.Code, rec.Body, want)
	}
}
