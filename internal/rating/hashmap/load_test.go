package hashmap

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

func TestLoadRejectsBrokenSnapshots(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Rules
		want string
	}{
		{"field of an unknown service",
			Rules{Fields: []Field{{ID: "f", Name: "x", ServiceID: "nope"}}}, "belongs to no known service"},
		{"duplicate service name",
			Rules{Services: []Service{{ID: "a", Name: "compute"}, {ID: "b", Name: "compute"}}}, "used twice"},
		{"mapping of an unknown service",
			fixture([]Mapping{{Type: Flat, ServiceID: "nope"}}, nil), "No such service: None (UUID: nope)"},
		{"mapping of an unknown field",
			fixture([]Mapping{{Type: Flat, FieldID: "nope", Value: "1"}}, nil), "No such field: nope"},
		{"mapping in an unknown group",
			fixture([]Mapping{{Type: Flat, ServiceID: svc, GroupID: "nope"}}, nil), "in no known group"},
		{"mapping with two parents",
			fixture([]Mapping{{Type: Flat, ServiceID: svc, FieldID: fSize, Value: "1"}}, nil), "You can only specify one parent."},
		{"field mapping without value, even of another tenant",
			fixture([]Mapping{{Type: Flat, FieldID: fSize, TenantID: "other"}}, nil), "You must specify a value for a field mapping."},
		{"threshold without parent",
			fixture(nil, []Threshold{{Type: Flat}}), "You must specify one parent."},
		{"threshold of an unknown field",
			fixture(nil, []Threshold{{Type: Rate, FieldID: "nope"}}), "No such field: nope"},
		{"threshold in an unknown group",
			fixture(nil, []Threshold{{Type: Rate, ServiceID: svc, GroupID: "nope"}}), "in no known group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.r, tenantT1, t0)
			if !errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

// randomRules makes n rules, each in a group of its own (so that no two
// compete for a key), over the fixture's service and fields.
func randomRules(rng *rand.Rand, n int) Rules {
	r := fixture(nil, nil)
	costs := []string{"0", "0.5", "1", "1.25", "2", "0.07", "3"}
	values := []string{"1", "5", "10"}
	fields := []string{fSize, fMemory}
	typ := func() MapType { return Types()[rng.IntN(2)] }
	for i := range n {
		g := fmt.Sprintf("rg%d", i)
		r.Groups = append(r.Groups, Group{ID: g, Name: g})
		c := d(costs[rng.IntN(len(costs))])
		tenant := ""
		if rng.IntN(3) == 0 {
			tenant = tenantT1
		}
		switch rng.IntN(4) {
		case 0:
			r.Mappings = append(r.Mappings, Mapping{ID: fmt.Sprintf("m%d", i), Type: typ(), Cost: c, ServiceID: svc, GroupID: g, TenantID: tenant})
		case 1:
			r.Mappings = append(r.Mappings, Mapping{ID: fmt.Sprintf("m%d", i), Type: typ(), Cost: c, FieldID: fields[rng.IntN(2)],
				Value: values[rng.IntN(len(values))], GroupID: g, TenantID: tenant})
		case 2:
			r.Thresholds = append(r.Thresholds, Threshold{ID: fmt.Sprintf("t%d", i), Level: d(values[rng.IntN(len(values))]),
				Type: typ(), Cost: c, ServiceID: svc, GroupID: g, TenantID: tenant})
		default:
			r.Thresholds = append(r.Thresholds, Threshold{ID: fmt.Sprintf("t%d", i), Level: d(values[rng.IntN(len(values))]),
				Type: typ(), Cost: c, FieldID: fields[rng.IntN(2)], GroupID: g, TenantID: tenant})
		}
	}
	return r
}

func randomPoints(rng *rand.Rand) []Point {
	values := []string{"0", "1", "5", "7", "10", "12"}
	var ps []Point
	for range 20 {
		ps = append(ps, Point{
			Service: service,
			Qty:     d(values[rng.IntN(len(values))]),
			Desc:    map[string]string{"size_gb": values[rng.IntN(len(values))], "memory": values[rng.IntN(len(values))]},
		})
	}
	return ps
}

func prices(t *testing.T, r Rules, ps []Point) []decimal.Decimal {
	t.Helper()
	tab, err := Load(r, tenantT1, t0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]decimal.Decimal, len(ps))
	for i, p := range ps {
		if out[i], err = tab.Rate(p); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func samePrices(a, b []decimal.Decimal) bool {
	return slices.EqualFunc(a, b, func(x, y decimal.Decimal) bool { return x.Equal(y) })
}

// TestPropertyLoadOrder: rules of different groups never compete, so the
// order they come in (and the order the loader sorts them into, which
// follows the ids) never changes a price.
func TestPropertyLoadOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 7))
	for range 200 {
		r := randomRules(rng, 1+rng.IntN(8))
		ps := randomPoints(rng)
		want := prices(t, r, ps)

		shuffled := r
		shuffled.Mappings = slices.Clone(r.Mappings)
		shuffled.Thresholds = slices.Clone(r.Thresholds)
		rng.Shuffle(len(shuffled.Mappings), func(i, j int) {
			shuffled.Mappings[i], shuffled.Mappings[j] = shuffled.Mappings[j], shuffled.Mappings[i]
		})
		rng.Shuffle(len(shuffled.Thresholds), func(i, j int) {
			shuffled.Thresholds[i], shuffled.Thresholds[j] = shuffled.Thresholds[j], shuffled.Thresholds[i]
		})
		// Renaming ids reverses the loader's own order too.
		for i := range shuffled.Mappings {
			shuffled.Mappings[i].ID = fmt.Sprintf("z%03d", 999-i)
		}
		for i := range shuffled.Thresholds {
			shuffled.Thresholds[i].ID = fmt.Sprintf("z%03d", 999-i)
		}
		if got := prices(t, shuffled, ps); !samePrices(got, want) {
			t.Fatalf("order changed prices: %v vs %v\nrules %+v", got, want, r)
		}
	}
}

// TestPropertyZeroFlatGroup: a new group holding only a flat 0 (service or
// field mapping) adds 1 × 0 × qty = 0 to every price.
func TestPropertyZeroFlatGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 8))
	for i := range 200 {
		r := randomRules(rng, 1+rng.IntN(8))
		ps := randomPoints(rng)
		want := prices(t, r, ps)

		more := r
		more.Groups = append(slices.Clone(r.Groups), Group{ID: "zero", Name: "zero"})
		zero := Mapping{ID: "zero", Type: Flat, Cost: decimal.Zero, ServiceID: svc, GroupID: "zero"}
		if i%2 == 1 {
			zero = Mapping{ID: "zero", Type: Flat, Cost: decimal.Zero, FieldID: fSize, Value: "5", GroupID: "zero"}
		}
		more.Mappings = append(slices.Clone(r.Mappings), zero)
		if got := prices(t, more, ps); !samePrices(got, want) {
			t.Fatalf("a flat 0 group changed prices: %v vs %v", got, want)
		}
	}
}
