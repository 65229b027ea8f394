package duckdb

import (
	"math/big"
	"math/rand/v2"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/shopspring/decimal"
)

// TestSumCell: every type the driver hands a sum over reads as its exact
// value, and sums of cents come out as int64 coefficients.
func TestSumCell(t *testing.T) {
	big24 := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(s, 10)
		if !ok {
			t.Fatalf("bad test number %s", s)
		}
		return v
	}
	for _, c := range []struct {
		name  string
		v     any
		want  string
		small bool // an int64 coefficient
	}{
		{"nil", nil, "0", true},
		{"cents", duckdb.Decimal{Width: 38, Scale: 24, Value: big24("123450000000000000000000000")}, "123.45", true},
		{"negative cents", duckdb.Decimal{Width: 38, Scale: 24, Value: big24("-123450000000000000000000000")}, "-123.45", true},
		{"zero", duckdb.Decimal{Width: 38, Scale: 24, Value: big.NewInt(0)}, "0", true},
		{"every digit", duckdb.Decimal{Width: 38, Scale: 24, Value: big24("1234567890123456789012345678")}, "1234.567890123456789012345678", false},
		{"past 10^14", duckdb.Decimal{Width: 38, Scale: 24, Value: big24("170000000000000000000000000000000000000")}, "170000000000000", true},
		{"one unit", duckdb.Decimal{Width: 38, Scale: 24, Value: big.NewInt(1)}, "0.000000000000000000000001", true},
		{"hugeint", big24("-340000000000000000000000000000000000000"), "-340000000000000000000000000000000000000", false},
		{"small hugeint", big.NewInt(42), "42", true},
		{"integer", int32(0), "0", true},
		{"bigint", int64(-7), "-7", true},
		{"text", "12.340000000000000000000000", "12.34", true},
		{"bytes", []byte("-0.5"), "-0.5", true},
	} {
		got, err := sumCell{c.v}.decimal()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if want := decimal.RequireFromString(c.want); !got.Equal(want) {
			t.Errorf("%s: %s, want %s", c.name, got, want)
		}
		if c.small && !got.Coefficient().IsInt64() {
			t.Errorf("%s: coefficient %s is not an int64", c.name, got.Coefficient())
		}
	}
	if _, err := (sumCell{3.5}).decimal(); err == nil {
		t.Error("a float read as a sum")
	}
}

// TestScaledProperty: scaled is v·10^-scale for random 128-bit values
// of every scale, with as many trailing zeros as chance gives.
func TestScaledProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		v := new(big.Int).SetUint64(rng.Uint64())
		if rng.IntN(2) == 0 {
			v.Lsh(v, 63).Add(v, new(big.Int).SetUint64(rng.Uint64()))
		}
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(rng.IntN(20))), nil))
		if v.BitLen() > 127 {
			v.Rsh(v, uint(v.BitLen()-127))
		}
		if rng.IntN(2) == 0 {
			v.Neg(v)
		}
		scale := rng.IntN(39)
		want := decimal.NewFromBigInt(v, -int32(scale))
		if got := scaled(new(big.Int).Set(v), scale); !got.Equal(want) {
			t.Fatalf("scaled(%s, %d) = %s, want %s", v, scale, got, want)
		}
	}
}
