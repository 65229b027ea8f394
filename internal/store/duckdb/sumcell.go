package duckdb

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/shopspring/decimal"
)

// sumCell is one sum column of a query's answer as DuckDB hands it over.
// Sums are read in DuckDB's own types, not as text: rendering a
// DECIMAL(38, 24) as text divides its 128-bit integer digit by digit,
// which was an eighth of the CPU of an uncached Kubecost answer (24,000
// sums, BENCHMARKS.md), where reading it is a copy of two words.
type sumCell struct{ v any }

// Scan implements sql.Scanner: the value is kept as the driver gives it
// (duckdb.Decimal, *big.Int for HUGEINT, an integer, text or nil) and
// read by decimalOf.
func (c *sumCell) Scan(src any) error {
	c.v = src
	return nil
}

// decimal is the cell's exact value.
func (c sumCell) decimal() (decimal.Decimal, error) {
	switch v := c.v.(type) {
	case nil:
		return decimal.Zero, nil
	case duckdb.Decimal:
		return scaled(v.Value, int(v.Scale)), nil
	case *big.Int:
		return scaled(v, 0), nil
	case int64:
		return decimal.NewFromInt(v), nil
	case int32:
		return decimal.NewFromInt(int64(v)), nil
	case string:
		return parseDecimal(v)
	case []byte:
		return parseDecimal(string(v))
	default:
		return decimal.Decimal{}, fmt.Errorf("reading a sum: unexpected %T from the store", c.v)
	}
}

// tens are the powers of ten scaled divides by, largest first.
var tens = [...]struct {
	d uint64
	n int
}{{1e12, 12}, {1e6, 6}, {1e3, 3}, {10, 1}}

// scaled is the decimal v·10^-scale. Its trailing zeros are dropped
// first (a DECIMAL(38, 24) sum of cents has 22), so that nearly every
// sum is an int64 coefficient, as parseDecimal reads it: the value is
// the same either way, but arithmetic on a big.Int is slower and
// allocates. A value past 128 bits, or still past an int64 without its
// zeros, is kept as it is.
func scaled(v *big.Int, scale int) decimal.Decimal {
	if v.IsInt64() && scale == 0 {
		return decimal.NewFromInt(v.Int64())
	}
	words := v.Bits()
	if bits.UintSize != 64 || len(words) > 2 {
		return decimal.NewFromBigInt(v, -int32(scale))
	}
	orig := scale
	var hi, lo uint64
	if len(words) > 0 {
		lo = uint64(words[0])
	}
	if len(words) > 1 {
		hi = uint64(words[1])
	}
	for _, t := range tens {
		for scale >= t.n {
			qh, r := hi/t.d, hi%t.d
			ql, r := bits.Div64(r, lo, t.d)
			if r != 0 {
				break
			}
			hi, lo, scale = qh, ql, scale-t.n
		}
	}
	if hi != 0 || lo > math.MaxInt64 {
		return decimal.NewFromBigInt(v, -int32(orig))
	}
	c := int64(lo)
	if v.Sign() < 0 {
		c = -c
	}
	return decimal.New(c, -int32(scale))
}
