package synth

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"time"
)

// Money and quantities are integers of a power-of-ten unit (a "scaled"
// value: v × 10^-scale) so that every amount written is exact and the
// total in Stats is an exact integer sum, never a float.

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// appendDec appends v × 10^-scale in plain decimal notation with trailing
// fractional zeros removed, as the bills write amounts ("0.192", "10",
// "-0.0000050000" → "-0.000005").
func appendDec(b []byte, v int64, scale int) []byte {
	if scale == 0 {
		return strconv.AppendInt(b, v, 10)
	}
	var u uint64
	if v < 0 {
		b = append(b, '-')
		u = uint64(-(v + 1)) + 1 // also right for math.MinInt64
	} else {
		u = uint64(v)
	}
	p := uint64(pow10[scale])
	b = strconv.AppendUint(b, u/p, 10)
	frac := u % p
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		scale--
	}
	b = append(b, '.')
	var digits [20]byte
	i := len(digits)
	for n := 0; n < scale; n++ {
		i--
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, digits[i:]...)
}

// num is an optional scaled value: a cell that some rows leave empty.
type num struct {
	v     int64
	scale int8
	ok    bool
}

func some(v int64, scale int) num { return num{v: v, scale: int8(scale), ok: true} }

func appendNum(b []byte, n num) []byte {
	if !n.ok {
		return b
	}
	return appendDec(b, n.v, int(n.scale))
}

// total is an exact running sum of scaled values. Rows stay far inside
// int64, but 50 million of them may not, so the int64 part spills into a
// big.Int before it could overflow.
type total struct {
	small int64
	big   *big.Int
}

func (t *total) add(v int64) {
	if (v > 0 && t.small > math.MaxInt64-v) || (v < 0 && t.small < math.MinInt64-v) {
		t.spill()
	}
	t.small += v
}

func (t *total) spill() {
	if t.big == nil {
		t.big = new(big.Int)
	}
	t.big.Add(t.big, big.NewInt(t.small))
	t.small = 0
}

// int returns the sum as a big.Int.
func (t *total) int() *big.Int {
	s := big.NewInt(t.small)
	if t.big != nil {
		s.Add(s, t.big)
	}
	return s
}

// decimal renders the sum of values of the given scale.
func (t *total) decimal(scale int) string {
	return ratString(new(big.Rat).SetFrac(t.int(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)), scale)
}

// ratString writes an exact decimal with at most scale fractional digits,
// trailing zeros removed.
func ratString(r *big.Rat, scale int) string {
	s := r.FloatString(scale)
	if scale == 0 {
		return s
	}
	i := len(s)
	for s[i-1] == '0' {
		i--
	}
	if s[i-1] == '.' {
		i--
	}
	s = s[:i]
	if s == "-0" {
		return "0"
	}
	return s
}

const hexDigits = "0123456789abcdef"

// appendHex appends the low n hex digits of x.
func appendHex(b []byte, x uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, hexDigits[(x>>(4*uint(i)))&0xf])
	}
	return b
}

// appendCSV appends s as one CSV field, quoted only when it holds a
// comma, quote or line break (RFC 4180, as encoding/csv writes it).
func appendCSV[T string | []byte](b []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			return appendQuoted(b, s)
		}
	}
	return append(b, s...)
}

func appendQuoted[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. The catalogues hold plain
// ASCII; quotes, backslashes and control characters are escaped anyway.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = appendHex(b, uint64(c), 2)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Date spellings. Each is written into a fixed-size array once per hour or
// day, not per row.

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// appendISO writes 2023-06-01T00:00:00Z (AWS CUR, FOCUS).
func appendISO(b []byte, t time.Time) []byte {
	b = appendYMD(b, t, '-')
	b = append(b, 'T')
	b = appendHMS(b, t)
	return append(b, 'Z')
}

// appendSpaced writes 2023-06-01 00:00:00 plus suffix (GCP: "+00:00" in
// the flattened CSV, " UTC" in BigQuery JSON).
func appendSpaced(b []byte, t time.Time, suffix string) []byte {
	b = appendYMD(b, t, '-')
	b = append(b, ' ')
	b = appendHMS(b, t)
	return append(b, suffix...)
}

func appendYMD(b []byte, t time.Time, sep byte) []byte {
	y, m, d := t.Date()
	b = append4(b, y)
	b = append(b, sep)
	b = append2(b, int(m))
	b = append(b, sep)
	return append2(b, d)
}

func appendHMS(b []byte, t time.Time) []byte {
	h, mi, s := t.Clock()
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	return append2(b, s)
}

// appendUS writes the US date Azure's actual/amortized exports use:
// 09/21/2023 (billing-formats.md §6.11).
func appendUS(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	b = append2(b, int(m))
	b = append(b, '/')
	b = append2(b, d)
	b = append(b, '/')
	return append4(b, y)
}

// appendYM writes 202311 (GCP invoice.month).
func appendYM(b []byte, t time.Time) []byte {
	return append2(append4(b, t.Year()), int(t.Month()))
}

// appendProduct appends a × m (both ≥ 0), going through math/big only
// when the product does not fit an int64 (byte-seconds of a month).
func appendProduct(b []byte, a, m int64) []byte {
	hi, lo := bits.Mul64(uint64(a), uint64(m))
	if hi == 0 && lo <= math.MaxInt64 {
		return strconv.AppendUint(b, lo, 10)
	}
	return new(big.Int).Mul(big.NewInt(a), big.NewInt(m)).Append(b, 10)
}

// appendAll appends the strings in order.
func appendAll(b []byte, parts ...string) []byte {
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
