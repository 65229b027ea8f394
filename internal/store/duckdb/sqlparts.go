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
func parseDecimal(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	return decimal.NewFromString(s)
}
