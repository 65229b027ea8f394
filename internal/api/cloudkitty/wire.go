package cloudkitty

import (
	"errors"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// v1Time formats a v1 datetime: naive ISO 8601 in UTC, no offset
// ("2015-01-01T00:00:00").
func v1Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// v2Time formats a v2 datetime with the offset of the server's zone,
// which is UTC for Tally ("2019-10-01T06:00:00+00:00").
func v2Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

// v1Decimal is a v1 decimal: a JSON string of the exact value.
func v1Decimal(d decimal.Decimal) string { return cost.Text(d) }

// timeLayouts are the datetime spellings clients send (§3.1, §12.3).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTime parses a datetime leniently: "T" or space, optional
// fraction, "Z" or an offset (naive means UTC), or a bare date. The
// result is in UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	// "+00:00" arrives as " 00:00" when a client does not encode '+'.
	if i := strings.LastIndexByte(s, ' '); i > 10 {
		if t, err := parseTime(s[:i] + "+" + s[i+1:]); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a datetime")
}

// monthOf returns the first day of t's month and of the next, at 00:00
// UTC: the default window of reports and summaries.
func monthOf(t time.Time) (time.Time, time.Time) {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}
