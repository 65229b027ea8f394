package query

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// Mapping derives a dimension from the stored ones: the Value of the
// first Rule whose When matches a line item, else the stored dimension
// Else (the empty string when Else is ""). Provider display names,
// registered customer and sub-account names, perspectives and
// CloudKitty's groupings are mappings, built by the package that owns
// their meaning; stores compile them (CASE WHEN ... THEN ... ELSE ...),
// so that grouping by a mapping and filtering by it read the same value.
//
// A mapping's rules and Else may read the query's other mappings (a
// Kubecost key reads the registered sub-account names), never the
// mapping itself, directly or through others: inside a mapping, its own
// dimension reads as stored, so an override like provider → "Azure"
// tests the provider as the bill stored it.
type Mapping struct {
	Rules []Rule
	Else  cost.Dimension
	// Fold, when set, lower-cases the mapped value and trims the spaces
	// around it, so values written in different cases group as one (Azure
	// billing's resource groups, which upstream stores folded). Lower
	// case is Unicode's simple mapping, as strings.ToLower has it.
	Fold bool
}

// Folded is what Fold does to a value, for values a dialect renders
// item by item that must read as the folded groups do.
func Folded(v string) string { return strings.ToLower(strings.Trim(v, " ")) }

// Rule is one rule of a Mapping: when When matches, the mapped value is
// Value, or, when From is set, the value of dimension From (read through
// the query's mappings, as Else is). From lets a mapping take the first
// non-empty of several dimensions (a Kubecost label read from the CUR's
// `user:team` or `user_team`, an account name falling back to its id),
// which constants alone cannot express.
type Rule struct {
	When  filter.Expr
	Value string
	From  cost.Dimension
}

// Dimensions returns the dimensions m reads directly.
func (m Mapping) Dimensions() []cost.Dimension {
	var out []cost.Dimension
	for _, r := range m.Rules {
		out = append(out, filter.Dimensions(r.When)...)
		if r.From != "" {
			out = append(out, r.From)
		}
	}
	if m.Else != "" {
		out = append(out, m.Else)
	}
	return out
}

// Value is the value of dimension d for a line item under q's mappings:
// the reference every store's compiled mappings must agree with. match
// evaluates a filter given how to read a dimension; stored reads a
// stored dimension.
func (q Query) Value(d cost.Dimension, match func(filter.Expr, func(cost.Dimension) string) bool, stored func(cost.Dimension) string) string {
	return q.value(d, nil, match, stored)
}

func (q Query) value(d cost.Dimension, within []cost.Dimension, match func(filter.Expr, func(cost.Dimension) string) bool, stored func(cost.Dimension) string) string {
	m, ok := q.Mappings[d]
	if !ok || slices.Contains(within, d) {
		return stored(d)
	}
	within = append(slices.Clip(within), d)
	get := func(x cost.Dimension) string { return q.value(x, within, match, stored) }
	v := ""
	matched := false
	for _, r := range m.Rules {
		if match(r.When, get) {
			v, matched = r.Value, true
			if r.From != "" {
				v = get(r.From)
			}
			break
		}
	}
	if !matched && m.Else != "" {
		v = get(m.Else)
	}
	if m.Fold {
		v = Folded(v)
	}
	return v
}

// MaxRules bounds the rules of one query's mappings: thousands of
// registered accounts are expected, a million is a mistake.
const MaxRules = 100000

// StoredDimensions returns the stored dimensions q reads through its
// groups and filter, mappings expanded (as Value reads them): what
// decides whether a rollup can answer.
func (q Query) StoredDimensions() []cost.Dimension {
	var out []cost.Dimension
	var add func(d cost.Dimension, within []cost.Dimension)
	add = func(d cost.Dimension, within []cost.Dimension) {
		m, ok := q.Mappings[d]
		if !ok || slices.Contains(within, d) {
			out = append(out, d)
			return
		}
		within = append(slices.Clip(within), d)
		for _, x := range m.Dimensions() {
			add(x, within)
		}
	}
	for _, d := range q.GroupBy {
		add(d, nil)
	}
	for _, d := range filter.Dimensions(q.Filter) {
		add(d, nil)
	}
	return out
}

// validateMappings refuses mappings a store could not compile alike:
// too many rules, or a rule testing an amount (a rollup keeps none).
func (q Query) validateMappings() error {
	n := 0
	keys := make([]cost.Dimension, 0, len(q.Mappings))
	for d := range q.Mappings {
		keys = append(keys, d)
	}
	slices.Sort(keys)
	for _, d := range keys {
		m := q.Mappings[d]
		n += len(m.Rules)
		for _, r := range m.Rules {
			if filter.HasAmount(r.When) {
				return fmt.Errorf("%w: mapping %q: a rule tests an amount; rules test dimensions", cost.ErrInvalid, d)
			}
			if r.From != "" && r.Value != "" {
				return fmt.Errorf("%w: mapping %q: a rule has both a Value and a From", cost.ErrInvalid, d)
			}
		}
	}
	if n > MaxRules {
		return fmt.Errorf("%w: the query's mappings have %d rules, more than %d", cost.ErrInvalid, n, MaxRules)
	}
	return nil
}
