package filter

import (
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// This file parses the Kubecost/OpenCost filter language
// (kubecost-cloudcost.md §6), which the native API reuses with its own
// field names:
//
//	filter      := element (op element)*      -- one op kind per level
//	element     := comparison | "(" filter ")"
//	op          := "+" (AND) | "|" (OR)
//	comparison  := key cmp value ("," value)*
//	key         := field | ("label" | "tag") ["[" name "]"] | "perspective" "[" id "]"
//	cmp         := ":" | "!:" | "~:" | "!~:" | "<~:" | "!<~:" | "~>:" | "!~>:"
//	value       := '"' any bytes but '"' '"' | identifier
//
// Messages keep OpenCost's wording so that clients and golden tests
// written against Kubecost recognise them. Deviations, all stricter or
// more lenient in ways a Kubecost client cannot rely on:
//   - bare identifiers are accepted as values (§6.2: the older syntax);
//   - "tag" is a synonym of "label" (the native dialect's spelling);
//   - perspective[<id>] is Tally's: the group of a perspective;
//   - only the first error is reported (OpenCost collects several);
//   - parser messages end with " (position N)", N a byte offset;
//   - tokens left after a complete filter are an error; OpenCost ignores
//     them, so `a:"x" b:"y"` (a '+' decoded to a space) silently dropped b;
//   - `label[]` (an empty label name) is an error;
//   - nesting deeper than maxDepth parentheses is an error.

// SyntaxError is a filter that does not lex or parse. It wraps
// cost.ErrInvalid, so HTTP layers answer 400.
type SyntaxError struct {
	// Pos is the byte offset in the filter where the error was found.
	Pos int
	// Msg is the whole message: "lexing filter: " or "parsing filter: ",
	// then OpenCost's wording; parser messages end with the position.
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// Unwrap makes errors.Is(err, cost.ErrInvalid) hold.
func (e *SyntaxError) Unwrap() error { return cost.ErrInvalid }

// unallocated is Kubecost's name of the empty value (§5.2, §6.1).
const unallocated = "__unallocated__"

// maxDepth bounds parenthesis nesting, so that hostile input cannot make
// the recursive descent grow the stack without limit.
const maxDepth = 64

type tokKind int

const (
	tokEOF tokKind = iota
	tokColon
	tokComma
	tokPlus
	tokOr
	tokBangColon
	tokTildeColon
	tokBangTildeColon
	tokStartTildeColon
	tokBangStartTildeColon
	tokTildeEndColon
	tokBangTildeEndColon
	tokParenOpen
	tokParenClose
	tokStr
	tokKeyed
	tokIdent
)

// tokNames are OpenCost's token names, which its mixed-operator message
// (`Found "or", Expected "plus"`) prints.
var tokNames = [...]string{
	"eof", "colon", "comma", "plus", "or", "bangColon", "tildeColon", "bangTildeColon",
	"startTildeColon", "bangStartTildeColon", "tildeEndColon", "bangTildeEndColon",
	"parenOpen", "parenClose", "str", "keyedAccess", "identifier",
}

// comparisons maps each comparison token to its operator and negation.
var comparisons = map[tokKind]struct {
	op  Op
	neg bool
}{
	tokColon:               {Equals, false},
	tokBangColon:           {Equals, true},
	tokTildeColon:          {Contains, false},
	tokBangTildeColon:      {Contains, true},
	tokStartTildeColon:     {Prefix, false},
	tokBangStartTildeColon: {Prefix, true},
	tokTildeEndColon:       {Suffix, false},
	tokBangTildeEndColon:   {Suffix, true},
}

type token struct {
	kind tokKind
	// text is the lexeme; strings and keyed access lose their delimiters,
	// as in OpenCost's messages.
	text string
	pos  int
	// spaced records whitespace before the token: a missing operator
	// after whitespace is most likely a '+' that URL decoding turned into
	// a space.
	spaced bool
}

// lexKubecost splits s into tokens ending with tokEOF.
func lexKubecost(s string) ([]token, *SyntaxError) {
	var toks []token
	spaced := false
	for i := 0; i < len(s); {
		start := i
		c := s[i]
		i++
		// match consumes the next byte when it is b.
		match := func(b byte) bool {
			if i < len(s) && s[i] == b {
				i++
				return true
			}
			return false
		}
		// unexpected reports the last byte consumed, as OpenCost does.
		unexpected := func() *SyntaxError {
			return &SyntaxError{Pos: i - 1, Msg: fmt.Sprintf("lexing filter: Position %d: Unexpected '%c'", i-1, s[i-1])}
		}
		kind := tokEOF
		text := ""
		switch c {
		case ' ', '\t', '\n', '\r':
			spaced = true
			continue
		case ':':
			kind = tokColon
		case ',':
			kind = tokComma
		case '+':
			kind = tokPlus
		case '|':
			kind = tokOr
		case '(':
			kind = tokParenOpen
		case ')':
			kind = tokParenClose
		case '!':
			switch {
			case match(':'):
				kind = tokBangColon
			case match('~'):
				switch {
				case match(':'):
					kind = tokBangTildeColon
				case match('>'):
					if !match(':') {
						return nil, unexpected()
					}
					kind = tokBangTildeEndColon
				default:
					return nil, unexpected()
				}
			case match('<'):
				if !match('~') || !match(':') {
					return nil, unexpected()
				}
				kind = tokBangStartTildeColon
			default:
				return nil, unexpected()
			}
		case '<':
			if !match('~') || !match(':') {
				return nil, unexpected()
			}
			kind = tokStartTildeColon
		case '~':
			switch {
			case match(':'):
				kind = tokTildeColon
			case match('>'):
				if !match(':') {
					return nil, unexpected()
				}
				kind = tokTildeEndColon
			default:
				return nil, unexpected()
			}
		case '"', '[':
			closer, name, k := byte('"'), "string", tokStr
			if c == '[' {
				closer, name, k = ']', "access", tokKeyed
			}
			n := strings.IndexByte(s[i:], closer)
			if n < 0 {
				return nil, &SyntaxError{Pos: start, Msg: fmt.Sprintf("lexing filter: unterminated %s starting at %d", name, start)}
			}
			kind, text = k, s[i:i+n]
			i += n + 1
		default:
			if !isIdentByte(c) {
				// OpenCost's wording; identifiers are ASCII, so any other
				// byte outside strings and brackets is an error.
				return nil, &SyntaxError{Pos: start, Msg: fmt.Sprintf("lexing filter: unexpected character/byte at position %d. Please avoid Unicode.", start)}
			}
			for i < len(s) && isIdentByte(s[i]) {
				i++
			}
			kind = tokIdent
		}
		if kind != tokStr && kind != tokKeyed {
			text = s[start:i]
		}
		toks = append(toks, token{kind: kind, text: text, pos: start, spaced: spaced})
		spaced = false
	}
	return append(toks, token{kind: tokEOF, pos: len(s), spaced: spaced}), nil
}

// isIdentByte matches Kubernetes name characters plus '_' (Prometheus
// sanitised names), as OpenCost's lexer does.
func isIdentByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b == '-' || b == '_'
}

// ParseKubecost parses a Kubecost/OpenCost filter. resolve maps a field
// name to a dimension (KubecostFields for the Cloud Cost API,
// NativeFields for the native API); "label" and "tag" are handled here
// and never passed to it. label[name] compares the value of tag name;
// bare label tests tag keys (Cond with cost.TagDimension("")): ':' and
// '~:' test that the key exists, as in OpenCost, '<~:' and '~>:' test key
// prefixes and suffixes. Comparisons are case-sensitive. An empty (or
// all-whitespace) filter returns nil, nil: it matches everything. Errors
// are *SyntaxError.
func ParseKubecost(s string, resolve func(field string) (cost.Dimension, bool)) (Expr, error) {
	toks, lerr := lexKubecost(s)
	if lerr != nil {
		return nil, lerr
	}
	if toks[0].kind == tokEOF {
		return nil, nil
	}
	if resolve == nil {
		resolve = func(string) (cost.Dimension, bool) { return "", false }
	}
	p := kparser{toks: toks, resolve: resolve}
	e, err := p.group(0, token{})
	if err != nil {
		return nil, err
	}
	return e, nil
}

type kparser struct {
	toks    []token
	i       int
	resolve func(string) (cost.Dimension, bool)
}

func (p *kparser) peek() token { return p.toks[p.i] }

func (p *kparser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *kparser) fail(pos int, msg string) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf("parsing filter: %s (position %d)", msg, pos)}
}

// failAt words an error about token t as OpenCost does.
func (p *kparser) failAt(t token, msg string) *SyntaxError {
	if t.kind == tokEOF {
		return p.fail(t.pos, "at end: "+msg)
	}
	return p.fail(t.pos, "at '"+t.text+"': "+msg)
}

// group parses elements joined by one kind of operator, up to the ')'
// that closes open (depth > 0) or the end of input (depth 0).
func (p *kparser) group(depth int, open token) (Expr, *SyntaxError) {
	var xs []Expr
	var joiner tokKind // tokPlus or tokOr once the first operator is seen
	for {
		x, err := p.element(depth)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
		t := p.peek()
		switch t.kind {
		case tokEOF:
			if depth > 0 {
				return nil, p.fail(open.pos, "Found '(' without matching ')'")
			}
			return combine(joiner, xs), nil
		case tokParenClose:
			if depth == 0 {
				return nil, p.fail(t.pos, "Found ')' without matching '('")
			}
			p.next()
			return combine(joiner, xs), nil
		case tokPlus, tokOr:
			if joiner != tokEOF && t.kind != joiner {
				return nil, p.fail(t.pos, fmt.Sprintf("Found %q, Expected %q", tokNames[t.kind], tokNames[joiner]))
			}
			joiner = t.kind
			p.next()
		default:
			msg := "expect '+' or '|'"
			if depth > 0 {
				msg = "expect '+', '|' or ')'"
			}
			if t.spaced && (t.kind == tokIdent || t.kind == tokParenOpen) {
				msg += " (a '+' in a URL decodes to a space: send it as %2B)"
			}
			return nil, p.failAt(t, msg)
		}
	}
}

func combine(joiner tokKind, xs []Expr) Expr {
	switch {
	case len(xs) == 1:
		return xs[0]
	case joiner == tokPlus:
		return And{Xs: xs}
	default:
		return Or{Xs: xs}
	}
}

func (p *kparser) element(depth int) (Expr, *SyntaxError) {
	t := p.peek()
	if t.kind != tokParenOpen {
		return p.comparison()
	}
	if depth >= maxDepth {
		return nil, p.failAt(t, fmt.Sprintf("filter nested deeper than %d parentheses", maxDepth))
	}
	p.next()
	return p.group(depth+1, t)
}

func (p *kparser) comparison() (Expr, *SyntaxError) {
	t := p.next()
	if t.kind != tokIdent {
		return nil, p.failAt(t, "expect filter field")
	}
	var dim cost.Dimension
	keyTest := false
	switch t.text {
	case "label", "tag":
		if p.peek().kind != tokKeyed {
			dim, keyTest = cost.TagDimension(""), true
			break
		}
		k := p.next()
		if k.text == "" {
			// TagDimension("") means a key test; label[] must not become one.
			return nil, p.failAt(k, "expect a label name between '[' and ']'")
		}
		dim = cost.TagDimension(k.text)
	case "perspective":
		// Tally's extension: perspective[<id>] reads the group a
		// perspective puts an item in (cost.PerspectiveDimension).
		if p.peek().kind != tokKeyed {
			return nil, p.failAt(p.peek(), "expect a perspective id in '[' and ']' after perspective")
		}
		k := p.next()
		if strings.TrimSpace(k.text) == "" {
			return nil, p.failAt(k, "expect a perspective id between '[' and ']'")
		}
		dim = cost.PerspectiveDimension(strings.TrimSpace(k.text))
	default:
		d, ok := p.resolve(t.text)
		if !ok {
			return nil, p.failAt(t, "expect filter field")
		}
		dim = d
	}

	opTok := p.next()
	cmp, ok := comparisons[opTok.kind]
	if !ok {
		return nil, p.failAt(opTok, "expect filter op like ':', '!:', '~:', or '!~:'")
	}
	op := cmp.op
	if keyTest && op == Contains {
		// OpenCost reads a keyless map with ':' or '~:' as "has key".
		op = Equals
	}

	var values []string
	for {
		v := p.next()
		if v.kind != tokStr && v.kind != tokIdent {
			return nil, p.failAt(v, "expect string as filter value")
		}
		val := v.text
		if val == unallocated {
			val = ""
		}
		values = append(values, val)
		if p.peek().kind != tokComma {
			break
		}
		p.next()
	}

	// Negated comparisons AND their values (`service!:"A","B"` is
	// neither A nor B), which is the negation of the any-of Cond.
	var e Expr = Cond{Dim: dim, Op: op, Values: values}
	if cmp.neg {
		e = Not{X: e}
	}
	return e, nil
}

// kubecostFields are the Cloud Cost API's filter fields (§6.1), matched
// case-sensitively, and the dimensions their properties fill (§5.3).
var kubecostFields = map[string]cost.Dimension{
	"invoiceEntityID":   cost.DimBillingAccountID,
	"invoiceEntityName": cost.DimBillingAccountName,
	"accountID":         cost.DimSubAccountID,
	"accountName":       cost.DimSubAccountName,
	"regionID":          cost.DimRegion,
	"availabilityZone":  cost.DimAvailabilityZone,
	"provider":          cost.DimProvider,
	"providerID":        cost.DimProviderID,
	"category":          cost.DimCategory,
	"service":           cost.DimService,
}

// KubecostFields resolves the Cloud Cost API's filter field names for
// ParseKubecost.
func KubecostFields(field string) (cost.Dimension, bool) {
	d, ok := kubecostFields[field]
	return d, ok
}

// NativeFields resolves the native API's dimension names
// (cost.ParseDimension: case-insensitive, with its synonyms) for
// ParseKubecost. Tags are written tag[key] in filters.
func NativeFields(field string) (cost.Dimension, bool) {
	d, err := cost.ParseDimension(field)
	return d, err == nil
}
