package cost

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// RateScale is the number of fractional digits of an exchange rate, and
// the digits an amount is rounded to before it is converted: the product
// of the two then has exactly Scale (24) fractional digits, so a
// converted amount is exact and needs no second rounding. A store
// multiplies DECIMAL(38,12) by DECIMAL(18,12), which stays within 38
// digits without going through floating point.
const RateScale = 12

// maxRateDigits bounds a rate's integer digits (DECIMAL(18,12)): no
// currency is worth a million dollars a unit.
const maxRateDigits = 18 - RateScale

// Rate is the value of one unit of Currency in US dollars during the
// calendar month that starts at Month (UTC): the exchange rate an
// administrator sets for line items whose bill gives no USD value.
type Rate struct {
	Month    time.Time
	Currency string
	USD      decimal.Decimal
}

// Applies reports whether r converts an amount in currency charged at t.
func (r Rate) Applies(currency string, t time.Time) bool {
	return currency == r.Currency && !t.Before(r.Month) && t.Before(r.Month.AddDate(0, 1, 0))
}

// Convert returns amount in US dollars: amount rounded to RateScale
// fractional digits by Tally's rule (RoundAt, half to even), times the
// rate, exactly.
func (r Rate) Convert(amount decimal.Decimal) decimal.Decimal {
	return RoundAt(amount, RateScale).Mul(r.USD)
}

// Check reports whether r can be stored and applied: a month that starts
// at midnight UTC on its first day, a currency code of three capital
// letters other than USD, and a positive value of at most RateScale
// fractional digits and maxRateDigits integer digits.
func (r Rate) Check() error {
	m := r.Month
	if m.IsZero() || !m.Equal(time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)) {
		return fmt.Errorf("%w: exchange rate month %s is not the first day of a month at midnight UTC", ErrInvalid, m)
	}
	if !IsCurrencyCode(r.Currency) {
		return fmt.Errorf("%w: currency %q is not a three-letter code in capitals (ISO 4217)", ErrInvalid, r.Currency)
	}
	if r.Currency == "USD" {
		return fmt.Errorf("%w: currency USD needs no exchange rate", ErrInvalid)
	}
	if r.USD.Sign() <= 0 {
		return fmt.Errorf("%w: exchange rate %s of %s is not positive", ErrInvalid, r.USD, r.Currency)
	}
	if r.USD.Exponent() < -RateScale && !r.USD.Equal(r.USD.Truncate(RateScale)) {
		return fmt.Errorf("%w: exchange rate %s of %s has more than %d fractional digits", ErrInvalid, r.USD, r.Currency, RateScale)
	}
	if r.USD.GreaterThanOrEqual(decimal.New(1, maxRateDigits)) {
		return fmt.Errorf("%w: exchange rate %s of %s is not below %s", ErrInvalid, r.USD, r.Currency, decimal.New(1, maxRateDigits))
	}
	return nil
}

// IsCurrencyCode reports whether s has the shape of an ISO 4217 code:
// three capital ASCII letters.
func IsCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
