// Package filter holds the one filter AST every dialect compiles its
// filter syntax to, and the parsers of those syntaxes. Stores compile the
// AST to their query language.
package filter

import (
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// Expr is a filter expression. A nil Expr matches everything.
type Expr interface {
	String() string
	expr()
}

// Op is a comparison of a Cond.
type Op int

// The comparisons.
const (
	Equals Op = iota
	Contains
	Prefix
	Suffix
)

var opNames = [...]string{"=", "contains", "prefix", "suffix"}

func (o Op) String() string { return opNames[o] }

// Cond matches a line item whose dimension compares true with any of
// Values. For a tag dimension with an empty key ("tag:"), the comparison
// applies to the tag keys instead (Kubecost's label:"team" tests that the
// key exists). An empty value matches an empty (or absent) property.
type Cond struct {
	Dim    cost.Dimension
	Op     Op
	Values []string
	// FoldCase compares case-insensitively (CloudHealth, Azure billing);
	// Kubecost comparisons are case-sensitive.
	FoldCase bool
}

// Not negates X.
type Not struct{ X Expr }

// And matches when every X matches; an empty And matches everything.
type And struct{ Xs []Expr }

// Or matches when any X matches; an empty Or matches nothing.
type Or struct{ Xs []Expr }

func (Cond) expr() {}
func (Not) expr()  {}
func (And) expr()  {}
func (Or) expr()   {}

func (c Cond) String() string {
	q := make([]string, len(c.Values))
	for i, v := range c.Values {
		q[i] = fmt.Sprintf("%q", v)
	}
	fold := ""
	if c.FoldCase {
		fold = "(i)"
	}
	return fmt.Sprintf("%s %s%s [%s]", c.Dim, c.Op, fold, strings.Join(q, ","))
}

func (n Not) String() string { return "not(" + n.X.String() + ")" }
func (a And) String() string { return join("and", a.Xs) }
func (o Or) String() string  { return join("or", o.Xs) }

func join(op string, xs []Expr) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return op + "(" + strings.Join(parts, ", ") + ")"
}

// AndOf combines expressions, dropping nils; nil when nothing is left.
func AndOf(xs ...Expr) Expr {
	var keep []Expr
	for _, x := range xs {
		if x != nil {
			keep = append(keep, x)
		}
	}
	switch len(keep) {
	case 0:
		return nil
	case 1:
		return keep[0]
	}
	return And{Xs: keep}
}

// Dimensions returns every dimension e refers to, so that a planner can
// tell whether a rollup can answer a filtered query.
func Dimensions(e Expr) []cost.Dimension {
	var out []cost.Dimension
	var walk func(Expr)
	walk = func(e Expr) {
		switch x := e.(type) {
		case Cond:
			out = append(out, x.Dim)
		case Not:
			walk(x.X)
		case And:
			for _, y := range x.Xs {
				walk(y)
			}
		case Or:
			for _, y := range x.Xs {
				walk(y)
			}
		}
	}
	if e != nil {
		walk(e)
	}
	return out
}

// Rewrite returns e with every condition c replaced by f(c), its Not, And
// and Or kept: how a dialect turns its spelling of a question into the
// stored one (Kubecost labels, native provider names). Amount tests are
// kept as they are.
func Rewrite(e Expr, f func(Cond) Expr) Expr {
	switch x := e.(type) {
	case Cond:
		return f(x)
	case Not:
		return Not{X: Rewrite(x.X, f)}
	case And:
		xs := make([]Expr, len(x.Xs))
		for i, y := range x.Xs {
			xs[i] = Rewrite(y, f)
		}
		return And{Xs: xs}
	case Or:
		xs := make([]Expr, len(x.Xs))
		for i, y := range x.Xs {
			xs[i] = Rewrite(y, f)
		}
		return Or{Xs: xs}
	}
	return e
}
