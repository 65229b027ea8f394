package azure

import (
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// metrics derives every metric from the row's cost column
// (billing-formats.md §6.10, FOCUS columns §6.9). c below is the cost in
// the billing currency: CostInBillingCurrency (EA export, MCA/MPA
// costInBillingCurrency), Cost (EA portal / Cost Details API) or
// PreTaxCost (pay-as-you-go and legacy EA).
//
// One export gives one view, so the other is derived from the rows we
// have with Microsoft's own FOCUS rule (§6.9) and is exact only per row:
//
//   - KindActual (and KindAuto): billed = c. amortized = c, except 0 for
//     Purchase / Refund rows whose PricingModel is Reservation or
//     SavingsPlan (Microsoft's EffectiveCost rule). Limitation: the
//     actual export has no amortized share of the commitment — covered
//     usage rows cost 0 there — so Σ amortized of an actual export leaves
//     commitments out entirely; import the amortized export for that.
//   - KindAmortized: amortized = c. billed = c, except 0 for Usage rows
//     (ChargeCategory Usage: Usage, UnusedReservation, UnusedSavingsPlan)
//     priced by a Reservation or SavingsPlan (Microsoft's BilledCost
//     rule). Limitation: the purchases themselves carry no cost in the
//     amortized export, so Σ billed of an amortized export leaves them
//     out; import the actual export for that.
//
// net = billed and amortizedNet = amortized: Azure cost columns already
// reflect negotiated prices and credits are not in cost details (§6.10
// Recommendation), except for MPA rows with partnerEarnedCreditApplied
// true, where net = billed × (1 − partnerEarnedCreditRate) and
// amortizedNet = amortized × (1 − partnerEarnedCreditRate): the partner
// earned credit is the discount the partner gets on those rows.
//
// list and contracted: see listCost and contractedCost.
func (m *mapper) metrics(r *tabular.Row, li *cost.LineItem) error {
	c, err := m.amount(r, colCost)
	if err != nil {
		return err
	}
	qty, err := cost.ParseQuantity(m.get(r, colQuantity))
	if err != nil {
		return tabular.CellError(r, m.l.name(colQuantity), err)
	}
	li.PricingQuantity, li.ConsumedQuantity = qty, qty

	rule := m.commitmentRule(r, li)
	pec, err := m.partnerCredit(r)
	if err != nil {
		return err
	}
	var derr error
	li.Cost[cost.Billed], li.Cost[cost.Net], li.Cost[cost.Amortized], li.Cost[cost.AmortizedNet], derr = rule.apply(c, pec)
	if derr != nil {
		return tabular.CellError(r, m.l.name(colPartnerCreditRate), derr)
	}

	contracted, contractedFromCost, err := m.contractedCost(r, c, qty)
	if err != nil {
		return err
	}
	list, listFromCost, listUSD, err := m.listCost(r, c, qty)
	if err != nil {
		return err
	}
	li.Cost[cost.List], li.Cost[cost.Contracted] = list, contracted

	// USD: when the bill is in USD every metric is already in USD.
	// Otherwise only what the bill gives (MCA/MPA costInUsd and
	// paygCostInUsd; EA and PAYG give none): costInUsd goes through the
	// same rule as the billing-currency cost; list = paygCostInUsd; list
	// and contracted that fell back to the cost take costInUsd.
	if li.BillingCurrency == "USD" {
		for i := range li.Cost {
			li.USD[i] = decimal.NewNullDecimal(li.Cost[i])
		}
		return nil
	}
	cu, err := m.nullAmount(r, colCostUSD)
	if err != nil {
		return err
	}
	if cu.Valid {
		var b, n, a, an decimal.Decimal
		if b, n, a, an, derr = rule.apply(cu.Decimal, pec); derr != nil {
			return tabular.CellError(r, m.l.name(colPartnerCreditRate), derr)
		}
		li.USD[cost.Billed], li.USD[cost.Net] = decimal.NewNullDecimal(b), decimal.NewNullDecimal(n)
		li.USD[cost.Amortized], li.USD[cost.AmortizedNet] = decimal.NewNullDecimal(a), decimal.NewNullDecimal(an)
		if contractedFromCost {
			li.USD[cost.Contracted] = cu
		}
		if listFromCost {
			li.USD[cost.List] = cu
		}
	}
	if listUSD.Valid {
		li.USD[cost.List] = listUSD
	}
	return nil
}

// costRule says which of billed and amortized a row's cost is zero for.
type costRule struct {
	zeroBilled, zeroAmortized bool
}

// commitmentRule applies the actual/amortized rule described on metrics.
func (m *mapper) commitmentRule(r *tabular.Row, li *cost.LineItem) costRule {
	if !isCommitment(m.get(r, colPricingModel), li.ChargeType) {
		return costRule{}
	}
	if m.kind == KindAmortized {
		return costRule{zeroBilled: li.ChargeCategory == "Usage"}
	}
	switch normalize(li.ChargeType) {
	case "purchase", "refund":
		return costRule{zeroAmortized: true}
	}
	return costRule{}
}

// apply returns billed, net, amortized and amortized net of cost c.
// pec is the partner earned credit rate (zero when none applies).
func (cr costRule) apply(c, pec decimal.Decimal) (billed, net, amortized, amortizedNet decimal.Decimal, err error) {
	billed, amortized = c, c
	if cr.zeroBilled {
		billed = decimal.Zero
	}
	if cr.zeroAmortized {
		amortized = decimal.Zero
	}
	net, amortizedNet = billed, amortized
	if !pec.IsZero() {
		keep := decimal.NewFromInt(1).Sub(pec)
		if net, err = fit(billed.Mul(keep)); err != nil {
			return
		}
		if amortizedNet, err = fit(amortized.Mul(keep)); err != nil {
			return
		}
	}
	return
}

// partnerCredit returns partnerEarnedCreditRate when
// partnerEarnedCreditApplied is true (MPA, §6.5), else zero.
func (m *mapper) partnerCredit(r *tabular.Row) (decimal.Decimal, error) {
	switch normalize(m.get(r, colPartnerCreditApplied)) {
	case "true", "1", "yes":
	default:
		return decimal.Zero, nil
	}
	rate, err := m.amount(r, colPartnerCreditRate)
	if err != nil {
		return decimal.Zero, err
	}
	if rate.IsNegative() || rate.GreaterThan(decimal.NewFromInt(1)) {
		return decimal.Zero, tabular.CellError(r, m.l.name(colPartnerCreditRate),
			fmt.Errorf("%w: partner earned credit rate %s is not between 0 and 1", cost.ErrInvalid, rate))
	}
	return rate, nil
}

// contractedCost is UnitPrice × Quantity (§6.10; × the pricing-to-billing
// exchange rate on MCA, whose prices are in the pricing currency). When
// the layout or row has no unit price — UnitPrice is not populated for
// Marketplace (EA) or reservations (MCA), §6.8 — it is the cost itself
// (fromCost true). No block-size division: the test exports show
// EffectivePrice × Quantity = cost for a "10K" unit, so Quantity is
// already counted in pricing blocks.
func (m *mapper) contractedCost(r *tabular.Row, c decimal.Decimal, qty decimal.NullDecimal) (decimal.Decimal, bool, error) {
	v, ok, err := m.priced(r, colUnitPrice, c, qty)
	if err != nil || ok {
		return v, false, err
	}
	return c, true, nil
}

// listCost derives the list (pay-as-you-go) cost (§6.10):
//   - MCA/MPA: paygCostInBillingCurrency (USD: paygCostInUsd);
//   - EA: PayGPrice × Quantity (× exchange rate where prices are in a
//     pricing currency);
//   - otherwise the cost itself (fromCost true), OpenCost's rule (§6.10
//     "for comparison"): pay-as-you-go and legacy layouts, which have no
//     list column because the cost is the pay-as-you-go price, and rows
//     without a usable pay-as-you-go price.
//
// A pay-as-you-go amount or price is usable when the cell is there and is
// not 0, or is 0 on a row that costs 0 (a free meter). Azure writes 0 for
// the prices it does not populate — reservation and Marketplace rows
// (§6.8), and every row of some EA exports — so a 0 beside a cost is
// "unknown", not "free". Falling back to the contracted cost instead, as
// Tally once did, gave a list below the billed cost (13.80 against 20.00
// on ea-v2-cost-in-billing-currency.csv): a list under the cost needs a
// discount the bill shows, and a missing price shows none.
func (m *mapper) listCost(r *tabular.Row, c decimal.Decimal, qty decimal.NullDecimal) (list decimal.Decimal, fromCost bool, usd decimal.NullDecimal, err error) {
	if m.get(r, colPaygCost) != "" {
		if list, err = m.amount(r, colPaygCost); err != nil {
			return
		}
		if !list.IsZero() || c.IsZero() {
			usd, err = m.nullAmount(r, colPaygCostUSD)
			return
		}
	}
	if m.l.has(colPayGPrice) {
		var ok bool
		if list, ok, err = m.priced(r, colPayGPrice, c, qty); err != nil || ok {
			return
		}
	}
	return c, true, decimal.NullDecimal{}, nil
}

// priced returns price × Quantity for the price in column pc, and false
// when the row has no usable price: an empty cell, no quantity, or a zero
// price (Azure writes 0 for the prices it does not populate, §6.8; a free
// meter then falls back to its cost, which is 0 as well).
//
// A refund's cost is negative while its price and quantity may be written
// positive; the product then takes the sign of the cost c, so that the
// derived list and contracted reverse the purchase they correct.
func (m *mapper) priced(r *tabular.Row, pc col, c decimal.Decimal, qty decimal.NullDecimal) (decimal.Decimal, bool, error) {
	if m.get(r, pc) == "" || !qty.Valid {
		return decimal.Zero, false, nil
	}
	p, err := m.amount(r, pc)
	if err != nil {
		return decimal.Zero, false, err
	}
	if p.IsZero() {
		return decimal.Zero, false, nil
	}
	v := p.Mul(qty.Decimal)
	if c.IsNegative() && v.IsPositive() {
		v = v.Neg()
	}
	if m.get(r, colExchangeRate) != "" {
		rate, err := m.amount(r, colExchangeRate)
		if err != nil {
			return decimal.Zero, false, err
		}
		v = v.Mul(rate)
	}
	if v, err = fit(v); err != nil {
		return decimal.Zero, false, tabular.CellError(r, m.l.name(pc), err)
	}
	return v, true, nil
}

// fit rounds a derived amount (a product of bill values, not a value the
// bill gives) by Tally's one rule (cost.Round) and checks that it fits
// the store. Bill values themselves are never rounded.
func fit(d decimal.Decimal) (decimal.Decimal, error) {
	d = cost.Round(d)
	if err := cost.CheckStorable(d); err != nil {
		return decimal.Zero, err
	}
	return d, nil
}

// amount parses the amount in column c, pointing at the cell on failure.
func (m *mapper) amount(r *tabular.Row, c col) (decimal.Decimal, error) {
	d, err := cost.ParseAmount(m.get(r, c))
	if err != nil {
		return decimal.Zero, tabular.CellError(r, m.l.name(c), err)
	}
	return d, nil
}

// nullAmount is amount with an empty cell (or no such column) as null.
func (m *mapper) nullAmount(r *tabular.Row, c col) (decimal.NullDecimal, error) {
	d, err := cost.ParseNullAmount(m.get(r, c))
	if err != nil {
		return decimal.NullDecimal{}, tabular.CellError(r, m.l.name(c), err)
	}
	return d, nil
}
