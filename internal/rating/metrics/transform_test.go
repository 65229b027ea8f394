package metrics

import (
	"errors"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
)

func TestQuantity(t *testing.T) {
	stateMap := map[string]decimal.Decimal{
		"0": decimal.Zero, "1": decimal.NewFromInt(1), "2": decimal.RequireFromString("0.5"),
		"-3": decimal.RequireFromString("0.125"),
	}
	f := func(factor, offset string, mutate Mutate, in, want string) {
		t.Helper()
		m := &Metric{Name: "m", Factor: rat(factor), Offset: rat(offset), Mutate: mutate}
		if mutate == MutateMap {
			m.MutateMap = stateMap
		}
		got := m.Quantity(decimal.RequireFromString(in))
		if got.String() != want {
			t.Errorf("%s × %s + %s, %s: got %s, want %s", in, factor, offset, mutate, got, want)
		}
	}
	// NONE: exact, no trailing zeros.
	f("1", "0", MutateNone, "2.50", "2.5")
	f("1", "0", MutateNone, "0", "0")
	f("1", "0", MutateNone, "-7.25", "-7.25")
	f("0", "0", MutateNone, "123.4", "0")
	f("0.5", "0", MutateNone, "3", "1.5")
	// Fractions stay exact: bytes to MiB, and 3 × 1/3 is 1, not
	// upstream's 0.999999999.
	f("1/1048576", "0", MutateNone, "5242880", "5")
	f("1/1048576", "0", MutateNone, "1572864", "1.5")
	f("1/3", "0", MutateNone, "3", "1")
	f("1/3", "0", MutateNone, "-6", "-2")
	// Beyond QuantityScale (12) digits: half to even at 12 places.
	f("1/1048576", "0", MutateNone, "1", "0.000000953674") // 0.00000095367431640625
	f("1/3", "0", MutateNone, "1", "0.333333333333")
	f("1/3", "0", MutateNone, "2", "0.666666666667")
	f("1/3", "0", MutateNone, "-2", "-0.666666666667")
	f("1/2", "0", MutateNone, "0.000000000001", "0")                // tie, 0 is even
	f("1/2", "0", MutateNone, "0.000000000003", "0.000000000002")   // tie, up to even
	f("1/2", "0", MutateNone, "-0.000000000003", "-0.000000000002") // tie, negative
	f("1/2", "0", MutateNone, "0.000000000005", "0.000000000002")   // tie, down to even
	// Offsets, also fractions and negative.
	f("2", "-1", MutateNone, "0", "-1")
	f("2", "-1", MutateNone, "0.5", "0")
	f("1", "1/3", MutateNone, "0", "0.333333333333")
	f("1/4", "1/4", MutateNone, "1", "0.5")
	// CEIL and FLOOR see the exact value.
	f("1", "0", MutateCeil, "1.2", "2")
	f("1", "0", MutateCeil, "-1.2", "-1")
	f("1", "0", MutateCeil, "2", "2")
	f("1", "0", MutateCeil, "0", "0")
	f("1/1048576", "0", MutateCeil, "1048577", "2")
	f("1/3", "0", MutateCeil, "3", "1")
	f("1", "0", MutateFloor, "1.8", "1")
	f("1", "0", MutateFloor, "-1.2", "-2")
	f("1", "0", MutateFloor, "-2", "-2")
	f("1", "0", MutateFloor, "0", "0")
	f("1", "0.5", MutateFloor, "0.5", "1")
	// NUMBOOL and NOTNUMBOOL, after factor and offset.
	f("1", "0", MutateNumBool, "0", "0")
	f("1", "0", MutateNumBool, "0.0001", "1")
	f("1", "0", MutateNumBool, "-5", "1")
	f("1", "-1", MutateNumBool, "1", "0")
	f("0", "0", MutateNumBool, "9", "0")
	f("1", "0", MutateNotNumBool, "0", "1")
	f("1", "0", MutateNotNumBool, "3", "0")
	f("1", "0", MutateNotNumBool, "-0.5", "0")
	// MAP: numeric match after factor and offset; unmapped is 0.
	f("1", "0", MutateMap, "1", "1")
	f("1", "0", MutateMap, "2.000", "0.5")
	f("4", "0", MutateMap, "0.5", "0.5")
	f("1", "0", MutateMap, "3", "0")
	f("1", "0", MutateMap, "-3", "0.125")
	f("1", "0", MutateMap, "0", "0")
	f("1/3", "0", MutateMap, "1", "0") // 1/3 is no key, however it is rounded
}

// TestQuantityKeepsMetric checks that Quantity does not change the
// metric's factor or offset (it computes in place on a copy).
func TestQuantityKeepsMetric(t *testing.T) {
	m := &Metric{Factor: big.NewRat(1, 3), Offset: big.NewRat(1, 2)}
	for range 3 {
		if got := m.Quantity(decimal.NewFromInt(3)); got.String() != "1.5" {
			t.Fatalf("got %s", got)
		}
	}
	if m.Factor.RatString() != "1/3" || m.Offset.RatString() != "1/2" {
		t.Errorf("factor %s offset %s", m.Factor.RatString(), m.Offset.RatString())
	}
}

func TestSample(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got, err := Sample(in)
		if err != nil || got.String() != want {
			t.Errorf("Sample(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	f("0", "0")
	f("-0", "0")
	f("42", "42")
	f("0.30000000000000004", "0.3") // 0.1 + 0.2
	f("3.0000000000000004", "3")
	f("2.9999999999999996", "3")
	f("1.5e+09", "1500000000")
	f("1073741824", "1073741824")
	f("123456789.123456", "123456789.123456") // 15 digits kept
	f("0.000001", "0.000001")
	f("-7.25", "-7.25")
	f("1e-9", "0.000000001")
	for _, bad := range []string{"NaN", "+Inf", "-Inf", "", "x"} {
		if _, err := Sample(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Sample(%q): %v, want ErrInvalid", bad, err)
		}
	}
	// The point of it: CEIL sees 3, not 3.0000000000000004.
	m := &Metric{Factor: big.NewRat(1, 1), Offset: new(big.Rat), Mutate: MutateCeil}
	q, _ := Sample("3.0000000000000004")
	if got := m.Quantity(q); got.String() != "3" {
		t.Errorf("CEIL of a float artefact: %s", got)
	}
}
