package metricsupload

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// WeekStart is the first day of a week for wtd, last_week, last_N_weeks
// and the week granularity. The guide does not say; Sunday is the US
// convention CloudHealth's UI follows, and the same choice as the OLAP
// dialect's weekly members (api/cloudhealth olapWeekStart).
const WeekStart = time.Sunday

// DefaultTimeRange is the time_range of a GET that names none.
const DefaultTimeRange = "yesterday"

// TimeRanges lists the time_range names the GET accepts, in the guide's
// order.
var TimeRanges = []string{
	"yesterday", "mtd", "last_month", "last_3_months", "last_6_months", "last_12_months",
	"wtd", "last_week", "last_2_weeks", "last_4_weeks", "last_52_weeks",
	"today", "last_2_days", "last_7_days", "last_14_days", "last_31_days",
}

// TimeRange returns the window a time_range names at now, half-open and
// in UTC. "To date" ranges (today, wtd, mtd) end at the end of today;
// the others are whole past periods that end where today, this week or
// this month begins: last_7_days is the seven days before today,
// last_week the full week before this one, last_3_months the three
// calendar months before this one. "" is DefaultTimeRange.
func TimeRange(name string, now time.Time) (cost.Window, error) {
	now = now.UTC()
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	tomorrow := today.AddDate(0, 0, 1)
	week := today.AddDate(0, 0, -((int(today.Weekday()) - int(WeekStart) + 7) % 7))
	month := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	if name == "" {
		name = DefaultTimeRange
	}
	switch name {
	case "today":
		return cost.Window{Start: today, End: tomorrow}, nil
	case "yesterday":
		return cost.Window{Start: today.AddDate(0, 0, -1), End: today}, nil
	case "wtd":
		return cost.Window{Start: week, End: tomorrow}, nil
	case "mtd":
		return cost.Window{Start: month, End: tomorrow}, nil
	case "last_week":
		return cost.Window{Start: week.AddDate(0, 0, -7), End: week}, nil
	case "last_month":
		return cost.Window{Start: month.AddDate(0, -1, 0), End: month}, nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(name, "last_%d_%s", &n, &unit); err == nil && slices.Contains(TimeRanges, name) {
		switch unit {
		case "days":
			return cost.Window{Start: today.AddDate(0, 0, -n), End: today}, nil
		case "weeks":
			return cost.Window{Start: week.AddDate(0, 0, -7*n), End: week}, nil
		case "months":
			return cost.Window{Start: month.AddDate(0, -n, 0), End: month}, nil
		}
	}
	return cost.Window{}, fmt.Errorf("%w: unknown time_range %q (want one of %s)", cost.ErrInvalid, name, strings.Join(TimeRanges, ", "))
}

// Window reads the GET's from, to (YYYY-MM-DD, both days included) and
// time_range. from or to, when given, win over time_range: from alone
// runs to the end of today, to alone covers that one day.
func Window(from, to, timeRange string, now time.Time) (cost.Window, error) {
	if from == "" && to == "" {
		return TimeRange(timeRange, now)
	}
	day := func(param, s string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %s %q is not a date (want YYYY-MM-DD)", cost.ErrInvalid, param, s)
		}
		return t, nil
	}
	var w cost.Window
	if from != "" {
		t, err := day("from", from)
		if err != nil {
			return cost.Window{}, err
		}
		w.Start = t
		y, m, d := now.UTC().Date()
		w.End = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
	}
	if to != "" {
		t, err := day("to", to)
		if err != nil {
			return cost.Window{}, err
		}
		w.End = t.AddDate(0, 0, 1)
		if from == "" {
			w.Start = t
		}
	}
	if !w.End.After(w.Start) {
		return cost.Window{}, fmt.Errorf("%w: from %s is after to %s", cost.ErrInvalid, from, to)
	}
	return w, nil
}

// Granularity reads the GET's granularity: hour (the default), day, week
// or month, as the query model's step.
func Granularity(s string) (query.Step, error) {
	switch s {
	case "", "hour":
		return query.Hours(1), nil
	case "day":
		return query.Days(1), nil
	case "week":
		return query.Weeks(1, WeekStart), nil
	case "month":
		return query.Months(1), nil
	}
	return query.Step{}, fmt.Errorf("%w: unknown granularity %q (want hour, day, week or month)", cost.ErrInvalid, s)
}

// Rollup returns the buckets of w a GET answers with at granularity
// step: whole buckets only, so that a range shorter than the granularity
// has no rows (yesterday by month) rather than a partial one, and, above
// hourly, none that reaches into today, because rollups are computed
// once a day and today's data exists only hourly.
func Rollup(w cost.Window, step query.Step, now time.Time) ([]cost.Window, error) {
	if step.Unit != query.UnitHour {
		y, m, d := now.UTC().Date()
		if today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); w.End.After(today) {
			w.End = today
		}
	}
	b, err := query.Cut(w, step)
	if err != nil {
		return nil, fmt.Errorf("metrics rollup: %w", err)
	}
	var whole []cost.Window
	for i, bw := range b.Windows {
		// Only the first bucket can start after its boundary (the
		// anchor), and only the last end before its next one.
		if (i > 0 || bw.Start.Equal(b.Anchor)) && next(bw.Start, step).Equal(bw.End) {
			whole = append(whole, bw)
		}
	}
	return whole, nil
}

// next returns the boundary one step after the aligned start t (the
// steps of Granularity are all of one unit).
func next(t time.Time, step query.Step) time.Time {
	switch step.Unit {
	case query.UnitHour:
		return t.Add(time.Hour)
	case query.UnitDay:
		return t.AddDate(0, 0, 1)
	case query.UnitWeek:
		return t.AddDate(0, 0, 7)
	case query.UnitMonth:
		return t.AddDate(0, 1, 0)
	}
	return t
}
