package cloudhealth

import (
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// TestOLAPGetQuery renders the guide's get_query example (§4.1) from its
// own query, and round-trips other requests through queryString.
func TestOLAPGetQuery(t *testing.T) {
	const doc = "report=My Saved Report?dimensions[]=AWS-Account&dimensions[]=AWS-Service-Category&measures[]=cost&measures[]=cost_recurring&interval=monthly&filters[]=time:select:-1"
	name, r, err := parseOLAPSavedQuery("/olap_reports/custom/1", doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := olapGetQuery(name, r); got != doc {
		t.Errorf("olapGetQuery\n got  %s\n want %s", got, doc)
	}
	f := func(path, query string) {
		t.Helper()
		r, err := parseOLAPRequest(path, query)
		if err != nil {
			t.Fatalf("%s?%s: %v", path, query, err)
		}
		back, err := parseOLAPRequest(path, r.queryString())
		if err != nil {
			t.Fatalf("%s?%s rendered as %s: %v", path, query, r.queryString(), err)
		}
		if back.summary() != r.summary() {
			t.Errorf("%s?%s rendered as %s\n reads back %s\n want       %s", path, query, r.queryString(), back.summary(), r.summary())
		}
	}
	f("/olap_reports/cost/history", "")
	f("/olap_reports/cost/history", "interval=monthly&filters[]=time:select:2014-12,2014-11&filters[]=AWS-Account:reject:1,2")
	f("/olap_reports/usage/instance", "dimensions[]=time&dimensions[]=AWS-Availaibility-Zones&measures[]=ec2_cost_compute&measures[]=count&filters[]=time:reject:-1,3")
	f("/olap_reports/cost/s3", "dimensions[]=Tag-a%26b%3Dc&filters[]=Tag-a%26b%3Dc:select:x%20y,100%25&interval=hourly")
	f("/olap_reports/custom/7", "dimensions[]=Groupset-206&filters[]=Groupset-206:select:1392,1388")
}

// TestOLAPWithSaved completes custom report requests with a saved
// report: the request's own parameters win, filters add up, and time
// filters are checked against the interval that results.
func TestOLAPWithSaved(t *testing.T) {
	const saved = "dimensions[]=time&dimensions[]=AWS-Account&measures[]=cost&interval=weekly&filters[]=AWS-Account:reject:9"
	f := func(query, want string) {
		t.Helper()
		_, s, err := parseOLAPSavedQuery("/olap_reports/custom/5", saved)
		if err != nil {
			t.Fatal(err)
		}
		r, err := parseOLAPRequest("/olap_reports/custom/5", query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		got, err := r.withSaved(s)
		if err != nil {
			if msg := apierr.Message(err); apierr.Status(err) != 422 || !strings.Contains(msg, want) {
				t.Errorf("%s: error %d %q, want 422 containing %q", query, apierr.Status(err), msg, want)
			}
			return
		}
		if got.summary() != want {
			t.Errorf("%s\n got  %s\n want %s", query, got.summary(), want)
		}
	}
	f("", "custom/5 weekly dims=[time AWS-Account(subAccountId)] measures=[cost] filter=AWS-Account(subAccountId):reject:9")
	f("filters[]=time:select:-52&client_api_id=3",
		"custom/5 weekly dims=[time AWS-Account(subAccountId)] measures=[cost] filter=AWS-Account(subAccountId):reject:9 filter=time:select:[-52] client=3")
	f("interval=monthly&dimensions[]=AWS-Region&measures[]=usage_quantity&filters[]=time:select:2014-12",
		"custom/5 monthly dims=[AWS-Region(region)] measures=[usage_quantity] filter=AWS-Account(subAccountId):reject:9 filter=time:select:2014-12")
	f("filters[]=time:select:-53", "time index -53 is out of range: weekly has 52 members")
	f("filters[]=time:select:2014-12", "can only select members of a monthly interval, not weekly")
	// A saved definition the parser refuses is its saver's mistake: 422.
	if _, _, err := parseOLAPSavedQuery("/olap_reports/custom/5", "interval=yearly"); apierr.Status(err) != 422 {
		t.Errorf("parseOLAPSavedQuery(interval=yearly) = %v, want a 422 (the saver's mistake)", err)
	}
}
