package cloudhealth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// olapMeasure says how one measure is computed from the rows of the
// report's one query: the report's cost metric, or the consumed quantity
// (Quantity), counting only the rows whose dimension Dim holds one of
// Values when Dim is set. Dim joins the query's GroupBy, so that every
// measure of a report comes from the same rows: one query, whatever the
// measures.
type olapMeasure struct {
	Name     string
	Quantity bool
	Dim      cost.Dimension
	Values   []string
	Units    string
}

// olapMeasureDefs are the measures Tally computes from line items. The
// guide names them without defining them; each reads the FOCUS columns
// closest to its label:
//   - cost_recurring: the cost of Recurring charges (RI and Savings
//     Plan recurring fees, monthly subscriptions), ChargeFrequency;
//   - ec2_cost_compute / ec2_cost_transfer: "Compute Cost" and
//     "Transfer Cost", the items of category Compute and Network;
//   - ec2_cost_on_demand: "On-Demand Cost", pricing category Standard
//     (FOCUS's name for on-demand);
//   - instance_hours: the quantity of the items priced by the hour.
//
// count ("# Reservations") counts reservations, which no sum of line
// items gives, so it is refused (olapRefusedMeasures).
var olapMeasureDefs = map[string]olapMeasure{
	measureCost:          {Name: measureCost, Units: "$"},
	measureCostRecurring: {Name: measureCostRecurring, Dim: cost.DimChargeFrequency, Values: []string{"Recurring"}, Units: "$"},
	measureUsageQuantity: {Name: measureUsageQuantity, Quantity: true},
	measureEC2Compute:    {Name: measureEC2Compute, Dim: cost.DimCategory, Values: []string{"Compute"}, Units: "$"},
	measureEC2Transfer:   {Name: measureEC2Transfer, Dim: cost.DimCategory, Values: []string{"Network"}, Units: "$"},
	measureEC2OnDemand:   {Name: measureEC2OnDemand, Dim: cost.DimPricingCategory, Values: []string{"Standard"}, Units: "$"},
	measureInstanceHours: {Name: measureInstanceHours, Quantity: true, Dim: cost.DimPricingUnit, Values: []string{"Hrs", "Hours", "Hour"}},
}

// olapRefusedMeasures are measures of the catalogue that line items
// cannot give, with the reason the 422 states.
var olapRefusedMeasures = map[string]string{
	measureCount: "counts reservations, which Tally does not derive from line items",
}

// olapMeasureLabel is a measure's label in report p. The instance
// reports' labels are the guide's /new example; the others name the
// measure the same way.
func olapMeasureLabel(p olapPath, name string) string {
	instance := p.ID == "instance" && !p.IsCustom()
	switch name {
	case measureCost:
		if instance {
			return "Total Cost ($)"
		}
		return "Cost ($)"
	case measureCostRecurring:
		return "Recurring Cost ($)"
	case measureUsageQuantity:
		if instance {
			return "# Instances"
		}
		return "Usage Quantity"
	case measureEC2Compute:
		return "Compute Cost ($)"
	case measureEC2Transfer:
		return "Transfer Cost ($)"
	case measureEC2OnDemand:
		return "On-Demand Cost ($)"
	case measureCount:
		return "# Reservations"
	case measureInstanceHours:
		return "# Instance Hours"
	}
	return name
}

// olapSemantics is what a report counts: which cost metric its cost
// measures read and which line items it covers.
type olapSemantics struct {
	Metric cost.Metric
	Filter filter.Expr
}

func eqAny(d cost.Dimension, vs ...string) filter.Expr {
	return filter.Cond{Dim: d, Op: filter.Equals, Values: vs}
}

// olapReportSemantics decides each report's metric and items from the
// guide's descriptions:
//   - history and current show what the bill charged: the billed
//     (unblended) cost. current differs upstream only by its default
//     view (this month), which the time filters give.
//   - amortized and ri_amortization spread commitment purchases over the
//     usage they cover: the amortized metric; ri_amortization only over
//     the items of reserved instances (AWS's and Azure's names).
//   - instance, rds, s3 and volume are the billed cost of one kind of
//     resource: EC2 instances (resource ids i-…), RDS, S3, EBS volumes
//     (vol-…). The usage reports cover the same items.
//
// Custom reports are saved Cost History views.
func olapReportSemantics(p olapPath) olapSemantics {
	ec2 := eqAny(cost.DimService, "AmazonEC2")
	key := p.Type + "/" + p.ID
	switch key {
	case "cost/amortized":
		return olapSemantics{Metric: cost.Amortized}
	case "cost/ri_amortization":
		return olapSemantics{Metric: cost.Amortized, Filter: eqAny(cost.DimCommitmentType, "Reserved Instances (RI)", "Reservation")}
	case "cost/instance", "usage/instance":
		return olapSemantics{Metric: cost.Billed, Filter: filter.AndOf(ec2, filter.Cond{Dim: cost.DimResourceID, Op: filter.Prefix, Values: []string{"i-"}})}
	case "cost/volume", "usage/volume":
		return olapSemantics{Metric: cost.Billed, Filter: filter.AndOf(ec2, filter.Cond{Dim: cost.DimResourceID, Op: filter.Prefix, Values: []string{"vol-"}})}
	case "cost/rds":
		return olapSemantics{Metric: cost.Billed, Filter: eqAny(cost.DimService, "AmazonRDS")}
	case "cost/s3":
		return olapSemantics{Metric: cost.Billed, Filter: eqAny(cost.DimService, "AmazonS3")}
	}
	return olapSemantics{Metric: cost.Billed}
}

// olapUnassigned names the member of the items that have no value for a
// dimension (no zone, no such tag). A filter naming it selects those
// items; a stored value spelled the same joins that member.
const olapUnassigned = "unassigned"

func olapMemberName(v string) string {
	if v == "" || v == olapUnassigned {
		return olapUnassigned
	}
	return v
}

// olapMemberValues are the stored values a filter's members name.
func olapMemberValues(members []string) []string {
	out := make([]string, 0, len(members)+1)
	for _, m := range members {
		if m == olapUnassigned {
			out = append(out, "")
		}
		out = append(out, m)
	}
	return out
}

// olapPerspective resolves perspective id to the dimension reports
// group and filter by (cost.PerspectiveDimension), whose mapping the
// engine attaches at question time. The dialect only checks that the
// caller sees the perspective, to refuse an unknown one (or another
// owner's, in the same words) in its own words.
func (a *API) olapPerspective(ctx context.Context, id string) (cost.Dimension, error) {
	v, err := perspectiveViewer(ctx)
	if err != nil {
		return "", err
	}
	if _, ok := a.perspectives.Perspective(v, id); !ok {
		return "", olapInvalid("unknown perspective %s (dimension %s%s)", id, olapPerspectivePrefix, id)
	}
	return cost.PerspectiveDimension(id), nil
}

// olapPlan is a report request translated: the one query, and where
// each dimension and measure reads its value in the query's rows.
type olapPlan struct {
	req      olapRequest
	title    string
	sem      olapSemantics
	measures []olapMeasure
	times    []olapTimeMember // the selected time members, oldest first
	q        query.Query
	// keyOf[i] is dimension i's index in a row's Keys; -1 for time.
	keyOf []int
	// nameKey is the index of the account name in Keys, for the account
	// members' labels; -1 when no dimension is the account.
	nameKey int
	// measureKey[m] is the index in Keys of measure m's Dim; -1 if none.
	measureKey []int
}

// plan translates req into one query.Query. Filters narrow the query
// (q.Filter); the scope is the engine's, from the caller, and the
// perspectives are those the caller in ctx sees.
func (a *API) plan(ctx context.Context, title string, req olapRequest) (*olapPlan, error) {
	pl := &olapPlan{req: req, title: title, sem: olapReportSemantics(req.Path), nameKey: -1}
	for _, name := range req.Measures {
		if why, refused := olapRefusedMeasures[name]; refused {
			return nil, olapInvalid("measure %q cannot be computed: it %s", name, why)
		}
		m, ok := olapMeasureDefs[name]
		if !ok {
			return nil, olapInvalid("unknown measure %q", name)
		}
		pl.measures = append(pl.measures, m)
	}
	pl.times = selectOLAPTimeMembers(req.Interval.olapTimeMembers(a.now()), req.Filters)
	q := query.Query{
		Step:    req.Interval.step(),
		Metrics: []cost.Metric{pl.sem.Metric},
		// CloudHealth reports in dollars; groups none of whose items has a
		// USD value are left out, so that they read as no data (null),
		// not as 0.
		USD: true, PricedOnly: true, NoKubernetes: true,
	}
	dimOf := func(d olapDimension) (cost.Dimension, error) {
		if d.PerspectiveID == "" {
			return d.Dim, nil
		}
		return a.olapPerspective(ctx, d.PerspectiveID)
	}
	group := func(d cost.Dimension) int {
		if i := slices.Index(q.GroupBy, d); i >= 0 {
			return i
		}
		q.GroupBy = append(q.GroupBy, d)
		return len(q.GroupBy) - 1
	}
	for _, d := range req.Dimensions {
		if d.Time {
			pl.keyOf = append(pl.keyOf, -1)
			continue
		}
		cd, err := dimOf(d)
		if err != nil {
			return nil, err
		}
		pl.keyOf = append(pl.keyOf, group(cd))
	}
	if slices.ContainsFunc(req.Dimensions, func(d olapDimension) bool { return d.Name == olapDimAccount }) {
		pl.nameKey = group(cost.DimSubAccountName)
	}
	for _, m := range pl.measures {
		k := -1
		if m.Dim != "" {
			k = group(m.Dim)
		}
		pl.measureKey = append(pl.measureKey, k)
		q.Quantity = q.Quantity || m.Quantity
	}
	conds := []filter.Expr{pl.sem.Filter}
	for _, f := range req.Filters {
		if f.Dimension.Time {
			continue // selected members (pl.times)
		}
		cd, err := dimOf(f.Dimension)
		if err != nil {
			return nil, err
		}
		var c filter.Expr = filter.Cond{Dim: cd, Op: filter.Equals, Values: olapMemberValues(f.Members)}
		if f.Reject {
			c = filter.Not{X: c}
		}
		conds = append(conds, c)
	}
	q.Filter = filter.AndOf(conds...)
	if len(pl.times) > 0 {
		// One window over the selected members; rows of the members in
		// between that a filter left out are dropped when summing.
		q.Window = cost.Window{Start: pl.times[0].Window.Start, End: pl.times[len(pl.times)-1].Window.End}
	}
	pl.q = q
	return pl, nil
}

// olapEngineError turns an engine refusal of the query into the
// dialect's 422, keeping other errors as they are.
func olapEngineError(err error) error {
	if apierr.Status(err) == http.StatusBadRequest {
		return apierr.New(http.StatusUnprocessableEntity, strings.TrimPrefix(apierr.Message(err), "invalid: "))
	}
	return fmt.Errorf("answering the report: %w", err)
}
