package duckdb

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// This file writes one line item as one line of the spool CSV that
// loadSQL reads back (see spool.go). The format is fixed so that DuckDB
// needs no sniffing: comma-separated, '"' quotes doubled, '\n' ends a
// row. An unquoted empty field is NULL and a quoted one ("") the empty
// string, which is how the appender stored absent and empty values.
// Amounts are exact decimal text, which DuckDB's CSV reader parses
// straight into DECIMAL without a float in between; timestamps are
// microseconds since the epoch; tags are one JSON object. Coded text
// columns (codes.go) are written as their integer codes.

// appendRow appends li, tagged with its snapshot and its position in the
// import (line_no, which makes the stored entry's id), as one spool line,
// with the codes cd gives for the coded text columns (codes.go). It
// fails without side effects (b is returned unchanged) when an amount
// cannot be stored exactly.
func appendRow(b []byte, snapshot, lineNo int64, li *cost.LineItem, cd *coder) ([]byte, error) {
	start := len(b)
	b = strconv.AppendInt(b, snapshot, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, lineNo, 10)
	var err error
	for i := range lineItemColumns {
		c := &lineItemColumns[i]
		b = append(b, ',')
		switch {
		case c.text != nil:
			v := *c.text(li)
			if v == "" && c.added {
				// Columns added after the first schema hold NULL in older
				// rows, so empty is NULL for them throughout: one validity
				// bit instead of an empty string through DuckDB's string
				// statistics and compression (most bills leave the Azure
				// fields empty). Readers coalesce to ''.
				break
			}
			if c.coded() {
				b = strconv.AppendInt(b, int64(cd.code(v)), 10)
				break
			}
			b = appendText(b, v)
		case c.time != nil:
			if t := *c.time(li); !t.IsZero() {
				b = strconv.AppendInt(b, t.UnixMicro(), 10)
			}
		case c.qty != nil:
			if q := *c.qty(li); !q.Valid {
				b = append(b, ',') // NULL in both fields
			} else if b, err = appendQuantity(b, q.Decimal); err != nil {
				return b[:start], fmt.Errorf("%s: %w", c.name, err)
			}
		case c.flag != nil:
			b = strconv.AppendBool(b, *c.flag(li))
		}
	}
	for m := range cost.NumMetrics {
		b = append(b, ',')
		if b, err = appendMoney(b, li.Cost[m]); err != nil {
			return b[:start], fmt.Errorf("%s: %w", cost.Metric(m), err)
		}
	}
	usdBill := li.BillingCurrency == "USD"
	for m := range cost.NumMetrics {
		b = append(b, ',')
		u := li.USD[m]
		if !u.Valid || usdBill && u.Decimal.Equal(li.Cost[m]) {
			b = append(b, ',') // NULL in both fields; see metricColumns
			continue
		}
		if b, err = appendMoney(b, u.Decimal); err != nil {
			return b[:start], fmt.Errorf("%s in USD: %w", cost.Metric(m), err)
		}
	}
	b = append(b, ',')
	if len(li.Tags) > 0 { // no tags stay NULL, as the appender stored them
		b = appendTags(b, li.Tags)
	}
	return append(b, '\n'), nil
}

// appendText appends s as a CSV field: bare when DuckDB reads it back
// unchanged, quoted otherwise. Text that is not valid UTF-8 has its bad
// bytes replaced by U+FFFD: DuckDB rejects the whole file otherwise (the
// appender stored such a value as NULL).
func appendText(b []byte, s string) []byte {
	if s == "" {
		return append(b, '"', '"')
	}
	quote, ascii := false, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == ',' || c == '"' || c == '\n' || c == '\r':
			quote = true
		}
	}
	if !ascii && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	// A leading or trailing blank is quoted too, in case a reader trims.
	if !quote && s[0] != ' ' && s[len(s)-1] != ' ' && s[0] != '\t' && s[len(s)-1] != '\t' {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendTags appends tags as a quoted CSV field holding one JSON object
// of strings, which loadSQL casts to MAP(VARCHAR, VARCHAR).
func appendTags(b []byte, tags map[string]string) []byte {
	b = append(b, '"', '{')
	first := true
	for k, v := range tags {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	return append(b, '}', '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string inside a quoted CSV field,
// so every '"' is doubled. Bad UTF-8 becomes U+FFFD as in appendText.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = append(b, '"', '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			b = append(b, '\\', '"', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c) // multi-byte UTF-8 passes as is
		}
	}
	return append(b, '"', '"')
}

// Every amount takes two fields, exactly one of them set: a short form
// read as DECIMAL(18, small scale), which DuckDB parses with int64
// arithmetic, and the full DECIMAL(38, scale) form for the rest. Parsing
// text into a 38-digit decimal divides 128-bit integers at every digit:
// with all amounts in that form, the cast was a quarter of the load's CPU.
const (
	shortPrecision     = 18
	moneyShortScale    = 12 // up to 999,999.999999999999
	quantityShortScale = 6  // up to 999,999,999,999.999999
)

// appendMoney appends d as exact text for a DECIMAL(Precision, Scale)
// column, or fails with cost.Scaled's error when d does not fit.
func appendMoney(b []byte, d decimal.Decimal) ([]byte, error) {
	if out, ok := appendSmallDecimal(b, d, shortPrecision, moneyShortScale); ok {
		return append(out, ','), nil
	}
	b = append(b, ',')
	if out, ok := appendSmallDecimal(b, d, cost.Precision, cost.Scale); ok {
		return out, nil
	}
	v, err := cost.Scaled(d)
	if err != nil {
		return b[:len(b)-1], err
	}
	return appendScaled(b, v, cost.Scale), nil
}

// appendQuantity appends a usage quantity rounded by Tally's one rule to
// cost.QuantityScale: quantities are not money, and ParseQuantity has
// already bounded their size.
func appendQuantity(b []byte, d decimal.Decimal) ([]byte, error) {
	d = cost.RoundAt(d, cost.QuantityScale)
	if out, ok := appendSmallDecimal(b, d, shortPrecision, quantityShortScale); ok {
		return append(out, ','), nil
	}
	b = append(b, ',')
	if out, ok := appendSmallDecimal(b, d, cost.Precision, cost.QuantityScale); ok {
		return out, nil
	}
	v := d.Coefficient()
	if shift := int(d.Exponent()) + cost.QuantityScale; shift > 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	}
	if v.CmpAbs(maxQuantityScaled) >= 0 {
		return b, fmt.Errorf("%w: quantity %s is too large to store", cost.ErrInvalid, d.String())
	}
	return appendScaled(b, v, cost.QuantityScale), nil
}

var maxQuantityScaled = new(big.Int).Exp(big.NewInt(10), big.NewInt(cost.Precision), nil)

// appendSmallDecimal is the allocation-free path for the common amounts,
// whose coefficient has at most 18 digits. It reports false when d needs
// the big.Int path or does not fit DECIMAL(precision, scale), leaving the
// caller to try a wider form or to word the error.
func appendSmallDecimal(b []byte, d decimal.Decimal, precision, scale int) ([]byte, bool) {
	if d.Sign() == 0 {
		return append(b, '0'), true
	}
	if d.NumDigits() > 18 {
		return b, false
	}
	c := d.CoefficientInt64()
	exp := int(d.Exponent())
	for exp < -scale && c%10 == 0 { // trailing zeros beyond the scale are exact
		c /= 10
		exp++
	}
	if exp < -scale {
		return b, false
	}
	neg := c < 0
	if neg {
		c = -c
	}
	var buf [24]byte
	digits := strconv.AppendUint(buf[:0], uint64(c), 10)
	intDigits := len(digits) + exp
	if intDigits > precision-scale {
		return b, false
	}
	if neg {
		b = append(b, '-')
	}
	switch {
	case exp >= 0:
		b = append(b, digits...)
		for range exp {
			b = append(b, '0')
		}
	case intDigits > 0:
		b = append(b, digits[:intDigits]...)
		b = append(b, '.')
		b = append(b, digits[intDigits:]...)
	default:
		b = append(b, '0', '.')
		for range -intDigits {
			b = append(b, '0')
		}
		b = append(b, digits...)
	}
	return b, true
}

// appendScaled appends v·10^-scale as decimal text.
func appendScaled(b []byte, v *big.Int, scale int) []byte {
	s := v.Text(10)
	if s[0] == '-' {
		b = append(b, '-')
		s = s[1:]
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	b = append(b, s[:len(s)-scale]...)
	b = append(b, '.')
	return append(b, s[len(s)-scale:]...)
}
