package cost

import (
	"math"
	"strconv"

	"github.com/shopspring/decimal"
)

// Text is d.String(), the plain decimal without trailing zeros, made
// without math/big when d's coefficient fits 18 digits, as nearly every
// amount and sum does: String formats every coefficient through a
// big.Int, which was a twentieth of the CPU of an uncached Kubecost
// answer (24,000 numbers). Anything else is String's.
func Text(d decimal.Decimal) string {
	var buf [48]byte
	return string(AppendText(buf[:0], d))
}

// AppendText appends Text(d) to buf, for writers that build a whole
// answer in one buffer: no string per number.
func AppendText(buf []byte, d decimal.Decimal) []byte {
	if d.NumDigits() > 18 {
		return append(buf, d.String()...)
	}
	return AppendFixed(buf, d.CoefficientInt64(), d.Exponent())
}

// AppendFixed appends Text(decimal.New(c, exp)) without making the
// Decimal (a big.Int each), for a writer that computed c itself.
func AppendFixed(buf []byte, c int64, exp int32) []byte {
	if exp > 0 || !decimal.TrimTrailingZeros || decimal.UseScientificNotation || c == math.MinInt64 {
		return append(buf, decimal.New(c, exp).String()...)
	}
	if exp == 0 || c == 0 {
		return strconv.AppendInt(buf, c, 10)
	}
	if c < 0 {
		buf = append(buf, '-')
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
		buf = append(buf, ds...)
	case len(ds) > k:
		buf = append(buf, ds[:len(ds)-k]...)
		buf = append(buf, '.')
		buf = append(buf, ds[len(ds)-k:]...)
	default:
		buf = append(buf, '0', '.')
		for range k - len(ds) {
			buf = append(buf, '0')
		}
		buf = append(buf, ds...)
	}
	return buf
}
