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
