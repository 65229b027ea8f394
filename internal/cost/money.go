package cost

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"
)

// Scale is the number of fractional digits the store keeps for money:
// DECIMAL(38, Scale). 24 keeps every digit the real exports carry
// (Azure's .NET decimals reach 22 significant fractional digits in the
// test files) and leaves 14 integer digits for one amount, enough for
// any line of a bill even in VND or IDR. Sums go further, to MaxTotal
// (total.go).
const Scale = 24

// Precision is the total number of digits of stored amounts.
const Precision = 38

// ParseAmount reads a decimal number as bills write it: plain
// ("0.493152"), with an exponent ("438E-8", "-5e-06") or with a leading
// plus. An empty string is zero: bills leave cost cells empty for rows
// that carry none (AWS BlendedCost of discount rows).
//
// Every digit up to Scale (24) fractional places is kept: no bill in text
// form carries more. Only float-typed exports (GCP's BigQuery FLOAT64
// credit amounts such as -1.2345678901234567e-10) can spell more digits;
// those are rounded by Tally's one rule (Round: half to even at 10^-24 of
// a currency unit, far below anything an invoice shows). Numbers too
// large for the store (10^14 and up) are errors.
func ParseAmount(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%w: %q is not a decimal number", ErrInvalid, s)
	}
	d = Round(d)
	if err := CheckStorable(d); err != nil {
		return decimal.Zero, err
	}
	return d, nil
}

// ParseNullAmount is ParseAmount with empty (or the literal NULL) as null.
func ParseNullAmount(s string) (decimal.NullDecimal, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "null") {
		return decimal.NullDecimal{}, nil
	}
	d, err := ParseAmount(s)
	if err != nil {
		return decimal.NullDecimal{}, err
	}
	return decimal.NewNullDecimal(d), nil
}

var maxStorable = new(big.Int).Exp(big.NewInt(10), big.NewInt(Precision), nil)

// pow10 caches 10^0 .. 10^(2·Precision): Scaled runs for every amount of
// every row, and big.Int.Exp showed in ingest profiles.
var pow10 = func() []*big.Int {
	p := make([]*big.Int, 2*Precision+1)
	p[0] = big.NewInt(1)
	for i := 1; i < len(p); i++ {
		p[i] = new(big.Int).Mul(p[i-1], big.NewInt(10))
	}
	return p
}()

func tenTo(n int) *big.Int {
	if n < len(pow10) {
		return pow10[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// CheckStorable reports whether d fits DECIMAL(Precision, Scale) without
// losing a digit. Trailing zeros beyond Scale are fine.
func CheckStorable(d decimal.Decimal) error {
	if _, err := Scaled(d); err != nil {
		return err
	}
	return nil
}

// Scaled returns d × 10^Scale as an integer, the representation of a
// DECIMAL(Precision, Scale) value, or an error when that would round or
// overflow.
func Scaled(d decimal.Decimal) (*big.Int, error) {
	coef := d.Coefficient()
	exp := int(d.Exponent()) + Scale
	switch {
	case exp > 0:
		coef.Mul(coef, tenTo(exp))
	case exp < 0:
		q, r := new(big.Int).QuoRem(coef, tenTo(-exp), new(big.Int))
		if r.Sign() != 0 {
			return nil, fmt.Errorf("%w: %s has more than %d fractional digits", ErrInvalid, d.String(), Scale)
		}
		coef = q
	}
	if coef.CmpAbs(maxStorable) >= 0 {
		return nil, fmt.Errorf("%w: %s is too large to store", ErrInvalid, d.String())
	}
	return coef, nil
}

// FromScaled is the inverse of Scaled.
func FromScaled(v *big.Int) decimal.Decimal {
	return decimal.NewFromBigInt(v, -Scale)
}

// QuantityScale is the number of fractional digits stored for usage
// quantities: DECIMAL(Precision, QuantityScale). Quantities are not money
// and can be huge (GCP reports memory in byte-seconds: 1.2e14 for one VM
// hour), so they trade fractional digits for integer ones.
const QuantityScale = 12

var maxQuantity = decimal.New(1, Precision-QuantityScale)

// ParseQuantity reads a usage quantity; empty or NULL is null. Digits
// beyond Scale are rounded by Round (float noise of FLOAT64 exports); the
// store keeps QuantityScale of them (RoundAt).
func ParseQuantity(s string) (decimal.NullDecimal, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "null") {
		return decimal.NullDecimal{}, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.NullDecimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrInvalid, s)
	}
	d = Round(d)
	if d.Abs().Cmp(maxQuantity) >= 0 {
		return decimal.NullDecimal{}, fmt.Errorf("%w: quantity %s is too large to store", ErrInvalid, s)
	}
	return decimal.NewNullDecimal(d), nil
}
