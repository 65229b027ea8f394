// Package anomaly flags days whose cost is far from its trailing
// baseline, per group (a service, an account, any grouping).
//
// The rule, robust to the spikes it looks for: a day is compared with
// the Baseline days before it, and with SplitWeekends (the default) only
// with those of its own kind, weekdays with weekdays and Saturdays and
// Sundays with each other: cloud costs dip at weekends, and a Saturday
// measured against a fortnight of mostly weekdays would be flagged every
// week. Fourteen days hold ten weekdays and four weekend days, enough
// for a median of either. The expected cost is their median; the
// spread is their median absolute deviation (MAD), scaled by 1.4826 so
// that it estimates a standard deviation for normal noise. The day is an
// anomaly when |cost − median| > K × max(scaled MAD, Floor × |median|,
// MinSpread) and |cost − median| >= MinDifference. The floors keep a
// perfectly flat history (MAD 0) from flagging every cent of change, and
// MinDifference keeps groups of pennies quiet. A median and a MAD are
// not moved by the spike of a single earlier day, as a mean and a
// standard deviation would be.
//
// Everything is exact decimal arithmetic except the score, which is for
// sorting and display.
package anomaly

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Rule is the detection rule; Default is the documented one.
type Rule struct {
	Baseline      int             // trailing days compared with
	SplitWeekends bool            // compare weekdays and weekend days apart
	K             decimal.Decimal // how many spreads away is far
	Floor         decimal.Decimal // smallest spread, as a fraction of the median
	MinSpread     decimal.Decimal // smallest spread, in currency units
	MinDifference decimal.Decimal // smallest difference flagged, in currency units
	// Monthly, when positive, lets a day whose cost repeats the cost of
	// the same day a month before, within this fraction of it, pass as
	// a monthly charge (a subscription, support, an invoice line), which
	// a fortnight's baseline of zeros would flag every month.
	Monthly decimal.Decimal
}

// Default is 14 days of baseline split at weekends, 3.5 scaled MADs (Iglewicz and
// Hoaglin's cut-off for the modified z-score), a spread of at least 5 %
// of the median and one cent, and a difference of at least one unit of
// currency; a cost within 10 % of the same day's a month before is a
// monthly charge, not an anomaly.
var Default = Rule{
	Baseline:      14,
	SplitWeekends: true,
	K:             decimal.RequireFromString("3.5"),
	Floor:         decimal.RequireFromString("0.05"),
	MinSpread:     decimal.RequireFromString("0.01"),
	MinDifference: decimal.NewFromInt(1),
	Monthly:       decimal.RequireFromString("0.1"),
}

// madScale makes the MAD a consistent estimator of the standard
// deviation of normal noise.
var madScale = decimal.RequireFromString("1.4826")

var half = decimal.RequireFromString("0.5")

// Series is the daily cost of one group: Costs[i] is day Start+i (UTC
// days; a day without cost is zero, not missing).
type Series struct {
	Group    map[string]string
	Currency string
	Start    time.Time
	Costs    []decimal.Decimal
}

// Anomaly is one flagged day of one group.
type Anomaly struct {
	Day      time.Time
	Group    map[string]string
	Currency string
	Cost     decimal.Decimal
	Expected decimal.Decimal // the baseline's median
	// Difference is Cost − Expected: positive for a spike, negative for
	// a drop.
	Difference decimal.Decimal
	// Spread is the scaled MAD (or its floor) the difference was
	// measured in.
	Spread decimal.Decimal
	// Score is Difference / Spread: how many spreads away (a float, for
	// ordering and display only).
	Score float64
}

// Validate reports a rule that cannot work.
func (r Rule) Validate() error {
	if r.Baseline < 3 {
		return fmt.Errorf("anomaly: baseline of %d days; at least 3", r.Baseline)
	}
	if !r.K.IsPositive() {
		return fmt.Errorf("anomaly: k %s must be positive", r.K)
	}
	return nil
}

// Detect flags the days of each series from day `from` on (the days
// before it only serve as baseline; a zero from checks every day). A
// day is judged against at least three baseline days; the first cost of
// a group that had none for a whole baseline is judged against zero. Results are by day, then by the size of the
// difference, largest first.
func Detect(series []Series, from time.Time, r Rule) ([]Anomaly, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var out []Anomaly
	for _, s := range series {
		first := slices.IndexFunc(s.Costs, func(d decimal.Decimal) bool { return !d.IsZero() })
		if first < 0 {
			continue
		}
		for i := max(first, 1); i < len(s.Costs); i++ {
			day := s.Start.AddDate(0, 0, i)
			if day.Before(from) {
				continue
			}
			base := r.baseline(s, i, first)
			if i == first && i >= r.Baseline {
				// New spend after a whole baseline of none: compared with
				// zero, once; later days are compared with the days since.
				base = []decimal.Decimal{decimal.Zero}
			} else if len(base) < minBaseline {
				continue
			}
			if a, ok := r.check(base, s.Costs[i]); ok && !r.monthly(s, day, s.Costs[i]) {
				a.Day, a.Group, a.Currency = day, s.Group, s.Currency
				out = append(out, a)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Anomaly) int {
		if c := x.Day.Compare(y.Day); c != 0 {
			return c
		}
		return y.Difference.Abs().Cmp(x.Difference.Abs())
	})
	return out, nil
}

// monthly reports whether cost v of day repeats the group's cost on the
// same day a month before (Rule.Monthly), a recurring monthly charge.
// A day with no such day in the month before (the 31st after a 30-day
// month) is compared with nothing and is not monthly.
func (r Rule) monthly(s Series, day time.Time, v decimal.Decimal) bool {
	if !r.Monthly.IsPositive() {
		return false
	}
	prev := day.AddDate(0, -1, 0)
	if prev.Day() != day.Day() {
		return false
	}
	j := int(prev.Sub(s.Start).Hours() / 24)
	if j < 0 || j >= len(s.Costs) || s.Costs[j].IsZero() {
		return false
	}
	return v.Sub(s.Costs[j]).Abs().LessThanOrEqual(r.Monthly.Mul(s.Costs[j].Abs()))
}

// minBaseline is the fewest baseline days a day is judged against.
const minBaseline = 3

// baseline is the costs day i of s is compared with: the Baseline days
// before it (of its kind, with SplitWeekends), but none before the
// group's first cost at index first. The zeros before a new service's
// first day are not its normal, or every day of its first fortnight
// would be flagged.
func (r Rule) baseline(s Series, i, first int) []decimal.Decimal {
	from := max(i-r.Baseline, first)
	if !r.SplitWeekends {
		return s.Costs[from:i]
	}
	kind := weekend(s.Start.AddDate(0, 0, i))
	var out []decimal.Decimal
	for j := from; j < i; j++ {
		if weekend(s.Start.AddDate(0, 0, j)) == kind {
			out = append(out, s.Costs[j])
		}
	}
	return out
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// check tests one day against its baseline.
func (r Rule) check(base []decimal.Decimal, v decimal.Decimal) (Anomaly, bool) {
	med := Median(base)
	dev := make([]decimal.Decimal, len(base))
	for i, b := range base {
		dev[i] = b.Sub(med).Abs()
	}
	spread := decimal.Max(Median(dev).Mul(madScale), r.Floor.Mul(med.Abs()), r.MinSpread)
	diff := v.Sub(med)
	if diff.Abs().LessThanOrEqual(r.K.Mul(spread)) || diff.Abs().LessThan(r.MinDifference) {
		return Anomaly{}, false
	}
	return Anomaly{Cost: v, Expected: med, Difference: diff, Spread: spread,
		Score: diff.InexactFloat64() / spread.InexactFloat64()}, true
}

// Median is the exact median of xs (the mean of the middle two of an
// even count, halved by multiplying by 0.5: Div would round to 16
// places); zero for none.
func Median(xs []decimal.Decimal) decimal.Decimal {
	if len(xs) == 0 {
		return decimal.Zero
	}
	s := slices.Clone(xs)
	slices.SortFunc(s, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1].Add(s[n/2]).Mul(half)
}
