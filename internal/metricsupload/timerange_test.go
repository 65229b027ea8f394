package metricsupload

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// trNow is a Wednesday afternoon; its week began on Sunday 8 March.
var trNow = time.Date(2026, 3, 11, 15, 20, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestTimeRange(t *testing.T) {
	cases := map[string]cost.Window{
		"":               {Start: day(2026, 3, 10), End: day(2026, 3, 11)},
		"yesterday":      {Start: day(2026, 3, 10), End: day(2026, 3, 11)},
		"today":          {Start: day(2026, 3, 11), End: day(2026, 3, 12)},
		"wtd":            {Start: day(2026, 3, 8), End: day(2026, 3, 12)},
		"mtd":            {Start: day(2026, 3, 1), End: day(2026, 3, 12)},
		"last_week":      {Start: day(2026, 3, 1), End: day(2026, 3, 8)},
		"last_month":     {Start: day(2026, 2, 1), End: day(2026, 3, 1)},
		"last_2_days":    {Start: day(2026, 3, 9), End: day(2026, 3, 11)},
		"last_7_days":    {Start: day(2026, 3, 4), End: day(2026, 3, 11)},
		"last_14_days":   {Start: day(2026, 2, 25), End: day(2026, 3, 11)},
		"last_31_days":   {Start: day(2026, 2, 8), End: day(2026, 3, 11)},
		"last_2_weeks":   {Start: day(2026, 2, 22), End: day(2026, 3, 8)},
		"last_4_weeks":   {Start: day(2026, 2, 8), End: day(2026, 3, 8)},
		"last_52_weeks":  {Start: day(2025, 3, 9), End: day(2026, 3, 8)},
		"last_3_months":  {Start: day(2025, 12, 1), End: day(2026, 3, 1)},
		"last_6_months":  {Start: day(2025, 9, 1), End: day(2026, 3, 1)},
		"last_12_months": {Start: day(2025, 3, 1), End: day(2026, 3, 1)},
	}
	for _, name := range TimeRanges {
		if _, ok := cases[name]; !ok {
			t.Errorf("time_range %s has no case", name)
		}
	}
	for name, want := range cases {
		got, err := TimeRange(name, trNow)
		if err != nil || got != want {
			t.Errorf("TimeRange(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	// On the week's first day, wtd is today and last_week the seven days
	// before it.
	sunday := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	if got, _ := TimeRange("wtd", sunday); got != (cost.Window{Start: day(2026, 3, 8), End: day(2026, 3, 9)}) {
		t.Errorf("wtd on a Sunday = %v", got)
	}
	if got, _ := TimeRange("last_week", sunday); got != (cost.Window{Start: day(2026, 3, 1), End: day(2026, 3, 8)}) {
		t.Errorf("last_week on a Sunday = %v", got)
	}
	for _, bad := range []string{"last_5_days", "last_3_weeks", "Yesterday", "last_month_", "last__days", "ytd"} {
		if _, err := TimeRange(bad, trNow); !errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), "unknown time_range") {
			t.Errorf("TimeRange(%q) err = %v, want an invalid time_range", bad, err)
		}
	}
}

func TestWindow(t *testing.T) {
	for _, tc := range []struct {
		from, to, timeRange string
		want                cost.Window
		err                 string
	}{
		{"", "", "last_week", cost.Window{Start: day(2026, 3, 1), End: day(2026, 3, 8)}, ""},
		{"2026-03-01", "2026-03-05", "last_week", cost.Window{Start: day(2026, 3, 1), End: day(2026, 3, 6)}, ""},
		{"2026-03-05", "2026-03-05", "", cost.Window{Start: day(2026, 3, 5), End: day(2026, 3, 6)}, ""},
		{"2026-03-01", "", "", cost.Window{Start: day(2026, 3, 1), End: day(2026, 3, 12)}, ""},
		{"", "2026-03-05", "", cost.Window{Start: day(2026, 3, 5), End: day(2026, 3, 6)}, ""},
		{"2026-3-1", "", "", cost.Window{}, `from "2026-3-1" is not a date (want YYYY-MM-DD)`},
		{"", "tomorrow", "", cost.Window{}, `to "tomorrow" is not a date`},
		{"2026-03-06", "2026-03-05", "", cost.Window{}, "from 2026-03-06 is after to 2026-03-05"},
		{"", "", "fortnight", cost.Window{}, `unknown time_range "fortnight"`},
	} {
		got, err := Window(tc.from, tc.to, tc.timeRange, trNow)
		if tc.err != "" {
			if !errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Window(%q, %q, %q) err = %v, want %q", tc.from, tc.to, tc.timeRange, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Window(%q, %q, %q) = %v, %v; want %v", tc.from, tc.to, tc.timeRange, got, err, tc.want)
		}
	}
}

func TestGranularity(t *testing.T) {
	for in, want := range map[string]query.Step{"": query.Hours(1), "hour": query.Hours(1), "day": query.Days(1),
		"week": query.Weeks(1, time.Sunday), "month": query.Months(1)} {
		if got, err := Granularity(in); err != nil || got != want {
			t.Errorf("Granularity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"hourly", "2d", "year", "Day"} {
		if _, err := Granularity(bad); !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("Granularity(%q) err = %v, want invalid", bad, err)
		}
	}
}

func TestRollup(t *testing.T) {
	for _, tc := range []struct {
		timeRange, granularity string
		first, last            time.Time // zero: no buckets
		count                  int
	}{
		{"yesterday", "month", time.Time{}, time.Time{}, 0},
		{"yesterday", "week", time.Time{}, time.Time{}, 0},
		{"yesterday", "day", day(2026, 3, 10), day(2026, 3, 10), 1},
		{"yesterday", "hour", day(2026, 3, 10), time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC), 24},
		{"today", "hour", day(2026, 3, 11), time.Date(2026, 3, 11, 23, 0, 0, 0, time.UTC), 24},
		{"today", "day", time.Time{}, time.Time{}, 0}, // rollups are daily: today only hourly
		{"mtd", "day", day(2026, 3, 1), day(2026, 3, 10), 10},
		{"wtd", "week", time.Time{}, time.Time{}, 0},
		{"last_month", "week", day(2026, 2, 1), day(2026, 2, 22), 4}, // February 2026 is four whole weeks from Sunday
		{"last_31_days", "week", day(2026, 2, 8), day(2026, 3, 1), 4},
		{"last_3_months", "month", day(2025, 12, 1), day(2026, 2, 1), 3},
		{"last_7_days", "month", time.Time{}, time.Time{}, 0},
	} {
		w, err := TimeRange(tc.timeRange, trNow)
		if err != nil {
			t.Fatal(err)
		}
		step, err := Granularity(tc.granularity)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Rollup(w, step, trNow)
		if err != nil {
			t.Fatal(err)
		}
		name := tc.timeRange + " by " + tc.granularity
		if len(got) != tc.count {
			t.Errorf("%s: %d buckets %v, want %d", name, len(got), got, tc.count)
			continue
		}
		if tc.count > 0 && (!got[0].Start.Equal(tc.first) || !got[len(got)-1].Start.Equal(tc.last)) {
			t.Errorf("%s: buckets from %v to %v, want from %v to %v", name, got[0].Start, got[len(got)-1].Start, tc.first, tc.last)
		}
	}
}
