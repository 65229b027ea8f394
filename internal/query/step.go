package query

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

// Unit is the calendar unit of a Step.
type Unit string

// The units. UnitNone is one bucket for the whole window.
const (
	UnitNone    Unit = ""
	UnitHour    Unit = "hour"
	UnitDay     Unit = "day"
	UnitWeek    Unit = "week"
	UnitMonth   Unit = "month"
	UnitQuarter Unit = "quarter"
	UnitYear    Unit = "year"
)

// Step splits a query window into buckets: Every units, aligned to the
// calendar in UTC. Weeks start on WeekStart, which every caller states:
// Kubecost's weeks start on Sunday, the native API's on Monday (ISO
// 8601). A multiple counts from the unit holding the window's start, so
// two-week buckets of a window starting on a Wednesday are the week of
// that Wednesday and the next one, then the two after.
//
// The boundaries are computed here, in Buckets, and nowhere else: stores
// receive them (Plan) and compute nothing from a calendar of their own,
// so that every store and every dialect cuts the same window alike.
type Step struct {
	Unit      Unit
	Every     int // units per bucket; 0 means 1
	WeekStart time.Weekday
}

// StepNone is one bucket for the whole window.
var StepNone = Step{}

// Hours, Days, Months, Quarters and Years return a step of n units;
// Weeks one of n weeks starting on start.
func Hours(n int) Step                     { return Step{Unit: UnitHour, Every: n} }
func Days(n int) Step                      { return Step{Unit: UnitDay, Every: n} }
func Weeks(n int, start time.Weekday) Step { return Step{Unit: UnitWeek, Every: n, WeekStart: start} }
func Months(n int) Step                    { return Step{Unit: UnitMonth, Every: n} }
func Quarters(n int) Step                  { return Step{Unit: UnitQuarter, Every: n} }
func Years(n int) Step                     { return Step{Unit: UnitYear, Every: n} }

// IsNone reports whether s is one bucket for the whole window.
func (s Step) IsNone() bool { return s.Unit == UnitNone }

func (s Step) every() int            { return max(s.Every, 1) }
func (s Step) weekday() time.Weekday { return s.WeekStart % 7 }
func (s Step) plural() string        { return string(s.Unit) + "s" }

// monthsPerBucket is the length of a bucket in months, 0 for units of
// fixed length.
func (s Step) monthsPerBucket() int {
	switch s.Unit {
	case UnitMonth:
		return s.every()
	case UnitQuarter:
		return 3 * s.every()
	case UnitYear:
		return 12 * s.every()
	}
	return 0
}

// durationPerBucket is the length of a bucket of hours, days or weeks.
func (s Step) durationPerBucket() time.Duration {
	switch s.Unit {
	case UnitHour:
		return time.Duration(s.every()) * time.Hour
	case UnitDay:
		return time.Duration(s.every()) * 24 * time.Hour
	case UnitWeek:
		return time.Duration(s.every()) * 7 * 24 * time.Hour
	}
	return 0
}

func (s Step) valid() bool {
	return s.Unit == UnitNone || s.monthsPerBucket() > 0 || s.durationPerBucket() > 0
}

// String renders the step as ParseStep reads it ("day", "2w"; weeks
// leave out their start day).
func (s Step) String() string {
	switch {
	case s.Unit == UnitNone:
		return "window"
	case s.every() > 1:
		return fmt.Sprintf("%d%s", s.every(), s.Unit[:1])
	}
	return string(s.Unit)
}

// MaxBuckets bounds the buckets of one query (ten thousand days is 27
// years), so that a window of a century at hourly steps cannot make a
// server build millions of empty buckets.
const MaxBuckets = 10000

// ErrTooManyBuckets is returned by Buckets for a window cut into more
// than MaxBuckets buckets.
var ErrTooManyBuckets = fmt.Errorf("%w: too many buckets", cost.ErrInvalid)

// align returns the start of the unit holding t: the boundary from which
// the buckets of a window starting at t count.
func (s Step) align(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch s.Unit {
	case UnitHour:
		return t.Truncate(time.Hour)
	case UnitDay:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case UnitWeek:
		back := (int(t.Weekday()) - int(s.weekday()) + 7) % 7
		return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
	case UnitMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case UnitQuarter:
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case UnitYear:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// boundary returns the start of bucket i counted from anchor.
func (s Step) boundary(anchor time.Time, i int) time.Time {
	if n := s.monthsPerBucket(); n > 0 {
		return anchor.AddDate(0, n*i, 0)
	}
	if s.Unit == UnitDay || s.Unit == UnitWeek {
		// Calendar days, so that the arithmetic stays exact in UTC
		// whatever the duration of a day is taken to be.
		days := s.every() * i
		if s.Unit == UnitWeek {
			days *= 7
		}
		return anchor.AddDate(0, 0, days)
	}
	return anchor.Add(s.durationPerBucket() * time.Duration(i))
}

// Buckets is how a window is cut at a step: the bucket windows in order,
// tiling the window (the first and last may be partial), and the rule a
// store uses to put a line item into one of them.
type Buckets struct {
	Windows []cost.Window
	// Anchor is the aligned boundary at or before the window's start from
	// which the buckets count. A time t of the window is in bucket
	// (MonthIndex(t) - MonthIndex(Anchor)) / Months when Months > 0, else
	// (t - Anchor) / Length, in whole divisions: plain integer
	// arithmetic any store can do, with no calendar of its own.
	Anchor time.Time
	Months int
	Length time.Duration
}

// MonthIndex is the number of months from January of year 0 to t's
// month, the scale of Buckets.Months.
func MonthIndex(t time.Time) int {
	t = t.UTC()
	return t.Year()*12 + int(t.Month()) - 1
}

// Index returns the bucket of t, which must lie in the window; stores
// compute the same with their arithmetic.
func (b Buckets) Index(t time.Time) int {
	switch {
	case len(b.Windows) <= 1:
		return 0
	case b.Months > 0:
		return (MonthIndex(t) - MonthIndex(b.Anchor)) / b.Months
	}
	return int(t.Sub(b.Anchor) / b.Length)
}

// Cut computes the buckets of w at step s. An empty window has none; one
// that would need more than MaxBuckets is ErrTooManyBuckets.
func Cut(w cost.Window, s Step) (Buckets, error) {
	if !s.valid() {
		return Buckets{}, fmt.Errorf("%w: unknown step unit %q", cost.ErrInvalid, s.Unit)
	}
	if s.Every < 0 || s.Every > MaxBuckets {
		return Buckets{}, fmt.Errorf("%w: a step of %d %s", cost.ErrInvalid, s.Every, s.plural())
	}
	if !w.End.After(w.Start) {
		return Buckets{}, nil
	}
	w = cost.Window{Start: w.Start.UTC(), End: w.End.UTC()}
	if s.IsNone() {
		return Buckets{Windows: []cost.Window{w}, Anchor: w.Start, Length: w.End.Sub(w.Start)}, nil
	}
	b := Buckets{Anchor: s.align(w.Start), Months: s.monthsPerBucket()}
	if b.Months == 0 {
		b.Length = s.durationPerBucket()
	}
	for i := 0; ; i++ {
		start, end := s.boundary(b.Anchor, i), s.boundary(b.Anchor, i+1)
		if !start.Before(w.End) {
			break
		}
		if len(b.Windows) == MaxBuckets {
			return Buckets{}, fmt.Errorf("%w: %s at %s steps gives more than %d buckets", ErrTooManyBuckets, w, s, MaxBuckets)
		}
		if start.Before(w.Start) {
			start = w.Start
		}
		if end.After(w.End) {
			end = w.End
		}
		b.Windows = append(b.Windows, cost.Window{Start: start, End: end})
	}
	return b, nil
}

var stepPattern = regexp.MustCompile(`^([0-9]{1,4})(h|d|w|m|q|y)$`)

// ParseStep reads the native API's step: window (or none, all, ""),
// hour, day, week, month, quarter, year (or hourly, daily, ...), or a
// multiple such as 6h, 2d, 2w, 3m, 1q, 1y. Weeks start on Monday, as ISO
// 8601 weeks do.
func ParseStep(s string) (Step, error) {
	units := map[string]Unit{"h": UnitHour, "d": UnitDay, "w": UnitWeek, "m": UnitMonth, "q": UnitQuarter, "y": UnitYear}
	step := func(u Unit, n int) Step {
		st := Step{Unit: u, Every: n}
		if u == UnitWeek {
			st.WeekStart = time.Monday
		}
		return st
	}
	switch l := strings.ToLower(strings.TrimSpace(s)); l {
	case "", "none", "window", "all":
		return StepNone, nil
	case "hour", "hourly":
		return step(UnitHour, 1), nil
	case "day", "daily":
		return step(UnitDay, 1), nil
	case "week", "weekly":
		return step(UnitWeek, 1), nil
	case "month", "monthly":
		return step(UnitMonth, 1), nil
	case "quarter", "quarterly":
		return step(UnitQuarter, 1), nil
	case "year", "yearly":
		return step(UnitYear, 1), nil
	default:
		if m := stepPattern.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n > 0 {
				return step(units[m[2]], n), nil
			}
		}
	}
	return Step{}, fmt.Errorf("%w: unknown step %q (want hour, day, week, month, quarter, year or a multiple such as 2w)", cost.ErrInvalid, s)
}

// IsTooManyBuckets reports whether err is ErrTooManyBuckets.
func IsTooManyBuckets(err error) bool { return errors.Is(err, ErrTooManyBuckets) }
