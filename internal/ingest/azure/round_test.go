package azure

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// TestDerivedAmountsRounding: amounts Azure rows derive (cost × (1 −
// partner earned credit), price × quantity × exchange rate) are rounded
// by Tally's one rule, cost.Round: half to even at 10^-24.
func TestDerivedAmountsRounding(t *testing.T) {
	d := decimal.RequireFromString
	// 5e-24 × (1 − 0.5) = 2.5e-24: a tie, to even.
	_, net, _, _, err := costRule{}.apply(d("0.000000000000000000000005"), d("0.5"))
	if err != nil || net.String() != "0.000000000000000000000002" {
		t.Fatalf("net of a tie = %s (%v), want 0.000000000000000000000002", net, err)
	}
	_, net, _, _, err = costRule{}.apply(d("-0.000000000000000000000007"), d("0.5"))
	if err != nil || net.String() != "-0.000000000000000000000004" {
		t.Fatalf("net of a negative tie = %s (%v), want -0.000000000000000000000004", net, err)
	}
	if _, err := fit(d("100000000000000")); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("fit(10^14): err = %v, want ErrInvalid", err)
	}
}
