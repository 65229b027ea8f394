package native

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/tally-cost/tally/internal/anomaly"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// GET /api/v1/anomalies: the days of the window whose cost, per group,
// is far from its trailing baseline (package anomaly).

var anomalyParams = map[string]bool{"window": true, "groupBy": true, "filter": true, "metric": true, "currency": true,
	"api_key": true, "client_api_id": true}

// defaultAnomalyGroup is what anomalies are grouped by unless asked.
const defaultAnomalyGroup = cost.DimService

type anomaliesRequest struct {
	window  cost.Window
	groupBy []cost.Dimension
	filter  filter.Expr
	metric  cost.Metric
	usd     bool
}

func parseAnomaliesRequest(v url.Values, now time.Time) (anomaliesRequest, error) {
	var ar anomaliesRequest
	if err := onlyParams(v, anomalyParams); err != nil {
		return ar, err
	}
	ws := v.Get("window")
	if ws == "" {
		ws = defaultWindow
	}
	w, err := cost.ParseWindow(ws, now)
	if err != nil {
		return ar, fmt.Errorf("window: %w", err)
	}
	ar.window = w.WidenToDays()
	if ar.window.Days() > maxForecastDays {
		return ar, fmt.Errorf("%w: window: %d days, at most %d", cost.ErrInvalid, ar.window.Days(), maxForecastDays)
	}
	for _, g := range splitList(v.Get("groupBy")) {
		d, err := cost.ParseDimension(g)
		if err != nil {
			return ar, fmt.Errorf("groupBy: %w", err)
		}
		ar.groupBy = append(ar.groupBy, d)
	}
	if len(ar.groupBy) == 0 {
		ar.groupBy = []cost.Dimension{defaultAnomalyGroup}
	}
	if ar.filter, err = parseFilter(v.Get("filter")); err != nil {
		return ar, err
	}
	if ar.metric, err = oneMetric(v.Get("metric")); err != nil {
		return ar, err
	}
	if ar.usd, err = usdParam(v.Get("currency")); err != nil {
		return ar, err
	}
	return ar, nil
}

type anomaliesResponse struct {
	Window   windowJSON    `json:"window"`
	GroupBy  []string      `json:"groupBy"`
	Metric   string        `json:"metric"`
	Currency string        `json:"currency"`
	Rule     ruleJSON      `json:"rule"`
	Data     []anomalyJSON `json:"data"`
}

type ruleJSON struct {
	BaselineDays  int    `json:"baselineDays"`
	SplitWeekends bool   `json:"splitWeekends"`
	K             string `json:"k"`
	Floor         string `json:"floor"`
	MinSpread     string `json:"minSpread"`
	MinDifference string `json:"minDifference"`
	// Monthly is the tolerance within which a cost repeating the same
	// day's a month before passes as a monthly charge; "0" is off.
	Monthly     string `json:"monthly"`
	Description string `json:"description"`
}

type anomalyJSON struct {
	Date     string            `json:"date"`
	Group    map[string]string `json:"group"`
	Currency string            `json:"currency"`
	// Cost, Expected (the baseline's median) and Difference are exact
	// decimal strings; Spread is the scaled MAD the difference is
	// measured in, Score the difference in spreads (rounded).
	Cost       string  `json:"cost"`
	Expected   string  `json:"expected"`
	Difference string  `json:"difference"`
	Spread     string  `json:"spread"`
	Score      float64 `json:"score"`
}

func weekendNote(r anomaly.Rule) string {
	if r.SplitWeekends {
		return " of its kind (weekdays or weekend days)"
	}
	return ""
}

func ruleOut(r anomaly.Rule) ruleJSON {
	return ruleJSON{BaselineDays: r.Baseline, SplitWeekends: r.SplitWeekends, K: r.K.String(), Floor: r.Floor.String(), MinSpread: r.MinSpread.String(),
		MinDifference: r.MinDifference.String(), Monthly: r.Monthly.String(),
		Description: fmt.Sprintf("a day is flagged when |cost − median of the previous %d days%s| > %s × max(1.4826 × MAD, %s × |median|, %s) and at least %s; "+
			"the first cost of a group after %d days of none is compared with zero%s",
			r.Baseline, weekendNote(r), r.K, r.Floor, r.MinSpread, r.MinDifference, r.Baseline, monthlyNote(r))}
}

// monthlyNote describes Rule.Monthly for the description.
func monthlyNote(r anomaly.Rule) string {
	if !r.Monthly.IsPositive() {
		return ""
	}
	return fmt.Sprintf("; a cost within %s%% of the same day's a month before passes as a monthly charge", r.Monthly.Shift(2))
}

func (a *API) anomalies(r *http.Request) (any, error) {
	ar, err := parseAnomaliesRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	rule := anomaly.Default
	// The baseline of the window's first day lies before the window.
	span := ar.window
	span.Start = span.Start.AddDate(0, 0, -rule.Baseline)
	series, last, err := a.dailySeries(r.Context(), span, ar.filter, ar.groupBy, ar.metric, ar.usd)
	if err != nil {
		return nil, err
	}
	// Days after the last day any group has data are not judged: their
	// bills have not arrived, and every group would show a drop to zero.
	// A group that stops while others go on is judged (a real drop).
	var end time.Time
	for _, l := range last {
		if l.After(end) {
			end = l
		}
	}
	for i := range series {
		n := int(end.Sub(series[i].Start)/day) + 1
		series[i].Costs = series[i].Costs[:max(0, min(n, len(series[i].Costs)))]
	}
	found, err := anomaly.Detect(series, ar.window.Start, rule)
	if err != nil {
		return nil, err
	}
	out := anomaliesResponse{Window: windowJSON{ar.window.Start, ar.window.End}, Metric: ar.metric.String(),
		Currency: currencyLabel(ar.usd), Rule: ruleOut(rule), Data: make([]anomalyJSON, 0, len(found))}
	for _, g := range ar.groupBy {
		out.GroupBy = append(out.GroupBy, string(g))
	}
	for _, f := range found {
		out.Data = append(out.Data, anomalyJSON{Date: f.Day.Format(time.DateOnly), Group: f.Group, Currency: f.Currency,
			Cost: f.Cost.String(), Expected: f.Expected.String(), Difference: f.Difference.String(), Spread: f.Spread.String(),
			Score: math.Round(f.Score*100) / 100})
	}
	return out, nil
}
