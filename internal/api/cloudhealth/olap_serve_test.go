package cloudhealth

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/perspective"
)

// TestOLAPCatalogue: the links of §4.1 on the caller's host, with the
// caller's saved reports under custom, and the 404s of unknown types and
// reports.
func TestOLAPCatalogue(t *testing.T) {
	s := newOLAPServer(t)
	s.saved.reports[5909874999458] = [2]string{"My Saved Report", "dimensions[]=AWS-Account&measures[]=cost&interval=monthly"}
	s.olapGolden(t, "olap_catalogue", []step{
		{Method: "GET", Path: "/olap_reports"},
		{Method: "GET", Path: "/olap_reports/"},
		{Method: "GET", Path: "/olap_reports/cost"},
		{Method: "GET", Path: "/olap_reports/usage"},
		{Method: "GET", Path: "/olap_reports/custom"},
		{Method: "GET", Path: "/olap_reports/performance"},
		{Method: "GET", Path: "/olap_reports/billing"},
		{Method: "GET", Path: "/olap_reports/cost/nosuch"},
		{Method: "POST", Path: "/olap_reports/cost/history"},
	})
}

// olapOwners is a perspective over the account id: two static groups
// and Other.
func olapOwners(t *testing.T, s *olapServer) string {
	t.Helper()
	sc := perspective.Schema{Name: "Owner Perspective", IncludeInReports: "true",
		Rules: []perspective.Rule{
			{Type: perspective.RuleFilter, Asset: "AwsAsset", To: "10", Condition: &perspective.Condition{Clauses: []perspective.Clause{{Field: []string{"subAccountId"}, Op: "=", Val: "111111111111"}}}},
			{Type: perspective.RuleFilter, Asset: "AwsAsset", To: "11", Condition: &perspective.Condition{Clauses: []perspective.Clause{{Field: []string{"subAccountId"}, Op: "=", Val: "222222222222"}}}},
		},
		Constants: []perspective.Constant{{Type: perspective.ConstStatic, List: []perspective.Group{{RefID: "10", Name: "Joe"}, {RefID: "11", Name: "Sue"}}}},
	}
	id, _, err := s.book.Create(context.Background(), perspective.Everyone.Owner, sc)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestOLAPNew: /new lists the perspectives, the members seen in scope
// (accounts labelled by name) and the interval's time members, and the
// report's measures without the refused count.
func TestOLAPNew(t *testing.T) {
	s := newOLAPServer(t)
	olapSeed(t, s)
	olapOwners(t, s)
	s.olapGolden(t, "olap_new", []step{
		{Method: "GET", Path: "/olap_reports/usage/instance/new"},
		{Method: "GET", Path: "/olap_reports/cost/history/new"},
		{Method: "GET", Path: "/olap_reports/cost/history/new", Header: []string{"X-Test-Accounts", "222222222222"}},
	})
}

// TestOLAPHistory: the guide's shapes: a 2-dimension monthly history
// with Total members and null cells, the report's defaults, the get_query
// form, a zero-sum cell (0, not null), a perspective and a tag, a
// scoped key, and a report without data.
func TestOLAPHistory(t *testing.T) {
	s := newOLAPServer(t)
	olapSeed(t, s)
	id := olapOwners(t, s)
	s.olapGolden(t, "olap_history", []step{
		{Method: "GET", Path: "/olap_reports/cost/history?interval=monthly&dimensions[]=time&dimensions[]=AWS-Service-Category&measures[]=cost&filters[]=time:select:-3,-2,-1"},
		{Method: "GET", Path: "/olap_reports/cost/history?filters%5B%5D=time:select:2023-12"},
		{Method: "GET", Path: "/olap_reports/cost/history?get_query=true&dimensions[]=AWS-Account&filters[]=time:select:-1"},
		{Method: "GET", Path: "/olap_reports/cost/history?dimensions[]=AWS-Account&dimensions[]=Groupset-" + id + "&measures[]=cost&measures[]=usage_quantity&filters[]=time:select:12,11"},
		{Method: "GET", Path: "/olap_reports/cost/history?interval=daily&dimensions[]=time&dimensions[]=Tag-team&filters[]=time:select:-1&filters[]=Tag-team:reject:unassigned"},
		{Method: "GET", Path: "/olap_reports/cost/history?dimensions[]=time&dimensions[]=AWS-Account&filters[]=time:select:-3,-2,-1", Header: []string{"X-Test-Accounts", "222222222222"}},
		// The guide's Instance Usage example: daily, time by reservation
		// mode, in # Instances.
		{Method: "GET", Path: "/olap_reports/usage/instance?filters[]=time:select:-1"},
		// No data at all: Total is the only member, unpopulated, its
		// cell null.
		{Method: "GET", Path: "/olap_reports/cost/history?dimensions[]=AWS-Account&filters[]=time:select:2023-03"},
	})
}

// TestOLAPCollapse: the guide's 3-dimension example shape (service
// category × time × account, two months), without and with
// collapse_null_arrays.
func TestOLAPCollapse(t *testing.T) {
	s := newOLAPServer(t)
	olapSeed(t, s)
	q := "/olap_reports/cost/history?interval=monthly&dimensions[]=AWS-Service-Category&dimensions[]=time&dimensions[]=AWS-Account&measures[]=cost&filters[]=time:select:-3,-2,-1&filters[]=AWS-Service-Category:select:Compute,Storage&NO_CACHE=1"
	s.olapGolden(t, "olap_collapse", []step{
		{Method: "GET", Path: q},
		{Method: "GET", Path: q + "&collapse_null_arrays=1"},
	})
}

// TestOLAPCustom: a saved report answers with its own parameters, takes
// the request's in their place, and answers get_query; unknown ids are
// 404.
func TestOLAPCustom(t *testing.T) {
	s := newOLAPServer(t)
	olapSeed(t, s)
	s.saved.reports[1511828492778] = [2]string{"My Saved Report", "report=My Saved Report?dimensions[]=AWS-Account&dimensions[]=AWS-Service-Category&measures[]=cost&measures[]=cost_recurring&interval=monthly&filters[]=time:select:-1"}
	s.olapGolden(t, "olap_custom", []step{
		{Method: "GET", Path: "/olap_reports/custom/1511828492778"},
		{Method: "GET", Path: "/olap_reports/custom/1511828492778?get_query=true"},
		{Method: "GET", Path: "/olap_reports/custom/1511828492778?dimensions[]=time&dimensions[]=AWS-Account&interval=daily"},
		{Method: "GET", Path: "/olap_reports/custom/42"},
		{Method: "GET", Path: "/olap_reports/custom/1511828492778/new"},
	})
}

// TestOLAPErrors: every refusal in the dialect's format.
func TestOLAPErrors(t *testing.T) {
	s := newOLAPServer(t)
	olapSeed(t, s)
	s.olapGolden(t, "olap_errors", []step{
		{Method: "GET", Path: "/olap_reports/cost/history?dimensions[]=AWS-Nothing"},
		{Method: "GET", Path: "/olap_reports/usage/instance?measures[]=count"},
		{Method: "GET", Path: "/olap_reports/cost/history?measures[]=ec2_cost_compute"},
		{Method: "GET", Path: "/olap_reports/cost/history?dimensions[]=time&dimensions[]=AWS-Account&dimensions[]=AWS-Region&dimensions[]=AWS-Availability-Zones&dimensions[]=AWS-Service-Category"},
		{Method: "GET", Path: "/olap_reports/cost/history?filters[]=time:select:13"},
		{Method: "GET", Path: "/olap_reports/cost/history?interval=daily&filters[]=time:select:2023-12"},
		{Method: "GET", Path: "/olap_reports/cost/history?filters[]=time:select:-1,2023-12"},
		{Method: "GET", Path: "/olap_reports/cost/history?dimensions[]=Groupset-999"},
		{Method: "GET", Path: "/olap_reports/cost/history?interval=yearly"},
		{Method: "GET", Path: "/olap_reports/cost/history?collapse_null_arrays=maybe"},
		{Method: "GET", Path: "/olap_reports/cost/history?filters[]=AWS-Account"},
		{Method: "GET", Path: "/olap_reports/cost/history?x=" + strings.Repeat("a", 4000)},
		{Method: "GET", Path: "/olap_reports/cost/history?filters[]=time:select:0"},
		{Method: "GET", Path: "/olap_reports/cost/history", Header: []string{"X-Test-Role", "nobody"}},
	})
}
