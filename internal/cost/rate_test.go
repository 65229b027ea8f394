package cost

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestRateCheck(t *testing.T) {
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := func(month time.Time, currency, usd string, ok bool) {
		t.Helper()
		err := Rate{Month: month, Currency: currency, USD: decimal.RequireFromString(usd)}.Check()
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s %s %s: %v, want ok %v", month.Format("2006-01-02"), currency, usd, err, ok)
		}
	}
	f(march, "EUR", "1.0825", true)
	f(march, "EUR", "0.000000000001", true)
	f(march, "EUR", "999999.999999999999", true)
	f(march, "EUR", "1.500000000000000", true) // trailing zeros past 12 digits are the same rate
	f(march, "EUR", "0.0000000000001", false)  // 13 fractional digits
	f(march, "EUR", "1000000", false)
	f(march, "EUR", "0", false)
	f(march, "EUR", "-1", false)
	f(march, "USD", "1", false)
	f(march, "eur", "1", false)
	f(march, "EU'", "1", false)
	f(march, "EURO", "1", false)
	f(march.AddDate(0, 0, 1), "EUR", "1", false)
	f(march.Add(time.Hour), "EUR", "1", false)
	f(time.Time{}, "EUR", "1", false)
	f(time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)), "EUR", "1", false)
}

func TestRateConvert(t *testing.T) {
	r := Rate{Month: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Currency: "EUR", USD: decimal.RequireFromString("1.5")}
	f := func(amount, want string) {
		t.Helper()
		if got := r.Convert(decimal.RequireFromString(amount)); !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("%s × 1.5 = %s, want %s", amount, got, want)
		}
	}
	f("10", "15")
	f("0.0000000000005", "0")                // a tie rounds to even (0)
	f("0.0000000000015", "0.000000000003")   // and to even (2e-12)
	f("-0.0000000000025", "-0.000000000003") // -2e-12
	f("1.0000000000004999", "1.5")
	f("12345678901234.123456789012345678901234", "18518518351851.185185183518")
	in, out := time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if !r.Applies("EUR", in) || r.Applies("EUR", out) || r.Applies("NOK", in) || r.Applies("EUR", r.Month.Add(-time.Nanosecond)) {
		t.Error("Applies: want EUR within March only")
	}
}
