package cost

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestRound(t *testing.T) {
	f := func(in string, places int32, want string) {
		t.Helper()
		if got := RoundAt(decimal.RequireFromString(in), places).String(); got != want {
			t.Fatalf("RoundAt(%s, %d) = %s, want %s", in, places, got, want)
		}
	}
	f("0.125", 2, "0.12")   // tie: to even
	f("0.135", 2, "0.14")   // tie: to even
	f("-0.125", 2, "-0.12") // tie, negative: to even, not away from zero
	f("0.1251", 2, "0.13")
	f("1.5", 2, "1.5") // fewer digits: kept as written
	// At Scale (24): the rule every reader uses.
	if got := Round(decimal.RequireFromString("0.0000000000000000000000025")).String(); got != "0.000000000000000000000002" {
		t.Fatalf("Round at 10^-24 = %s, want half to even", got)
	}
}

func TestQuo(t *testing.T) {
	f := func(a, b, want string) {
		t.Helper()
		if got := Quo(decimal.RequireFromString(a), decimal.RequireFromString(b)).String(); got != want {
			t.Fatalf("Quo(%s, %s) = %s, want %s", a, b, got, want)
		}
	}
	f("10", "4", "2.5")
	f("1", "3", "0.333333333333333333333333")
	f("2", "3", "0.666666666666666666666667")
	f("-2", "3", "-0.666666666666666666666667")
	f("2", "-3", "-0.666666666666666666666667")
	// Ties at the 24th digit: to even (DivRound would go away from zero).
	f("0.000000000000000000000005", "2", "0.000000000000000000000002")
	f("0.000000000000000000000007", "2", "0.000000000000000000000004")
	f("-0.000000000000000000000005", "2", "-0.000000000000000000000002")
	f("0.000000000000000000000005", "-2", "-0.000000000000000000000002")
	f("123.45", "9.8765", "12.49936718473143320002025")
}
