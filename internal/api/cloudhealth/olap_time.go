package cloudhealth

import (
	"slices"
	"strconv"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// olapWeekStart is the first day of a weekly member. The guide does not
// say; Sunday is the US convention CloudHealth's UI follows, and the
// same as Kubecost's weeks.
const olapWeekStart = time.Sunday

// olapTimeMember is one member of the time dimension: Name is its absolute
// index ("1" is the oldest), as the /new catalogue lists it; Label is
// what reports show.
type olapTimeMember struct {
	Name   string
	Label  string
	Window cost.Window
}

// memberCount is how many members the time dimension has at an interval
// (§4.4): 12 months, 52 weeks, 31 days, 84 two-hour members.
func (iv olapInterval) memberCount() int {
	switch iv {
	case intervalMonthly:
		return 12
	case intervalWeekly:
		return 52
	case intervalDaily:
		return 31
	case intervalHourly:
		return 84
	}
	return 0
}

// step is the query model's step of an interval: query.Cut over
// timeWindow at this step gives the members' windows.
func (iv olapInterval) step() query.Step {
	switch iv {
	case intervalMonthly:
		return query.Months(1)
	case intervalWeekly:
		return query.Weeks(1, olapWeekStart)
	case intervalDaily:
		return query.Days(1)
	case intervalHourly:
		return query.Hours(2)
	}
	return query.StepNone
}

// lastMember is the window of relative index -1 at now (§4.4): the
// current month, but the previous full week, the previous full day, and
// 22:00–24:00 UTC of the day before.
func (iv olapInterval) lastMember(now time.Time) cost.Window {
	now = now.UTC()
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch iv {
	case intervalMonthly:
		start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return cost.Window{Start: start, End: start.AddDate(0, 1, 0)}
	case intervalWeekly:
		back := (int(now.Weekday()) - int(olapWeekStart) + 7) % 7
		thisWeek := today.AddDate(0, 0, -back)
		return cost.Window{Start: thisWeek.AddDate(0, 0, -7), End: thisWeek}
	case intervalDaily:
		return cost.Window{Start: today.AddDate(0, 0, -1), End: today}
	case intervalHourly:
		return cost.Window{Start: today.Add(-2 * time.Hour), End: today}
	}
	return cost.Window{}
}

// memberStart is the start of the member back members before the one
// starting at last.
func (iv olapInterval) memberStart(last time.Time, back int) time.Time {
	switch iv {
	case intervalMonthly:
		return last.AddDate(0, -back, 0)
	case intervalWeekly:
		return last.AddDate(0, 0, -7*back)
	case intervalDaily:
		return last.AddDate(0, 0, -back)
	}
	return last.Add(-2 * time.Hour * time.Duration(back))
}

// label renders a member's label: months as YYYY-MM (the guide's
// response example), weeks and days by their first date (the /new
// example's days), two-hour members by their first hour.
func (iv olapInterval) label(start time.Time) string {
	switch iv {
	case intervalMonthly:
		return start.Format("2006-01")
	case intervalHourly:
		return start.Format("2006-01-02 15:04")
	}
	return start.Format(time.DateOnly)
}

// olapTimeMembers returns the time dimension's members at now, oldest first:
// member i (0-based) has absolute index i+1 and relative index
// i-memberCount. The current month of a monthly report runs to the
// month's end: the bill holds only what was charged so far, so the
// report reads the whole member (olapReport), never a part of it.
func (iv olapInterval) olapTimeMembers(now time.Time) []olapTimeMember {
	n := iv.memberCount()
	if n == 0 {
		return nil
	}
	last := iv.lastMember(now)
	out := make([]olapTimeMember, n)
	for i := range n {
		start := iv.memberStart(last.Start, n-1-i)
		end := iv.memberStart(last.Start, n-2-i)
		out[i] = olapTimeMember{Name: strconv.Itoa(i + 1), Label: iv.label(start), Window: cost.Window{Start: start, End: end}}
	}
	return out
}

// timeWindow is the span of all members at now.
func (iv olapInterval) timeWindow(now time.Time) cost.Window {
	ms := iv.olapTimeMembers(now)
	if len(ms) == 0 {
		return cost.Window{}
	}
	return cost.Window{Start: ms[0].Window.Start, End: ms[len(ms)-1].Window.End}
}

// selectOLAPTimeMembers applies the time filters of a request to members, in
// order: a select keeps the members it names, a reject removes them.
// Relative index -k is member len-k+1; a YYYY-MM month outside the
// members selects nothing.
func selectOLAPTimeMembers(members []olapTimeMember, filters []olapFilter) []olapTimeMember {
	out := members
	for _, f := range filters {
		if !f.Dimension.Time {
			continue
		}
		kept := make([]olapTimeMember, 0, len(out))
		for _, m := range out {
			if f.namesTime(m, len(members)) != f.Reject {
				kept = append(kept, m)
			}
		}
		out = kept
	}
	return out
}

// namesTime reports whether the filter names member m of n.
func (f olapFilter) namesTime(m olapTimeMember, n int) bool {
	abs, _ := strconv.Atoi(m.Name)
	for _, i := range f.Indexes {
		if i == abs || (i < 0 && n+1+i == abs) {
			return true
		}
	}
	return slices.ContainsFunc(f.Months, func(t time.Time) bool { return t.Equal(m.Window.Start) })
}
