package duckdb

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestParseDecimal checks the short path against decimal.NewFromString on
// the texts DuckDB writes for DECIMAL(38, 24) and on what it must leave
// to NewFromString: the same value and the same rendering, always.
func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in    string
		short bool // read without math/big
	}{
		{"0.000000000000000000000000", true},
		{"0", true},
		{"12.340000000000000000000000", true},
		{"-12.340000000000000000000000", true},
		{"-0.000000000000000000000001", true},
		{"0.000000000000000001000000", true},
		{"123456789012.345678000000000000000000", true},
		{"999999999999999999", true},
		{"-999999999999999999.000000", true},
		{"000000000000000000001.5", true}, // leading zeros are not digits
		{"0.0000000000000000000000001", true},
		{"99999999999999.999999999999999999999999", false},  // 38 digits
		{"1000000000000000000", false},                      // 19 digits
		{"0.0000000000000000001", true},                     // one significant digit
		{"170141183460469231731.687303715884105727", false}, // past an int64
		{"-170141183460469231731.687303715884105728", false},
		{"5.", true},
		{".5", false},
		{"+5", false},
		{"1e3", false},
		{"12", true},
		{"007.50", true},
	} {
		want, err := decimal.NewFromString(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		got, err := parseDecimal(tc.in)
		if err != nil {
			t.Fatalf("parseDecimal(%q): %v", tc.in, err)
		}
		if !got.Equal(want) || got.String() != want.String() || got.StringFixed(24) != want.StringFixed(24) {
			t.Errorf("parseDecimal(%q) = %s, want %s", tc.in, got, want)
		}
		if _, ok := parseShortDecimal(tc.in); ok != tc.short {
			t.Errorf("parseShortDecimal(%q) ok = %v, want %v", tc.in, ok, tc.short)
		}
	}
	for _, bad := range []string{"-", "1.2.3", "x", "1-2", "--1"} {
		if _, err := parseDecimal(bad); err == nil {
			t.Errorf("parseDecimal(%q): no error", bad)
		}
	}
	if d, err := parseDecimal(""); err != nil || !d.IsZero() {
		t.Errorf(`parseDecimal("") = %s, %v; want 0`, d, err)
	}
}
