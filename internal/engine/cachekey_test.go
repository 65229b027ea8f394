package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/tenant"
)

// nonZero builds a value of type t that differs from t's zero value, as
// deep as a question's fields go.
func nonZero(t *testing.T, typ reflect.Type) reflect.Value {
	t.Helper()
	switch typ {
	case reflect.TypeFor[time.Time]():
		return reflect.ValueOf(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	case reflect.TypeFor[decimal.Decimal]():
		return reflect.ValueOf(decimal.RequireFromString("1.5"))
	case reflect.TypeFor[scope.Scope]():
		return reflect.ValueOf(scope.Accounts("acct-1"))
	case reflect.TypeFor[filter.Expr]():
		v := reflect.New(typ).Elem()
		v.Set(reflect.ValueOf(filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"x"}}))
		return v
	}
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.String:
		v.SetString("x")
	case reflect.Slice:
		v.Set(reflect.Append(reflect.MakeSlice(typ, 0, 1), nonZero(t, typ.Elem())))
	case reflect.Array:
		v.Index(0).Set(nonZero(t, typ.Elem()))
	case reflect.Map:
		v.Set(reflect.MakeMap(typ))
		v.SetMapIndex(nonZero(t, typ.Key()), nonZero(t, typ.Elem()))
	case reflect.Struct:
		set := false
		for i := range typ.NumField() {
			if typ.Field(i).IsExported() {
				v.Field(i).Set(nonZero(t, typ.Field(i).Type))
				set = true
				break
			}
		}
		if !set {
			t.Fatalf("no exported field to set in %s: teach nonZero the type", typ)
		}
	default:
		t.Fatalf("nonZero: %s", typ)
	}
	return v
}

func mustKey(t *testing.T, vs ...any) answerKey {
	t.Helper()
	k, err := cacheKey("stream", vs...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCacheKeyCoversEveryField: setting any one field of a question, or
// of the caller (but its key's own identity), files the answer under
// another key. A field added to query.Query or tenant.Principal is
// covered without anyone touching the cache; this test fails if the
// encoding ever stops seeing one.
func TestCacheKeyCoversEveryField(t *testing.T) {
	zero := mustKey(t, uint64(1), tenant.Principal{}, query.Query{})
	qt := reflect.TypeFor[query.Query]()
	for i := range qt.NumField() {
		q := query.Query{}
		reflect.ValueOf(&q).Elem().Field(i).Set(nonZero(t, qt.Field(i).Type))
		if mustKey(t, uint64(1), tenant.Principal{}, q) == zero {
			t.Errorf("query field %s does not change the key", qt.Field(i).Name)
		}
	}
	pt := reflect.TypeFor[tenant.Principal]()
	for i := range pt.NumField() {
		p := tenant.Principal{}
		reflect.ValueOf(&p).Elem().Field(i).Set(nonZero(t, pt.Field(i).Type))
		changed := mustKey(t, uint64(1), answerer(&p), query.Query{}) != zero
		own := pt.Field(i).Name == "KeyID" || pt.Field(i).Name == "KeyName"
		if changed == own {
			t.Errorf("principal field %s: key changed %v, want %v", pt.Field(i).Name, changed, !own)
		}
	}
	if mustKey(t, uint64(2), tenant.Principal{}, query.Query{}) == zero {
		t.Error("the generation does not change the key")
	}
}

// TestCacheKeyCanonical: questions that are the same value share a key
// however they were built (map order), and values that only look alike
// do not (node types, nil against empty, a decimal's exponent, a
// time's zone).
func TestCacheKeyCanonical(t *testing.T) {
	m := func(order ...cost.Dimension) map[cost.Dimension]query.Mapping {
		out := map[cost.Dimension]query.Mapping{}
		for _, d := range order {
			out[d] = query.Mapping{Else: d}
		}
		return out
	}
	dims := []cost.Dimension{cost.DimService, cost.DimRegion, cost.DimSubAccountID, cost.DimProvider}
	want := mustKey(t, query.Query{Mappings: m(dims...)})
	for range 20 { // Go randomises map order on every range
		if mustKey(t, query.Query{Mappings: m(dims[3], dims[1], dims[0], dims[2])}) != want {
			t.Fatal("the same mappings built in another order have another key")
		}
	}
	c := filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"a"}}
	apart := [][2]any{
		{query.Query{Filter: filter.And{Xs: []filter.Expr{c}}}, query.Query{Filter: filter.Or{Xs: []filter.Expr{c}}}},
		{query.Query{GroupBy: nil}, query.Query{GroupBy: []cost.Dimension{}}},
		{decimal.RequireFromString("1.5"), decimal.RequireFromString("1.50")},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 0))},
		{[]string{"ab", "c"}, []string{"a", "bc"}},
		{scope.All(), scope.None()},
		{scope.Accounts("a"), scope.Accounts("b")},
	}
	for _, p := range apart {
		if mustKey(t, p[0]) == mustKey(t, p[1]) {
			t.Errorf("%#v and %#v share a key", p[0], p[1])
		}
	}
	if _, err := cacheKey("stream", func() {}); err == nil {
		t.Error("a func was given a key")
	}
}
