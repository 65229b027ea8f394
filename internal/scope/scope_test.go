package scope

import (
	"slices"
	"testing"
)

func TestZeroSeesNothing(t *testing.T) {
	for name, s := range map[string]Scope{
		"zero":          {},
		"None":          None(),
		"no accounts":   Accounts(),
		"nil accounts":  Accounts(nil...),
		"empty list":    Accounts([]string{}...),
		"all with none": All().Intersect(None()),
		"none with all": None().Intersect(All()),
	} {
		if s.IsAll() || !s.IsNone() || s.Sees("a") || s.Sees("") {
			t.Errorf("%s: %v sees something", name, s)
		}
		ids, ok := s.IDs()
		if !ok || ids == nil || len(ids) != 0 {
			t.Errorf("%s: IDs() = %#v, %v, want an empty non-nil list", name, ids, ok)
		}
	}
}

func TestAll(t *testing.T) {
	a := All()
	if !a.IsAll() || a.IsNone() || !a.Sees("anything") {
		t.Fatalf("All() = %v", a)
	}
	if ids, ok := a.IDs(); ok || ids != nil {
		t.Fatalf("All().IDs() = %v, %v: no list stands for every account", ids, ok)
	}
}

func TestIntersect(t *testing.T) {
	f := func(a, b, want Scope) {
		t.Helper()
		for _, got := range []Scope{a.Intersect(b), b.Intersect(a)} {
			if !got.Equal(want) {
				t.Errorf("%v ∩ %v = %v, want %v", a, b, got, want)
			}
		}
	}
	f(All(), All(), All())
	f(All(), Accounts("b", "a"), Accounts("a", "b"))
	f(Accounts("a", "b"), Accounts("b", "c"), Accounts("b"))
	f(Accounts("a"), Accounts("c"), None())
	f(Accounts("a", "a", "b"), Accounts("a"), Accounts("a"))
	f(None(), Accounts("a"), None())
}

func TestValue(t *testing.T) {
	ids := []string{"b", "a"}
	s := Accounts(ids...)
	ids[0] = "z"
	if !s.Sees("b") || s.Sees("z") {
		t.Fatalf("Accounts kept the caller's slice: %v", s)
	}
	got, _ := s.IDs()
	got[0] = "z"
	if again, _ := s.IDs(); !slices.Equal(again, []string{"a", "b"}) {
		t.Fatalf("IDs returned the scope's own slice: %v", again)
	}
	if All().Equal(Accounts()) || Accounts("a").Equal(Accounts("b")) || !Accounts("a", "b").Equal(Accounts("b", "a", "a")) {
		t.Fatal("Equal is wrong")
	}
	if All().String() != "all" || Accounts("b", "a").String() != "{a,b}" || None().String() != "{}" {
		t.Fatalf("String: %s %s %s", All(), Accounts("b", "a"), None())
	}
}
