package native

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rightsizing"
	"github.com/tally-cost/tally/internal/tenant"
)

// SetMetrics gives the rightsizing endpoint the uploaded metrics
// (CloudHealth's /metrics/v1); without it the endpoint answers 501.
func (a *API) SetMetrics(st metricstore.Store) { a.metrics = st }

func (a *API) registerRightsizing(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/recommendations/rightsizing", a.handle(a.rightsizing))
}

// rightsizingWindow is the default window: today and the 13 days before.
const rightsizingWindow = "14d"

// rightsizingMetric is the cost an instance's monthly cost is read
// from: amortized cost, so that an instance covered by a reservation or
// a savings plan shows what it costs, not the 0 its usage rows bill.
const rightsizingMetric = cost.Amortized

type rightsizingResponse struct {
	Window windowJSON `json:"window"`
	// Metric is the cost metric of monthlyCost and monthlySaving.
	Metric string `json:"metric"`
	// Rule states how proposals are made (internal/rightsizing).
	Rule string           `json:"rule"`
	Data []rightsizingRow `json:"data"`
}

type rightsizingRow struct {
	AssetID     int64   `json:"assetId"`
	Account     string  `json:"account"`
	Region      string  `json:"region"`
	InstanceID  string  `json:"instanceId"`
	CurrentType *string `json:"currentType"`
	Currency    *string `json:"currency"`
	// Money as exact decimal strings; null when unknown.
	MonthlyCost   *string          `json:"monthlyCost"`
	Action        string           `json:"action"`
	ProposedType  *string          `json:"proposedType"`
	MonthlySaving *string          `json:"monthlySaving"`
	Reason        string           `json:"reason"`
	Evidence      rightsizingProof `json:"evidence"`
}

type rightsizingProof struct {
	CPUHours           int     `json:"cpuHours"`
	MemoryHours        int     `json:"memoryHours"`
	CPUP95             *string `json:"cpuP95"`
	MemoryP95          *string `json:"memoryP95"`
	ProjectedCPUP95    *string `json:"projectedCpuP95"`
	ProjectedMemoryP95 *string `json:"projectedMemoryP95"`
	// InstanceHours are the hours of the current type the bill shows in
	// the window, which the monthly cost is computed from.
	InstanceHours *string `json:"instanceHours"`
}

const rightsizingRule = "p95 (nearest rank) of the hourly cpu:used:percent.avg and memory:used:percent.avg over the window, " +
	"at least 72 hours of each; propose the next smaller type of the same family when p95 × current size ÷ smaller size stays under 80% " +
	"for CPU and memory alike (both p95 under 40% for a halving step); monthlyCost = amortized cost of the current type's instance hours " +
	"÷ those hours × 730; monthlySaving = monthlyCost × (1 − smaller size ÷ current size), sizes being AWS's normalization factors"

// rightsizing proposes smaller types for the instances with uploaded
// metrics in the window that the caller sees (GET
// /api/v1/recommendations/rightsizing?window=...). Metrics and costs are
// both read within the caller's scope.
func (a *API) rightsizing(r *http.Request) (any, error) {
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, engine.ErrNoPrincipal
	}
	if err := p.Require(tenant.Read); err != nil {
		return nil, err
	}
	if a.metrics == nil {
		return nil, apierr.New(http.StatusNotImplemented, "this server keeps no metrics")
	}
	w, err := parseRightsizingRequest(r.URL.Query(), a.now().UTC())
	if err != nil {
		return nil, err
	}
	insts, err := a.metrics.MetricInstances(r.Context(), w, p.Scope)
	if err != nil {
		return nil, err
	}
	costs, err := a.instanceCosts(r.Context(), w, insts)
	if err != nil {
		return nil, err
	}
	out := rightsizingResponse{Window: windowJSON{w.Start, w.End}, Metric: rightsizingMetric.String(), Rule: rightsizingRule, Data: []rightsizingRow{}}
	for _, in := range insts {
		pts, err := a.metrics.MetricPoints(r.Context(), metricstore.Query{InstanceID: in.InstanceID, Region: in.Region, Account: in.Account, Window: w, Scope: p.Scope})
		if err != nil {
			return nil, err
		}
		c := costs[instanceKey{in.Account, in.Instance}]
		input := rightsizing.Input{Type: c.typ}
		input.CPU, input.Memory = rightsizing.Usage(pts)
		row := rightsizingRow{AssetID: in.InstanceID, Account: in.Account, Region: in.Region, InstanceID: in.Instance, CurrentType: optString(c.typ)}
		if c.typ != "" {
			row.Currency = optString(c.currency)
			row.Evidence.InstanceHours = optDec(&c.hours)
			if m, ok := rightsizing.MonthlyCost(c.amount, c.hours); ok {
				input.MonthlyCost = &m
				row.MonthlyCost = optDec(&m)
			}
		}
		rec := rightsizing.Recommend(input)
		row.Action, row.ProposedType, row.MonthlySaving, row.Reason = string(rec.Action), optString(rec.Proposed), optDec(rec.MonthlySaving), rec.Reason
		ev := rec.Evidence
		row.Evidence.CPUHours, row.Evidence.MemoryHours = ev.CPUHours, ev.MemoryHours
		row.Evidence.CPUP95, row.Evidence.MemoryP95 = optDec(ev.CPUP95), optDec(ev.MemoryP95)
		row.Evidence.ProjectedCPUP95, row.Evidence.ProjectedMemoryP95 = optDec(ev.ProjectedCPUP95), optDec(ev.ProjectedMemoryP95)
		out.Data = append(out.Data, row)
	}
	return out, nil
}

var rightsizingParams = map[string]bool{"window": true, "api_key": true, "client_api_id": true}

// parseRightsizingRequest reads the window (as /api/v1/costs reads it;
// default 14d) and refuses unknown parameters.
func parseRightsizingRequest(v url.Values, now time.Time) (cost.Window, error) {
	for name := range v {
		if !rightsizingParams[name] {
			return cost.Window{}, fmt.Errorf("%w: unknown parameter %q (want window)", cost.ErrInvalid, name)
		}
	}
	ws := v.Get("window")
	if ws == "" {
		ws = rightsizingWindow
	}
	w, err := cost.ParseWindow(ws, now)
	if err != nil {
		return cost.Window{}, fmt.Errorf("window: %w", err)
	}
	return w, nil
}

type instanceKey struct{ account, instance string }

// instanceCost is what the bill says of one instance: the type it ran
// as most hours, and the cost and hours of that type.
type instanceCost struct {
	typ, currency string
	amount, hours decimal.Decimal
}

// instanceCosts asks the engine for the instances' running hours: line
// items of their resource ids, grouped by resource id, account and
// usage type (the EC2 type is in CUR's usage type, BoxUsage:m5.xlarge;
// no FOCUS column carries it), with the consumed quantity, which is
// hours for those usage types. An instance that changed type in the
// window is judged as the type it ran most hours.
func (a *API) instanceCosts(ctx context.Context, w cost.Window, insts []metricstore.Series) (map[instanceKey]instanceCost, error) {
	out := map[instanceKey]instanceCost{}
	if len(insts) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(insts))
	for _, in := range insts {
		ids = append(ids, in.Instance)
	}
	q := query.Query{
		Window:   w,
		Filter:   filter.Cond{Dim: cost.DimResourceID, Op: filter.Equals, Values: ids},
		GroupBy:  []cost.Dimension{cost.DimResourceID, cost.DimSubAccountID, cost.DimUsageType},
		Metrics:  []cost.Metric{rightsizingMetric},
		Quantity: true,
	}
	res, err := a.engine.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reading instance costs: %w", err)
	}
	// Spot and on-demand hours of one type add up to one rate.
	type typed struct {
		instanceKey
		typ, currency string
	}
	sums := map[typed]*instanceCost{}
	for _, row := range res.Rows {
		typ, ok := rightsizing.InstanceType(row.Keys[2])
		if !ok {
			continue
		}
		k := typed{instanceKey{row.Keys[1], row.Keys[0]}, typ, row.Currency}
		c := sums[k]
		if c == nil {
			c = &instanceCost{typ: typ, currency: row.Currency}
			sums[k] = c
		}
		c.amount, c.hours = c.amount.Add(row.Values[0]), c.hours.Add(row.Quantity)
	}
	for k, c := range sums {
		cur, seen := out[k.instanceKey]
		if !seen || c.hours.GreaterThan(cur.hours) ||
			(c.hours.Equal(cur.hours) && (c.typ < cur.typ || (c.typ == cur.typ && c.currency < cur.currency))) {
			out[k.instanceKey] = *c
		}
	}
	return out, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optDec(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := d.String()
	return &s
}
