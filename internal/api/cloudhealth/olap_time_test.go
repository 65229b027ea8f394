package cloudhealth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/query"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestOLAPTimeMembers checks the members of each interval (§4.4) around
// month and year ends: how many, what relative index -1 is, the oldest
// member, their labels, and that they tile one window without gaps.
func TestOLAPTimeMembers(t *testing.T) {
	f := func(iv olapInterval, now, first, last string) {
		t.Helper()
		ms := iv.olapTimeMembers(at(now))
		if len(ms) != iv.memberCount() {
			t.Fatalf("%s at %s: %d members, want %d", iv, now, len(ms), iv.memberCount())
		}
		show := func(m olapTimeMember) string {
			return fmt.Sprintf("%s %s [%s, %s)", m.Name, m.Label,
				m.Window.Start.Format(time.RFC3339), m.Window.End.Format(time.RFC3339))
		}
		if got := show(ms[0]); got != first {
			t.Errorf("%s at %s: first member\n got  %s\n want %s", iv, now, got, first)
		}
		if got := show(ms[len(ms)-1]); got != last {
			t.Errorf("%s at %s: last member (-1)\n got  %s\n want %s", iv, now, got, last)
		}
		for i := 1; i < len(ms); i++ {
			if !ms[i].Window.Start.Equal(ms[i-1].Window.End) {
				t.Errorf("%s at %s: member %d starts at %s, member %d ends at %s", iv, now, i+1, ms[i].Window.Start, i, ms[i-1].Window.End)
			}
		}
	}
	// Monthly: -1 is the current month, even on its first instant.
	f(intervalMonthly, "2025-01-01T00:00:00Z",
		"1 2024-02 [2024-02-01T00:00:00Z, 2024-03-01T00:00:00Z)",
		"12 2025-01 [2025-01-01T00:00:00Z, 2025-02-01T00:00:00Z)")
	f(intervalMonthly, "2024-12-31T23:59:59Z",
		"1 2024-01 [2024-01-01T00:00:00Z, 2024-02-01T00:00:00Z)",
		"12 2024-12 [2024-12-01T00:00:00Z, 2025-01-01T00:00:00Z)")
	// A time zone other than UTC is the same instant.
	f(intervalMonthly, "2025-03-31T20:00:00-05:00",
		"1 2024-05 [2024-05-01T00:00:00Z, 2024-06-01T00:00:00Z)",
		"12 2025-04 [2025-04-01T00:00:00Z, 2025-05-01T00:00:00Z)")
	// Daily: -1 is yesterday, across a year end and a leap day.
	f(intervalDaily, "2025-01-01T00:00:00Z",
		"1 2024-12-01 [2024-12-01T00:00:00Z, 2024-12-02T00:00:00Z)",
		"31 2024-12-31 [2024-12-31T00:00:00Z, 2025-01-01T00:00:00Z)")
	f(intervalDaily, "2024-03-01T12:00:00Z",
		"1 2024-01-30 [2024-01-30T00:00:00Z, 2024-01-31T00:00:00Z)",
		"31 2024-02-29 [2024-02-29T00:00:00Z, 2024-03-01T00:00:00Z)")
	// Weekly: -1 is the previous full week (Sunday to Sunday); 2025-01-01
	// is a Wednesday, 2024-12-29 a Sunday.
	f(intervalWeekly, "2025-01-01T10:00:00Z",
		"1 2023-12-31 [2023-12-31T00:00:00Z, 2024-01-07T00:00:00Z)",
		"52 2024-12-22 [2024-12-22T00:00:00Z, 2024-12-29T00:00:00Z)")
	// On a Sunday the week that just began is not full.
	f(intervalWeekly, "2024-12-29T00:00:00Z",
		"1 2023-12-31 [2023-12-31T00:00:00Z, 2024-01-07T00:00:00Z)",
		"52 2024-12-22 [2024-12-22T00:00:00Z, 2024-12-29T00:00:00Z)")
	// Hourly: 84 two-hour members; -1 is 22:00-24:00 UTC the day before.
	f(intervalHourly, "2025-01-01T13:45:00Z",
		"1 2024-12-25 00:00 [2024-12-25T00:00:00Z, 2024-12-25T02:00:00Z)",
		"84 2024-12-31 22:00 [2024-12-31T22:00:00Z, 2025-01-01T00:00:00Z)")
	f(intervalHourly, "2024-03-01T00:00:00Z",
		"1 2024-02-23 00:00 [2024-02-23T00:00:00Z, 2024-02-23T02:00:00Z)",
		"84 2024-02-29 22:00 [2024-02-29T22:00:00Z, 2024-03-01T00:00:00Z)")
	if ms := intervalUnset.olapTimeMembers(at("2025-01-01T00:00:00Z")); ms != nil {
		t.Errorf("unset interval has members %v", ms)
	}
}

// TestOLAPTimeStep checks that the query model cuts the members' span at
// the interval's step into exactly the members, so that a handler can
// hand query.Step the window and read buckets back as members.
func TestOLAPTimeStep(t *testing.T) {
	for _, now := range []string{"2025-01-01T00:00:00Z", "2024-02-29T23:00:00Z", "2024-12-29T05:00:00Z", "2023-07-15T12:34:56Z"} {
		for _, iv := range olapIntervals {
			ms := iv.olapTimeMembers(at(now))
			b, err := query.Cut(iv.timeWindow(at(now)), iv.step())
			if err != nil {
				t.Fatalf("%s at %s: %v", iv, now, err)
			}
			if len(b.Windows) != len(ms) {
				t.Fatalf("%s at %s: %d buckets, %d members", iv, now, len(b.Windows), len(ms))
			}
			for i, w := range b.Windows {
				if w != ms[i].Window {
					t.Errorf("%s at %s: bucket %d is %v, member is %v", iv, now, i, w, ms[i].Window)
				}
			}
		}
	}
}

// TestSelectOLAPTimeMembers applies the guide's time filters (§4.4):
// relative and absolute indexes name the same members, YYYY-MM selects a
// month, reject removes, filters compose.
func TestSelectOLAPTimeMembers(t *testing.T) {
	now := at("2014-12-10T08:00:00Z")
	f := func(interval, filters, want string) {
		t.Helper()
		req, err := parseOLAPRequest("/olap_reports/cost/history", "interval="+interval+"&"+filters)
		if err != nil {
			t.Fatalf("%s: %v", filters, err)
		}
		var labels []string
		for _, m := range selectOLAPTimeMembers(req.Interval.olapTimeMembers(now), req.Filters) {
			labels = append(labels, m.Label)
		}
		if got := strings.Join(labels, " "); got != want {
			t.Errorf("%s %s\n got  %s\n want %s", interval, filters, got, want)
		}
	}
	f("monthly", "filters[]=time:select:-1", "2014-12")
	f("monthly", "filters[]=time:select:12", "2014-12")
	f("monthly", "filters[]=time:select:-1,-2,-3", "2014-10 2014-11 2014-12")
	f("monthly", "filters[]=time:select:12,11,10", "2014-10 2014-11 2014-12")
	f("monthly", "filters[]=time:select:2014-12", "2014-12")
	f("monthly", "filters[]=time:select:2014-01,2013-12", "2014-01")
	f("monthly", "filters[]=time:select:1", "2014-01")
	f("monthly", "filters[]=time:reject:-1,1,2,3,4,5,6,7,8", "2014-09 2014-10 2014-11")
	f("monthly", "filters[]=time:select:-5,-1&filters[]=time:reject:12", "2014-08")
	f("monthly", "filters[]=AWS-Account:select:1", "2014-01 2014-02 2014-03 2014-04 2014-05 2014-06 2014-07 2014-08 2014-09 2014-10 2014-11 2014-12")
	f("daily", "filters[]=time:select:-1,-2", "2014-12-08 2014-12-09")
	f("weekly", "filters[]=time:select:-1", "2014-11-30")
	f("hourly", "filters[]=time:select:-1,1", "2014-12-03 00:00 2014-12-09 22:00")
}
