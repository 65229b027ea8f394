package cost

import (
	"strconv"
	"strings"
	"time"
)

// Window is the half-open time range [Start, End) in UTC.
type Window struct{ Start, End time.Time }

// day is one UTC day; UTC has no daylight saving, so duration arithmetic
// on UTC instants is exact calendar arithmetic.
const day = 24 * time.Hour

// maxUnixSecond is 9999-12-31T23:59:59Z: later instants cannot be written
// in RFC 3339 and would break every consumer that formats a window.
const maxUnixSecond = 253402300799

// The range every parsed window lies in. minStart is the first midnight
// after Go's zero time, which marks an unset window (query.Validate
// refuses it; a pipeline run over a zero window reads every period), so
// that widening a window to whole days never reaches it. maxEnd is the
// last midnight RFC 3339 can write, so that widening the end to the next
// midnight still can be written.
var (
	minStart = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	maxEnd   = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// maxSpanSeconds bounds the span and offset of a relative window: no
// longer one fits between minStart and maxEnd.
var maxSpanSeconds = maxEnd.Unix() - minStart.Unix()

// tooLong is the reason given for a relative window that would start
// before minStart.
var tooLong = "too long: it would start before " + minStart.Format(time.DateOnly)

// Contains reports whether t lies in [Start, End).
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.Start) && t.Before(w.End)
}

// Days returns the number of UTC calendar days the window touches: the
// number of daily steps once the window is widened to whole days (§3.4 of
// kubecost-cloudcost.md), not its length rounded. [Jan 1 12:00, Jan 2
// 12:00) touches 2 days. An empty window touches none.
func (w Window) Days() int {
	if !w.End.After(w.Start) {
		return 0
	}
	d := w.WidenToDays()
	// Unix seconds rather than End.Sub(Start): a Duration saturates after
	// 292 years, and both ends are at midnight so the division is exact.
	return int((d.End.Unix() - d.Start.Unix()) / 86400)
}

// WidenToDays floors Start to UTC midnight and raises End to the next UTC
// midnight unless it already is one, the widening the Cloud Cost API
// applies to every query range.
func (w Window) WidenToDays() Window {
	start := midnight(w.Start)
	end := midnight(w.End)
	if end.Before(w.End.UTC()) {
		end = end.Add(day)
	}
	return Window{Start: start, End: end}
}

// String writes the window as "[start, end)" in RFC 3339.
func (w Window) String() string {
	return "[" + w.Start.Format(time.RFC3339Nano) + ", " + w.End.Format(time.RFC3339Nano) + ")"
}

// MonthsOf returns the first instant (UTC) of every calendar month that
// overlaps w, in order; nil for an empty window. Stores partition bills by
// month, so this is the set of partitions a query must read.
func MonthsOf(w Window) []time.Time {
	if !w.End.After(w.Start) {
		return nil
	}
	var out []time.Time
	for m := MonthStart(w.Start); m.Before(w.End); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

func midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// windowError is an unparsable or empty window. Its message starts with
// OpenCost's wording ("illegal window: <input>") so that dialects can
// reproduce `invalid window parameter: illegal window: <w>`.
type windowError struct{ input, reason string }

func (e *windowError) Error() string {
	if e.reason == "" {
		return "illegal window: " + e.input
	}
	return "illegal window: " + e.input + " (" + e.reason + ")"
}

func (e *windowError) Unwrap() error { return ErrInvalid }

// ParseWindow reads a window in any form of kubecost-cloudcost.md §4,
// relative to now (taken in UTC):
//
//   - today, yesterday: that UTC day.
//   - week: [00:00 Sunday of this week, now); lastweek: the 7 days from
//     00:00 Sunday of last week. Kubecost weeks start on Sunday.
//   - month: [00:00 on the 1st, now); lastmonth: the previous calendar month.
//   - <n>m, <n>h, <n>d, <n>w: end is the end of the current minute, hour or
//     UTC day (w rounds to days), start = end − n units. "7d" is today and
//     the 6 days before it; "2w" is the same as "14d".
//   - <n><u> offset <k><u>: end = now − k units, start = end − n units, no
//     rounding. Deviation: OpenCost reads a "w" offset as 24 weeks (a
//     bug); here a week is a week.
//   - unix-second pairs "1586822400,1586908800" with separator ",", "-" or
//     "|": exactly those instants.
//   - pairs of RFC 3339 times separated by ",": exactly those instants.
//     A superset of OpenCost, which accepts only YYYY-MM-DDTHH:MM:SSZ:
//     fractional seconds and zone offsets are accepted too.
//   - pairs of dates "2024-01-01,2024-02-01" (native API): from midnight
//     UTC of the first date to midnight UTC of the second, so the second
//     date is excluded. A side may also be an RFC 3339 time.
//
// Unit letters and keywords are lower case only, as in OpenCost. Leading
// and trailing whitespace is ignored, and any run of whitespace separates
// the words of an offset window. Errors wrap ErrInvalid with the message
// "illegal window: <input>"; a window whose end is not after its start is
// an error, except week and month at the very instant they begin, which
// are empty windows. Every window lies between 0001-01-02 and 9999-12-31
// (midnight UTC); spans are counted in calendar seconds, not in a
// time.Duration, so a window of thousands of years works, and one that
// would start earlier is refused as too long.
func ParseWindow(s string, now time.Time) (Window, error) {
	now = now.UTC()
	in := strings.TrimSpace(s)
	today := midnight(now)
	switch in {
	case "today":
		return Window{today, today.Add(day)}, nil
	case "yesterday":
		return Window{today.Add(-day), today}, nil
	case "week":
		return Window{today.AddDate(0, 0, -int(today.Weekday())), now}, nil
	case "lastweek":
		start := today.AddDate(0, 0, -int(today.Weekday())-7)
		return Window{start, start.AddDate(0, 0, 7)}, nil
	case "month":
		return Window{MonthStart(now), now}, nil
	case "lastmonth":
		end := MonthStart(now)
		return Window{end.AddDate(0, -1, 0), end}, nil
	}
	w, reason, ok := parseRelative(in, now)
	relative := ok || reason != ""
	if !relative {
		w, reason, ok = parsePair(in)
	}
	switch {
	case !ok:
	case w.Start.Before(minStart) && relative:
		reason, ok = tooLong, false
	case w.Start.Before(minStart):
		reason, ok = "starts before "+minStart.Format(time.DateOnly), false
	case w.End.After(maxEnd):
		reason, ok = "ends after "+maxEnd.Format(time.DateOnly), false
	case !w.End.After(w.Start):
		reason, ok = "end is not after start", false
	}
	if !ok {
		return Window{}, &windowError{input: s, reason: reason}
	}
	return w, nil
}

// parseRelative reads "<n><u>" and "<n><u> offset <k><u>". reason is set
// when the form matched but the numbers are out of range.
func parseRelative(in string, now time.Time) (w Window, reason string, ok bool) {
	words := strings.Fields(in)
	switch {
	case len(words) == 1:
		secs, round, reason, ok := parseSpan(words[0])
		if !ok {
			return Window{}, reason, false
		}
		// The end of the current unit, even when now is on a boundary:
		// "1d" at 00:00 is the day that has just begun (OpenCost rounds
		// with Truncate + unit, as here).
		end := now.Truncate(round).Add(round)
		return Window{before(end, secs), end}, "", true
	case len(words) == 3 && words[1] == "offset":
		secs, _, reason, ok := parseSpan(words[0])
		if !ok {
			return Window{}, reason, false
		}
		ksecs, _, reason, ok := parseSpan(words[2])
		if !ok {
			return Window{}, reason, false
		}
		end := before(now, ksecs)
		return Window{before(end, secs), end}, "", true
	}
	return Window{}, "", false
}

// before returns t minus secs seconds. UTC has no daylight saving and Go
// no leap seconds, so this is calendar arithmetic; unlike t.Add it has no
// time.Duration to overflow past 292 years.
func before(t time.Time, secs int64) time.Time {
	return time.Unix(t.Unix()-secs, int64(t.Nanosecond())).UTC()
}

// parseSpan reads "<n><u>" and returns its length in seconds and the
// boundary the unit rounds to. A span longer than any window can be is
// refused as too long rather than overflowing.
func parseSpan(s string) (secs int64, round time.Duration, reason string, ok bool) {
	if len(s) < 2 || !allDigits(s[:len(s)-1]) {
		return 0, 0, "", false
	}
	var unit int64
	switch s[len(s)-1] {
	case 'm':
		unit, round = 60, time.Minute
	case 'h':
		unit, round = 3600, time.Hour
	case 'd':
		unit, round = 86400, day
	case 'w':
		unit, round = 7*86400, day
	default:
		return 0, 0, "", false
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n > maxSpanSeconds/unit {
		return 0, 0, tooLong, false
	}
	return n * unit, round, "", true
}

// parsePair reads a pair of unix seconds, RFC 3339 times or dates.
func parsePair(in string) (w Window, reason string, ok bool) {
	if i := strings.IndexAny(in, ",|-"); i > 0 && allDigits(in[:i]) && allDigits(in[i+1:]) {
		start, ok1 := unixSecond(in[:i])
		end, ok2 := unixSecond(in[i+1:])
		if !ok1 || !ok2 {
			return Window{}, "unix time out of range", false
		}
		return Window{start, end}, "", true
	}
	a, b, found := strings.Cut(in, ",")
	if !found {
		return Window{}, "", false
	}
	start, ok1 := pairTime(a)
	end, ok2 := pairTime(b)
	if !ok1 || !ok2 {
		return Window{}, "", false
	}
	return Window{start, end}, "", true
}

func unixSecond(s string) (time.Time, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > maxUnixSecond {
		return time.Time{}, false
	}
	return time.Unix(v, 0).UTC(), true
}

// pairTime reads one side of a pair: a date (midnight UTC) or an RFC 3339
// time. Go's RFC 3339 parser also takes fractional seconds. Spaces around
// a side are ignored ("2024-01-01, 2024-02-01").
func pairTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
