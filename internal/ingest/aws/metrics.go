package aws

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// amount reads column c as money. ok is false when the file has no such
// column or the cell is blank (or the literal NULL of some Athena
// downloads): the CUR leaves a column blank on rows it does not apply to,
// and the derivations below fall back to another column then.
func (x *rowCtx) amount(c col) (v decimal.Decimal, ok bool, err error) {
	n, err := cost.ParseNullAmount(x.cell(c))
	if err != nil {
		return decimal.Zero, false, tabular.CellError(x.r, x.m.l.name[c], err)
	}
	return n.Decimal, n.Valid, nil
}

// netOr reads the net column, falling back to the gross column when the
// CUR has no net value (net columns exist only for accounts with
// negotiated discounts, §3.2).
func (x *rowCtx) netOr(net, gross col) (decimal.Decimal, error) {
	v, ok, err := x.amount(net)
	if err != nil || ok {
		return v, err
	}
	v, _, err = x.amount(gross)
	return v, err
}

// metrics derives every metric of billing-formats.md §5.1 from one row.
func (x *rowCtx) metrics(t lineType, li *cost.LineItem) error {
	// billed = lineItem/UnblendedCost (Σ over all rows = the invoice).
	billed, _, err := x.amount(colUnblendedCost)
	if err != nil {
		return err
	}
	// net = COALESCE(lineItem/NetUnblendedCost, lineItem/UnblendedCost).
	net, err := x.netOr(colNetUnblendedCost, colUnblendedCost)
	if err != nil {
		return err
	}
	list, err := x.list(t, billed)
	if err != nil {
		return err
	}
	amortized, amortizedNet, err := x.amortized(t, billed, net)
	if err != nil {
		return err
	}
	contracted, err := x.contracted(t, net)
	if err != nil {
		return err
	}
	li.Cost[cost.List] = list
	li.Cost[cost.Billed] = billed
	li.Cost[cost.Net] = net
	li.Cost[cost.Amortized] = amortized
	li.Cost[cost.AmortizedNet] = amortizedNet
	li.Cost[cost.Contracted] = contracted
	return nil
}

// onDemand is the row's usage at the public price:
// pricing/publicOnDemandCost, else pricing/publicOnDemandRate ×
// lineItem/UsageAmount (FOCUS converters). ok is false when the row has
// no public price.
func (x *rowCtx) onDemand() (decimal.Decimal, bool, error) {
	if v, ok, err := x.amount(colPublicOnDemandCost); err != nil || ok {
		return v, ok, err
	}
	rate, ok, err := x.amount(colPublicOnDemandRate)
	if err != nil || !ok {
		return decimal.Zero, false, err
	}
	qty, ok, err := x.quantity()
	if err != nil || !ok {
		return decimal.Zero, false, err
	}
	// The product of two exact decimals is exact but may have more
	// fractional digits than the store keeps; this derived value (not a
	// bill amount) is rounded by Tally's one rule (cost.Round).
	v := cost.Round(rate.Mul(qty))
	if err := x.storable(v, colPublicOnDemandRate); err != nil {
		return decimal.Zero, false, err
	}
	return v, true, nil
}

// list (§5.1 and its Recommendation): discount rows (EdpDiscount,
// PrivateRateDiscount, BundledDiscount, RiVolumeDiscount, Discount) and
// SavingsPlanNegation → 0, because the public price knows no discounts;
// otherwise pricing/publicOnDemandCost, else pricing/publicOnDemandRate ×
// lineItem/UsageAmount; rows with no public price (tax, fees, credits) →
// lineItem/UnblendedCost.
func (x *rowCtx) list(t lineType, billed decimal.Decimal) (decimal.Decimal, error) {
	if t == typeDiscount || t == typeSPNegation {
		return decimal.Zero, nil
	}
	v, ok, err := x.onDemand()
	if err != nil {
		return decimal.Zero, err
	}
	if !ok {
		return billed, nil
	}
	return v, nil
}

// amortized returns the amortized and amortized net cost (§5.1, the
// Well-Architected "amortized cost by charge type" recipe and the FOCUS
// converters' EffectiveCost). Amortized net is the same recipe on the net
// counterparts, each falling back to its gross column. A blank or missing
// commitment column counts as 0: the CUR fills them on every row of the
// types that use them.
func (x *rowCtx) amortized(t lineType, billed, net decimal.Decimal) (a, an decimal.Decimal, err error) {
	switch t {
	case typeSPCoveredUsage:
		// savingsPlan/SavingsPlanEffectiveCost;
		// net: savingsPlan/NetSavingsPlanEffectiveCost.
		if a, _, err = x.amount(colSPEffectiveCost); err != nil {
			return
		}
		an, err = x.netOr(colSPNetEffectiveCost, colSPEffectiveCost)
		return
	case typeSPRecurringFee:
		// The unused part of the commitment:
		// savingsPlan/TotalCommitmentToDate − savingsPlan/UsedCommitment.
		// The CUR has no net counterparts of these two, so amortized net
		// uses the same value.
		total, _, err := x.amount(colSPTotalCommitment)
		if err != nil {
			return a, an, err
		}
		used, _, err := x.amount(colSPUsedCommitment)
		if err != nil {
			return a, an, err
		}
		a = total.Sub(used)
		return a, a, x.storable(a, colSPTotalCommitment, colSPUsedCommitment)
	case typeSPNegation, typeSPUpfrontFee:
		// The negation offsets covered usage already amortized on its
		// SavingsPlanCoveredUsage row; the upfront fee is spread over the
		// covered rows' SavingsPlanEffectiveCost.
		return decimal.Zero, decimal.Zero, nil
	case typeDiscountedUsage:
		// reservation/EffectiveCost; net: reservation/NetEffectiveCost.
		if a, _, err = x.amount(colRIEffectiveCost); err != nil {
			return
		}
		an, err = x.netOr(colRINetEffectiveCost, colRIEffectiveCost)
		return
	case typeRIFee:
		// The unused part of the reservation:
		// reservation/UnusedAmortizedUpfrontFeeForBillingPeriod +
		// reservation/UnusedRecurringFee; net: their Net… counterparts.
		up, _, err := x.amount(colRIUnusedUpfront)
		if err != nil {
			return a, an, err
		}
		rec, _, err := x.amount(colRIUnusedRecurring)
		if err != nil {
			return a, an, err
		}
		netUp, err := x.netOr(colRINetUnusedUpfront, colRIUnusedUpfront)
		if err != nil {
			return a, an, err
		}
		netRec, err := x.netOr(colRINetUnusedRecurring, colRIUnusedRecurring)
		if err != nil {
			return a, an, err
		}
		a, an = up.Add(rec), netUp.Add(netRec)
		if err := x.storable(a, colRIUnusedUpfront, colRIUnusedRecurring); err != nil {
			return a, an, err
		}
		return a, an, x.storable(an, colRINetUnusedUpfront, colRINetUnusedRecurring, colRIUnusedUpfront, colRIUnusedRecurring)
	case typeFee:
		// A Fee with a reservation ARN is an RI upfront payment, amortized
		// through reservation/EffectiveCost of the covered rows → 0.
		if x.cell(colReservationARN) != "" {
			return decimal.Zero, decimal.Zero, nil
		}
	}
	// Anything else: lineItem/UnblendedCost; net:
	// COALESCE(lineItem/NetUnblendedCost, lineItem/UnblendedCost).
	return billed, net, nil
}

// contracted (§5.1 Recommendation; the legacy CUR has no such column):
//   - rows not covered by a commitment, and commitment purchases: the net
//     cost, COALESCE(lineItem/NetUnblendedCost, lineItem/UnblendedCost);
//   - SavingsPlanCoveredUsage: the same — its unblended cost is the
//     on-demand cost and its net unblended cost that cost less the
//     negotiated discounts;
//   - SavingsPlanNegation: 0, it is the commitment discount itself;
//   - DiscountedUsage (unblended cost 0): the on-demand cost
//     (pricing/publicOnDemandCost, else rate × amount, else 0) plus the
//     row's negotiated discount when the CUR gives one
//     (discount/TotalDiscount, CUR 2.0 discount_total_discount or the
//     `discount` map).
//
// The last two are derived, not billed, values.
func (x *rowCtx) contracted(t lineType, net decimal.Decimal) (decimal.Decimal, error) {
	switch t {
	case typeSPNegation:
		return decimal.Zero, nil
	case typeDiscountedUsage:
		od, _, err := x.onDemand()
		if err != nil {
			return decimal.Zero, err
		}
		disc, err := x.discount()
		if err != nil {
			return decimal.Zero, err
		}
		v := od.Add(disc)
		return v, x.storable(v, colPublicOnDemandCost, colPublicOnDemandRate, colTotalDiscount, colDiscountMap)
	}
	return net, nil
}

// storable checks that a derived amount still fits the store's
// DECIMAL(38, 24): each amount read does, their sum or product may not.
// The error names the first of cols the file has (the unblended cost, which
// every CUR has, when none).
func (x *rowCtx) storable(v decimal.Decimal, cols ...col) error {
	if err := cost.CheckStorable(v); err != nil {
		c := colUnblendedCost
		for _, cc := range cols {
			if x.m.l.has(cc) {
				c = cc
				break
			}
		}
		return tabular.CellError(x.r, x.m.l.name[c], fmt.Errorf("derived amount: %w", err))
	}
	return nil
}

// discount is the row's total negotiated discount (negative):
// discount/TotalDiscount or discount_total_discount, else the CUR 2.0
// `discount` map's total_discount, else the sum of the map's entries.
func (x *rowCtx) discount() (decimal.Decimal, error) {
	if v, ok, err := x.amount(colTotalDiscount); err != nil || ok {
		return v, err
	}
	if !x.m.l.has(colDiscountMap) {
		return decimal.Zero, nil
	}
	name := x.m.l.name[colDiscountMap]
	mp, err := parseMap(x.cell(colDiscountMap))
	if err != nil {
		return decimal.Zero, tabular.CellError(x.r, name, err)
	}
	if s, ok := mp["total_discount"]; ok {
		v, err := cost.ParseAmount(s)
		if err != nil {
			return decimal.Zero, tabular.CellError(x.r, name, err)
		}
		return v, nil
	}
	// Sum in key order so that the result never depends on map order
	// (it cannot for exact decimals, but errors should be stable).
	keys := make([]string, 0, len(mp))
	for k := range mp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sum := decimal.Zero
	for _, k := range keys {
		v, err := cost.ParseAmount(mp[k])
		if err != nil {
			return decimal.Zero, tabular.CellError(x.r, name, err)
		}
		sum = sum.Add(v)
	}
	return sum, x.storable(sum, colDiscountMap)
}
