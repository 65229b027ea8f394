// Package search parses and evaluates CloudHealth asset searches
// (cloudhealth.md §6, `GET /api/search`): the `query` criteria language
// and the request's other parameters. It has no HTTP code; the
// CloudHealth dialect decodes the URL, calls ParseRequest and renders.
//
// The query language, as the guide and real clients write it:
//
//	query   := ws* [clause (sep clause)*] ws*
//	sep     := ws+ "and" ws+ | ws* "&" ws*     -- "and" in any case
//	clause  := attr ws* op ws* value
//	attr    := ident ("." ident)*              -- dotted: through relations
//	ident   := [A-Za-z_][A-Za-z0-9_]*
//	op      := "=" | "!=" | "<>" | ">" | ">=" | "<" | "<="
//	value   := "'" (any rune but "'" | "''")* "'" | number | boolean
//	number  := ["-"] digits ["." digits]
//	boolean := "true" | "false"                -- any case
//	ws      := " " | "\t" | "\r" | "\n" | "+"
//
// Choices where the guide is silent (recorded so the dialect and the
// lead can revisit them):
//   - The guide shows only "=" ("query='[field value]'[operator][value]"
//     names an operator slot without a list); the other comparisons are
//     accepted because the perspective filter rules of the same product
//     use them on asset fields (§5, `"op": ">"`), and a client sending
//     them expects a comparison, not an error.
//   - "+" outside quotes is a space: URL decoding already turns a raw "+"
//     into a space, and a client that percent-encodes its "+" separators
//     (`name='a'%2Band%2Bis_private=0`) still means a space.
//   - "&" joins clauses: the openops client joins `f1='v1'&f2='v2'` inside
//     the encoded query value (§12).
//   - A quote inside a quoted value is written twice (SQL style);
//     the guide documents no escape, and a backslash stays a backslash so
//     Windows paths need no escaping.
//   - Unquoted values are limited to numbers and booleans (`is_private=0`,
//     `is_active=1`); a bare word is an error naming the missing quotes,
//     as the guide says string values go in single quotes.
package search

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/errkind"
)

// ErrInvalid is the kind of every error of this package: the search
// request is malformed, which the HTTP layer answers with a 4xx.
var ErrInvalid = errkind.Invalid.New("invalid asset search")

// SyntaxError is a query that does not parse. Its text names what was
// expected and where: "expected a value in single quotes at position 12".
type SyntaxError struct {
	// Pos is the 1-based character (rune) position in the query where the
	// error was found; len+1 means the end of the query.
	Pos int
	// Msg says what was expected or found, without the position.
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at position %d", e.Msg, e.Pos) }

// Unwrap makes errors.Is(err, ErrInvalid) and errkind.Invalid hold.
func (e *SyntaxError) Unwrap() error { return ErrInvalid }

// Op is a comparison operator.
type Op string

// The operators. "<>" is read as NotEqual and printed as "!=".
const (
	Equal        Op = "="
	NotEqual     Op = "!="
	Greater      Op = ">"
	GreaterEqual Op = ">="
	Less         Op = "<"
	LessEqual    Op = "<="
)

// Value is a literal of a clause. Its meaning is decided when it is
// compared with an attribute, by the attribute's type: '1', 1 and 'true'
// all match a true boolean, as upstream's SQL would coerce them.
type Value struct {
	// Text is the literal without quotes; doubled quotes are undone.
	Text string
	// Quoted records the single quotes, so that String prints the value
	// the way it was written and bare values stay numbers or booleans.
	Quoted bool
}

func (v Value) String() string {
	if !v.Quoted {
		return v.Text
	}
	return "'" + strings.ReplaceAll(v.Text, "'", "''") + "'"
}

// Clause is one comparison `attr op value`.
type Clause struct {
	// Path is the attribute name split at dots: ["account", "name"] is the
	// name attribute of the asset's account relation.
	Path  []string
	Op    Op
	Value Value
}

func (c Clause) String() string {
	return strings.Join(c.Path, ".") + string(c.Op) + c.Value.String()
}

// Expr is a parsed query: a conjunction of clauses. The zero Expr (no
// clauses) matches every asset.
type Expr struct {
	Clauses []Clause
}

// String prints e in query syntax; Parse(e.String()) gives e back.
func (e Expr) String() string {
	parts := make([]string, len(e.Clauses))
	for i, c := range e.Clauses {
		parts[i] = c.String()
	}
	return strings.Join(parts, " and ")
}

// Parse parses the query parameter of a search of the given api_version
// (1 or 2). An empty or blank query is the zero Expr, matching every
// asset (version 1 still shows active ones only). The digest (§6) and
// the guide's parameter list call the query required in version 1, but
// the cloudify client and one of the guide's own examples send name-only
// version 1 searches (`/api/search.json?name=AzureVm`): a real client
// must work, and answering them takes nothing from a stricter one.
func Parse(query string, version int) (Expr, error) {
	p := parser{s: query}
	p.skipSpace()
	if p.i == len(p.s) {
		return Expr{}, nil
	}
	var e Expr
	for {
		c, err := p.clause()
		if err != nil {
			return Expr{}, err
		}
		e.Clauses = append(e.Clauses, c)
		if !p.separator() {
			if p.i == len(p.s) {
				return e, nil
			}
			return Expr{}, p.errorf(p.i, "expected 'and' or the end of the query")
		}
	}
}

type parser struct {
	s string
	i int // byte offset of the next unread byte
}

// errorf builds a SyntaxError at byte offset off, converted to a 1-based
// rune position (invalid UTF-8 bytes count one each, as utf8 does).
func (p *parser) errorf(off int, format string, args ...any) error {
	return &SyntaxError{Pos: utf8.RuneCountInString(p.s[:off]) + 1, Msg: fmt.Sprintf(format, args...)}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '+' }

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isIdentByte(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (p *parser) skipSpace() bool {
	start := p.i
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

// separator consumes "and" or "&" with the spaces around them, and the
// spaces before the end of the query; it reports whether another clause
// must follow.
func (p *parser) separator() bool {
	// A closing quote ends a value as well as a space does:
	// "name='a'and is_private=0" is unambiguous.
	spaced := p.i > 0 && p.s[p.i-1] == '\''
	if p.skipSpace() {
		spaced = true
	}
	if p.i == len(p.s) {
		return false
	}
	if p.s[p.i] == '&' {
		p.i++
		p.skipSpace()
		return true
	}
	// "and" needs a space on both sides ("name='a'andx=1" is not two
	// clauses); a trailing "and" is taken, so that the error names the
	// missing clause.
	if spaced && p.i+3 <= len(p.s) && strings.EqualFold(p.s[p.i:p.i+3], "and") &&
		(p.i+3 == len(p.s) || isSpace(p.s[p.i+3])) {
		p.i += 3
		p.skipSpace()
		return true
	}
	return false
}

func (p *parser) clause() (Clause, error) {
	path, err := p.attr()
	if err != nil {
		return Clause{}, err
	}
	p.skipSpace()
	op, err := p.op()
	if err != nil {
		return Clause{}, err
	}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return Clause{}, err
	}
	return Clause{Path: path, Op: op, Value: v}, nil
}

func (p *parser) ident() (string, bool) {
	start := p.i
	if p.i == len(p.s) || !isIdentStart(p.s[p.i]) {
		return "", false
	}
	for p.i < len(p.s) && isIdentByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i], true
}

func (p *parser) attr() ([]string, error) {
	var path []string
	for {
		name, ok := p.ident()
		if !ok {
			if len(path) == 0 {
				return nil, p.errorf(p.i, "expected an attribute name")
			}
			return nil, p.errorf(p.i, "expected an attribute name after '.'")
		}
		path = append(path, name)
		if p.i == len(p.s) || p.s[p.i] != '.' {
			return path, nil
		}
		p.i++
	}
}

func (p *parser) op() (Op, error) {
	rest := p.s[p.i:]
	// Longest first, so that ">=" is not read as ">" followed by "=".
	for _, o := range []struct {
		text string
		op   Op
	}{{"!=", NotEqual}, {"<>", NotEqual}, {">=", GreaterEqual}, {"<=", LessEqual}, {"=", Equal}, {">", Greater}, {"<", Less}} {
		if strings.HasPrefix(rest, o.text) {
			p.i += len(o.text)
			return o.op, nil
		}
	}
	return "", p.errorf(p.i, "expected an operator (=, !=, >, >=, <, <=)")
}

func (p *parser) value() (Value, error) {
	if p.i < len(p.s) && p.s[p.i] == '\'' {
		open := p.i
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			if p.s[p.i] != '\'' {
				b.WriteByte(p.s[p.i])
				continue
			}
			if p.i+1 < len(p.s) && p.s[p.i+1] == '\'' {
				b.WriteByte('\'')
				p.i++
				continue
			}
			p.i++
			return Value{Text: b.String(), Quoted: true}, nil
		}
		return Value{}, p.errorf(open, "expected a closing single quote for the value that opens")
	}
	start := p.i
	for p.i < len(p.s) && (isIdentByte(p.s[p.i]) || p.s[p.i] == '-' || p.s[p.i] == '.') {
		p.i++
	}
	word := p.s[start:p.i]
	if isNumber(word) || strings.EqualFold(word, "true") || strings.EqualFold(word, "false") {
		return Value{Text: word}, nil
	}
	p.i = start
	return Value{}, p.errorf(start, "expected a value in single quotes")
}

// isNumber reports whether s is ["-"] digits ["." digits].
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, dotted := strings.Cut(s, ".")
	return allDigits(intPart) && (!dotted || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
