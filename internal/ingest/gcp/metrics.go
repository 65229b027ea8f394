package gcp

import (
	"strings"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// charge holds the columns the metrics of one row derive from.
type charge struct {
	cost     decimal.Decimal     // cost: billing currency, before credits
	atList   decimal.NullDecimal // cost_at_list
	credits  []credit            // credits[].amount (negative), credits[].type
	price    decimal.NullDecimal // price.effective_price
	quantity decimal.NullDecimal // usage.amount_in_pricing_units
	sku      string              // sku.description
}

// Commitment fee SKUs (sku.description prefixes): resource-based CUDs
// and spend-based (flexible) CUDs.
const (
	skuResourceCommitment = "Commitment v1"
	skuSpendCommitment    = "Commitment - dollar based v1:"
)

// metrics derives every metric of one row (billing-formats.md §7.4).
//
// Deliberate departures from OpenCost's GCP method (quoted in §7.4),
// because a per-row reader cannot do what it does and because Tally's
// metric definitions (§1) differ from OpenCost's shortcuts:
//
//   - OpenCost adds to amortized the flexible-CUD payment allocated by a
//     daily ratio (fees paid on "Commitment - dollar based v1:" SKUs ÷
//     flexible-CUD credits that day) and then counts those fee rows 0 for
//     amortized. That needs the whole day's rows; a row mapper sees one.
//     So the fee rows keep their cost in amortized and amortized net, and
//     the usage rows carry only their credits: the day's totals are the
//     same as OpenCost's, the fee is attributed to the fee SKU rather than
//     spread over the covered usage. A later pass over stored items could
//     do the allocation.
//   - OpenCost counts "Commitment v1" fee rows 0 for net. Tally's net is
//     the cash view including recurring charges (§1, and Kubecost's own
//     definition of netCost), and billed = net here, so these rows keep
//     their cost in net; only list counts them 0, as OpenCost does,
//     because the covered usage is already at list price on its own rows.
func (c charge) metrics() [cost.NumMetrics]decimal.Decimal {
	var all, commitments decimal.Decimal
	for _, cr := range c.credits {
		all = all.Add(cr.Amount)
		if cr.isCommitment() {
			commitments = commitments.Add(cr.Amount)
		}
	}
	var m [cost.NumMetrics]decimal.Decimal

	// billed = net = cost + Σ credits.amount (FOCUS converters' BilledCost;
	// OpenCost invoicedCost = netCost).
	m[cost.Billed] = c.cost.Add(all)
	m[cost.Net] = m[cost.Billed]

	// list = cost_at_list, else cost; 0 for resource-based commitment fee
	// rows (sku.description "Commitment v1…"), as in OpenCost.
	switch {
	case strings.HasPrefix(c.sku, skuResourceCommitment):
		m[cost.List] = decimal.Zero
	case c.atList.Valid:
		m[cost.List] = c.atList.Decimal
	default:
		m[cost.List] = c.cost
	}

	// amortized = cost + credits of type COMMITTED_USAGE_DISCOUNT and
	// COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE (see above for the fee rows).
	m[cost.Amortized] = c.cost.Add(commitments)
	// amortized net = amortized + the other credits = cost + Σ credits.
	m[cost.AmortizedNet] = m[cost.Amortized].Add(all.Sub(commitments))

	// contracted = price.effective_price × usage.amount_in_pricing_units
	// when both are given, else billed. The product of a 9-digit price and
	// a float quantity can carry more fractional digits than the store
	// keeps, so it is rounded by Tally's one rule (cost.Round): a computed
	// value, not one the bill gives.
	if c.price.Valid && c.quantity.Valid {
		m[cost.Contracted] = cost.Round(c.price.Decimal.Mul(c.quantity.Decimal))
	} else {
		m[cost.Contracted] = m[cost.Billed]
	}
	return m
}
