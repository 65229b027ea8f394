package kubecost

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// percent is the Kubernetes share of a summed cost: Σk8s/Σcost when the
// sum is positive, else 0 (§7), to 16 digits.
func percent(total, k8s decimal.Decimal) decimal.Decimal {
	if !total.IsPositive() || k8s.IsZero() {
		// Most items have no Kubernetes part: 0 without a division.
		return decimal.Zero
	}
	if c, ok := quoRound(k8s, total); ok {
		return decimal.New(c, -pctDigits)
	}
	return k8s.DivRound(total, pctDigits)
}

// appendPercent appends cost.Text(percent(total, k8s)), without making
// the Decimal when quoRound answers.
func appendPercent(buf []byte, total, k8s decimal.Decimal) []byte {
	if total.IsPositive() && !k8s.IsZero() {
		if c, ok := quoRound(k8s, total); ok {
			return cost.AppendFixed(buf, c, -pctDigits)
		}
	}
	return cost.AppendText(buf, percent(total, k8s))
}

// pow10 are the powers of ten that fit a uint64.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// quoRound is the coefficient c of d.DivRound(d2, pctDigits), which is
// c·10^-pctDigits, computed in 64 and 128-bit integers when both
// coefficients have at most 18 digits and c fits an int64, as for nearly
// every sum the store reads (see duckdb's scaled). DivRound divides
// big.Ints, which was a fifteenth of the CPU of an uncached cloudCost
// answer (issue 23). ok is false when the division does not fit; the
// caller then asks DivRound.
//
// With d = a·10^ea and d2 = b·10^eb, c is a·10^e / b, e = ea-eb+pctDigits,
// truncated toward zero and then moved one away from zero when the
// remainder is at least half of the divisor: DivRound's rule (half away
// from zero).
func quoRound(d, d2 decimal.Decimal) (c int64, ok bool) {
	if d.NumDigits() > 18 || d2.NumDigits() > 18 {
		return 0, false
	}
	a, b := d.CoefficientInt64(), d2.CoefficientInt64()
	if b == 0 {
		return 0, false
	}
	neg := (a < 0) != (b < 0)
	num, div := absU(a), absU(b)
	var hi uint64
	switch e := int(d.Exponent()) - int(d2.Exponent()) + pctDigits; {
	case e >= len(pow10) || -e >= len(pow10):
		return 0, false
	case e >= 0:
		hi, num = bits.Mul64(num, pow10[e])
	default:
		var over uint64
		if over, div = bits.Mul64(div, pow10[-e]); over != 0 {
			return 0, false
		}
	}
	if hi >= div {
		// The quotient would not fit 64 bits (Div64 panics).
		return 0, false
	}
	quo, rem := bits.Div64(hi, num, div)
	if rem >= div-rem {
		quo++
	}
	if quo > math.MaxInt64 {
		return 0, false
	}
	c = int64(quo)
	if neg {
		c = -c
	}
	return c, true
}

// absU is |x|; x is never math.MinInt64 here (at most 18 digits).
func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}
