package duckdb

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// dimExpr is the SQL text of a dimension, never NULL, so that "" matches
// an empty or absent property as the filter AST defines.
func dimExpr(d cost.Dimension) (string, error) {
	if key, ok := d.TagKey(); ok {
		if key == "" {
			return "", fmt.Errorf("%w: a tag dimension needs a key", cost.ErrInvalid)
		}
		if err := checkText("tag key", key); err != nil {
			return "", err
		}
		return "coalesce(tags[" + quote(key) + "], '')", nil
	}
	col, ok := dimColumns[d]
	if !ok {
		return "", fmt.Errorf("%w: dimension %q is not stored", cost.ErrInvalid, d)
	}
	if d == cost.DimKubernetes {
		return "CASE WHEN " + col + " THEN 'true' ELSE 'false' END", nil
	}
	return "coalesce(" + col + ", '')", nil
}

// quote renders a SQL string literal. Dimension keys come from clients, so
// they are quoted rather than spliced; values always go through parameters.
// checkText has refused what a literal cannot hold.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// checkText refuses text DuckDB cannot take as a literal or parameter
// (a NUL byte, invalid UTF-8), which would otherwise fail the query as a
// server error.
func checkText(what, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8 text", cost.ErrInvalid, what, s)
	}
	return nil
}

// compiler renders filters and dimensions of one query: it knows the
// query's mappings and collects the parameters in text order.
type compiler struct {
	maps map[cost.Dimension]query.Mapping
	// within are the mappings being compiled, outermost first: inside a
	// mapping, its own dimension reads as stored (query.Mapping).
	within []cost.Dimension
	// cols, when set, names the column holding each stored dimension: a
	// mapping compiled over rows grouped by them (plan's two levels).
	cols map[cost.Dimension]string
	// rates convert USD amounts of items without one (query.Query.Rates).
	rates []cost.Rate
	args  []any
}

// stored is the SQL text of a stored dimension.
func (c *compiler) stored(d cost.Dimension) (string, error) {
	if c.cols != nil {
		col, ok := c.cols[d]
		if !ok {
			return "", fmt.Errorf("mapping reads %q, which the grouped rows do not hold", d)
		}
		return col, nil
	}
	return dimExpr(d)
}

// dim is the SQL text of a dimension: a mapping's CASE, or the stored
// column (dimExpr).
func (c *compiler) dim(d cost.Dimension) (string, error) {
	m, ok := c.maps[d]
	if !ok || slices.Contains(c.within, d) {
		return c.stored(d)
	}
	e, err := c.mapping(d, m)
	if err != nil || !m.Fold {
		return e, err
	}
	// DuckDB's trim removes spaces only, as query.Mapping's Fold does.
	return "lower(trim(" + e + "))", nil
}

// mapping is the SQL text of mapping m of dimension d, before Fold.
func (c *compiler) mapping(d cost.Dimension, m query.Mapping) (string, error) {
	inner := &compiler{maps: c.maps, within: append(slices.Clip(c.within), d), cols: c.cols, args: c.args, rates: c.rates}
	if on, fold, keys, vals, ok := lookup(m); ok {
		// A table of values (registered names): one map lookup, two
		// parameters, instead of a CASE of hundreds that DuckDB binds
		// and plans on every query.
		e, err := inner.dim(on)
		if err != nil {
			return "", err
		}
		if fold {
			e = "lower(" + e + ")"
		}
		for _, v := range append(keys, vals...) {
			if err := checkText("mapped value", v); err != nil {
				return "", err
			}
		}
		inner.args = append(inner.args, keys, vals)
		elseSQL := "''"
		if m.Else != "" {
			if elseSQL, err = inner.dim(m.Else); err != nil {
				return "", err
			}
		}
		c.args = inner.args
		return "coalesce(map_extract(MAP(?::VARCHAR[], ?::VARCHAR[]), " + e + ")[1], " + elseSQL + ")", nil
	}
	var b strings.Builder
	b.WriteString("(CASE")
	for _, r := range m.Rules {
		if err := checkText("mapped value", r.Value); err != nil {
			return "", err
		}
		cond, err := inner.filter(r.When)
		if err != nil {
			return "", err
		}
		if r.From != "" {
			v, err := inner.dim(r.From)
			if err != nil {
				return "", err
			}
			b.WriteString(" WHEN " + cond + " THEN " + v)
			continue
		}
		inner.args = append(inner.args, r.Value)
		b.WriteString(" WHEN " + cond + " THEN ?")
	}
	elseSQL := "''"
	if m.Else != "" {
		e, err := inner.dim(m.Else)
		if err != nil {
			return "", err
		}
		elseSQL = e
	}
	c.args = inner.args
	if len(m.Rules) == 0 {
		return elseSQL, nil
	}
	b.WriteString(" ELSE " + elseSQL + " END)")
	return b.String(), nil
}

// lookupMin is the number of rules from which a mapping that is a table
// of values compiles to a map lookup rather than a CASE.
const lookupMin = 8

// lookup reports whether m is a table of values: every rule an equality
// test of the same stored dimension (tags by key included), with the same
// case rule. It returns the keys and their values, the first rule's value
// for a key that several rules name, as the ordered rules would give.
func lookup(m query.Mapping) (on cost.Dimension, fold bool, keys, vals []string, ok bool) {
	if len(m.Rules) < lookupMin {
		return "", false, nil, nil, false
	}
	seen := map[string]bool{}
	for i, r := range m.Rules {
		c, isCond := r.When.(filter.Cond)
		if !isCond || r.From != "" || c.Op != filter.Equals || len(c.Values) == 0 {
			return "", false, nil, nil, false
		}
		if key, isTag := c.Dim.TagKey(); isTag && key == "" {
			return "", false, nil, nil, false
		}
		if i == 0 {
			on, fold = c.Dim, c.FoldCase
		} else if c.Dim != on || c.FoldCase != fold {
			return "", false, nil, nil, false
		}
		for _, v := range c.Values {
			if fold {
				v = strings.ToLower(v)
			}
			if !seen[v] {
				seen[v] = true
				keys, vals = append(keys, v), append(vals, r.Value)
			}
		}
	}
	return on, fold, keys, vals, true
}

// filter renders e as a SQL condition, appending its parameters.
// Every condition it returns with more than one term is enclosed in
// parentheses, so that it stays one condition wherever it is spliced.
// Every leaf is true or false, never NULL, so that NOT negates it as the
// filter AST means (SQL's NOT NULL is NULL, which drops the row).
func (c *compiler) filter(e filter.Expr) (string, error) {
	switch x := e.(type) {
	case nil:
		return "true", nil
	case filter.Cond:
		return c.cond(x)
	case filter.Amount:
		// Only line_items carry single items' amounts; UsesRollup keeps
		// such queries off the rollup.
		col := metricColumns[x.Metric]
		if x.USD {
			col = usdAmount(col, c.rates)
		}
		op := ">="
		if x.Op == filter.AtMost {
			op = "<="
		}
		c.args = append(c.args, x.Value.String())
		// An item without a USD amount does not match, and its NULL must
		// not reach a NOT: every leaf is true or false, never NULL.
		return "coalesce(" + col + " " + op + " CAST(? AS " + money + "), false)", nil
	case filter.Not:
		inner, err := c.filter(x.X)
		if err != nil {
			return "", err
		}
		return "NOT (" + inner + ")", nil
	case filter.And:
		return c.list(x.Xs, " AND ", "true")
	case filter.Or:
		return c.list(x.Xs, " OR ", "false")
	}
	return "", fmt.Errorf("%w: unknown filter node %T", cost.ErrInvalid, e)
}

func (c *compiler) list(xs []filter.Expr, sep, empty string) (string, error) {
	if len(xs) == 0 {
		return empty, nil
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		p, err := c.filter(x)
		if err != nil {
			return "", err
		}
		parts[i] = "(" + p + ")"
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

func (cc *compiler) cond(c filter.Cond) (string, error) {
	if len(c.Values) == 0 {
		return "false", nil
	}
	for _, v := range c.Values {
		if err := checkText("filter value", v); err != nil {
			return "", err
		}
	}
	if key, ok := c.Dim.TagKey(); ok && key == "" {
		// Tests on tag keys: true when any key compares true.
		parts := make([]string, len(c.Values))
		for i, v := range c.Values {
			// coalesce: an item without tags has a NULL map, whose NULL
			// answer a NOT would keep NULL; it has no key, so false.
			parts[i] = "coalesce(len(list_filter(map_keys(tags), k -> " + compare("k", c.Op, c.FoldCase) + ")) > 0, false)"
			cc.args = append(cc.args, foldValue(v, c.FoldCase))
		}
		return "(" + strings.Join(parts, " OR ") + ")", nil
	}
	if _, mapped := cc.maps[c.Dim]; mapped && !slices.Contains(cc.within, c.Dim) && len(c.Values) > 1 {
		// A mapping's CASE carries parameters: spell it once per value
		// would repeat them, so test each value as its own condition.
		parts := make([]string, len(c.Values))
		for i, v := range c.Values {
			one := c
			one.Values = []string{v}
			p, err := cc.cond(one)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, " OR ") + ")", nil
	}
	expr, err := cc.dim(c.Dim)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(c.Values))
	for i, v := range c.Values {
		parts[i] = compare(expr, c.Op, c.FoldCase)
		cc.args = append(cc.args, foldValue(v, c.FoldCase))
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

func foldValue(v string, fold bool) string {
	if fold {
		return strings.ToLower(v)
	}
	return v
}

func compare(expr string, op filter.Op, fold bool) string {
	if fold {
		expr = "lower(" + expr + ")"
	}
	switch op {
	case filter.Contains:
		return "contains(" + expr + ", ?)"
	case filter.Prefix:
		return "starts_with(" + expr + ", ?)"
	case filter.Suffix:
		return "ends_with(" + expr + ", ?)"
	}
	return expr + " = ?"
}
