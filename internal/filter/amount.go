package filter

import (
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// AmountOp compares an amount with a bound.
type AmountOp int

// The comparisons of an Amount, inclusive as the Azure billing API's
// min_cost and max_cost are.
const (
	AtLeast AmountOp = iota
	AtMost
)

// Amount matches a line item whose cost in one metric, in USD or in its
// billing currency, is at least or at most Value. It tests each line item
// before any grouping, so a query with one reads line items rather than a
// rollup. An item without a USD value never matches a USD Amount.
type Amount struct {
	Metric cost.Metric
	USD    bool
	Op     AmountOp
	Value  decimal.Decimal
}

func (Amount) expr() {}

func (a Amount) String() string {
	op, cur := ">=", ""
	if a.Op == AtMost {
		op = "<="
	}
	if a.USD {
		cur = " (USD)"
	}
	return fmt.Sprintf("%s%s %s %s", a.Metric, cur, op, a.Value)
}

// HasAmount reports whether e tests amounts anywhere.
func HasAmount(e Expr) bool {
	switch x := e.(type) {
	case Amount:
		return true
	case Not:
		return HasAmount(x.X)
	case And:
		for _, y := range x.Xs {
			if HasAmount(y) {
				return true
			}
		}
	case Or:
		for _, y := range x.Xs {
			if HasAmount(y) {
				return true
			}
		}
	}
	return false
}
