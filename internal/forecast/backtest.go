package forecast

import (
	"fmt"
	"math"
)

// Errors are the accuracy of a method in a rolling-origin back-test.
type Errors struct {
	Method Method
	// MAE is the mean absolute error of a day, in the series' currency.
	MAE float64
	// MAPE is the mean absolute percentage error over days whose actual
	// cost is not zero (a zero day has no percentage), in percent.
	MAPE float64
	// Forecasts is how many day forecasts were scored; Origins how many
	// back-test origins produced them.
	Forecasts, Origins int
}

func (e Errors) String() string {
	name := e.Method
	if name == Auto {
		name = "auto"
	}
	return fmt.Sprintf("%-15s MAE %10.2f  MAPE %6.2f%%  (%d forecasts from %d origins)", name, e.MAE, e.MAPE, e.Forecasts, e.Origins)
}

// Backtest forecasts y with method m from every origin t with at least
// minTrain days before it, horizon days ahead (fewer at the end of the
// series), and scores the forecasts against what happened. Every method
// compared on one series should get the same minTrain, so that they are
// scored on the same days.
func Backtest(y []float64, m Method, minTrain, horizon int) (Errors, error) {
	out := Errors{Method: m}
	var absSum, pctSum float64
	var pctN int
	for t := minTrain; t < len(y); t++ {
		h := min(horizon, len(y)-t)
		f, err := Predict(y[:t], h, m)
		if err != nil {
			return out, err
		}
		out.Origins++
		for k := range h {
			e := math.Abs(y[t+k] - f[k])
			absSum += e
			out.Forecasts++
			if y[t+k] != 0 {
				pctSum += e / math.Abs(y[t+k])
				pctN++
			}
		}
	}
	if out.Forecasts == 0 {
		return out, fmt.Errorf("forecast: back-test of %d days with %d days of training scores nothing", len(y), minTrain)
	}
	out.MAE = absSum / float64(out.Forecasts)
	if pctN > 0 {
		out.MAPE = 100 * pctSum / float64(pctN)
	}
	return out, nil
}
