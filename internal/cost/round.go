package cost

import "github.com/shopspring/decimal"

// Tally rounds in one way only, half to even, and only where a value
// cannot be kept as the bill writes it:
//
//   - amounts a bill derives (price × quantity, amount ÷ exchange rate,
//     amount × (1 − discount)) and bill amounts spelled with more than
//     Scale fractional digits (float-typed exports): Round, at Scale;
//   - usage quantities and unit prices: RoundAt(d, QuantityScale).
//
// Half to even is the rule of IEEE 754 decimal arithmetic and of
// accounting ("banker's rounding"): unlike half away from zero it has no
// bias over many rows, so rounded parts do not drift from their sum.
// Every reader calls these functions rather than decimal's rounding
// methods, so that a change of rule is one change here.

// Round returns d rounded half to even at Scale fractional digits, or d
// itself when it has no more digits than that.
func Round(d decimal.Decimal) decimal.Decimal { return RoundAt(d, Scale) }

// RoundAt returns d rounded half to even at places fractional digits, or
// d itself (its spelling kept) when it has no more digits than that.
func RoundAt(d decimal.Decimal, places int32) decimal.Decimal {
	if d.Exponent() >= -places {
		return d
	}
	return d.RoundBank(places)
}

// Quo returns a ÷ b rounded half to even at Scale fractional digits. b
// must not be zero. decimal's DivRound rounds half away from zero, and
// Div rounds at 16 digits first: neither is Tally's rule.
func Quo(a, b decimal.Decimal) decimal.Decimal {
	// q is a ÷ b truncated toward zero at Scale digits and r what is
	// left: a = b·q + r with |r| < |b|·10^-Scale.
	q, r := a.QuoRem(b, Scale)
	if r.IsZero() {
		return q
	}
	unit := decimal.New(1, -Scale)
	switch c := r.Abs().Mul(decimal.NewFromInt(2)).Cmp(b.Abs().Mul(unit)); {
	case c < 0:
		return q
	case c == 0 && q.Shift(Scale).BigInt().Bit(0) == 0:
		return q // a tie, and q's last digit is already even
	}
	if a.Sign()*b.Sign() < 0 {
		return q.Sub(unit)
	}
	return q.Add(unit)
}
