package filter

import (
	"testing"

	"github.com/tally-cost/tally/internal/cost"
)

// TestRewrite checks that every condition, however deep under Not, And
// and Or, is replaced, and that the rest of the tree is kept.
func TestRewrite(t *testing.T) {
	c := func(v string) Cond { return Cond{Dim: cost.DimService, Values: []string{v}} }
	e := Or{Xs: []Expr{c("a"), Not{X: And{Xs: []Expr{c("b"), Or{Xs: []Expr{c("c")}}}}}}}
	got := Rewrite(e, func(x Cond) Expr {
		x.Values = []string{x.Values[0] + "!"}
		return x
	})
	want := Or{Xs: []Expr{c("a!"), Not{X: And{Xs: []Expr{c("b!"), Or{Xs: []Expr{c("c!")}}}}}}}
	if got.String() != want.String() {
		t.Fatalf("Rewrite = %s, want %s", got, want)
	}
	if e.String() == got.String() {
		t.Fatal("the original was changed in place")
	}
}
