package metrics

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// Quantity turns a collected value into the rated quantity:
// collected × Factor + Offset, then Mutate.
//
// The arithmetic is exact: the value, factor and offset are rationals
// (a factor of 1/1048576 or 1/3 loses nothing), and CEIL, FLOOR, the
// NUMBOOLs and the MAP lookup see the exact result. Only the final
// result is made a decimal: exact when it has at most cost.QuantityScale
// fractional digits, otherwise rounded half to even at
// cost.QuantityScale — the rule internal/cost/round.go gives usage
// quantities (RoundAt(d, QuantityScale)), which is what the store keeps.
// The result carries no trailing fractional zeros.
//
// Upstream differs on purpose here: it turns fraction factors into
// floats and computes in a 9-significant-digit ROUND_HALF_UP context, so
// that 3 × 1/3 is 0.999999999 there and 1 here.
//
// MAP: a quantity the map does not name becomes 0, as upstream.
func (m *Metric) Quantity(collected decimal.Decimal) decimal.Decimal {
	q := collected.Rat()
	q.Mul(q, m.Factor)
	q.Add(q, m.Offset)
	switch m.Mutate {
	case MutateCeil:
		q.SetInt(ceil(q))
	case MutateFloor:
		q.SetInt(floor(q))
	case MutateNumBool:
		return boolQty(q.Sign() != 0)
	case MutateNotNumBool:
		return boolQty(q.Sign() == 0)
	case MutateMap:
		if to, ok := m.MutateMap[q.RatString()]; ok {
			return to
		}
		return decimal.Zero
	}
	return ratToDecimal(q, cost.QuantityScale)
}

func boolQty(b bool) decimal.Decimal {
	if b {
		return decimal.NewFromInt(1)
	}
	return decimal.Zero
}

// floor returns ⌊q⌋. A big.Rat's denominator is positive, so Euclidean
// division (big.Int.Div) rounds toward −∞.
func floor(q *big.Rat) *big.Int {
	return new(big.Int).Div(q.Num(), q.Denom())
}

// ceil returns ⌈q⌉ = −⌊−q⌋.
func ceil(q *big.Rat) *big.Int {
	neg := new(big.Rat).Neg(q)
	return floor(neg).Neg(floor(neg))
}

// ratToDecimal returns q with the fewest fractional digits (at most
// places) that hold it exactly, or q rounded half to even at places.
func ratToDecimal(q *big.Rat, places int32) decimal.Decimal {
	num, den := q.Num(), q.Denom()
	ten := big.NewInt(10)
	scaled := new(big.Int).Set(num)
	quo, rem := new(big.Int), new(big.Int)
	for p := int32(0); p <= places; p++ {
		quo.QuoRem(scaled, den, rem)
		if rem.Sign() == 0 {
			return decimal.NewFromBigInt(quo, -p)
		}
		if p < places {
			scaled.Mul(scaled, ten)
		}
	}
	// quo is q·10^places truncated toward zero, rem what is left (same
	// sign as num). Round half to even on |rem| against den/2.
	twice := new(big.Int).Abs(rem)
	twice.Lsh(twice, 1)
	c := twice.Cmp(den)
	if c > 0 || (c == 0 && quo.Bit(0) == 1) {
		if num.Sign() < 0 {
			quo.Sub(quo, big.NewInt(1))
		} else {
			quo.Add(quo, big.NewInt(1))
		}
	}
	return decimal.NewFromBigInt(quo, -places)
}

// sampleDigits is the number of significant decimal digits a float64
// always holds (C's DBL_DIG): every decimal of that many digits survives
// the trip through binary, and the digits beyond are binary artefacts.
const sampleDigits = 15

// Sample reads a collected value as Prometheus writes it (the float64's
// shortest round-trip text, e.g. "0.30000000000000004" for 0.1 + 0.2)
// as a decimal of at most 15 significant digits, so that binary
// artefacts reach neither the quantity nor CEIL, FLOOR or MAP: 0.1 + 0.2
// is 0.3, and CEIL of 3.0000000000000004 is 3, not 4. Upstream gets the
// same effect, more coarsely, from a 9-digit decimal context. NaN and
// infinities are errors: they have no quantity.
func Sample(s string) (decimal.Decimal, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("sample %q: not a number: %w", s, ErrInvalid)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal.Decimal{}, fmt.Errorf("sample %q: no finite value: %w", s, ErrInvalid)
	}
	return decimal.NewFromString(strconv.FormatFloat(f, 'g', sampleDigits, 64))
}
