package gcp

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The list columns of a GCP export (credits, labels, project.labels,
// system_labels, tags) reach us as JSON (BigQuery JSON export, most CSV
// flatteners) or as Python reprs (pandas and the BigQuery Python client:
// `[{'name': 'X', 'amount': -5e-06, 'full_name': None}]`). One small parser
// reads both. encoding/json cannot: it rejects single quotes and None, and
// decoding into interface{} would turn amounts into float64.

// litKind is the type of a literal.
type litKind int

const (
	litNull litKind = iota
	litBool
	litNumber
	litString
	litList
	litDict
)

// literal is a parsed JSON or Python value. Numbers keep their text.
type literal struct {
	kind  litKind
	text  string    // bool "true"/"false", number text, string value
	items []literal // list items, or dict values
	keys  []string  // dict keys, in order
}

// maxLiteralDepth bounds nesting so that hostile cells cannot exhaust the
// stack.
const maxLiteralDepth = 64

// parseLiteral reads one JSON or Python literal filling all of s.
func parseLiteral(s string) (literal, error) {
	p := litParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return literal{}, err
	}
	p.space()
	if p.i < len(p.s) {
		return literal{}, p.errorf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: "+format, append([]any{p.i}, args...)...)
}

// rest returns a short excerpt of the unread text for error messages.
func (p *litParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *litParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *litParser) value(depth int) (literal, error) {
	if depth > maxLiteralDepth {
		return literal{}, p.errorf("nested deeper than %d levels", maxLiteralDepth)
	}
	p.space()
	if p.i >= len(p.s) {
		return literal{}, p.errorf("unexpected end of text")
	}
	switch c := p.s[p.i]; {
	case c == '[' || c == '(':
		return p.list(depth)
	case c == '{':
		return p.dict(depth)
	case c == '"' || c == '\'':
		s, err := p.str()
		return literal{kind: litString, text: s}, err
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return p.ident()
	}
	return literal{}, p.errorf("unexpected %q", p.rest())
}

func (p *litParser) list(depth int) (literal, error) {
	closing := byte(']')
	if p.s[p.i] == '(' { // a Python tuple
		closing = ')'
	}
	p.i++
	v := literal{kind: litList}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == closing {
			p.i++
			return v, nil
		}
		item, err := p.value(depth + 1)
		if err != nil {
			return literal{}, err
		}
		v.items = append(v.items, item)
		if err := p.separator(closing); err != nil {
			return literal{}, err
		}
	}
}

func (p *litParser) dict(depth int) (literal, error) {
	p.i++
	v := literal{kind: litDict}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, nil
		}
		if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\'') {
			return literal{}, p.errorf("want a quoted key")
		}
		key, err := p.str()
		if err != nil {
			return literal{}, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return literal{}, p.errorf("want ':' after key %q", key)
		}
		p.i++
		val, err := p.value(depth + 1)
		if err != nil {
			return literal{}, err
		}
		v.keys = append(v.keys, key)
		v.items = append(v.items, val)
		if err := p.separator('}'); err != nil {
			return literal{}, err
		}
	}
}

// separator consumes a ',' (a trailing one before closing is fine, as in
// Python) or leaves closing for the caller.
func (p *litParser) separator(closing byte) error {
	p.space()
	if p.i >= len(p.s) {
		return p.errorf("unexpected end of text, want ',' or %q", closing)
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return nil
	case closing:
		return nil
	}
	return p.errorf("want ',' or %q, found %q", closing, p.rest())
}

// str reads a quoted string with JSON and Python escapes.
func (p *litParser) str() (string, error) {
	quote := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == quote:
			p.i++
			return b.String(), nil
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *litParser) escape(b *strings.Builder) error {
	if p.i+1 >= len(p.s) {
		return p.errorf("unterminated escape")
	}
	c := p.s[p.i+1]
	p.i += 2
	switch c {
	case '\\', '\'', '"', '/':
		b.WriteByte(c)
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'v':
		b.WriteByte('\v')
	case 'a':
		b.WriteByte('\a')
	case '0':
		b.WriteByte(0)
	case 'x', 'u', 'U':
		n := 2
		switch c {
		case 'u':
			n = 4
		case 'U':
			n = 8
		}
		if p.i+n > len(p.s) {
			return p.errorf("short \\%c escape", c)
		}
		v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
		if err != nil {
			return p.errorf("bad \\%c escape %q", c, p.s[p.i:p.i+n])
		}
		p.i += n
		r := rune(v)
		// JSON writes characters outside the BMP as surrogate pairs.
		if c == 'u' && r >= 0xd800 && r < 0xdc00 && strings.HasPrefix(p.s[p.i:], `\u`) && p.i+6 <= len(p.s) {
			if lo, err := strconv.ParseUint(p.s[p.i+2:p.i+6], 16, 32); err == nil && lo >= 0xdc00 && lo < 0xe000 {
				r = 0x10000 + (r-0xd800)<<10 + (rune(lo) - 0xdc00)
				p.i += 6
			}
		}
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	default:
		// Python keeps unknown escapes as written.
		b.WriteByte('\\')
		b.WriteByte(c)
	}
	return nil
}

// number reads a number and keeps its text; cost.ParseAmount validates it
// where an amount is needed.
func (p *litParser) number() (literal, error) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+' || c == '_' {
			p.i++
			continue
		}
		break
	}
	return literal{kind: litNumber, text: p.s[start:p.i]}, nil
}

// ident reads true/false/null, True/False/None, Python's inf and nan (kept
// as number text, which amounts then reject) and Decimal('1.5'), the repr
// of BigQuery NUMERIC values in the Python client.
func (p *litParser) ident() (literal, error) {
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
		p.i++
	}
	switch word := p.s[start:p.i]; word {
	case "true", "True":
		return literal{kind: litBool, text: "true"}, nil
	case "false", "False":
		return literal{kind: litBool, text: "false"}, nil
	case "null", "None":
		return literal{kind: litNull}, nil
	case "inf", "nan", "NaN", "Infinity":
		return literal{kind: litNumber, text: word}, nil
	case "Decimal":
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '(' {
			return literal{}, p.errorf("want '(' after Decimal")
		}
		p.i++
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
			return literal{}, p.errorf("want a quoted number in Decimal(...)")
		}
		s, err := p.str()
		if err != nil {
			return literal{}, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return literal{}, p.errorf("want ')' to close Decimal(")
		}
		p.i++
		return literal{kind: litNumber, text: s}, nil
	default:
		return literal{}, p.errorf("unexpected word %q", word)
	}
}

// scalarText is the text of a scalar literal ("" for null).
func (v literal) scalarText() (string, bool) {
	switch v.kind {
	case litNull:
		return "", true
	case litBool, litNumber, litString:
		return v.text, true
	}
	return "", false
}

// field returns the value of key in a dict literal, or a null literal.
func (v literal) field(key string) literal {
	for i, k := range v.keys {
		if k == key {
			return v.items[i]
		}
	}
	return literal{}
}
