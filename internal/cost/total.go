package cost

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/errkind"
)

// MaxTotal is the largest magnitude of a sum Tally answers: 10^26, a
// trillion line items each at the largest storable amount (just below
// 10^14). A DECIMAL(38, Scale) sum stops near 1.7·10^14, so stores add
// the integer and the fractional parts of amounts apart when a sum gets
// that large and join them here (SumParts). Every store and dialect share
// this one bound: a sum past it is an error naming it, never a number
// some later stage has rounded or wrapped.
var MaxTotal = decimal.New(1, 26)

// ErrTooLarge marks a sum past MaxTotal. Its kind is Invalid, so every
// dialect answers it as a 4xx with the text, which says what to narrow.
var ErrTooLarge = errkind.Invalid.New("sum too large")

// CheckTotal returns d, or ErrTooLarge when |d| > MaxTotal.
func CheckTotal(d decimal.Decimal) (decimal.Decimal, error) {
	if d.Abs().Cmp(MaxTotal) > 0 {
		return decimal.Zero, fmt.Errorf("%w: a sum of %s is above 10^26, the largest total Tally answers exactly; ask for a shorter window, finer groups or fewer sources", ErrTooLarge, d.String())
	}
	return d, nil
}

// TooLarge is the error of a sum a store could not even hold while adding
// (past 10^38 in its integer part): far past MaxTotal, so no digits to
// name.
func TooLarge() error {
	return fmt.Errorf("%w: a sum is above 10^26, the largest total Tally answers exactly; ask for a shorter window, finer groups or fewer sources", ErrTooLarge)
}

// SumParts joins the two parts of a sum as a store computes them past
// DECIMAL(38, Scale), each a decimal number in text ("" is zero): the sum
// of the amounts' integer parts and the sum of their fractional parts.
// The result is exact, and checked by CheckTotal.
func SumParts(whole, frac string) (decimal.Decimal, error) {
	var w, f decimal.Decimal
	var err error
	if whole != "" {
		if w, err = decimal.NewFromString(whole); err != nil {
			return decimal.Zero, fmt.Errorf("reading a sum's integer part %q: %w", whole, err)
		}
	}
	if frac != "" {
		if f, err = decimal.NewFromString(frac); err != nil {
			return decimal.Zero, fmt.Errorf("reading a sum's fractional part %q: %w", frac, err)
		}
	}
	return CheckTotal(w.Add(f))
}
