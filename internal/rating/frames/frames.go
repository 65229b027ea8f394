// Package frames holds rated data as CloudKitty models it (a Frame of
// Points per scope, period and metric type) and its one stored form:
// line items of provider "rating" in the cost store, one snapshot per
// scope and period (source "rating/<scope>", billing period = the
// period), so that rated costs appear in every dialect and the UI, and
// re-rating a period replaces its snapshot instead of adding to it.
//
// A point maps onto a line item as follows (ToLineItem, FromLineItem):
//
//	scope id          SubAccountID and BillingAccountID (the tenancy's account)
//	metric type       ServiceName and UsageType
//	period            ChargePeriod and BillingPeriod
//	qty, unit         ConsumedQuantity/PricingQuantity, ConsumedUnit/PricingUnit
//	price             every cost metric (rated prices have no list/net split)
//	groupby, metadata Tags (metadata ∪ groupby, groupby winning, as upstream's desc)
//	metadata keys     Operation, "metadata:" + the sorted keys joined by ","
//	                  (so that v2 dataframes can split desc back into groupby
//	                  and metadata; low cardinality, stored coded)
//	description       ChargeDescription
package frames

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

// Provider is the ProviderName of rated line items.
const Provider = "rating"

// SourcePrefix starts the source name of a scope's rated snapshots.
const SourcePrefix = "rating/"

// Source is the ingest source of a scope's rated line items.
func Source(scopeID string) string { return SourcePrefix + scopeID }

// DefaultUnit is a point's unit when none is given (upstream's default).
const DefaultUnit = "undefined"

// Point is one rated data point (upstream's DataPoint).
type Point struct {
	Unit        string
	Qty         decimal.Decimal
	Price       decimal.Decimal
	Groupby     map[string]string
	Metadata    map[string]string
	Description string
}

// Desc is the point's description as the v1 API and the hashmap module
// see it: metadata ∪ groupby, groupby winning on conflicts.
func (p Point) Desc() map[string]string {
	out := make(map[string]string, len(p.Groupby)+len(p.Metadata))
	for k, v := range p.Metadata {
		out[k] = v
	}
	for k, v := range p.Groupby {
		out[k] = v
	}
	return out
}

// Frame is the rated points of one scope in one period, by metric type
// (upstream's DataFrame).
type Frame struct {
	Scope      string
	Start, End time.Time
	Usage      map[string][]Point
}

// Types returns the frame's metric types sorted by name (upstream's
// order).
func (f Frame) Types() []string {
	out := make([]string, 0, len(f.Usage))
	for t := range f.Usage {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// metadataMark starts the Operation column of a rated line item.
const metadataMark = "metadata:"

// ToLineItem returns the stored form of point p of metric type typ, rated
// for scope in period, in currency.
func ToLineItem(scope, typ string, period cost.Window, p Point, currency string) *cost.LineItem {
	li := &cost.LineItem{
		ProviderName:       Provider,
		BillingAccountID:   scope,
		SubAccountID:       scope,
		BillingCurrency:    currency,
		BillingPeriodStart: period.Start.UTC(),
		BillingPeriodEnd:   period.End.UTC(),
		ChargePeriodStart:  period.Start.UTC(),
		ChargePeriodEnd:    period.End.UTC(),
		ChargeCategory:     "Usage",
		ChargeFrequency:    "Usage-Based",
		ChargeType:         "Usage",
		ChargeDescription:  p.Description,
		ServiceName:        typ,
		UsageType:          typ,
		PricingUnit:        unitOf(p),
		ConsumedUnit:       unitOf(p),
		PricingQuantity:    decimal.NewNullDecimal(p.Qty),
		ConsumedQuantity:   decimal.NewNullDecimal(p.Qty),
		Operation:          metadataMark + strings.Join(sortedKeys(p.Metadata), ","),
	}
	for k, v := range p.Desc() {
		li.SetTag(k, v)
	}
	for m := range li.Cost {
		li.Cost[m] = p.Price
		if currency == "USD" {
			li.USD[m] = decimal.NewNullDecimal(p.Price)
		}
	}
	return li
}

func unitOf(p Point) string {
	if p.Unit == "" {
		return DefaultUnit
	}
	return p.Unit
}

// FromLineItem returns the scope, metric type, period and point a rated
// line item stores (the inverse of ToLineItem).
func FromLineItem(li *cost.LineItem) (scope, typ string, period cost.Window, p Point) {
	p = Point{
		Unit:        li.ConsumedUnit,
		Qty:         li.ConsumedQuantity.Decimal,
		Price:       li.Cost[cost.Billed],
		Description: li.ChargeDescription,
		Groupby:     map[string]string{},
		Metadata:    map[string]string{},
	}
	meta := map[string]bool{}
	if rest, ok := strings.CutPrefix(li.Operation, metadataMark); ok && rest != "" {
		for _, k := range strings.Split(rest, ",") {
			meta[k] = true
		}
	}
	for k, v := range li.Tags {
		if meta[k] {
			p.Metadata[k] = v
		} else {
			p.Groupby[k] = v
		}
	}
	return li.SubAccountID, li.ServiceName, cost.Window{Start: li.ChargePeriodStart, End: li.ChargePeriodEnd}, p
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Write stores frames of one scope as line items of provider "rating", in
// one import: each frame's period gets one snapshot, which replaces that
// period's previous one (an empty frame restates its period as empty),
// atomically at commit; periods not written stay as they were. A
// process killed before the commit leaves every period as it was.
func Write(ctx context.Context, st store.Store, scope, currency string, frames ...Frame) ([]store.Snapshot, error) {
	spec := store.ImportSpec{Source: Source(scope), Provider: Provider}
	for _, f := range frames {
		if f.Scope != scope {
			return nil, fmt.Errorf("%w: a frame of scope %q written as scope %q", cost.ErrInvalid, f.Scope, scope)
		}
		spec.Periods = append(spec.Periods, cost.Window{Start: f.Start, End: f.End})
	}
	imp, err := st.BeginImport(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("rating %s: %w", scope, err)
	}
	for _, f := range frames {
		w := cost.Window{Start: f.Start, End: f.End}
		for _, typ := range f.Types() {
			for _, p := range f.Usage[typ] {
				if err := imp.Append(ToLineItem(scope, typ, w, p, currency)); err != nil {
					imp.Fail(ctx, err)
					return nil, fmt.Errorf("rating %s %s: %w", scope, w, err)
				}
			}
		}
	}
	snaps, err := imp.Commit(ctx)
	if err != nil {
		return nil, fmt.Errorf("rating %s: %w", scope, err)
	}
	return snaps, nil
}
