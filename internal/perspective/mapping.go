package perspective

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// ErrNotExpressible marks a schema the query model cannot yet compute
// per line item (see Mapping); a dialect answers it as invalid.
var ErrNotExpressible = errkind.Invalid.New("perspective not expressible as a mapping")

// Perspective is one stored perspective as the Book hands it out.
type Perspective struct {
	ID      string
	Version int
	Active  bool
	Owner   Owner
	Schema  Schema
}

// FieldDimension resolves a rule's or clause's `field` path to the line
// item dimension it reads.
type FieldDimension func(path []string) (cost.Dimension, error)

// DimensionByName reads a field path as a dimension name ("region",
// "subAccountId"), the resolver for line items.
func DimensionByName(path []string) (cost.Dimension, error) {
	return cost.ParseDimension(strings.Join(path, "."))
}

// Mapping compiles p into the query model: a mapping whose value for a
// line item is the name of the group Evaluate puts it in (reports group
// by group name, as `Groupset-<id>` members are named). Categorize rules
// become a rule per renamed or merged value and then a rule taking the
// value from the dimension itself (query.Rule.From), so new values form
// their groups without a schema change; the last rule sends everything
// else to Other.
//
// Group-to-group rules (`from`) move items on after a rule put them in
// a group; a first-match mapping has no such state, so each filter rule
// expands into one mapping rule per path its items can take through the
// later group-to-group rules (see moves).
//
// Not expressible yet, refused with ErrNotExpressible: the ordering ops
// > and <, which the filter AST does not have, and schemas whose paths
// would exceed query.MaxRules. A rule's asset type is not tested: line
// items carry no asset type.
func (p *Perspective) Mapping(fields FieldDimension) (query.Mapping, error) {
	ix := index(p.Schema)
	var m query.Mapping
	dim := func(i int, field, tag []string) (cost.Dimension, error) {
		if len(tag) > 0 {
			key := strings.Join(tag, ".")
			if key == "" {
				return "", fmt.Errorf("%w: rules[%d]: empty tag key", ErrNotExpressible, i)
			}
			return cost.TagDimension(key), nil
		}
		d, err := fields(field)
		if err != nil {
			return "", fmt.Errorf("%w: rules[%d]: field %q: %w", ErrNotExpressible, i, strings.Join(field, "."), err)
		}
		return d, nil
	}
	for i, r := range p.Schema.Rules {
		switch r.Type {
		case RuleFilter:
			if r.From != "" {
				continue // compiled with the rules that fill its group
			}
			when, err := conditionExpr(i, r.Condition, dim)
			if err != nil {
				return query.Mapping{}, err
			}
			if err := moves(&m, p.Schema.Rules, i+1, r.To, []filter.Expr{when}, ix, dim); err != nil {
				return query.Mapping{}, err
			}
		case RuleCategorize:
			d, err := dim(i, r.Field, r.TagField)
			if err != nil {
				return query.Mapping{}, err
			}
			// Values whose group is renamed or merged read as that
			// group's name; the rest name their own group.
			done := map[string]bool{"": true}
			for _, blk := range []string{r.RefID, ix.blockOf(r.RefID)} {
				for _, g := range ix.members[blk] {
					if done[g.Val] {
						continue
					}
					done[g.Val] = true
					if a := ix.dynamic(r.RefID, g.Val); a.Name != g.Val {
						m.Rules = append(m.Rules, query.Rule{When: eq(d, g.Val), Value: a.Name})
					}
				}
			}
			m.Rules = append(m.Rules, query.Rule{When: filter.Not{X: eq(d, "")}, From: d})
		}
	}
	m.Rules = append(m.Rules, query.Rule{When: filter.And{}, Value: ix.other.Name})
	return m, nil
}

func eq(d cost.Dimension, v string) filter.Expr {
	return filter.Cond{Dim: d, Op: filter.Equals, Values: []string{v}}
}

func conditionExpr(i int, c *Condition, dim func(int, []string, []string) (cost.Dimension, error)) (filter.Expr, error) {
	if c == nil {
		return filter.Or{}, nil
	}
	xs := make([]filter.Expr, 0, len(c.Clauses))
	for j, cl := range c.Clauses {
		d, err := dim(i, cl.Field, cl.TagField)
		if err != nil {
			return nil, err
		}
		var x filter.Expr
		switch cl.Op {
		case "=":
			x = eq(d, cl.Val)
		case "!=":
			x = filter.Not{X: eq(d, cl.Val)}
		case "Contains":
			x = filter.Cond{Dim: d, Op: filter.Contains, Values: []string{cl.Val}}
		default:
			return nil, fmt.Errorf("%w: rules[%d].condition.clauses[%d]: op %q has no filter equivalent yet", ErrNotExpressible, i, j, cl.Op)
		}
		xs = append(xs, x)
	}
	if c.CombineWith == "OR" {
		return filter.Or{Xs: xs}, nil
	}
	return filter.And{Xs: xs}, nil
}

// moves appends the mapping rules of items that entered group g before
// rule `from`, under guard: each later group-to-group rule out of g
// either matches (the item moves on to its `to`) or does not (it stays,
// and the next such rule is tried); where no rule is left, the item is
// in g. The branches are exclusive, so their order does not matter;
// they all come before the next top-level rule's, as Evaluate's first
// match requires.
func moves(m *query.Mapping, rules []Rule, from int, g string, guard []filter.Expr, ix schemaIndex, dim func(int, []string, []string) (cost.Dimension, error)) error {
	for j := from; j < len(rules); j++ {
		r := rules[j]
		if r.Type != RuleFilter || r.From != g {
			continue
		}
		c, err := conditionExpr(j, r.Condition, dim)
		if err != nil {
			return err
		}
		if err := moves(m, rules, j+1, r.To, append(slices.Clip(guard), c), ix, dim); err != nil {
			return err
		}
		return moves(m, rules, j+1, g, append(slices.Clip(guard), filter.Not{X: c}), ix, dim)
	}
	if len(m.Rules) >= query.MaxRules {
		return fmt.Errorf("%w: the group-to-group rules make more than %d paths", ErrNotExpressible, query.MaxRules)
	}
	m.Rules = append(m.Rules, query.Rule{When: filter.AndOf(guard...), Value: ix.static[g]})
	return nil
}
