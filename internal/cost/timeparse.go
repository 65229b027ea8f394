package cost

import (
	"fmt"
	"strings"
	"time"
)

// timeLayouts are the date and time spellings found in real exports
// (billing-formats.md §0.2, §3.2, §6.11, §7.3), tried in order. Layouts
// without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,                      // 2023-06-01T00:00:00Z, 2023-06-01T00:00:00.000+00:00
	"2006-01-02T15:04Z07:00",              // Microsoft FOCUS 1.0: 2024-01-01T00:00Z
	"2006-01-02 15:04:05.999999999Z07:00", // GCP CSV: 2022-08-01 03:00:00+00:00
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999 MST", // 2022-08-01 03:00:00 UTC
	"2006-01-02T15:04:05.999999999",     // no zone
	"2006-01-02 15:04:05.999999999",     // 2023-06-01 00:00:00, 2022-07-01 00:00:00.000
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"01/02/2006",          // Azure US dates: 09/21/2023
	"1/2/2006",            // the same without leading zeros
	"01/02/2006 15:04:05", //
	"1/2/2006 3:04:05 PM", // Azure portal downloads
	"20060102",            // GCP partition dates
}

// ParseTime reads a date or timestamp in any spelling the supported
// exports use and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty date", ErrInvalid)
	}
	if t, ok := parseDate(s); ok {
		return t, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q is not a date", ErrInvalid, s)
}

// MonthStart returns the first instant of t's month in UTC.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// parseDate reads the two fixed-width dates most rows of a bill spell,
// "2006-01-02" and Azure's "01/02/2006", without time.Parse: ParseTime
// would try every earlier layout first, and each miss allocates an error
// (an Azure row has three dates, ten misses each: a tenth of an Azure
// import's CPU, BENCHMARKS.md). ok is false for any other text and for a
// date time.Parse refuses (month 13, 30 February), which then goes
// through the layouts: what is accepted and what errors say is as before.
func parseDate(s string) (t time.Time, ok bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	var y, m, d int
	var oky, okm, okd bool
	switch {
	case s[4] == '-' && s[7] == '-':
		y, oky = atoiDigits(s[0:4])
		m, okm = atoiDigits(s[5:7])
		d, okd = atoiDigits(s[8:10])
	case s[2] == '/' && s[5] == '/':
		m, okm = atoiDigits(s[0:2])
		d, okd = atoiDigits(s[3:5])
		y, oky = atoiDigits(s[6:10])
	default:
		return time.Time{}, false
	}
	if !oky || !okm || !okd || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // normalised into the next month: a day too many
		return time.Time{}, false
	}
	return t, true
}

// atoiDigits reads s, ASCII digits only.
func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
