package perspective

import (
	"fmt"
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
// Not expressible yet, refused with ErrNotExpressible: group-to-group
// rules (`from`), which move items between groups and need state a
// first-match mapping lacks, and the ordering ops > and <, which the
// filter AST does not have. A rule's asset type is not tested: line
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
				return query.Mapping{}, fmt.Errorf("%w: rules[%d] moves assets from group %q; group-to-group rules are not compiled yet", ErrNotExpressible, i, r.From)
			}
			when, err := conditionExpr(i, r.Condition, dim)
			if err != nil {
				return query.Mapping{}, err
			}
			m.Rules = append(m.Rules, query.Rule{When: when, Value: ix.static[r.To]})
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
