package collect

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// ItemSource is what the line-items collector reads: a cost store.
type ItemSource interface {
	Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error)
	Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error)
}

// LineItems collects usage from Tally's own line items, to re-rate
// public cloud usage with private prices. The mapping:
//
//   - a metric of the metrics configuration names a service: the line
//     items whose ServiceName equals the metric's name, exactly;
//   - the scope is the sub account (SubAccountID: AWS account, Azure
//     subscription, GCP project), whatever the scope key is called; the
//     point's groupby holds it under the scope key;
//   - the period selects the line items whose charge period starts in it;
//   - the quantity is the exact sum of ConsumedQuantity (PricingQuantity
//     when an item has none), then the metric's factor, offset and mutate;
//   - a groupby or metadata attribute is a line item field when its name
//     is one of Attributes (region, resource_id, usage_type, ...), a tag
//     of that name otherwise; one point per distinct combination;
//   - line items of provider "rating" are never collected, so that rated
//     output is never rated again.
//
// It reads the store directly with scope.All(): the processor rates
// every tenant, and what it writes is scoped by account when read.
//
// The query model totals costs, not quantities, so quantities are summed
// here from the line items (store.Store.Entries), exactly.
type LineItems struct {
	Store ItemSource
}

// Attributes maps the attribute names a metric's groupby and metadata
// may use to line item fields; any other name is a tag.
var Attributes = map[string]func(li *cost.LineItem) string{
	"provider":          func(li *cost.LineItem) string { return li.ProviderName },
	"billing_account":   func(li *cost.LineItem) string { return li.BillingAccountID },
	"sub_account_name":  func(li *cost.LineItem) string { return li.SubAccountName },
	"service":           func(li *cost.LineItem) string { return li.ServiceName },
	"service_category":  func(li *cost.LineItem) string { return li.ServiceCategory },
	"region":            func(li *cost.LineItem) string { return li.RegionID },
	"availability_zone": func(li *cost.LineItem) string { return li.AvailabilityZone },
	"resource_id":       func(li *cost.LineItem) string { return li.ResourceID },
	"resource_name":     func(li *cost.LineItem) string { return li.ResourceName },
	"resource_type":     func(li *cost.LineItem) string { return li.ResourceType },
	"resource_group":    func(li *cost.LineItem) string { return li.ResourceGroup },
	"sku":               func(li *cost.LineItem) string { return li.SkuID },
	"usage_type":        func(li *cost.LineItem) string { return li.UsageType },
	"operation":         func(li *cost.LineItem) string { return li.Operation },
	"pricing_unit":      func(li *cost.LineItem) string { return li.PricingUnit },
	"meter_name":        func(li *cost.LineItem) string { return li.MeterName },
	"charge_type":       func(li *cost.LineItem) string { return li.ChargeType },
}

func attribute(li *cost.LineItem, name string) string {
	if f, ok := Attributes[name]; ok {
		return f(li)
	}
	return li.Tags[name]
}

// notRated leaves out the rating processor's own output.
var notRated = filter.Not{X: filter.Cond{Dim: cost.DimProvider, Op: filter.Equals, Values: []string{frames.Provider}}}

// Collect implements Collector.
func (c LineItems) Collect(ctx context.Context, m *metrics.Metric, scopeKey, scopeID string, period cost.Window) ([]frames.Point, error) {
	pts, err := c.CollectRange(ctx, m, scopeKey, scopeID, []cost.Window{period})
	if err != nil {
		return nil, err
	}
	return pts[0], nil
}

// CollectRange implements RangeCollector: one read of the line items
// for consecutive periods, split by charge period start, so that a
// processor catching up asks once per batch instead of once per period.
func (c LineItems) CollectRange(ctx context.Context, m *metrics.Metric, scopeKey, scopeID string, periods []cost.Window) ([][]frames.Point, error) {
	out := make([][]frames.Point, len(periods))
	if len(periods) == 0 {
		return out, nil
	}
	span := cost.Window{Start: periods[0].Start, End: periods[len(periods)-1].End}
	q := store.EntryQuery{Window: span, Scope: scope.All(), Filter: filter.AndOf(
		filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{m.Name}},
		filter.Cond{Dim: cost.DimSubAccountID, Op: filter.Equals, Values: []string{scopeID}},
		notRated)}
	type group struct {
		groupby, metadata map[string]string
		qty               decimal.Decimal
	}
	groups := make([]map[string]*group, len(periods))
	for i := range groups {
		groups[i] = map[string]*group{}
	}
	var b strings.Builder
	_, err := c.Store.Entries(ctx, q, func(e *store.Entry) error {
		li := &e.Item
		i := sort.Search(len(periods), func(i int) bool { return li.ChargePeriodStart.Before(periods[i].End) })
		if i == len(periods) || li.ChargePeriodStart.Before(periods[i].Start) {
			return nil // between periods that are not consecutive
		}
		b.Reset()
		gb := make(map[string]string, len(m.Groupby))
		for _, k := range m.Groupby {
			v := attribute(li, k)
			if k == scopeKey {
				v = scopeID
			}
			gb[k] = v
			b.WriteString(v)
			b.WriteByte(0)
		}
		md := make(map[string]string, len(m.Metadata))
		for _, k := range m.Metadata {
			v := attribute(li, k)
			md[k] = v
			b.WriteString(v)
			b.WriteByte(0)
		}
		qty := li.ConsumedQuantity
		if !qty.Valid {
			qty = li.PricingQuantity
		}
		g, ok := groups[i][b.String()]
		if !ok {
			g = &group{groupby: gb, metadata: md}
			groups[i][b.String()] = g
		}
		if qty.Valid {
			g.qty = g.qty.Add(qty.Decimal)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("collecting %s for %s over %s: %w", m.Name, scopeID, span, err)
	}
	for i, gs := range groups {
		keys := make([]string, 0, len(gs))
		for k := range gs {
			keys = append(keys, k)
		}
		// A stable order: the same usage always rates to the same frame.
		sort.Strings(keys)
		out[i] = make([]frames.Point, 0, len(keys))
		for _, k := range keys {
			g := gs[k]
			out[i] = append(out[i], frames.Point{Unit: m.Unit, Qty: m.Quantity(g.qty), Groupby: g.groupby, Metadata: g.metadata})
		}
	}
	return out, nil
}

// Scopes implements Collector: the sub accounts with line items of a
// configured metric's service charged in the period.
func (c LineItems) Scopes(ctx context.Context, cfg *metrics.Config, scopeKey string, period cost.Window) ([]string, error) {
	if cfg == nil || len(cfg.Metrics) == 0 {
		return nil, nil
	}
	var names []string
	for _, m := range cfg.Metrics {
		names = append(names, m.Name)
	}
	q := query.Query{Window: period, Scope: scope.All(), GroupBy: []cost.Dimension{cost.DimSubAccountID},
		Metrics: []cost.Metric{cost.Billed},
		Filter:  filter.AndOf(filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: names}, notRated)}
	seen := map[string]bool{}
	var out []string
	_, err := c.Store.Stream(ctx, q, func(r query.Row) error {
		if id := r.Keys[0]; id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the scopes with usage over %s: %w", period, err)
	}
	sort.Strings(out)
	return out, nil
}
