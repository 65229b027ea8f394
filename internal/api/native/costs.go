package native

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// defaultWindow is used when a request names none: the last 30 days.
const defaultWindow = "30d"

// ParseCostsRequest reads the query parameters of GET /api/v1/costs into
// a query. It is pure so that it can be table-tested.
func ParseCostsRequest(v url.Values, now time.Time) (query.Query, error) {
	var q query.Query
	for name := range v {
		if !knownParams[name] {
			return q, fmt.Errorf("%w: unknown parameter %q", cost.ErrInvalid, name)
		}
	}
	ws := v.Get("window")
	if ws == "" {
		ws = defaultWindow
	}
	w, err := cost.ParseWindow(ws, now)
	if err != nil {
		return q, fmt.Errorf("window: %w", err)
	}
	q.Window = w
	if q.Step, err = query.ParseStep(v.Get("step")); err != nil {
		return q, fmt.Errorf("step: %w", err)
	}
	if !q.Step.IsNone() && q.Step.Unit != query.UnitHour {
		// Buckets are whole days; a window like 24h is widened to cover
		// the days it touches.
		q.Window = q.Window.WidenToDays()
	}
	for _, g := range splitList(v.Get("groupBy")) {
		d, err := cost.ParseDimension(g)
		if err != nil {
			return q, fmt.Errorf("groupBy: %w", err)
		}
		q.GroupBy = append(q.GroupBy, d)
	}
	for _, m := range splitList(v.Get("metric")) {
		mm, err := cost.ParseMetric(m)
		if err != nil {
			return q, fmt.Errorf("metric: %w", err)
		}
		q.Metrics = append(q.Metrics, mm)
	}
	if f := v.Get("filter"); f != "" {
		if q.Filter, err = filter.ParseKubecost(f, filter.NativeFields); err != nil {
			return q, fmt.Errorf("filter: %w", err)
		}
		q.Filter = providerSpellings(q.Filter)
	}
	switch c := strings.ToUpper(v.Get("currency")); c {
	case "", "BILLING":
	case "USD":
		q.USD = true
	default:
		return q, fmt.Errorf("%w: currency: %q is not supported (want USD, or omit it for billing currencies)", cost.ErrInvalid, v.Get("currency"))
	}
	if q.Limit, err = intParam(v, "limit"); err != nil {
		return q, err
	}
	if q.Offset, err = intParam(v, "offset"); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// knownParams are the costs parameters plus those the server's guard
// reads on every request (credentials and the partner's customer).
var knownParams = map[string]bool{"window": true, "step": true, "groupBy": true, "metric": true, "filter": true, "currency": true, "limit": true, "offset": true,
	"api_key": true, "client_api_id": true}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func intParam(v url.Values, name string) (int, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s: %q is not a non-negative integer", cost.ErrInvalid, name, s)
	}
	return n, nil
}

type costsResponse struct {
	Window   windowJSON `json:"window"`
	Step     string     `json:"step"`
	GroupBy  []string   `json:"groupBy"`
	Metrics  []string   `json:"metrics"`
	Currency string     `json:"currency"`
	// MissingUSD counts, with currency=USD, the line items left out
	// because their bill gives no USD value.
	MissingUSD int64 `json:"missingUsdItems,omitempty"`
	// ExchangeRates, with currency=USD, are the administrator's rates of
	// the window's months, at which items without a USD value of their
	// own were converted.
	ExchangeRates []rateJSON `json:"exchangeRates,omitempty"`
	Total         int        `json:"total"`
	Data          []costRow  `json:"data"`
	Totals        []costRow  `json:"totals"`
}

type windowJSON struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type costRow struct {
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Group    map[string]string `json:"group,omitempty"`
	Currency string            `json:"currency"`
	Items    int64             `json:"items"`
	// Costs are decimal strings: exact, never floats.
	Costs map[string]string `json:"costs"`
	// Kubernetes is, per metric, the part of Costs from line items of
	// managed Kubernetes (EKS, AKS, GKE): the web UI's Kubernetes share
	// is Kubernetes over Costs, computed from the two exact strings.
	Kubernetes map[string]string `json:"kubernetes"`
}

func (a *API) costs(r *http.Request) (any, error) {
	q, err := ParseCostsRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	res, err := a.engine.Query(r.Context(), q)
	if err != nil {
		return nil, err
	}
	// Totals over the whole window and every group, per currency, so they
	// hold whatever the page: added here when every group is in res (no
	// page), else asked of the engine.
	tq := q
	tq.GroupBy, tq.Step, tq.Limit, tq.Offset = nil, query.StepNone, 0, 0
	var tot *query.Result
	if q.Limit == 0 && q.Offset == 0 {
		tot, err = totalsOf(tq, res)
	} else {
		tot, err = a.engine.Query(r.Context(), tq)
	}
	if err != nil {
		return nil, err
	}
	out := costsResponse{
		Window: windowJSON{q.Window.Start, q.Window.End}, Step: q.Step.String(), GroupBy: []string{},
		Metrics: []string{}, Currency: "billing", Total: res.Total, Data: rows(q, res.Rows), Totals: rows(tq, tot.Rows),
	}
	if q.USD {
		out.Currency, out.MissingUSD = "USD", tot.MissingUSD
		for _, r := range tot.Rates {
			out.ExchangeRates = append(out.ExchangeRates, rateOut(r, ""))
		}
	}
	for _, g := range q.GroupBy {
		out.GroupBy = append(out.GroupBy, string(g))
	}
	for _, m := range q.MetricsOrAll() {
		out.Metrics = append(out.Metrics, m.String())
	}
	return out, nil
}

// totalsOf answers tq, the totals question of a costs request (its
// window, filter and currency; no groups, steps or page), from res, the
// answer with every group: per currency, the exact sums of its rows, in
// the store's order (first metric descending, then currency). It is what
// the engine would answer, without a second query over the same line
// items (issue 23): every line item is in exactly one row of res, and
// sums of exact decimals do not depend on their grouping. A total past
// cost.MaxTotal is the store's error for it.
func totalsOf(tq query.Query, res *query.Result) (*query.Result, error) {
	b, err := query.Cut(tq.Window, tq.Step)
	if err != nil {
		return nil, err
	}
	out := &query.Result{Query: tq, Stats: query.Stats{MissingUSD: res.MissingUSD, Rollup: res.Rollup, Rates: res.Rates}}
	at := map[string]int{}
	for _, r := range res.Rows {
		i, ok := at[r.Currency]
		if !ok {
			i = len(out.Rows)
			at[r.Currency] = i
			vals := make([]decimal.Decimal, 2*len(r.Values))
			out.Rows = append(out.Rows, query.Row{Start: b.Windows[0].Start, End: b.Windows[0].End, Currency: r.Currency,
				Values: vals[:len(r.Values):len(r.Values)], Kubernetes: vals[len(r.Values):]})
		}
		t := &out.Rows[i]
		for m, v := range r.Values {
			t.Values[m] = t.Values[m].Add(v)
			if m < len(r.Kubernetes) {
				t.Kubernetes[m] = t.Kubernetes[m].Add(r.Kubernetes[m])
			}
		}
		t.Items += r.Items
		t.MissingUSD += r.MissingUSD
	}
	for _, t := range out.Rows {
		for m := range t.Values {
			if _, err := cost.CheckTotal(t.Values[m]); err != nil {
				return nil, err
			}
			if _, err := cost.CheckTotal(t.Kubernetes[m]); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(out.Rows, func(x, y query.Row) int {
		if len(x.Values) > 0 {
			if c := y.Values[0].Cmp(x.Values[0]); c != 0 {
				return c
			}
		}
		return strings.Compare(x.Currency, y.Currency)
	})
	out.Total = len(out.Rows)
	return out, nil
}

func rows(q query.Query, in []query.Row) []costRow {
	out := make([]costRow, 0, len(in))
	metrics := q.MetricsOrAll()
	for _, r := range in {
		cr := costRow{Start: r.Start, End: r.End, Currency: r.Currency, Items: r.Items, Costs: make(map[string]string, len(metrics)),
			Kubernetes: make(map[string]string, len(metrics))}
		if len(q.GroupBy) > 0 {
			cr.Group = make(map[string]string, len(q.GroupBy))
			for i, g := range q.GroupBy {
				cr.Group[string(g)] = r.Keys[i]
			}
		}
		for i, m := range metrics {
			cr.Costs[m.String()] = money(r.Values[i])
			// A store that skipped the shares (Query.NoKubernetes, never
			// set here) leaves the slice short; zero is then the answer.
			k := decimal.Zero
			if i < len(r.Kubernetes) {
				k = r.Kubernetes[i]
			}
			cr.Kubernetes[m.String()] = money(k)
		}
		out = append(out, cr)
	}
	return out
}

// money renders an exact decimal without trailing zeros.
func money(d decimal.Decimal) string { return cost.Text(d) }
