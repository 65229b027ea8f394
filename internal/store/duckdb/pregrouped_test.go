package duckdb

import (
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// TestPreGrouped: mapped groups over line items, and large mappings over
// the rollup, are computed in two levels; small mappings over the rollup
// in one, counting the rules of the mappings they read through. The
// answers are the same either way (the conformance suite's property
// tests run both); this pins which plan a question gets.
func TestPreGrouped(t *testing.T) {
	const shown, name, team = cost.Dimension("shown"), cost.Dimension("name"), cost.Dimension("tag:team")
	rule := func(v string) query.Rule {
		return query.Rule{When: filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{v}}, Value: v}
	}
	rules := func(n int) []query.Rule {
		out := make([]query.Rule, n)
		for i := range out {
			out[i] = rule(string(rune('a' + i)))
		}
		return out
	}
	for _, c := range []struct {
		name     string
		maps     map[cost.Dimension]query.Mapping
		rollup   bool
		spread   bool
		twoLevel bool
	}{
		{"no mapping", nil, true, false, false},
		{"one rule over line items", map[cost.Dimension]query.Mapping{shown: {Rules: rules(1), Else: cost.DimService}}, false, false, true},
		{"one rule over the rollup", map[cost.Dimension]query.Mapping{shown: {Rules: rules(1), Else: cost.DimService}}, true, false, false},
		{"four rules over the rollup", map[cost.Dimension]query.Mapping{shown: {Rules: rules(4), Else: cost.DimService}}, true, false, false},
		{"five rules over the rollup", map[cost.Dimension]query.Mapping{shown: {Rules: rules(5), Else: cost.DimService}}, true, false, true},
		{"spread over the rollup", map[cost.Dimension]query.Mapping{shown: {Rules: rules(1), Else: cost.DimService}}, true, true, true},
		// name's mapping is compiled twice into shown's (its rule's
		// condition and its else): 1 + 1 + 1 rules, then 1 + 2 + 2.
		{"rules read through", map[cost.Dimension]query.Mapping{
			shown: {Rules: []query.Rule{{When: filter.Cond{Dim: name, Op: filter.Equals, Values: []string{""}}, From: team}}, Else: name},
			name:  {Rules: rules(1), Else: cost.DimService},
		}, true, false, false},
		{"rules read through, too many", map[cost.Dimension]query.Mapping{
			shown: {Rules: []query.Rule{{When: filter.Cond{Dim: name, Op: filter.Equals, Values: []string{""}}, From: team}}, Else: name},
			name:  {Rules: rules(2), Else: cost.DimService},
		}, true, false, true},
		{"else read through, too many", map[cost.Dimension]query.Mapping{
			shown: {Rules: rules(2), Else: name},
			name:  {Rules: rules(3), Else: cost.DimService},
		}, true, false, true},
	} {
		q := query.Query{GroupBy: []cost.Dimension{shown}, Mappings: c.maps, Spread: c.spread}
		if c.maps == nil {
			q.GroupBy = []cost.Dimension{cost.DimService}
		}
		if _, got := preGrouped(q, c.rollup); got != c.twoLevel {
			t.Errorf("%s: two levels %v, want %v", c.name, got, c.twoLevel)
		}
	}
}

// TestMappingRulesWithin: a mapping that reads its own dimension reads
// the stored value, as the compiler does, and counts its rules once.
func TestMappingRulesWithin(t *testing.T) {
	self := map[cost.Dimension]query.Mapping{cost.DimService: {
		Rules: []query.Rule{{When: filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{""}}, Value: "__unallocated__"}},
		Else:  cost.DimService,
	}}
	if got := mappingRules(self, cost.DimService, nil); got != 1 {
		t.Errorf("rules of a mapping of its own dimension: %d, want 1", got)
	}
}
