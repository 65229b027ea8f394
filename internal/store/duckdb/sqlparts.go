package duckdb

import (
	"strings"

	"github.com/shopspring/decimal"
)

// joinCols renders "pre col post" for each column, comma-separated.
func joinCols(cols []string, pre, post string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = pre + c + post
	}
	return strings.Join(parts, ", ")
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

// parseDecimal reads a DECIMAL rendered as text by DuckDB.
//
// DuckDB writes every fractional digit of the type's scale: a sum of
// DECIMAL(38, 24) amounts comes back as "12.340000000000000000000000",
// 26 digits, which decimal.NewFromString reads through math/big (a
// quarter of a Kubecost answer's allocations, issue 23). Without its
// trailing zeros such a number nearly always fits an int64, read here
// directly. The value is the same; only its exponent (how many zeros it
// spells) differs, which no reader of an answer sees: String, StringFixed
// and the arithmetic depend on the value alone.
func parseDecimal(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	if d, ok := parseShortDecimal(s); ok {
		return d, nil
	}
	return decimal.NewFromString(s)
}

// parseShortDecimal reads "[-]digits[.digits]" whose significant digits,
// without the fraction's trailing zeros, are at most 18 (any such number
// fits an int64); ok is false for anything else, which NewFromString then
// reads.
func parseShortDecimal(s string) (d decimal.Decimal, ok bool) {
	body, neg := strings.CutPrefix(s, "-")
	whole, frac, _ := strings.Cut(body, ".")
	frac = strings.TrimRight(frac, "0")
	// The significant digits: leading zeros add nothing to v.
	n := len(strings.TrimLeft(whole, "0")) + len(frac)
	if n == len(frac) {
		n = len(strings.TrimLeft(frac, "0"))
	}
	if whole == "" || n > 18 {
		return d, false
	}
	var v int64
	for _, digits := range [2]string{whole, frac} {
		for i := 0; i < len(digits); i++ {
			c := digits[i]
			if c < '0' || c > '9' {
				return d, false
			}
			v = v*10 + int64(c-'0')
		}
	}
	if neg {
		v = -v
	}
	return decimal.New(v, -int32(len(frac))), true
}
