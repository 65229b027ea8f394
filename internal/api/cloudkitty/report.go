package cloudkitty

import (
	"net/http"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating/frames"
)

// reportRoutes registers the v1 report endpoints (§5.5). Every answer is
// a query of rated line items through the engine, which applies the
// caller's scope: a key scoped to some accounts sees exactly the
// CloudKitty scopes those accounts name.
func (a *API) reportRoutes() {
	a.v1("GET /v1/report/summary", a.reportSummary)
	a.v1("GET /v1/report/total", a.reportTotal)
	a.v1("GET /v1/report/tenants", a.reportTenants)
}

// ratedMetric is the metric rated prices are read from: a rated line
// item carries its price in every metric (frames.ToLineItem).
const ratedMetric = cost.Billed

// rated is the filter of rated line items, ANDed with the client's.
func rated(xs ...filter.Expr) filter.Expr {
	return filter.AndOf(append([]filter.Expr{filter.Cond{Dim: cost.DimProvider, Values: []string{frames.Provider}}}, xs...)...)
}

// equals is the filter "dim is one of values", nil without values.
func equals(d cost.Dimension, values ...string) filter.Expr {
	if len(values) == 0 {
		return nil
	}
	return filter.Cond{Dim: d, Values: values}
}

// v1Window reads begin and end, each defaulting to the current month's
// bounds (upstream defaults them one by one).
func (a *API) v1Window(ar *args) (cost.Window, error) {
	start, end := monthOf(a.now())
	begin, err := ar.datetime("begin")
	if err != nil {
		return cost.Window{}, err
	}
	until, err := ar.datetime("end")
	if err != nil {
		return cost.Window{}, err
	}
	if !begin.IsZero() {
		start = begin
	}
	if !until.IsZero() {
		end = until
	}
	return cost.Window{Start: start, End: end}, nil
}

// reportFilter is the rated items a total or summary covers: tenant_id
// and service narrow it. Upstream defaults tenant_id to the caller's
// project unless all_tenants is set; a Tally caller has no single
// project, so without tenant_id the report covers every scope the
// caller sees (the engine's scope), with or without all_tenants.
func reportFilter(ar *args) (filter.Expr, error) {
	if _, err := ar.boolean("all_tenants", false); err != nil {
		return nil, err
	}
	var xs []filter.Expr
	if t := ar.str("tenant_id"); t != "" {
		xs = append(xs, equals(cost.DimSubAccountID, t))
	}
	if s := ar.str("service"); s != "" {
		xs = append(xs, equals(cost.DimService, s))
	}
	return rated(xs...), nil
}

// reportRequest reads what total and summary share: the arguments, the
// window and the rated items asked for.
func (a *API) reportRequest(r *http.Request) (*args, cost.Window, filter.Expr, error) {
	ar, err := readArgs(r)
	if err != nil {
		return nil, cost.Window{}, nil, err
	}
	w, err := a.v1Window(ar)
	if err != nil {
		return nil, cost.Window{}, nil, err
	}
	f, err := reportFilter(ar)
	return ar, w, f, err
}

// reportTotal answers the exact total as a JSON string decimal, "0" when
// nothing is rated or begin is not before end.
func (a *API) reportTotal(r *http.Request) (any, error) {
	_, w, f, err := a.reportRequest(r)
	if err != nil {
		return nil, err
	}
	if !w.End.After(w.Start) {
		return "0", nil
	}
	res, err := query.Collect(r.Context(), a.engine, query.Query{Window: w, Filter: f, Metrics: []cost.Metric{ratedMetric}, NoKubernetes: true})
	if err != nil {
		return nil, err
	}
	total := decimal.Zero
	for _, row := range res.Rows {
		// One row per billing currency; rated items have the service's
		// one currency, so there is at most one row.
		total = total.Add(row.Values[0])
	}
	return v1Decimal(total), nil
}

// summaryRow is one row of report/summary.
type summaryRow struct {
	Begin    string `json:"begin"`
	End      string `json:"end"`
	TenantID string `json:"tenant_id"`
	ResType  string `json:"res_type"`
	Rate     string `json:"rate"`
}

// reportSummary answers the rated totals grouped as groupby asks (one
// string tested by substring), rows ordered by their group values as
// upstream's v2 storage orders them; no data is an empty list (v2
// storage's answer).
func (a *API) reportSummary(r *http.Request) (any, error) {
	ar, w, f, err := a.reportRequest(r)
	if err != nil {
		return nil, err
	}
	out := struct {
		Summary []summaryRow `json:"summary"`
	}{Summary: []summaryRow{}}
	if !w.End.After(w.Start) {
		return out, nil
	}
	gb := ar.str("groupby")
	byTenant, byType := strings.Contains(gb, "tenant_id"), strings.Contains(gb, "res_type")
	q := query.Query{Window: w, Filter: f, Metrics: []cost.Metric{ratedMetric}, NoKubernetes: true}
	if byTenant {
		q.GroupBy = append(q.GroupBy, cost.DimSubAccountID)
	}
	if byType {
		q.GroupBy = append(q.GroupBy, cost.DimService)
	}
	for i := range q.GroupBy {
		q.Sort = append(q.Sort, query.Key(i, false))
	}
	res, err := query.Collect(r.Context(), a.engine, q)
	if err != nil {
		return nil, err
	}
	for _, row := range res.Rows {
		sr := summaryRow{Begin: v1Time(w.Start), End: v1Time(w.End), TenantID: "ALL", ResType: "ALL", Rate: summaryRate(row.Values[0])}
		k := row.Keys
		if byTenant {
			sr.TenantID, k = k[0], k[1:]
		}
		if byType {
			sr.ResType = k[0]
		}
		out.Summary = append(out.Summary, sr)
	}
	return out, nil
}

// summaryRate renders a summary's rate: upstream rounds the sum to 5
// decimals and prints the float's shortest form ("5.85", "0.3", "0",
// and "1e+16" from 10^16 on). Tally prints the exact sum rounded to 5
// decimals, trailing zeros trimmed ("0" for zero): the same text below
// 10^16 wherever the float was exact, and never an exponent or a digit
// a float lost (10000000000000000.5 is "10000000000000000.5", upstream
// "1e+16").
func summaryRate(d decimal.Decimal) string {
	d = d.Round(5)
	if d.IsZero() {
		return "0"
	}
	return d.String()
}

// reportTenants answers the scopes with rated data in the window,
// sorted: a query grouped by sub account, so that a scoped caller sees
// only its own. (Upstream's v2 storage lists every scope in its state
// table, dates ignored; v1 storage those with frames in the window, as
// here.)
func (a *API) reportTenants(r *http.Request) (any, error) {
	ar, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	w, err := a.v1Window(ar)
	if err != nil {
		return nil, err
	}
	out := []string{}
	if !w.End.After(w.Start) {
		return out, nil
	}
	q := query.Query{Window: w, Filter: rated(), GroupBy: []cost.Dimension{cost.DimSubAccountID},
		Metrics: []cost.Metric{ratedMetric}, Sort: []query.Order{query.Key(0, false)}, NoKubernetes: true}
	err = streamRows(r, a, q, func(row query.Row) error {
		if n := len(out); n == 0 || out[n-1] != row.Keys[0] {
			// Rows of one scope in two currencies are adjacent.
			out = append(out, row.Keys[0])
		}
		return nil
	})
	return out, err
}

// streamRows streams q's rows through the engine.
func streamRows(r *http.Request, a *API, q query.Query, fn func(query.Row) error) error {
	_, err := a.engine.Stream(r.Context(), q, fn)
	return err
}
