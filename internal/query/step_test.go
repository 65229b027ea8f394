package query

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCut(t *testing.T) {
	w := func(a, b string) cost.Window { return cost.Window{Start: at(a), End: at(b)} }
	cases := []struct {
		name string
		w    cost.Window
		step Step
		want string // bucket starts, then the last end
	}{
		{"whole window", w("2024-03-05T10:00:00Z", "2024-03-07T00:00:00Z"), StepNone, "03-05T10 03-07T00"},
		{"days, partial first", w("2024-03-05T10:00:00Z", "2024-03-07T00:00:00Z"), Days(1), "03-05T10 03-06T00 03-07T00"},
		// 2024-03-05 is a Tuesday.
		{"Sunday weeks", w("2024-03-05T00:00:00Z", "2024-03-20T00:00:00Z"), Weeks(1, time.Sunday), "03-05T00 03-10T00 03-17T00 03-20T00"},
		{"Monday weeks", w("2024-03-05T00:00:00Z", "2024-03-20T00:00:00Z"), Weeks(1, time.Monday), "03-05T00 03-11T00 03-18T00 03-20T00"},
		{"week starting on the window's day", w("2024-03-05T00:00:00Z", "2024-03-13T00:00:00Z"), Weeks(1, time.Tuesday), "03-05T00 03-12T00 03-13T00"},
		{"two Monday weeks", w("2024-03-05T00:00:00Z", "2024-04-01T00:00:00Z"), Weeks(2, time.Monday), "03-05T00 03-18T00 04-01T00"},
		{"months", w("2024-01-15T00:00:00Z", "2024-03-02T00:00:00Z"), Months(1), "01-15T00 02-01T00 03-01T00 03-02T00"},
		{"two months", w("2024-02-15T00:00:00Z", "2024-07-01T00:00:00Z"), Months(2), "02-15T00 04-01T00 06-01T00 07-01T00"},
		{"quarters", w("2024-02-15T00:00:00Z", "2024-10-02T00:00:00Z"), Quarters(1), "02-15T00 04-01T00 07-01T00 10-01T00 10-02T00"},
		{"years", w("2023-06-01T00:00:00Z", "2025-02-01T00:00:00Z"), Years(1), "06-01T00 01-01T00 01-01T00 02-01T00"},
		{"six hours", w("2024-03-05T01:30:00Z", "2024-03-05T13:00:00Z"), Hours(6), "03-05T01 03-05T07 03-05T13"},
		{"three days from the window's day", w("2024-03-05T00:00:00Z", "2024-03-12T00:00:00Z"), Days(3), "03-05T00 03-08T00 03-11T00 03-12T00"},
	}
	for _, c := range cases {
		b, err := Cut(c.w, c.step)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, x := range b.Windows {
			got = append(got, x.Start.Format("01-02T15"))
		}
		got = append(got, b.Windows[len(b.Windows)-1].End.Format("01-02T15"))
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("%s: buckets %s, want %s", c.name, s, c.want)
		}
		checkTiling(t, c.name, c.w, b)
	}
	if b, err := Cut(cost.Window{Start: at("2024-03-05T00:00:00Z"), End: at("2024-03-05T00:00:00Z")}, Days(1)); err != nil || len(b.Windows) != 0 {
		t.Fatalf("empty window: %v, %v", b.Windows, err)
	}
	_, err := Cut(cost.Window{Start: at("2000-01-01T00:00:00Z"), End: at("2030-01-01T00:00:00Z")}, Days(1))
	if !errors.Is(err, ErrTooManyBuckets) || !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("30 years of days: %v, want ErrTooManyBuckets", err)
	}
	if _, err := Cut(cost.Window{Start: at("2000-01-01T00:00:00Z"), End: at("2030-01-01T00:00:00Z")}, Step{Unit: "fortnight"}); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("unknown unit: %v", err)
	}
}

// checkTiling asserts that the buckets tile w and that Index, the rule
// stores compute, puts every instant of each bucket into it.
func checkTiling(t *testing.T, name string, w cost.Window, b Buckets) {
	t.Helper()
	if len(b.Windows) == 0 || !b.Windows[0].Start.Equal(w.Start) || !b.Windows[len(b.Windows)-1].End.Equal(w.End) {
		t.Fatalf("%s: %v do not tile %s", name, b.Windows, w)
	}
	for i, x := range b.Windows {
		if i > 0 && !x.Start.Equal(b.Windows[i-1].End) {
			t.Fatalf("%s: gap before bucket %d", name, i)
		}
		for _, in := range []time.Time{x.Start, x.End.Add(-time.Microsecond), x.Start.Add(x.End.Sub(x.Start) / 2)} {
			if got := b.Index(in); got != i {
				t.Fatalf("%s: Index(%s) = %d, want %d", name, in, got, i)
			}
		}
	}
}

// TestCutProperty cuts random windows at random steps: the buckets tile
// the window, each but the first starts on its unit's boundary, and
// Index agrees.
func TestCutProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	units := []Unit{UnitHour, UnitDay, UnitWeek, UnitMonth, UnitQuarter, UnitYear}
	for n := 0; n < 2000; n++ {
		start := at("2020-01-01T00:00:00Z").Add(time.Duration(r.Int64N(int64(4*365*24))) * time.Hour)
		if r.IntN(2) == 0 {
			start = start.Truncate(24 * time.Hour)
		}
		step := Step{Unit: units[r.IntN(len(units))], Every: 1 + r.IntN(3), WeekStart: time.Weekday(r.IntN(7))}
		length := time.Duration(1+r.Int64N(24*400)) * time.Hour
		if step.Unit == UnitHour {
			length = time.Duration(1+r.Int64N(24*20)) * time.Hour
		}
		w := cost.Window{Start: start, End: start.Add(length)}
		b, err := Cut(w, step)
		if err != nil {
			t.Fatalf("Cut(%s, %v): %v", w, step, err)
		}
		name := fmt.Sprintf("%s at %+v", w, step)
		checkTiling(t, name, w, b)
		for i, x := range b.Windows[1:] {
			if got := step.align(x.Start); !got.Equal(x.Start) {
				t.Fatalf("%s: bucket %d starts at %s, not on a %s boundary", name, i+1, x.Start, step.Unit)
			}
		}
	}
}

// TestStepString: a step renders as ParseStep reads it back.
func TestStepString(t *testing.T) {
	for _, in := range []string{"window", "hour", "day", "week", "month", "quarter", "year", "6h", "2d", "2w", "3m", "2q", "5y"} {
		s, err := ParseStep(in)
		if err != nil || s.String() != in {
			t.Fatalf("ParseStep(%q).String() = %q, %v", in, s.String(), err)
		}
		back, err := ParseStep(s.String())
		if err != nil || back != s {
			t.Fatalf("%q does not read back: %+v, %v", in, back, err)
		}
	}
}
