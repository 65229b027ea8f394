package cost

import (
	"errors"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got, err := ParseTime(in)
		if err != nil {
			t.Fatalf("ParseTime(%q): %v", in, err)
		}
		if g := got.Format(time.RFC3339Nano); g != want {
			t.Fatalf("ParseTime(%q) = %s, want %s", in, g, want)
		}
	}
	f("2023-06-01T00:00:00Z", "2023-06-01T00:00:00Z")
	f("2023-06-01T02:00:00+02:00", "2023-06-01T00:00:00Z")
	f("2024-01-01T00:00Z", "2024-01-01T00:00:00Z")
	f("2022-08-01 03:00:00+00:00", "2022-08-01T03:00:00Z")
	f("2022-08-01 03:00:00 UTC", "2022-08-01T03:00:00Z")
	f("2023-06-01 00:00:00", "2023-06-01T00:00:00Z")
	f("2022-07-01 00:00:00.000", "2022-07-01T00:00:00Z")
	f("2024-09-18 22:00:00", "2024-09-18T22:00:00Z")
	f("2019-07-29", "2019-07-29T00:00:00Z")
	f("09/21/2023", "2023-09-21T00:00:00Z")
	f("9/1/2023", "2023-09-01T00:00:00Z")
	f("\t2023-06-01 ", "2023-06-01T00:00:00Z")
	for _, bad := range []string{"", "yesterday", "2023-13-01", "31/12/2023"} {
		if _, err := ParseTime(bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseTime(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}

// TestParseDateAsLayouts: the fixed-width fast path reads every date as
// the layouts do and refuses what they refuse, so ParseTime's answers do
// not depend on which way a date went.
func TestParseDateAsLayouts(t *testing.T) {
	var in []string
	for d := time.Date(1999, 12, 25, 0, 0, 0, 0, time.UTC); d.Year() < 2032; d = d.AddDate(0, 0, 1) {
		in = append(in, d.Format("2006-01-02"), d.Format("01/02/2006"))
	}
	in = append(in,
		"2023-02-29", "2024-02-30", "2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00", "2023-01-32",
		"02/29/2023", "02/30/2024", "13/01/2023", "00/10/2023", "01/00/2023", "31/12/2023",
		"0000-01-01", "9999-12-31", "2023-1-011", "2023-01-1x", "+023-01-01", "2023/01/01", "01-02-2006",
		"1/2/2006xx", "2023-06-01T", "2023-06-01",
	)
	for _, s := range in {
		want, werr := time.Parse("2006-01-02", s)
		if werr != nil {
			want, werr = time.Parse("01/02/2006", s)
		}
		got, ok := parseDate(s)
		if ok != (werr == nil) || ok && !got.Equal(want) {
			t.Errorf("parseDate(%q) = %s, %v; time.Parse: %s, %v", s, got, ok, want, werr)
		}
	}
}

// TestParseTimeDatesAllocateNothing: the dates of every Azure row (and
// of most other bills) are read without time.Parse's failed attempts.
func TestParseTimeDatesAllocateNothing(t *testing.T) {
	for _, s := range []string{"03/01/2024", "2024-03-01"} {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := ParseTime(s); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("ParseTime(%q): %v allocations, want 0", s, n)
		}
	}
}
