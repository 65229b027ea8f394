package perspective

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// storedSchema normalizes body as Create does, with ref_ids from 1.
func storedSchema(t *testing.T, body string) Schema {
	t.Helper()
	s, err := normalize(parseSchema(t, body), nil, counter())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func counter() func(map[string]bool) string {
	d := &document{NextRef: 1}
	return d.freshRef
}

func tags(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestEvaluate: the group of one item, rule by rule.
func TestEvaluate(t *testing.T) {
	guide := strings.Replace(strings.Replace(guideExample, `,
                                       {"ref_id": "2954937647999", "blk_id": "", "name": "Remaining"}`, "", 1),
		`"fwd_to": "2954937647808"}`, `"fwd_to": "2954937647808"},
	  {"ref_id": "2954937647811", "blk_id": "5841000000853", "val": "Prod", "name": "Prod"}`, 1)
	byRef := `{"schema":{"name":"g","rules":[
	  {"type":"filter","to":"new group 1","condition":{"clauses":[{"field":["Active?"],"op":"=","val":"true"}]}},
	  {"type":"filter","to":"new group 1","condition":{"clauses":[{"field":["First Discovered"],"op":">","val":"2016-01-04T23:19:34+00:00"}]}},
	  {"type":"filter","to":"n","condition":{"clauses":[{"field":["cpus"],"op":">","val":"9"},{"field":["cpus"],"op":"<","val":"100"}]}},
	  {"type":"filter","to":"moved","from":"new group 1","condition":{"combine_with":"AND","clauses":[{"tag_field":["team"],"op":"Contains","val":"x"},{"tag_field":["env"],"op":"!=","val":"dev"}]}}]}}`
	blocks := `{"schema":{"name":"b","rules":[
	  {"type":"categorize","tag_field":["t1"],"ref_id":"10","name":"B1"},
	  {"type":"categorize","field":["region"],"ref_id":"20","name":"B2"}],
	  "merges":[{"type":"Dynamic Group Block","to":"10","from":["20"]}],
	  "constants":[{"type":"Dynamic Group","list":[{"ref_id":"11","blk_id":"10","val":"a","name":"A!"},{"ref_id":"21","blk_id":"20","val":"b","name":"B!"}]}]}}`
	cases := []struct {
		name, schema string
		item         Item
		want         string // group name, then "+new" for a group to create
	}{
		{"categorize", guide, Item{Tags: tags("cht_env", "prod")}, "prod"},
		{"merged group", guide, Item{Tags: tags("cht_env", "production")}, "prod"},
		{"merged group of another case", guide, Item{Tags: tags("cht_env", "Prod")}, "prod"},
		{"new value", guide, Item{Tags: tags("cht_env", "staging")}, "staging+new"},
		{"first match wins", guide, Item{Tags: tags("cht_env", "prod"), Fields: tags("Active?", "true")}, "prod"},
		{"filter OR first clause", guide, Item{Fields: tags("Active?", "true")}, "KeepMe"},
		{"filter OR second clause", guide, Item{Tags: tags("owner", "devops")}, "KeepMe"},
		{"Contains is case-sensitive", guide, Item{Tags: tags("owner", "DevOPS")}, "Other"},
		{"empty tag value is no value", guide, Item{Tags: tags("cht_env", "")}, "Other"},
		{"unmatched", guide, Item{}, "Other"},
		{"asset type expands", guide, Item{Type: "AwsInstance", Tags: tags("cht_env", "prod")}, "prod"},
		{"other asset type", guide, Item{Type: "AzureVm", Tags: tags("cht_env", "prod"), Fields: tags("Active?", "true")}, "Other"},
		{"concrete asset type", guide, Item{Type: "AwsRdsInstance", Fields: tags("Active?", "true")}, "Other"},
		{"by reference", byRef, Item{Fields: tags("Active?", "true")}, "Group-1"},
		{"later time", byRef, Item{Fields: tags("First Discovered", "2017-02-01T00:00:00+00:00")}, "Group-1"},
		{"earlier time", byRef, Item{Fields: tags("First Discovered", "2015-02-01T00:00:00+00:00")}, "Other"},
		{"numbers compare as numbers", byRef, Item{Fields: tags("cpus", "16")}, "Group-2"},
		{"number out of range", byRef, Item{Fields: tags("cpus", "100")}, "Other"},
		{"group to group", byRef, Item{Fields: tags("Active?", "true"), Tags: tags("team", "xyz")}, "Group-3"},
		{"group to group AND", byRef, Item{Fields: tags("Active?", "true"), Tags: tags("team", "xyz", "env", "dev")}, "Group-1"},
		{"group to group sees only its from", byRef, Item{Tags: tags("team", "xyz")}, "Other"},
		{"own block", blocks, Item{Tags: tags("t1", "a")}, "A!"},
		{"merged block's own group", blocks, Item{Fields: tags("region", "b")}, "B!"},
		{"merged block joins the target's group", blocks, Item{Fields: tags("region", "a")}, "A!"},
		{"merged block's new value", blocks, Item{Fields: tags("region", "c")}, "c+new"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Evaluate(storedSchema(t, c.schema), c.item)
			got := a.Name
			if a.New {
				got += "+new"
			}
			if got != c.want {
				t.Errorf("got %q (%+v), want %q", got, a, c.want)
			}
		})
	}
}

// TestMappingRefuses: what the query model cannot express yet is an
// error naming the rule, not a silently different mapping.
func TestMappingRefuses(t *testing.T) {
	for body, want := range map[string]string{
		`{"schema":{"name":"x","rules":[{"type":"filter","to":"a","condition":{"clauses":[{"field":["region"],"op":">","val":"a"}]}}]}}`:  `rules[0].condition.clauses[0]: op ">" has no filter equivalent yet`,
		`{"schema":{"name":"x","rules":[{"type":"filter","to":"a","condition":{"clauses":[{"field":["Active?"],"op":"=","val":"a"}]}}]}}`: `rules[0]: field "Active?"`,
	} {
		p := Perspective{Schema: storedSchema(t, body)}
		if _, err := p.Mapping(DimensionByName); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
}

// match is a reference evaluator of the filter AST, written from its
// documentation (Cond, Not, And, Or), independent of any store.
func match(e filter.Expr, get func(cost.Dimension) string) bool {
	switch x := e.(type) {
	case nil:
		return true
	case filter.Not:
		return !match(x.X, get)
	case filter.And:
		for _, y := range x.Xs {
			if !match(y, get) {
				return false
			}
		}
		return true
	case filter.Or:
		for _, y := range x.Xs {
			if match(y, get) {
				return true
			}
		}
		return false
	case filter.Cond:
		have := get(x.Dim)
		for _, v := range x.Values {
			if x.Op == filter.Equals && have == v || x.Op == filter.Contains && strings.Contains(have, v) {
				return true
			}
		}
		return false
	}
	panic(fmt.Sprintf("unexpected filter node %T", e))
}

// perspectiveDim is the dimension the compiled mapping defines in the
// property test's queries.
const perspectiveDim cost.Dimension = "perspective"

// TestMappingAgreesWithEvaluate is the property: for random schemas
// (categorize and filter rules, group-to-group rules, renamed and merged
// dynamic groups, block merges) and random items, the compiled Mapping, evaluated through the
// query model's own Value, gives every item the group Evaluate does.
func TestMappingAgreesWithEvaluate(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 5))
	schemas, checked := 0, 0
	for range 3000 {
		in := randomSchema(rng)
		s, err := normalize(in, nil, counter())
		if err != nil {
			continue // duplicate values in a block, self-merges, cycles
		}
		schemas++
		p := Perspective{Schema: s}
		m, err := p.Mapping(DimensionByName)
		if err != nil {
			t.Fatalf("schema %+v: %v", s, err)
		}
		q := query.Query{Mappings: map[cost.Dimension]query.Mapping{perspectiveDim: m}, GroupBy: []cost.Dimension{perspectiveDim},
			Window: cost.Window{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}}
		if err := q.Validate(); err != nil {
			t.Fatalf("the compiled mapping does not validate: %v", err)
		}
		for range 30 {
			it := randomItem(rng)
			stored := func(d cost.Dimension) string {
				if k, ok := d.TagKey(); ok {
					return it.Tags[k]
				}
				return it.Fields[string(d)]
			}
			want := Evaluate(s, it).Name
			if got := q.Value(perspectiveDim, match, stored); got != want {
				t.Fatalf("item %+v under %+v:\nmapping %v\n gives %q, Evaluate %q", it, s, m.Rules, got, want)
			}
			checked++
		}
	}
	if schemas < 1000 {
		t.Errorf("only %d of the random schemas were valid", schemas)
	}
	t.Logf("%d schemas, %d items", schemas, checked)
}

// vals are the values random schemas and items draw from: few, so that
// rules match often, with "" for an absent or empty property.
var vals = []string{"", "a", "b", "ab", "ba"}

func pick(rng *rand.Rand, xs []string) string { return xs[rng.IntN(len(xs))] }

// randomSchema draws a schema as a client would submit it: categorize
// and filter rules over the fields region and service and the tags k1
// and k2, group-to-group rules, renamed and merged dynamic groups, block
// merges. Some are invalid (normalize refuses them).
func randomSchema(rng *rand.Rand) Schema {
	key := func() (field, tag []string) {
		if rng.IntN(2) == 0 {
			return []string{pick(rng, []string{"region", "service"})}, nil
		}
		return nil, []string{pick(rng, []string{"k1", "k2"})}
	}
	in := Schema{Name: "p"}
	var blocks, targets []string
	for r := range 1 + rng.IntN(6) {
		if rng.IntN(3) == 0 {
			f, tg := key()
			ref := fmt.Sprint(100 + r)
			blocks = append(blocks, ref)
			in.Rules = append(in.Rules, Rule{Type: RuleCategorize, Field: f, TagField: tg, RefID: ref, Name: "B" + ref})
			continue
		}
		cond := &Condition{CombineWith: pick(rng, []string{"", "AND", "OR"})}
		for range rng.IntN(4) {
			f, tg := key()
			cond.Clauses = append(cond.Clauses, Clause{Field: f, TagField: tg, Op: pick(rng, []string{"=", "!=", "Contains"}), Val: pick(rng, vals)})
		}
		r := Rule{Type: RuleFilter, To: pick(rng, []string{"g1", "g2", "g3"}), Condition: cond}
		if len(targets) > 0 && rng.IntN(2) == 0 {
			r.From = pick(rng, targets)
		}
		targets = append(targets, r.To)
		in.Rules = append(in.Rules, r)
	}
	var dyn []string
	if len(blocks) > 0 {
		c := Constant{Type: ConstDynamic}
		for i := range rng.IntN(6) {
			blk := blocks[rng.IntN(len(blocks))]
			v := pick(rng, vals[1:])
			ref := fmt.Sprint(200 + i)
			c.List = append(c.List, Group{RefID: ref, BlkID: &blk, Val: v, Name: pick(rng, []string{v, v, "G" + ref, "a"})})
			dyn = append(dyn, ref)
		}
		in.Constants = append(in.Constants, c)
		for range rng.IntN(3) {
			if len(dyn) > 1 {
				in.Merges = append(in.Merges, Merge{Type: MergeGroup, To: dyn[rng.IntN(len(dyn))], From: []string{dyn[rng.IntN(len(dyn))]}})
			}
		}
		if len(blocks) > 1 && rng.IntN(2) == 0 {
			in.Merges = append(in.Merges, Merge{Type: MergeBlock, To: blocks[0], From: blocks[1:2]})
		}
	}
	return in
}

// randomItem draws an item whose properties are absent, empty or one of vals.
func randomItem(rng *rand.Rand) Item {
	it := Item{Fields: map[string]string{}, Tags: map[string]string{}}
	for _, k := range []string{"region", "service"} {
		if v := pick(rng, vals); v != "" || rng.IntN(2) == 0 {
			it.Fields[k] = v
		}
	}
	for _, k := range []string{"k1", "k2"} {
		if v := pick(rng, vals); v != "" || rng.IntN(2) == 0 {
			it.Tags[k] = v
		}
	}
	return it
}

// TestDiscover: values first seen create their dynamic groups, under
// fresh ref_ids, once, without a version change; Evaluate then finds them.
func TestDiscover(t *testing.T) {
	ctx := t.Context()
	b, _ := openBook(t)
	id, _, err := b.Create(ctx, Everyone.Owner, parseSchema(t, `{"schema":{"name":"x","rules":[{"type":"categorize","tag_field":["env"],"ref_id":"9","name":"Env"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	items := []Item{{Tags: tags("env", "prod")}, {Tags: tags("env", "dev")}, {Tags: tags("env", "prod")}, {}}
	n, err := b.Discover(ctx, id, items)
	if err != nil || n != 2 {
		t.Fatalf("discover: %d, %v", n, err)
	}
	if n, _ := b.Discover(ctx, id, items); n != 0 {
		t.Errorf("second discover added %d", n)
	}
	p, _ := b.Perspective(Everyone, id)
	if a := Evaluate(p.Schema, items[1]); a.New || a.Name != "dev" || a.RefID == "" || a.Block != "9" {
		t.Errorf("dev: %+v", a)
	}
	if p.Version != 1 {
		t.Errorf("version %d", p.Version)
	}
	sameJSON(t, b.Get(Everyone, id, false), `{"schema":{"name":"x","include_in_reports":"true",
	  "rules":[{"type":"categorize","tag_field":["env"],"ref_id":"9","name":"Env"}],"merges":[],
	  "constants":[{"type":"Static Group","list":[{"ref_id":"1","name":"Other","is_other":"true"}]},
	    {"type":"Dynamic Group Block","list":[{"ref_id":"9","name":"Env"}]},
	    {"type":"Dynamic Group","list":[{"ref_id":"3","blk_id":"9","val":"prod","name":"prod"},{"ref_id":"4","blk_id":"9","val":"dev","name":"dev"},
	      {"ref_id":"2","blk_id":"","name":"Remaining"}]}]}}`)
}
