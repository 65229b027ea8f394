package forecast

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// weekly is a week of costs with a weekend lull.
var weekly = []float64{100, 110, 105, 108, 102, 40, 35}

func series(days int, f func(i int) float64) []float64 {
	out := make([]float64, days)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func TestPredict(t *testing.T) {
	cases := []struct {
		name   string
		y      []float64
		m      Method
		h      int
		want   []float64
		within float64
	}{
		{"naive repeats the last day", []float64{3, 4, 5}, Naive, 3, []float64{5, 5, 5}, 0},
		{"seasonal naive repeats last week", series(10, func(i int) float64 { return weekly[i%7] }), SeasonalNaive, 8,
			[]float64{108, 102, 40, 35, 100, 110, 105, 108}, 0},
		{"holt-winters learns a pure weekly pattern", series(42, func(i int) float64 { return weekly[i%7] }), HoltWinters, 7,
			[]float64{100, 110, 105, 108, 102, 40, 35}, 0.5},
		// 2 a day of growth on top of the week: the damped trend bends
		// the line a little over a week, not much.
		{"holt-winters follows a trend", series(56, func(i int) float64 { return weekly[i%7] + 2*float64(i) }), HoltWinters, 7,
			[]float64{212, 224, 221, 226, 222, 162, 159}, 6},
		{"constant", series(30, func(int) float64 { return 7 }), "", 5, []float64{7, 7, 7, 7, 7}, 1e-9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Predict(c.y, c.h, c.m)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.want {
				if math.Abs(got[i]-c.want[i]) > c.within {
					t.Fatalf("forecast = %.2f, want %v within %g", got, c.want, c.within)
				}
			}
		})
	}
}

func TestPredictErrors(t *testing.T) {
	if _, err := Predict(nil, 3, ""); err != ErrNoHistory {
		t.Errorf("empty history: %v", err)
	}
	if _, err := Predict(make([]float64, 20), 3, HoltWinters); err == nil {
		t.Error("holt-winters on 20 days was accepted")
	}
	if _, err := Predict(make([]float64, 6), 3, SeasonalNaive); err == nil {
		t.Error("seasonal naive on 6 days was accepted")
	}
	if _, err := Predict(make([]float64, 6), 3, "magic"); err == nil {
		t.Error("an unknown method was accepted")
	}
}

func TestChoose(t *testing.T) {
	for n, want := range map[int]Method{1: Naive, 6: Naive, 7: SeasonalNaive, 27: SeasonalNaive, 28: HoltWinters, 365: HoltWinters} {
		if got := Choose(n); got != want {
			t.Errorf("Choose(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestSelect: Holt-Winters is used where it forecasts the history's last
// four weeks better (a trend, which repeating last week cannot follow),
// seasonal naive where it does at least as well (a pure weekly pattern,
// which it repeats exactly), and below four weeks by length alone.
func TestSelect(t *testing.T) {
	trend := series(56, func(i int) float64 { return weekly[i%7] + 2*float64(i) })
	pure := series(56, func(i int) float64 { return weekly[i%7] })
	for name, c := range map[string]struct {
		y    []float64
		want Method
	}{"trend": {trend, HoltWinters}, "pure season": {pure, SeasonalNaive}, "three weeks": {trend[:21], SeasonalNaive}, "five days": {trend[:5], Naive}} {
		if got := Select(c.y); got != c.want {
			t.Errorf("Select(%s) = %s, want %s", name, got, c.want)
		}
	}
	// Auto forecasts with Select's method.
	a, _ := Predict(trend, 3, Auto)
	h, _ := Predict(trend, 3, HoltWinters)
	if a[0] != h[0] || a[2] != h[2] {
		t.Errorf("auto %v, holt-winters %v", a, h)
	}
}

// TestIntervalCoverage: on a noisy weekly series, the 80 % interval of
// the next day holds the actual value about 80 % of the time over many
// simulated futures, and the total's interval is narrower than the sum
// of the daily ones.
func TestIntervalCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := func(i int) float64 { return weekly[i%7] + rng.NormFloat64()*8 }
	hits, n := 0, 100
	for trial := range n {
		y := series(91, noisy)
		hist := make([]decimal.Decimal, 90)
		for i := range hist {
			hist[i] = decimal.NewFromFloat(y[i])
		}
		res, err := Forecast(hist, 10)
		if err != nil {
			t.Fatal(err)
		}
		if (res.Method != HoltWinters && res.Method != SeasonalNaive) || res.Origins < minOrigins {
			t.Fatalf("method %s from %d origins", res.Method, res.Origins)
		}
		if p := res.Points[0]; y[90] >= p.Lower && y[90] <= p.Upper {
			hits++
		}
		if trial == 0 {
			var lo, hi float64
			for _, p := range res.Points {
				lo, hi = lo+p.Lower, hi+p.Upper
			}
			if !(res.Total.Lower > lo && res.Total.Upper < hi && res.Total.Lower < res.Total.Mean && res.Total.Mean < res.Total.Upper) {
				t.Errorf("total %+v, sum of daily bounds [%.2f, %.2f]", res.Total, lo, hi)
			}
		}
	}
	if cov := float64(hits) / float64(n); cov < 0.65 || cov > 0.95 {
		t.Errorf("coverage of the 80%% interval = %.2f", cov)
	}
}

// TestForecastShortHistory: with too few days for a back-test the
// interval comes from one-step errors and widens with the horizon; it
// never goes below zero for costs that never did.
func TestForecastShortHistory(t *testing.T) {
	hist := make([]decimal.Decimal, 12)
	for i := range hist {
		hist[i] = decimal.NewFromFloat(weekly[i%7] + float64(i%3))
	}
	res, err := Forecast(hist, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != SeasonalNaive || res.Origins != 0 {
		t.Fatalf("method %s, origins %d", res.Method, res.Origins)
	}
	w0, w4 := res.Points[0].Upper-res.Points[0].Lower, res.Points[4].Upper-res.Points[4].Lower
	if !(w0 > 0 && w4 > w0) {
		t.Errorf("interval widths %.2f then %.2f", w0, w4)
	}
	for _, p := range res.Points {
		if p.Lower < 0 {
			t.Errorf("negative lower bound %+v", p)
		}
	}
}

func TestBacktestScores(t *testing.T) {
	y := series(35, func(i int) float64 { return weekly[i%7] })
	sn, err := Backtest(y, SeasonalNaive, 14, 7)
	if err != nil {
		t.Fatal(err)
	}
	if sn.MAE != 0 || sn.MAPE != 0 || sn.Origins != 21 {
		t.Errorf("seasonal naive on a pure season: %v", sn)
	}
	nv, _ := Backtest(y, Naive, 14, 7)
	if nv.MAE <= 0 || nv.Forecasts != sn.Forecasts {
		t.Errorf("naive: %v (seasonal %v)", nv, sn)
	}
	if _, err := Backtest(y, Naive, 35, 7); err == nil {
		t.Error("a back-test scoring nothing passed")
	}
}

func TestRound(t *testing.T) {
	if got := Round(1234.5678).String(); got != "1234.57" {
		t.Errorf("Round = %s", got)
	}
}
