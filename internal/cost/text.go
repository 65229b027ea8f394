package cost

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// Text is d.String(), the plain decimal without trailing zeros, made
// without math/big when d's coefficient fits 18 digits, as nearly every
// amount and sum does: String formats every coefficient through a
// big.Int, which was a twentieth of the CPU of an uncached Kubecost
// answer (24,000 numbers). Anything else is String's.
func Text(d decimal.Decimal) string {
	exp := d.Exponent()
	if exp > 0 || !decimal.TrimTrailingZeros || decimal.UseScientificNotation || d.NumDigits() > 18 {
		return d.String()
	}
	c := d.CoefficientInt64()
	if exp == 0 || c == 0 {
		return strconv.FormatInt(c, 10)
	}
	var buf [48]byte
	out := buf[:0]
	if c < 0 {
		out = append(out, '-')
		c = -c
	}
	var digits [20]byte
	ds := strconv.AppendInt(digits[:0], c, 10)
	k := int(-exp) // fractional digits
	for k > 0 && ds[len(ds)-1] == '0' && len(ds) > 1 {
		ds, k = ds[:len(ds)-1], k-1
	}
	switch {
	case k == 0:
		out = append(out, ds...)
	case len(ds) > k:
		out = append(out, ds[:len(ds)-k]...)
		out = append(out, '.')
		out = append(out, ds[len(ds)-k:]...)
	default:
		out = append(out, '0', '.')
		for range k - len(ds) {
			out = append(out, '0')
		}
		out = append(out, ds...)
	}
	return string(out)
}
