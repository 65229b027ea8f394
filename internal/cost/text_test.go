package cost

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestText: Text is String, for the values it formats itself and for
// those it leaves to String, and AppendText and AppendFixed append the
// same.
func TestText(t *testing.T) {
	for _, s := range []string{"0", "0.000", "-0.5", "123.45", "123.450000000000000000000000", "-0.000000000000000000000001",
		"100", "1e3", "-1e-30", "999999999999999999", "-999999999999999999.9", "1234567890123456789012.5", "0.1"} {
		d := decimal.RequireFromString(s)
		if got, want := Text(d), d.String(); got != want {
			t.Errorf("Text(%s) = %q, want %q", s, got, want)
		}
		if got, want := string(AppendText([]byte("x"), d)), "x"+d.String(); got != want {
			t.Errorf("AppendText(x, %s) = %q, want %q", s, got, want)
		}
	}
	for _, c := range []int64{math.MinInt64, math.MaxInt64, -1, 0, 120} {
		for _, exp := range []int32{-20, -3, 0, 2} {
			if got, want := string(AppendFixed(nil, c, exp)), decimal.New(c, exp).String(); got != want {
				t.Errorf("AppendFixed(%d, %d) = %q, want %q", c, exp, got, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		c := rng.Int64N(math.MaxInt64)
		if rng.IntN(3) == 0 {
			c %= 100000
		}
		if rng.IntN(4) == 0 {
			c -= c % 1000
		}
		if rng.IntN(2) == 0 {
			c = -c
		}
		d := decimal.New(c, -int32(rng.IntN(32)))
		if got, want := Text(d), d.String(); got != want {
			t.Fatalf("Text(%d·10^%d) = %q, want %q", c, d.Exponent(), got, want)
		}
		if got, want := string(AppendText([]byte("x"), d)), "x"+d.String(); got != want {
			t.Fatalf("AppendText(x, %d·10^%d) = %q, want %q", c, d.Exponent(), got, want)
		}
		if got, want := string(AppendFixed([]byte("x"), c, d.Exponent())), "x"+d.String(); got != want {
			t.Fatalf("AppendFixed(x, %d, %d) = %q, want %q", c, d.Exponent(), got, want)
		}
	}
}
