package query

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

var day = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func TestUsesRollup(t *testing.T) {
	w := cost.Window{Start: day, End: day.AddDate(0, 0, 30)}
	f := func(q Query, want bool) {
		t.Helper()
		if got := UsesRollup(q); got != want {
			t.Fatalf("UsesRollup(%+v) = %v, want %v", q, got, want)
		}
	}
	f(Query{Window: w}, true)
	f(Query{Window: w, GroupBy: []cost.Dimension{cost.DimService, cost.DimSubAccountID}}, true)
	f(Query{Window: w, GroupBy: []cost.Dimension{cost.DimResourceID}}, false)
	f(Query{Window: w, GroupBy: []cost.Dimension{cost.TagDimension("team")}}, false)
	f(Query{Window: w, Filter: filter.Cond{Dim: cost.DimRegion, Values: []string{"x"}}}, true)
	f(Query{Window: w, Filter: filter.Not{X: filter.Cond{Dim: cost.DimUsageType, Values: []string{"x"}}}}, false)
	f(Query{Window: cost.Window{Start: day.Add(time.Hour), End: w.End}}, false)
	f(Query{Window: w, Quantity: true, GroupBy: []cost.Dimension{cost.DimService}}, true)
	f(Query{Window: w, Quantity: true, GroupBy: []cost.Dimension{cost.DimPricingUnit}}, false)
}

// TestRollupTags: the tag keys a tag rollup would need, each once, and
// no tag rollup where the daily rollup's other limits stand or where a
// test reads every key.
func TestRollupTags(t *testing.T) {
	w := cost.Window{Start: day, End: day.AddDate(0, 0, 30)}
	team, env := cost.TagDimension("team"), cost.TagDimension("env")
	label := cost.Dimension("label")
	for _, tc := range []struct {
		name string
		q    Query
		keys []string
		ok   bool
	}{
		{"no tags", Query{Window: w, GroupBy: []cost.Dimension{cost.DimService}}, nil, true},
		{"group", Query{Window: w, GroupBy: []cost.Dimension{team, cost.DimService}}, []string{"team"}, true},
		{"group and filter, once each", Query{Window: w, GroupBy: []cost.Dimension{team},
			Filter: filter.And{Xs: []filter.Expr{filter.Cond{Dim: env, Values: []string{"prod"}}, filter.Cond{Dim: team, Values: []string{"a"}}}}},
			[]string{"team", "env"}, true},
		{"through a mapping", Query{Window: w, GroupBy: []cost.Dimension{label}, Mappings: map[cost.Dimension]Mapping{
			label: {Rules: []Rule{{When: filter.Cond{Dim: env, Op: filter.Equals, Values: []string{""}}, From: team}}, Else: env}}},
			[]string{"env", "team"}, true},
		{"tests on keys", Query{Window: w, Filter: filter.Cond{Dim: cost.TagDimension(""), Values: []string{"team"}}}, nil, false},
		{"a dimension no rollup keeps", Query{Window: w, GroupBy: []cost.Dimension{team, cost.DimResourceID}}, nil, false},
		{"not whole days", Query{Window: cost.Window{Start: day.Add(time.Hour), End: w.End}, GroupBy: []cost.Dimension{team}}, nil, false},
		{"hours", Query{Window: w, Step: Hours(1), GroupBy: []cost.Dimension{team}}, nil, false},
	} {
		keys, ok := RollupTags(tc.q)
		if ok != tc.ok || !slices.Equal(keys, tc.keys) {
			t.Errorf("%s: RollupTags = %q, %v; want %q, %v", tc.name, keys, ok, tc.keys, tc.ok)
		}
		if got, want := UsesRollup(tc.q), tc.ok && len(tc.keys) == 0; got != want {
			t.Errorf("%s: UsesRollup = %v, want %v", tc.name, got, want)
		}
	}
}

func TestParseStepAndValidate(t *testing.T) {
	for in, want := range map[string]Step{"": StepNone, "day": Days(1), "daily": Days(1), "week": Weeks(1, time.Monday),
		"month": Months(1), "2w": Weeks(2, time.Monday), "hour": Hours(1), "3M": Months(3), "quarter": Quarters(1), "1y": Years(1)} {
		if got, err := ParseStep(in); err != nil || got != want {
			t.Fatalf("ParseStep(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"fortnight", "0d", "2", "-1d", "12345d"} {
		if _, err := ParseStep(in); !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("ParseStep(%q) err = %v", in, err)
		}
	}
	bad := []Query{
		{},
		{Window: cost.Window{Start: day, End: day}},
		{Window: cost.Window{Start: day, End: day.AddDate(0, 0, 1)}, Limit: -1},
		{Window: cost.Window{Start: day, End: day.AddDate(0, 0, 1)}, Top: 3, Limit: 1},
		{Window: cost.Window{Start: day, End: day.AddDate(0, 0, 1)}, Sort: []Order{Key(0, false)}},
		{Window: cost.Window{Start: day, End: day.AddDate(100, 0, 0)}, Step: Days(1)},
	}
	for _, q := range bad {
		if err := q.Validate(); !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("Validate(%+v) = %v, want ErrInvalid", q, err)
		}
	}
}

// TestRuleFrom: a rule with From takes its value from a dimension, read
// through the query's other mappings, so a mapping can take the first
// non-empty of several dimensions.
func TestRuleFrom(t *testing.T) {
	name, id := cost.DimSubAccountName, cost.DimSubAccountID
	shown := cost.Dimension("shown")
	q := Query{Mappings: map[cost.Dimension]Mapping{
		shown: {Rules: []Rule{{When: filter.Cond{Dim: name, Op: filter.Equals, Values: []string{""}}, From: id}}, Else: name},
		// A registered name, read by the rule's test and its Else.
		name: {Rules: []Rule{{When: filter.Cond{Dim: id, Op: filter.Equals, Values: []string{"r"}}, Value: "Registered"}}, Else: name},
	}}
	if err := q.validateMappings(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, name, want string }{
		{"1", "", "1"}, {"2", "two", "two"}, {"r", "", "Registered"}, {"", "", ""},
	} {
		stored := map[cost.Dimension]string{id: tc.id, name: tc.name}
		got := q.Value(shown, matchSimple, func(d cost.Dimension) string { return stored[d] })
		if got != tc.want {
			t.Errorf("id %q name %q: %q, want %q", tc.id, tc.name, got, tc.want)
		}
	}
	if got := (Mapping{Rules: []Rule{{When: nil, From: id}}}).Dimensions(); len(got) != 1 || got[0] != id {
		t.Errorf("Dimensions %v, want [%s]", got, id)
	}
	bad := Query{Mappings: map[cost.Dimension]Mapping{shown: {Rules: []Rule{{Value: "x", From: id}}}}}
	if err := bad.validateMappings(); err == nil {
		t.Error("a rule with Value and From validates")
	}
}

// matchSimple evaluates the equality conditions TestRuleFrom uses.
func matchSimple(e filter.Expr, get func(cost.Dimension) string) bool {
	c, ok := e.(filter.Cond)
	if !ok {
		return e == nil
	}
	for _, v := range c.Values {
		if get(c.Dim) == v {
			return true
		}
	}
	return false
}

func TestValidateSpread(t *testing.T) {
	w := cost.Window{Start: day, End: day.AddDate(0, 1, 0)}
	for _, tt := range []struct {
		name string
		q    Query
		ok   bool
	}{
		{"daily", Query{Window: w, Step: Days(1), Spread: true}, true},
		{"monthly", Query{Window: w, Step: Months(1), Spread: true}, true},
		{"weeks from Sunday", Query{Window: w, Step: Weeks(1, time.Sunday), Spread: true}, true},
		{"one bucket", Query{Window: w, Spread: true}, true},
		{"hourly", Query{Window: w, Step: Hours(1), Spread: true}, false},
		{"window off midnight", Query{Window: cost.Window{Start: day.Add(time.Hour), End: w.End}, Step: Days(1), Spread: true}, false},
		{"dated selection", Query{Window: w, Spread: true, Selection: Selection{Day: day}}, false},
		{"hourly without spread", Query{Window: cost.Window{Start: day, End: day.Add(3 * time.Hour)}, Step: Hours(1)}, true},
	} {
		err := tt.q.Validate()
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, cost.ErrInvalid)) {
			t.Errorf("%s: Validate() = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
