package cost

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// mustTime reads an RFC 3339 literal of a test table.
func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

func TestParseWindow(t *testing.T) {
	// Wednesday 13 March 2024 (a leap year, so February has 29 days).
	const wed = "2024-03-13T15:37:12.5Z"
	f := func(in, now, wantStart, wantEnd string) {
		t.Helper()
		w, err := ParseWindow(in, mustTime(t, now))
		if err != nil {
			t.Fatalf("ParseWindow(%q, %s): %v", in, now, err)
		}
		if w.Start.Location() != time.UTC || w.End.Location() != time.UTC {
			t.Fatalf("ParseWindow(%q): %v not in UTC", in, w)
		}
		gs, ge := w.Start.Format(time.RFC3339Nano), w.End.Format(time.RFC3339Nano)
		if gs != wantStart || ge != wantEnd {
			t.Fatalf("ParseWindow(%q, %s) = [%s, %s), want [%s, %s)", in, now, gs, ge, wantStart, wantEnd)
		}
	}

	f("today", wed, "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z")
	f("yesterday", wed, "2024-03-12T00:00:00Z", "2024-03-13T00:00:00Z")
	f("month", wed, "2024-03-01T00:00:00Z", wed)
	f("lastmonth", wed, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")
	f("lastmonth", "2024-01-15T10:00:00Z", "2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z")
	f("today", "2024-12-31T23:59:59.999Z", "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z")
	f("yesterday", "2024-03-01T00:00:00Z", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z")

	// Kubecost weeks start on Sunday: Wednesday, the Sunday itself, the
	// Saturday that ends the week.
	f("week", wed, "2024-03-10T00:00:00Z", wed)
	f("lastweek", wed, "2024-03-03T00:00:00Z", "2024-03-10T00:00:00Z")
	f("week", "2024-03-10T08:00:00Z", "2024-03-10T00:00:00Z", "2024-03-10T08:00:00Z")
	f("lastweek", "2024-03-10T08:00:00Z", "2024-03-03T00:00:00Z", "2024-03-10T00:00:00Z")
	f("week", "2024-03-16T23:59:59Z", "2024-03-10T00:00:00Z", "2024-03-16T23:59:59Z")
	f("lastweek", "2024-03-16T23:59:59Z", "2024-03-03T00:00:00Z", "2024-03-10T00:00:00Z")
	// A week across a year end.
	f("week", "2025-01-02T12:00:00Z", "2024-12-29T00:00:00Z", "2025-01-02T12:00:00Z")
	f("lastweek", "2025-01-02T12:00:00Z", "2024-12-22T00:00:00Z", "2024-12-29T00:00:00Z")
	// At the very instant they begin, week and month are empty, not errors.
	f("week", "2024-03-10T00:00:00Z", "2024-03-10T00:00:00Z", "2024-03-10T00:00:00Z")
	f("month", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")

	// <n>m|h|d|w: end is the end of the current minute, hour or day.
	f("45m", wed, "2024-03-13T14:53:00Z", "2024-03-13T15:38:00Z")
	f("24h", wed, "2024-03-12T16:00:00Z", "2024-03-13T16:00:00Z")
	f("1h", wed, "2024-03-13T15:00:00Z", "2024-03-13T16:00:00Z")
	f("7d", wed, "2024-03-07T00:00:00Z", "2024-03-14T00:00:00Z")
	f("2d", wed, "2024-03-12T00:00:00Z", "2024-03-14T00:00:00Z")
	f("1d", wed, "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z")
	f("2w", wed, "2024-02-29T00:00:00Z", "2024-03-14T00:00:00Z")
	f("1w", wed, "2024-03-07T00:00:00Z", "2024-03-14T00:00:00Z")
	f("007d", wed, "2024-03-07T00:00:00Z", "2024-03-14T00:00:00Z")
	// On a boundary the current unit is the one that has just begun.
	f("1d", "2024-03-13T00:00:00Z", "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z")
	f("60m", "2024-03-13T15:37:00Z", "2024-03-13T14:38:00Z", "2024-03-13T15:38:00Z")

	// Offsets: no rounding; a week offset is one week (OpenCost: 24).
	f("24h offset 1h", wed, "2024-03-12T14:37:12.5Z", "2024-03-13T14:37:12.5Z")
	f("30m offset 15m", wed, "2024-03-13T14:52:12.5Z", "2024-03-13T15:22:12.5Z")
	f("3d offset 2d", wed, "2024-03-08T15:37:12.5Z", "2024-03-11T15:37:12.5Z")
	f("1w offset 1w", wed, "2024-02-28T15:37:12.5Z", "2024-03-06T15:37:12.5Z")
	f("2h offset 1d", wed, "2024-03-12T13:37:12.5Z", "2024-03-12T15:37:12.5Z")
	f("1d offset 0d", wed, "2024-03-12T15:37:12.5Z", wed)
	f("24h  offset\t1h", wed, "2024-03-12T14:37:12.5Z", "2024-03-13T14:37:12.5Z")

	// Unix-second pairs with each separator.
	f("1586822400,1586908800", wed, "2020-04-14T00:00:00Z", "2020-04-15T00:00:00Z")
	f("1586822400-1586908800", wed, "2020-04-14T00:00:00Z", "2020-04-15T00:00:00Z")
	f("1586822400|1586908800", wed, "2020-04-14T00:00:00Z", "2020-04-15T00:00:00Z")
	f("0,1", wed, "1970-01-01T00:00:00Z", "1970-01-01T00:00:01Z")

	// RFC 3339 pairs, OpenCost's form and the superset.
	f("2020-04-01T00:00:00Z,2020-04-03T00:00:00Z", wed, "2020-04-01T00:00:00Z", "2020-04-03T00:00:00Z")
	f("2020-04-01T00:00:00.25Z,2020-04-03T00:00:00.123456789Z", wed, "2020-04-01T00:00:00.25Z", "2020-04-03T00:00:00.123456789Z")
	f("2020-04-01T02:00:00+02:00,2020-04-03T00:00:00-05:00", wed, "2020-04-01T00:00:00Z", "2020-04-03T05:00:00Z")

	// Date pairs: the end date is excluded.
	f("2024-01-01,2024-02-01", wed, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
	f("2024-01-31,2024-02-01", wed, "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z")
	f("2024-01-01, 2024-02-01", wed, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
	f("2024-01-01,2024-01-15T12:00:00Z", wed, "2024-01-01T00:00:00Z", "2024-01-15T12:00:00Z")

	// Longer than a time.Duration holds (about 292 years): spans are
	// calendar seconds, up to the first day a window may start on.
	f("106752d", wed, "1731-12-04T00:00:00Z", "2024-03-14T00:00:00Z")
	f("15251w", wed, "1731-11-29T00:00:00Z", "2024-03-14T00:00:00Z")
	f("700000d", wed, "0107-09-01T00:00:00Z", "2024-03-14T00:00:00Z")
	f("738957d", wed, "0001-01-02T00:00:00Z", "2024-03-14T00:00:00Z")
	f("500000000m", wed, "1073-07-15T10:18:00Z", "2024-03-13T15:38:00Z")
	f("1d offset 106752d", wed, "1731-12-02T15:37:12.5Z", "1731-12-03T15:37:12.5Z")
	f("1970-01-01,2300-01-01", wed, "1970-01-01T00:00:00Z", "2300-01-01T00:00:00Z")
	f("0001-01-02,9999-12-31", wed, "0001-01-02T00:00:00Z", "9999-12-31T00:00:00Z")

	// Surrounding whitespace; a now outside UTC is read in UTC
	// (2024-03-14T01:00+10:00 is still the 13th in UTC).
	f(" today\n", wed, "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z")
	f("today", "2024-03-14T01:00:00+10:00", "2024-03-13T00:00:00Z", "2024-03-14T00:00:00Z")
	f("week", "2024-03-10T01:00:00+10:00", "2024-03-03T00:00:00Z", "2024-03-09T15:00:00Z")
}

func TestParseWindowErrors(t *testing.T) {
	now := mustTime(t, "2024-03-13T15:37:12.5Z")
	f := func(in, wantMsg string) {
		t.Helper()
		w, err := ParseWindow(in, now)
		if err == nil {
			t.Fatalf("ParseWindow(%q) = %v, want an error", in, w)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseWindow(%q) error %v does not wrap ErrInvalid", in, err)
		}
		if err.Error() != wantMsg {
			t.Fatalf("ParseWindow(%q) error %q, want %q", in, err, wantMsg)
		}
	}
	bad := func(in string) { t.Helper(); f(in, "illegal window: "+in) }

	for _, in := range []string{
		"", " ", "Today", "TODAY", "weeks", "last week", "lastyear",
		"7D", "7H", "7", "d", "7y", "7s", "-7d", "+7d", "7.5d", "٣d",
		"7d offset", "offset 1d", "7d offset 1y", "7d Offset 1d", "7d offset 1d extra", "7d offset -1d",
		"1586822400,", ",1586822400", "1586822400,1586908800,1", "1586822400;1586908800",
		"1586822400 1586908800", "1586822400--1586908800",
		"2020-04-01T00:00:00Z", "2020-04-01T00:00:00Z|2020-04-03T00:00:00Z",
		// OpenCost's pattern is not anchored; this one is.
		"x2020-04-01T00:00:00Z,2020-04-03T00:00:00Zx",
		"2020-04-01T00:00:00,2020-04-03T00:00:00", "2024-1-1,2024-2-1", "2024-02-30,2024-03-01",
		"2024-01-01,2024-02-01,2024-03-01", "01/01/2024,02/01/2024",
	} {
		bad(in)
	}

	f("0d", "illegal window: 0d (end is not after start)")
	f("0w", "illegal window: 0w (end is not after start)")
	f("0m offset 5m", "illegal window: 0m offset 5m (end is not after start)")
	f("2020-04-01,2020-04-01", "illegal window: 2020-04-01,2020-04-01 (end is not after start)")
	f("2020-04-03,2020-04-01", "illegal window: 2020-04-03,2020-04-01 (end is not after start)")
	f("1586908800,1586822400", "illegal window: 1586908800,1586822400 (end is not after start)")
	f("2020-04-01T02:00:00+02:00,2020-04-01T00:00:00Z", "illegal window: 2020-04-01T02:00:00+02:00,2020-04-01T00:00:00Z (end is not after start)")
	// Windows that would start before 0001-01-02 (Go's zero time marks an
	// unset window) or end after 9999-12-31 (RFC 3339 cannot write the
	// next midnight): too long, however the span is written.
	tooLong := func(in string) {
		t.Helper()
		f(in, "illegal window: "+in+" (too long: it would start before 0001-01-02)")
	}
	tooLong("738958d") // 2024-03-14 is day 738957 after 0001-01-02
	tooLong("105566w")
	tooLong("1064099521m")
	tooLong("99999999999999999999d")
	tooLong("9223372036854775807m")
	tooLong("9223372036854775807w")
	tooLong("1d offset 738957d")
	tooLong("1d offset 9223372036854775807h")
	f("0001-01-01,2024-01-01", "illegal window: 0001-01-01,2024-01-01 (starts before 0001-01-02)")
	f("0001-01-02T01:00:00+02:00,2024-01-01", "illegal window: 0001-01-02T01:00:00+02:00,2024-01-01 (starts before 0001-01-02)")
	f("0000-06-01,2024-01-01", "illegal window: 0000-06-01,2024-01-01 (starts before 0001-01-02)")
	f("2024-01-01,9999-12-31T00:00:01Z", "illegal window: 2024-01-01,9999-12-31T00:00:01Z (ends after 9999-12-31)")
	f("0,253402300799", "illegal window: 0,253402300799 (ends after 9999-12-31)")
	f("253402300800,253402300801", "illegal window: 253402300800,253402300801 (unix time out of range)")
	f("1,99999999999999999999", "illegal window: 1,99999999999999999999 (unix time out of range)")
}

func TestWindowContains(t *testing.T) {
	w := Window{mustTime(t, "2024-01-01T00:00:00Z"), mustTime(t, "2024-01-02T00:00:00Z")}
	f := func(at string, want bool) {
		t.Helper()
		if got := w.Contains(mustTime(t, at)); got != want {
			t.Fatalf("%v.Contains(%s) = %v, want %v", w, at, got, want)
		}
	}
	f("2024-01-01T00:00:00Z", true) // start included
	f("2024-01-01T23:59:59.999999999Z", true)
	f("2024-01-02T00:00:00Z", false) // end excluded
	f("2023-12-31T23:59:59.999999999Z", false)
	f("2024-01-01T01:00:00+02:00", false) // 2023-12-31T23:00Z
	f("2024-01-01T23:00:00-01:00", false) // 2024-01-02T00:00Z
	if (Window{w.Start, w.Start}).Contains(w.Start) {
		t.Fatal("an empty window contains its start")
	}
}

func TestWindowDaysAndWiden(t *testing.T) {
	f := func(start, end, wantStart, wantEnd string, wantDays int) {
		t.Helper()
		w := Window{mustTime(t, start), mustTime(t, end)}
		g := w.WidenToDays()
		gs, ge := g.Start.Format(time.RFC3339Nano), g.End.Format(time.RFC3339Nano)
		if gs != wantStart || ge != wantEnd {
			t.Fatalf("%v.WidenToDays() = [%s, %s), want [%s, %s)", w, gs, ge, wantStart, wantEnd)
		}
		if d := w.Days(); d != wantDays {
			t.Fatalf("%v.Days() = %d, want %d", w, d, wantDays)
		}
	}
	f("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 1)
	f("2024-01-01T12:00:00Z", "2024-01-02T12:00:00Z", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", 2)
	f("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000000001Z", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 1)
	f("2024-01-01T23:59:59Z", "2024-01-02T00:00:01Z", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", 2)
	f("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", 29)
	f("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", 366)
	// Offsets are converted to UTC first: 01:00+02:00 is 23:00Z the day before.
	f("2024-01-02T01:00:00+02:00", "2024-01-02T01:00:00-02:00", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", 2)
	// Longer than a time.Duration can hold: 1970-01-01 to 2024-01-01 is
	// 19723 days, 1 Jan 1000 to 1 Jan 2000 is 365242 days (242 leap years).
	f("1970-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2024-01-01T00:00:00Z", 19723)
	f("1000-01-01T06:00:00Z", "1999-12-31T06:00:00Z", "1000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", 365242)
	// Empty windows touch no day.
	f("2024-01-01T12:00:00Z", "2024-01-01T12:00:00Z", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 0)
}

func TestMonthsOf(t *testing.T) {
	f := func(start, end string, want ...string) {
		t.Helper()
		got := MonthsOf(Window{mustTime(t, start), mustTime(t, end)})
		var g []string
		for _, m := range got {
			g = append(g, m.Format(time.RFC3339))
		}
		if strings.Join(g, " ") != strings.Join(want, " ") {
			t.Fatalf("MonthsOf([%s, %s)) = %v, want %v", start, end, g, want)
		}
	}
	f("2024-01-15T00:00:00Z", "2024-03-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
	f("2024-01-15T00:00:00Z", "2024-03-01T00:00:00.001Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")
	f("2023-12-31T23:00:00Z", "2024-01-01T01:00:00Z", "2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z")
	f("2024-02-10T00:00:00Z", "2024-02-11T00:00:00Z", "2024-02-01T00:00:00Z")
	f("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-02-01T00:00:00Z")
	// 2024-02-01T00:30+01:00 is still January in UTC.
	f("2024-02-01T00:30:00+01:00", "2024-02-02T00:00:00Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
	f("2024-02-10T00:00:00Z", "2024-02-10T00:00:00Z") // empty
	f("2024-02-10T00:00:00Z", "2024-02-01T00:00:00Z") // reversed
}

// FuzzParseWindow checks that no input panics, that errors carry the
// input and wrap ErrInvalid, and that every window returned is a sane UTC
// window whose derived values agree with each other.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{
		"today", "yesterday", "week", "lastweek", "month", "lastmonth", "45m", "24h", "7d", "2w",
		"24h offset 1h", "1w offset 1w", "1586822400,1586908800", "1586822400-1586908800",
		"1586822400|1586908800", "2020-04-01T00:00:00Z,2020-04-03T00:00:00Z",
		"2020-04-01T02:00:00.5+02:00,2020-04-03T00:00:00Z", "2024-01-01,2024-02-01",
		"0d", "99999999999999999999d", "253402300800,253402300801", "x", "",
		"106752d", "738958d", "1d offset 106752d", "0001-01-01,2024-01-01", "0,253402300799",
	} {
		f.Add(s, int64(1710344232))
	}
	f.Fuzz(func(t *testing.T, in string, nowSec int64) {
		// Keep now within years 1970–9999, where the forms are meaningful.
		if nowSec < 0 || nowSec > maxUnixSecond-400*86400 {
			return
		}
		now := time.Unix(nowSec, 0)
		w, err := ParseWindow(in, now)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "illegal window: "+in) {
				t.Fatalf("ParseWindow(%q): bad error %v", in, err)
			}
			return
		}
		if w.Start.Location() != time.UTC || w.End.Location() != time.UTC {
			t.Fatalf("ParseWindow(%q) = %v, not UTC", in, w)
		}
		kw := strings.TrimSpace(in)
		if !w.End.After(w.Start) {
			if (kw != "week" && kw != "month") || !w.End.Equal(w.Start) {
				t.Fatalf("ParseWindow(%q) = %v: end not after start", in, w)
			}
			return
		}
		if !w.Contains(w.Start) || w.Contains(w.End) {
			t.Fatalf("ParseWindow(%q) = %v: not half-open", in, w)
		}
		d := w.WidenToDays()
		if d.Start.After(w.Start) || d.End.Before(w.End) || w.Days() < 1 {
			t.Fatalf("ParseWindow(%q) = %v: widened %v, %d days", in, w, d, w.Days())
		}
		// Widened, it is still set (not Go's zero time) and can be
		// written in RFC 3339.
		if _, err := d.End.MarshalText(); err != nil || d.Start.IsZero() {
			t.Fatalf("ParseWindow(%q) = %v: widened %v cannot be used: %v", in, w, d, err)
		}
		ms := MonthsOf(w)
		if len(ms) == 0 || ms[0].After(w.Start) || !ms[len(ms)-1].Before(w.End) {
			t.Fatalf("ParseWindow(%q) = %v: months %v", in, w, ms)
		}
	})
}
