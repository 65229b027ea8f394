// Package forecast projects daily costs forward: from four weeks of
// history, additive Holt-Winters with a weekly season or seasonal naive
// (the same weekday last week), whichever forecast the last four weeks
// of that history better (a back-test of both on the history alone:
// neither wins on every bill, see BENCHMARKS.md); from one week,
// seasonal naive; below, the last value. The prediction interval comes
// from the chosen method's own errors in a rolling-origin back-test over
// the same history.
//
// Forecasts are estimates. The inputs are exact decimals; they become
// float64 only inside the model, and what comes out is rounded to cents
// (Round) because no more digits of an estimate mean anything. The
// functions are pure: no clock, no store.
package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/shopspring/decimal"
)

// Method names a forecasting method.
type Method string

const (
	HoltWinters   Method = "holt-winters"   // additive, weekly season
	SeasonalNaive Method = "seasonal-naive" // the same weekday a week before
	Naive         Method = "naive"          // the last value
	// Auto is Choose's method for the history's length, and from
	// MinHoltWinters days the better of Holt-Winters and seasonal naive
	// in a back-test on the history (Select).
	Auto Method = ""
)

// Season is the period of the seasonal methods: a week of days, the
// cycle daily cloud costs follow (weekday workloads, weekend lulls).
const Season = 7

// MinHoltWinters is the history Holt-Winters needs: two seasons to
// initialise level, trend and season, two more to fit its smoothing
// parameters on one-step errors.
const MinHoltWinters = 4 * Season

// Coverage is the nominal coverage of the interval: the 10th to the 90th
// percentile of back-test errors.
const Coverage = 0.8

// ErrNoHistory is returned for an empty history.
var ErrNoHistory = errors.New("forecast: no history")

// Point is one forecast day: the estimate and its interval.
type Point struct {
	Mean, Lower, Upper float64
}

// Result is a forecast of Horizon days after the history.
type Result struct {
	Method Method
	Points []Point
	// Total is the sum of the horizon, with its own interval (from the
	// back-test errors of the same sum, not the sum of daily bounds,
	// which would be far too wide).
	Total Point
	// Origins is how many back-test forecasts the interval comes from;
	// 0 means too few, and the interval is the one-step error spread
	// grown with the square root of the horizon.
	Origins int
}

// Floats converts exact daily costs to the model's floats.
func Floats(ds []decimal.Decimal) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.InexactFloat64()
	}
	return out
}

// Round turns an estimate into a decimal of cents.
func Round(f float64) decimal.Decimal { return decimal.NewFromFloat(f).Round(2) }

// Choose is the method a history of n days supports.
func Choose(n int) Method {
	switch {
	case n >= MinHoltWinters:
		return HoltWinters
	case n >= Season:
		return SeasonalNaive
	}
	return Naive
}

// selectOrigins and selectHorizon size the back-test Select compares
// the seasonal methods on: four weeks of origins, a week ahead.
const (
	selectOrigins = 28
	selectHorizon = Season
)

// Select is Auto's method for y: Choose's, except that from
// MinHoltWinters days Holt-Winters must beat seasonal naive in a
// back-test over y's last selectOrigins origins to be used.
func Select(y []float64) Method {
	m := Choose(len(y))
	if m != HoltWinters {
		return m
	}
	train := max(MinHoltWinters, len(y)-selectOrigins)
	if train >= len(y) {
		return SeasonalNaive // no day left to compare on
	}
	hw, err1 := Backtest(y, HoltWinters, train, selectHorizon)
	sn, err2 := Backtest(y, SeasonalNaive, train, selectHorizon)
	if err1 != nil || err2 != nil || sn.MAE <= hw.MAE {
		return SeasonalNaive
	}
	return HoltWinters
}

// Predict forecasts horizon days after y with method m (Auto: Select).
func Predict(y []float64, horizon int, m Method) ([]float64, error) {
	if len(y) == 0 {
		return nil, ErrNoHistory
	}
	if horizon < 0 {
		return nil, fmt.Errorf("forecast: negative horizon %d", horizon)
	}
	if m == Auto {
		m = Select(y)
	}
	switch m {
	case HoltWinters:
		if len(y) < MinHoltWinters {
			return nil, fmt.Errorf("forecast: holt-winters needs %d days, have %d", MinHoltWinters, len(y))
		}
		return fitHoltWinters(y).forecast(y, horizon), nil
	case SeasonalNaive:
		if len(y) < Season {
			return nil, fmt.Errorf("forecast: seasonal naive needs %d days, have %d", Season, len(y))
		}
		out := make([]float64, horizon)
		for i := range out {
			out[i] = y[len(y)-Season+i%Season]
		}
		return out, nil
	case Naive:
		out := make([]float64, horizon)
		for i := range out {
			out[i] = y[len(y)-1]
		}
		return out, nil
	}
	return nil, fmt.Errorf("forecast: unknown method %q", m)
}

// Forecast predicts horizon days after the daily costs y with Select's
// method, and an interval from a rolling-origin back-test of that method
// on y. Bounds are not let below zero when no day of the
// history is negative (costs without credits cannot turn negative).
func Forecast(history []decimal.Decimal, horizon int) (Result, error) {
	y := Floats(history)
	if len(y) == 0 {
		return Result{}, ErrNoHistory
	}
	m := Select(y)
	mean, err := Predict(y, horizon, m)
	if err != nil {
		return Result{}, err
	}
	res := Result{Method: m, Points: make([]Point, horizon)}
	lo, hi, total, origins := intervals(y, horizon, m)
	res.Origins = origins
	var sum float64
	for i, v := range mean {
		res.Points[i] = Point{Mean: v, Lower: v + lo[i], Upper: v + hi[i]}
		sum += v
	}
	res.Total = Point{Mean: sum, Lower: sum + total[0], Upper: sum + total[1]}
	if slices.Min(y) >= 0 {
		for i := range res.Points {
			clamp(&res.Points[i])
		}
		clamp(&res.Total)
	}
	return res, nil
}

func clamp(p *Point) {
	p.Mean, p.Lower, p.Upper = max(p.Mean, 0), max(p.Lower, 0), max(p.Upper, 0)
}

// maxOrigins bounds the back-test behind an interval: the last eight
// weeks of origins are recent enough to describe today's errors.
const maxOrigins = 56

// minOrigins is the fewest back-test forecasts whose error percentiles
// are used as they are.
const minOrigins = 10

// intervals returns, per horizon step, the offsets of the interval's
// bounds from the mean (error percentiles: actual − forecast), the same
// for the horizon's total, and the number of origins.
func intervals(y []float64, horizon int, m Method) (lo, hi []float64, total [2]float64, origins int) {
	lo, hi = make([]float64, horizon), make([]float64, horizon)
	if horizon == 0 {
		return lo, hi, total, 0
	}
	minTrain := minTrainFor(m)
	errs := make([][]float64, horizon)
	var totals []float64
	first := max(minTrain, len(y)-horizon-maxOrigins+1)
	for t := first; t+horizon <= len(y); t++ {
		f, err := Predict(y[:t], horizon, m)
		if err != nil {
			continue
		}
		var se float64
		for k := range horizon {
			e := y[t+k] - f[k]
			errs[k] = append(errs[k], e)
			se += e
		}
		totals = append(totals, se)
	}
	origins = len(totals)
	if origins >= minOrigins {
		for k := range horizon {
			lo[k], hi[k] = quantile(errs[k], (1-Coverage)/2), quantile(errs[k], (1+Coverage)/2)
		}
		total = [2]float64{quantile(totals, (1-Coverage)/2), quantile(totals, (1+Coverage)/2)}
		return lo, hi, total, origins
	}
	// Too short a history for a back-test over the whole horizon: the
	// spread of one-step errors, grown as a random walk's (√k), under a
	// normal approximation (z of the 90th percentile).
	const z = 1.2816
	sd := oneStepSD(y, m)
	var varSum float64
	for k := range horizon {
		w := z * sd * math.Sqrt(float64(k+1))
		lo[k], hi[k] = -w, w
		varSum += sd * sd * float64(k+1)
	}
	w := z * math.Sqrt(varSum)
	return lo, hi, [2]float64{-w, w}, 0
}

func minTrainFor(m Method) int {
	switch m {
	case HoltWinters:
		return MinHoltWinters
	case SeasonalNaive:
		return Season
	}
	return 1
}

// oneStepSD is the standard deviation of one-step-ahead errors over y
// (0 when y is too short for any).
func oneStepSD(y []float64, m Method) float64 {
	var es []float64
	for t := max(minTrainFor(m), len(y)-maxOrigins); t < len(y); t++ {
		f, err := Predict(y[:t], 1, m)
		if err == nil {
			es = append(es, y[t]-f[0])
		}
	}
	if len(es) < 2 {
		return 0
	}
	var mean, ss float64
	for _, e := range es {
		mean += e
	}
	mean /= float64(len(es))
	for _, e := range es {
		ss += (e - mean) * (e - mean)
	}
	return math.Sqrt(ss / float64(len(es)-1))
}

// quantile is the q-quantile of xs by linear interpolation between order
// statistics (R's type 7); xs is not changed.
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}
