package modules

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/script"
)

// chainFixture: service compute with a global flat 0.5 and, for tenant
// t1, a flat 2 that replaces it (§7.1); field flavor with a non-numeric
// threshold trap on service "broken"; scripts "addone" (price + 1) and
// "double" (price × 2), which run in name order.
func chainFixture(t *testing.T) *State {
	t.Helper()
	ctx := context.Background()
	s := open(t, newMemDocs())
	b := s.book
	svc := must[hashmap.Service](t)(b.CreateService(ctx, "compute"))
	opt := hashmap.WriteOptions{Force: true}
	must[hashmap.Mapping](t)(b.CreateMapping(ctx, hashmap.Mapping{ServiceID: svc.ID, Type: hashmap.Flat, Cost: d("0.5"), Start: rulesStart}, opt))
	must[hashmap.Mapping](t)(b.CreateMapping(ctx, hashmap.Mapping{ServiceID: svc.ID, Type: hashmap.Flat, Cost: d("2"), TenantID: "t1", Start: rulesStart}, opt))
	broken := must[hashmap.Service](t)(b.CreateService(ctx, "broken"))
	size := must[hashmap.Field](t)(b.CreateField(ctx, broken.ID, "size"))
	must[hashmap.Threshold](t)(b.CreateThreshold(ctx, hashmap.Threshold{FieldID: size.ID, Level: d("1"), Type: hashmap.Flat, Cost: d("1")}))
	must[Script](t)(s.CreateScript(ctx, Script{Name: "double", Data: "price * dec(2)"}, classic))
	must[Script](t)(s.CreateScript(ctx, Script{Name: "addone", Data: "price + dec(1)"}, classic))
	return s
}

func TestChain(t *testing.T) {
	type set struct {
		id       string
		enabled  bool
		priority int
	}
	cases := []struct {
		name    string
		sets    []set
		tenant  string
		modules []string
		price   string
	}{
		{"defaults: only noop", nil, "", []string{"noop"}, "0"},
		{"hashmap", []set{{"hashmap", true, 1}}, "", []string{"hashmap", "noop"}, "1"},
		{"hashmap, tenant rule replaces global", []set{{"hashmap", true, 1}}, "t1", []string{"hashmap", "noop"}, "4"},
		{"hashmap before scripts", []set{{"hashmap", true, 2}, {"pyscripts", true, 1}}, "", []string{"hashmap", "noop", "pyscripts"}, "4"},
		{"scripts before hashmap", []set{{"hashmap", true, 1}, {"pyscripts", true, 3}}, "", []string{"pyscripts", "hashmap", "noop"}, "3"},
		{"ties by name", []set{{"hashmap", true, 1}, {"pyscripts", true, 1}}, "", []string{"hashmap", "noop", "pyscripts"}, "4"},
		{"noop below a negative priority", []set{{"hashmap", true, -1}}, "", []string{"noop", "hashmap"}, "1"},
		{"disabled hashmap skipped", []set{{"hashmap", false, 5}, {"pyscripts", true, 1}}, "", []string{"noop", "pyscripts"}, "2"},
		{"disabled scripts skipped", []set{{"hashmap", true, 1}, {"pyscripts", false, 9}}, "", []string{"hashmap", "noop"}, "1"},
	}
	per := script.Period{Begin: testAt, End: testAt.Add(time.Hour)}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s := chainFixture(t)
			for _, st := range c.sets {
				if err := s.Set(ctx, st.id, ptr(st.enabled), ptr(st.priority)); err != nil {
					t.Fatal(err)
				}
			}
			ch, err := s.Chain(ctx, c.tenant, testAt, per)
			if err != nil {
				t.Fatal(err)
			}
			if got := ch.Modules(); !reflect.DeepEqual(got, c.modules) {
				t.Errorf("modules %v, want %v", got, c.modules)
			}
			p := hashmap.Point{Service: "compute", Qty: d("2"), Desc: map[string]string{"flavor": "m1"}}
			if err := ch.Rate(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if !p.Price.Equal(d(c.price)) {
				t.Errorf("price %s, want %s", p.Price, c.price)
			}
		})
	}
}

// TestChainDates: the hashmap table is loaded at the chain's processing
// time, so a rule that starts later does not apply yet.
func TestChainDates(t *testing.T) {
	ctx := context.Background()
	s := open(t, newMemDocs())
	svc := must[hashmap.Service](t)(s.book.CreateService(ctx, "compute"))
	later := testAt.Add(24 * time.Hour)
	must[hashmap.Mapping](t)(s.book.CreateMapping(ctx, hashmap.Mapping{ServiceID: svc.ID, Type: hashmap.Flat, Cost: d("3"), Start: later}, hashmap.WriteOptions{}))
	must[struct{}](t)(struct{}{}, s.Set(ctx, Hashmap, ptr(true), nil))
	for _, c := range []struct {
		at    time.Time
		price string
	}{{testAt, "0"}, {later, "3"}} {
		ch := must[*Chain](t)(s.Chain(ctx, "", c.at, script.Period{Begin: c.at, End: c.at.Add(time.Hour)}))
		p := hashmap.Point{Service: "compute", Qty: d("1")}
		if err := ch.Rate(ctx, &p); err != nil {
			t.Fatal(err)
		}
		if !p.Price.Equal(d(c.price)) {
			t.Errorf("at %s: price %s, want %s", c.at, p.Price, c.price)
		}
	}
}

func TestChainErrors(t *testing.T) {
	ctx := context.Background()
	per := script.Period{Begin: testAt, End: testAt.Add(time.Hour)}

	t.Run("hashmap threshold on a non-number", func(t *testing.T) {
		s := chainFixture(t)
		must[struct{}](t)(struct{}{}, s.Set(ctx, Hashmap, ptr(true), nil))
		ch := must[*Chain](t)(s.Chain(ctx, "", testAt, per))
		p := hashmap.Point{Service: "broken", Qty: d("1"), Desc: map[string]string{"size": "big"}}
		if err := ch.Rate(ctx, &p); !errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), `"big"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("script failing on a point", func(t *testing.T) {
		s := open(t, newMemDocs())
		must[Script](t)(s.CreateScript(ctx, Script{Name: "needs-flavor", Data: `desc["flavor"] == "gpu" ? price + dec(1) : price`}, classic))
		must[struct{}](t)(struct{}{}, s.Set(ctx, PyScripts, ptr(true), nil))
		ch := must[*Chain](t)(s.Chain(ctx, "", testAt, per))
		p := hashmap.Point{Service: "compute", Qty: d("1"), Desc: map[string]string{}}
		err := ch.Rate(ctx, &p)
		if !errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), "needs-flavor") {
			t.Fatalf("err = %v", err)
		}
		p.Desc["flavor"] = "gpu"
		if err := ch.Rate(ctx, &p); err != nil || !p.Price.Equal(d("1")) {
			t.Fatalf("price %s, err %v", p.Price, err)
		}
	})
	t.Run("script over its budget", func(t *testing.T) {
		s := open(t, newMemDocs())
		// Six nested comprehensions over ten elements: 10^6 steps, ten
		// times the cost budget.
		must[Script](t)(s.CreateScript(ctx, Script{Name: "slow", Data: `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, a+b+c+d+e+f > 0)))))) ? price : price`}, classic))
		must[struct{}](t)(struct{}{}, s.Set(ctx, PyScripts, ptr(true), nil))
		ch := must[*Chain](t)(s.Chain(ctx, "", testAt, per))
		p := hashmap.Point{Service: "compute", Qty: d("1")}
		if err := ch.Rate(ctx, &p); !errors.Is(err, script.ErrLimit) {
			t.Fatalf("err = %v, want the limit", err)
		}
	})
}
