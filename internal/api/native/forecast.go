package native

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/anomaly"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/forecast"
	"github.com/tally-cost/tally/internal/query"
)

// GET /api/v1/forecast: the daily costs of a scope over a window, the
// days that have data as they are and the rest forecast (package
// forecast), with the window's projected total and its interval. Budget
// status (budgets.go) is the same computation over the budget's month.

const (
	day = 24 * time.Hour
	// defaultHistory is the history a forecast is fitted on: 13 weeks,
	// a quarter of whole weeks.
	defaultHistory = 91
	maxHistory     = 730
	// maxForecastDays bounds the window of a forecast or an anomaly
	// search: a year and a bit, so that a year-to-date fits.
	maxForecastDays = 400
)

// estimateNote says what the forecast numbers are.
const estimateNote = "Forecasts are estimates: the mean and the 80% interval of a model of daily costs " +
	"(Holt-Winters with a weekly season or seasonal naive, whichever back-tested better on the last four weeks; " +
	"seasonal naive below four weeks of history), with the interval taken from the model's own back-test errors. Actual costs are exact."

var forecastParams = map[string]bool{"window": true, "filter": true, "metric": true, "currency": true, "history": true,
	"api_key": true, "client_api_id": true}

// forecastRequest is a parsed GET /api/v1/forecast.
type forecastRequest struct {
	window  cost.Window
	filter  filter.Expr
	metric  cost.Metric
	usd     bool
	history int
}

// ParseForecastRequest reads the query parameters of GET
// /api/v1/forecast. The window is whole UTC days; empty or "month" is the
// whole current calendar month (not month-to-date: the rest of it is
// what is forecast).
func parseForecastRequest(v url.Values, now time.Time) (forecastRequest, error) {
	var fr forecastRequest
	if err := onlyParams(v, forecastParams); err != nil {
		return fr, err
	}
	ws := strings.TrimSpace(v.Get("window"))
	if ws == "" || ws == "month" {
		fr.window = monthOf(now)
	} else {
		w, err := cost.ParseWindow(ws, now)
		if err != nil {
			return fr, fmt.Errorf("window: %w", err)
		}
		fr.window = w.WidenToDays()
	}
	if fr.window.Days() > maxForecastDays {
		return fr, fmt.Errorf("%w: window: %d days, at most %d", cost.ErrInvalid, fr.window.Days(), maxForecastDays)
	}
	var err error
	if fr.filter, err = parseFilter(v.Get("filter")); err != nil {
		return fr, err
	}
	if fr.metric, err = oneMetric(v.Get("metric")); err != nil {
		return fr, err
	}
	if fr.usd, err = usdParam(v.Get("currency")); err != nil {
		return fr, err
	}
	fr.history = defaultHistory
	if v.Get("history") != "" {
		if fr.history, err = intParam(v, "history"); err != nil {
			return fr, err
		}
		if fr.history < 1 || fr.history > maxHistory {
			return fr, fmt.Errorf("%w: history: %d days, want 1 to %d", cost.ErrInvalid, fr.history, maxHistory)
		}
	}
	return fr, nil
}

// monthOf is the calendar month (UTC) holding t.
func monthOf(t time.Time) cost.Window {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return cost.Window{Start: start, End: start.AddDate(0, 1, 0)}
}

func onlyParams(v url.Values, known map[string]bool) error {
	for name := range v {
		if !known[name] {
			return fmt.Errorf("%w: unknown parameter %q", cost.ErrInvalid, name)
		}
	}
	return nil
}

// parseFilter reads a native filter expression as /api/v1/costs does.
func parseFilter(s string) (filter.Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	f, err := filter.ParseKubecost(s, filter.NativeFields)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	return providerSpellings(f), nil
}

// oneMetric reads a single metric; empty is billed.
func oneMetric(s string) (cost.Metric, error) {
	if s == "" {
		return cost.Billed, nil
	}
	m, err := cost.ParseMetric(s)
	if err != nil {
		return 0, fmt.Errorf("metric: %w", err)
	}
	return m, nil
}

func usdParam(s string) (bool, error) {
	switch strings.ToUpper(s) {
	case "", "BILLING":
		return false, nil
	case "USD":
		return true, nil
	}
	return false, fmt.Errorf("%w: currency: %q is not supported (want USD, or omit it for billing currencies)", cost.ErrInvalid, s)
}

// dailySeries asks the engine, as the caller, for the daily totals of
// metric m over w, one series per group and currency with days without
// cost as zero, and for each series the last day that has line items
// (zero time: none).
func (a *API) dailySeries(ctx context.Context, w cost.Window, f filter.Expr, groupBy []cost.Dimension, m cost.Metric, usd bool) ([]anomaly.Series, []time.Time, error) {
	q := query.Query{Window: w, Step: query.Days(1), Filter: f, GroupBy: groupBy, Metrics: []cost.Metric{m}, USD: usd, NoKubernetes: true}
	res, err := a.engine.Query(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	days := w.Days()
	index := map[string]int{}
	var series []anomaly.Series
	var last []time.Time
	for _, r := range res.Rows {
		k := strings.Join(r.Keys, "\x00") + "\x00" + r.Currency
		i, ok := index[k]
		if !ok {
			i = len(series)
			index[k] = i
			s := anomaly.Series{Currency: r.Currency, Start: w.Start, Costs: make([]decimal.Decimal, days)}
			if len(groupBy) > 0 {
				s.Group = make(map[string]string, len(groupBy))
				for j, g := range groupBy {
					s.Group[string(g)] = r.Keys[j]
				}
			}
			series = append(series, s)
			last = append(last, time.Time{})
		}
		d := int(r.Start.Sub(w.Start) / day)
		if d < 0 || d >= days {
			continue
		}
		series[i].Costs[d] = series[i].Costs[d].Add(r.Values[0])
		if r.Items > 0 && r.Start.After(last[i]) {
			last[i] = r.Start
		}
	}
	return series, last, nil
}

type forecastResponse struct {
	Window   windowJSON       `json:"window"`
	Metric   string           `json:"metric"`
	Currency string           `json:"currency"`
	Note     string           `json:"note"`
	Data     []forecastSeries `json:"data"`
}

// forecastSeries is the forecast of one currency's costs.
type forecastSeries struct {
	Currency string `json:"currency"`
	// Method is the model; "none" when every day of the window has data.
	Method string `json:"method"`
	// LastActualDay is the last day with line items: days up to it are
	// actual, days after it forecast (billing data arrives late, so it
	// is often before today).
	LastActualDay string `json:"lastActualDay"`
	HistoryDays   int    `json:"historyDays"`
	// BacktestOrigins is how many back-test forecasts the interval is
	// taken from (0: too short a history; the interval is then the
	// one-step error spread grown with the horizon).
	BacktestOrigins int `json:"backtestOrigins"`
	// Actual is the exact sum of the window's actual days.
	Actual    string       `json:"actual"`
	Forecast  estimateJSON `json:"forecast"`
	Projected estimateJSON `json:"projected"`
	Days      []dayJSON    `json:"days"`
}

type estimateJSON struct {
	Mean  string `json:"mean"`
	Lower string `json:"lower"`
	Upper string `json:"upper"`
}

type dayJSON struct {
	Date     string `json:"date"`
	Actual   string `json:"actual,omitempty"`
	Forecast string `json:"forecast,omitempty"`
	Lower    string `json:"lower,omitempty"`
	Upper    string `json:"upper,omitempty"`
}

func (a *API) forecast(r *http.Request) (any, error) {
	fr, err := parseForecastRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	data, err := a.forecastWindow(r.Context(), fr)
	if err != nil {
		return nil, err
	}
	return forecastResponse{Window: windowJSON{fr.window.Start, fr.window.End}, Metric: fr.metric.String(),
		Currency: currencyLabel(fr.usd), Note: estimateNote, Data: data}, nil
}

func currencyLabel(usd bool) string {
	if usd {
		return "USD"
	}
	return "billing"
}

// forecastWindow forecasts each currency of the caller's costs over
// fr.window from fr.history days before the last day with data.
func (a *API) forecastWindow(ctx context.Context, fr forecastRequest) ([]forecastSeries, error) {
	// The history and the window in one query: from history days before
	// the window's start or today, whichever is earlier (a future
	// window's history is the days that have data), to its end.
	today := a.now().UTC().Truncate(day)
	from := fr.window.Start
	if today.Before(from) {
		from = today
	}
	from = from.AddDate(0, 0, -fr.history)
	all, last, err := a.dailySeries(ctx, cost.Window{Start: from, End: fr.window.End}, fr.filter, nil, fr.metric, fr.usd)
	if err != nil {
		return nil, err
	}
	out := []forecastSeries{}
	for i, s := range all {
		if last[i].IsZero() {
			continue
		}
		fs, err := forecastOne(s, last[i], fr)
		if err != nil {
			return nil, err
		}
		out = append(out, fs)
	}
	slices.SortFunc(out, func(x, y forecastSeries) int { return strings.Compare(x.Currency, y.Currency) })
	return out, nil
}

// forecastOne splits one series at its last day with data: the window's
// days up to it are actual, the rest forecast from the history before it.
func forecastOne(s anomaly.Series, last time.Time, fr forecastRequest) (forecastSeries, error) {
	cut := int(last.Sub(s.Start)/day) + 1 // index of the first forecast day
	first := slices.IndexFunc(s.Costs[:cut], func(d decimal.Decimal) bool { return !d.IsZero() })
	if first < 0 {
		first = cut - 1
	}
	// The history ends at the last actual day; leading days before the
	// scope had any cost are not history (a new account's zeros would
	// teach the model nothing true).
	hist := s.Costs[max(first, cut-fr.history):cut]
	w0 := int(fr.window.Start.Sub(s.Start) / day)
	out := forecastSeries{Currency: s.Currency, LastActualDay: last.Format(time.DateOnly), HistoryDays: len(hist), Method: "none"}
	actual := decimal.Zero
	for i := w0; i < min(cut, len(s.Costs)); i++ {
		actual = actual.Add(s.Costs[i])
		out.Days = append(out.Days, dayJSON{Date: s.Start.AddDate(0, 0, i).Format(time.DateOnly), Actual: s.Costs[i].String()})
	}
	out.Actual = actual.String()
	horizonStart := max(cut, w0)
	horizon := len(s.Costs) - horizonStart
	zero := estimateJSON{Mean: "0", Lower: "0", Upper: "0"}
	out.Forecast, out.Projected = zero, estimateJSON{Mean: out.Actual, Lower: out.Actual, Upper: out.Actual}
	if horizon <= 0 {
		return out, nil
	}
	// Days between the last actual day and the window (a window in the
	// future) are forecast too, but not part of the window's total.
	gap := horizonStart - cut
	res, err := forecast.Forecast(hist, gap+horizon)
	if err != nil {
		return out, fmt.Errorf("forecast of %s: %w", s.Currency, err)
	}
	out.Method, out.BacktestOrigins = string(res.Method), res.Origins
	var sum forecast.Point
	for k := gap; k < gap+horizon; k++ {
		p := res.Points[k]
		out.Days = append(out.Days, dayJSON{Date: s.Start.AddDate(0, 0, cut+k).Format(time.DateOnly),
			Forecast: forecast.Round(p.Mean).String(), Lower: forecast.Round(p.Lower).String(), Upper: forecast.Round(p.Upper).String()})
		sum.Mean += p.Mean
	}
	// The total's interval is the back-test's for a sum over the whole
	// forecast; with a gap it is slightly wide, which errs on the safe side.
	sum.Lower, sum.Upper = sum.Mean+(res.Total.Lower-res.Total.Mean), sum.Mean+(res.Total.Upper-res.Total.Mean)
	if gap > 0 {
		sum.Lower, sum.Upper = max(sum.Lower, 0), max(sum.Upper, 0)
	}
	out.Forecast = estimateJSON{Mean: forecast.Round(sum.Mean).String(), Lower: forecast.Round(sum.Lower).String(), Upper: forecast.Round(sum.Upper).String()}
	out.Projected = estimateJSON{Mean: actual.Add(forecast.Round(sum.Mean)).String(), Lower: actual.Add(forecast.Round(sum.Lower)).String(),
		Upper: actual.Add(forecast.Round(sum.Upper)).String()}
	return out, nil
}
