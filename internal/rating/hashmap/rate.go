package hashmap

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// Point is one collected data point to rate.
type Point struct {
	// Service is the usage key the point is filed under: the metric's
	// alt_name (or its name), matched against hashmap service names.
	Service string
	Qty     decimal.Decimal
	// Desc is the point's description (metadata ∪ groupby) with every value
	// already rendered as Python's str() would render it: field mappings
	// compare strings exactly, so "5" matches a mapping value "5" and "5.0"
	// does not. Collectors own that rendering.
	Desc map[string]string
	// Price is what earlier (higher priority) modules charged; hashmap adds
	// to it.
	Price decimal.Decimal
}

type scope int

const (
	fieldScope scope = iota
	serviceScope
)

// group is the per-group state of §7.2, reset for every point.
type group struct {
	flat, rate decimal.Decimal
	best       step
	bestScope  scope
}

var (
	one      = decimal.NewFromInt(1)
	minusOne = decimal.NewFromInt(-1)
)

type state map[string]*group

func (s state) get(name string) *group {
	g := s[name]
	if g == nil {
		// Upstream's starting threshold is level -1, cost 0, flat, field
		// scope: adding 0 to the flat is a no-op, and a threshold at level
		// 0 still beats it.
		g = &group{flat: decimal.Zero, rate: one, best: step{level: minusOne, typ: Flat, cost: decimal.Zero}, bestScope: fieldScope}
		s[name] = g
	}
	return g
}

// apply is upstream's update rule for mappings: rates multiply, a flat
// replaces the current one only when strictly greater (so a negative flat
// never applies: the flat starts at 0).
func (g *group) apply(e entry) {
	switch e.typ {
	case Rate:
		g.rate = g.rate.Mul(e.cost)
	case Flat:
		if e.cost.GreaterThan(g.flat) {
			g.flat = e.cost
		}
	}
}

// reach offers every threshold of steps reached by x; per group only the
// highest level so far survives, across service and field scope. Ties keep
// the earlier one (strictly greater replaces): service thresholds are
// offered first, then fields in ascending name order.
func (s state) reach(steps byGroup, x decimal.Decimal, sc scope) {
	for name, levels := range steps {
		for _, st := range levels {
			if x.LessThan(st.level) {
				continue
			}
			g := s.get(name)
			if st.level.GreaterThan(g.best.level) {
				g.best, g.bestScope = st, sc
			}
		}
	}
}

// Rate returns the point's price per the spec's §7.2: the price from
// earlier modules plus, for every group touched, (rate × flat × qty) with
// the group's single highest reached threshold folded in. A point whose
// service has no hashmap service keeps its price.
//
// The only error is a field with thresholds whose desc value is not a
// number (upstream's Decimal() raises and the period fails); it wraps
// cost.ErrInvalid and names the field and the value.
func (t *Table) Rate(p Point) (decimal.Decimal, error) {
	svc := t.services[p.Service]
	if svc == nil {
		return p.Price, nil
	}
	s := state{}
	for name, e := range svc.mappings {
		s.get(name).apply(e)
	}
	s.reach(svc.thresholds, p.Qty, serviceScope)
	for _, f := range svc.fields {
		v, ok := p.Desc[f.name]
		if !ok {
			continue
		}
		for name, values := range f.mappings {
			if e, ok := values[v]; ok {
				s.get(name).apply(e)
			}
		}
		if len(f.thresholds) == 0 {
			continue
		}
		x, err := decimal.NewFromString(strings.TrimSpace(v))
		if err != nil {
			return decimal.Zero, fmt.Errorf("%w: hashmap field %q of service %q has thresholds but the point's value %q is not a number", cost.ErrInvalid, f.name, p.Service, v)
		}
		s.reach(f.thresholds, x, fieldScope)
	}

	price := p.Price
	for _, g := range s {
		flat, rate := g.flat, g.rate
		if g.bestScope == fieldScope {
			if g.best.typ == Flat {
				flat = flat.Add(g.best.cost)
			} else {
				rate = rate.Mul(g.best.cost)
			}
		}
		res := rate.Mul(flat).Mul(p.Qty)
		if g.bestScope == serviceScope {
			// Added once per point, not multiplied by qty.
			if g.best.typ == Flat {
				res = res.Add(g.best.cost)
			} else {
				res = res.Mul(g.best.cost)
			}
		}
		price = price.Add(res)
	}
	return price, nil
}
