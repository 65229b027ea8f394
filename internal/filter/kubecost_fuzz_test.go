package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
)

// FuzzParseKubecost checks that no input panics; that every error is a
// *SyntaxError wrapping cost.ErrInvalid with an in-range position and a
// phase prefix; that a successful parse prints the same tree twice; and
// that printing the tree back to filter syntax and parsing that again
// gives the same tree.
func FuzzParseKubecost(f *testing.F) {
	for _, s := range []string{
		`service:"AmazonEC2"`,
		`provider:"AWS","GCP"+category!:"Network"`,
		`(accountID:"1111" | accountID:"2222") + label[env]:"prod"`,
		`service<~:"Amazon"`, `providerID~>:"-vm"`, `label:"team"`,
		`service!~:"a","b"`, `service!<~:"a"`, `service!~>:"a"`, `label~:"team"`,
		`provider:providerA,providerB`, `service:"__unallocated__"`, `tag[team]!:""`,
		`service:"a"|(provider:"b"+(category:"c"|category:"d"))`,
		` service : "Amazon EC2" , "b" `, `service:"a" category:"b"`,
		`service~"x"`, `service!<"x"`, `service:"a`, `label[team`, `sérvice:"a"`,
		`service:"a" | b:"c" + d:"e"`, `(service:"a"`, `service:"a")`, `label[]:"x"`,
		strings.Repeat("(", 70) + `service:"a"`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := ParseKubecost(in, NativeFields)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, cost.ErrInvalid) {
				t.Fatalf("ParseKubecost(%q): error %v is not a SyntaxError wrapping ErrInvalid", in, err)
			}
			if se.Pos < 0 || se.Pos > len(in) {
				t.Fatalf("ParseKubecost(%q): position %d out of range", in, se.Pos)
			}
			if !strings.HasPrefix(se.Msg, "lexing filter: ") && !strings.HasPrefix(se.Msg, "parsing filter: ") {
				t.Fatalf("ParseKubecost(%q): message %q has no phase", in, se.Msg)
			}
			if e != nil {
				t.Fatalf("ParseKubecost(%q) returned %v with an error", in, e)
			}
			return
		}
		if e == nil {
			if strings.Trim(in, " \t\r\n") != "" {
				t.Fatalf("ParseKubecost(%q) = nil for a non-blank filter", in)
			}
			return
		}
		again, err := ParseKubecost(in, NativeFields)
		if err != nil || again.String() != e.String() {
			t.Fatalf("ParseKubecost(%q) not deterministic: %v / %v, %v", in, e, again, err)
		}
		printed := printKubecost(t, e, true)
		back, err := ParseKubecost(printed, NativeFields)
		if err != nil {
			t.Fatalf("ParseKubecost(%q) = %v, printed %q, which fails: %v", in, e, printed, err)
		}
		if back.String() != e.String() {
			t.Fatalf("ParseKubecost(%q) = %v, printed %q, reparsed %v", in, e, printed, back)
		}
	})
}

// printKubecost writes e in filter syntax. Groups below the top level are
// parenthesised; the top level is not, so nesting depth never grows.
func printKubecost(t *testing.T, e Expr, top bool) string {
	t.Helper()
	switch x := e.(type) {
	case Cond:
		return printCond(t, x, "")
	case Not:
		c, ok := x.X.(Cond)
		if !ok {
			t.Fatalf("parser produced a Not of %T", x.X)
		}
		return printCond(t, c, "!")
	case And, Or:
		xs, sep := groupParts(x)
		parts := make([]string, len(xs))
		for i, y := range xs {
			parts[i] = printKubecost(t, y, false)
		}
		s := strings.Join(parts, sep)
		if top {
			return s
		}
		return "(" + s + ")"
	}
	t.Fatalf("unexpected node %T", e)
	return ""
}

func groupParts(e Expr) ([]Expr, string) {
	if a, ok := e.(And); ok {
		return a.Xs, "+"
	}
	return e.(Or).Xs, "|"
}

func printCond(t *testing.T, c Cond, neg string) string {
	t.Helper()
	key := string(c.Dim)
	if k, ok := c.Dim.TagKey(); ok {
		key = "label"
		if k != "" {
			key = "label[" + k + "]"
		}
	}
	ops := map[Op]string{Equals: ":", Contains: "~:", Prefix: "<~:", Suffix: "~>:"}
	vals := make([]string, len(c.Values))
	for i, v := range c.Values {
		if strings.Contains(v, `"`) {
			t.Fatalf("value %q holds a quote, which the lexer cannot produce", v)
		}
		vals[i] = `"` + v + `"`
	}
	if c.FoldCase {
		t.Fatalf("Kubecost comparisons are case-sensitive, got %v", c)
	}
	return key + neg + ops[c.Op] + strings.Join(vals, ",")
}
