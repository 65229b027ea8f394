package kubecost

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// randDecimal is a decimal of 1 to 25 digits (past an int64 from 19),
// either sign, exponent -30 to +5.
func randDecimal(rng *rand.Rand) decimal.Decimal {
	n := 1 + rng.IntN(25)
	digits := make([]byte, 0, n+1)
	if rng.IntN(2) == 0 {
		digits = append(digits, '-')
	}
	for range n {
		digits = append(digits, byte('0'+rng.IntN(10)))
	}
	return decimal.RequireFromString(string(digits)).Shift(int32(-30 + rng.IntN(36)))
}

// TestQuoRound compares percent, appendPercent and quoRound with DivRound: the same
// coefficient and exponent, so the same text, over random decimals and
// over quotients that end in an exact half at the 17th digit or just
// either side of it, where the rounding rule decides.
func TestQuoRound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	check := func(d, d2 decimal.Decimal) bool {
		t.Helper()
		want := d.DivRound(d2, pctDigits)
		if d2.IsPositive() && !d.IsZero() {
			if got := percent(d2, d); got.Exponent() != want.Exponent() || !got.Equal(want) || cost.Text(got) != cost.Text(want) {
				t.Fatalf("percent(%s, %s) = %s (exp %d), want %s (exp %d)", d2, d, got, got.Exponent(), want, want.Exponent())
			}
			if got := string(appendPercent(nil, d2, d)); got != cost.Text(want) {
				t.Fatalf("appendPercent(%s, %s) = %s, want %s", d2, d, got, cost.Text(want))
			}
		}
		c, ok := quoRound(d, d2)
		if got := decimal.New(c, -pctDigits); ok && (got.Exponent() != want.Exponent() || !got.Equal(want)) {
			t.Fatalf("quoRound(%s, %s) = %d, want %s (exp %d)", d, d2, c, want, want.Exponent())
		}
		return ok
	}
	for _, c := range [][2]string{
		{"1", "3"}, {"2", "3"}, {"-2", "3"}, {"2", "-3"}, {"0", "7"},
		{"5e-17", "1"}, {"-5e-17", "1"}, {"15e-17", "1"}, {"4.9999e-17", "1"}, {"-5.0001e-17", "1"},
		{"999999999999999999", "999999999999999999"}, {"1e-18", "999999999999999999e5"},
		// Quotients of 2^63-1, 2^63 (2^59·10^4/625) and past 2^64 do not
		// fit an int64 coefficient: DivRound answers.
		{"9223372036854775807e-16", "1"}, {"576460752303423488e-12", "625"}, {"999999999999999999", "1e-18"},
	} {
		check(decimal.RequireFromString(c[0]), decimal.RequireFromString(c[1]))
	}
	fast, halves := 0, 0
	const n = 200000
	for range n {
		d, d2 := randDecimal(rng), randDecimal(rng)
		if d2.IsZero() {
			continue
		}
		if rng.IntN(4) == 0 {
			// Sums as the store reads them: exponents close together.
			d = decimal.New(rng.Int64N(1e15)-5e14, int32(-12+rng.IntN(12)))
			d2 = decimal.New(1+rng.Int64N(1e15), int32(-12+rng.IntN(12)))
		}
		if check(d, d2) {
			fast++
		}
		// d3/d2 = (2k+1)/2·10^-16 exactly: a half at the 17th digit.
		k := decimal.New(2*rng.Int64N(1e9)+1, 0)
		if rng.IntN(2) == 0 {
			k = k.Neg()
		}
		d3 := d2.Mul(k).Mul(decimal.New(5, -17))
		for _, x := range []decimal.Decimal{d3, d3.Add(decimal.New(1, d3.Exponent()-1)), d3.Sub(decimal.New(1, d3.Exponent()-1))} {
			if check(x, d2) {
				halves++
			}
		}
	}
	// The fast path must be what is tested, not only the fallback.
	if fast < n/10 || halves < n/2 {
		t.Fatalf("quoRound answered %d of %d random and %d of %d halves", fast, n, halves, 3*n)
	}
}
