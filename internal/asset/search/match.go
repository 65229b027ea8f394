package search

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Attributes is one asset as the evaluator sees it: its own attributes
// and its relations (the `attributes` and `relations` of `GET
// /api/:asset`). The asset store implements it; tests use maps.
type Attributes interface {
	// Attr returns the value of the asset's own attribute name, and false
	// when the asset has no such attribute. Values are strings, booleans,
	// integers, decimal.Decimal, float64, json.Number, time.Time or nil.
	Attr(name string) (any, bool)
	// Related returns the assets a relation points to (none, one, or many
	// for a has_many relation), and false when there is no such relation.
	Related(name string) (Relation, bool)
}

// Relation is the far side of a relation of an asset.
type Relation struct {
	Assets []Attributes
	// Many is the relation's has_many: a field through it renders as an
	// array of objects instead of one object.
	Many bool
}

// Match reports whether the asset satisfies every clause of e.
func (e Expr) Match(a Attributes) bool {
	for _, c := range e.Clauses {
		if !c.Match(a) {
			return false
		}
	}
	return true
}

// Match reports whether the asset satisfies c. A dotted path holds when
// any asset at the end of the relations holds it (a has_many relation is
// an existential, as a SQL join would be). An absent or null attribute
// satisfies no comparison, != included, as SQL's NULL does upstream.
func (c Clause) Match(a Attributes) bool {
	for _, v := range resolve(a, c.Path) {
		if compare(v, c.Op, c.Value) {
			return true
		}
	}
	return false
}

// resolve follows path from a and returns the values found at its end.
func resolve(a Attributes, path []string) []any {
	if len(path) == 1 {
		v, ok := a.Attr(path[0])
		if !ok {
			return nil
		}
		return []any{v}
	}
	rel, ok := a.Related(path[0])
	if !ok {
		return nil
	}
	var out []any
	for _, b := range rel.Assets {
		out = append(out, resolve(b, path[1:])...)
	}
	return out
}

// compare applies op to an attribute value and a literal, reading the
// literal as the attribute's type. A literal that does not convert
// matches nothing.
func compare(attr any, op Op, lit Value) bool {
	switch v := attr.(type) {
	case nil:
		return false
	case bool:
		b, ok := parseBool(lit.Text)
		if !ok {
			return false
		}
		switch op {
		case Equal:
			return v == b
		case NotEqual:
			return v != b
		}
		return false // booleans have no order
	case string:
		return compareString(v, op, lit.Text)
	case time.Time:
		t, ok := parseTime(lit.Text)
		return ok && order(v.Compare(t), op)
	}
	d, ok := toDecimal(attr)
	if !ok {
		return compareString(fmt.Sprint(attr), op, lit.Text)
	}
	l, err := decimal.NewFromString(lit.Text)
	if err != nil {
		return false
	}
	return order(d.Cmp(l), op)
}

// compareString compares exactly for = and !=; ordering is numeric when
// both sides are numbers (sizes kept as strings), else by bytes, which
// orders ISO timestamps by time.
func compareString(v string, op Op, lit string) bool {
	if op == Equal {
		return v == lit
	}
	if op == NotEqual {
		return v != lit
	}
	if dv, err := decimal.NewFromString(v); err == nil {
		if dl, err := decimal.NewFromString(lit); err == nil {
			return order(dv.Cmp(dl), op)
		}
	}
	return order(strings.Compare(v, lit), op)
}

// order turns a three-way comparison result into the answer of op.
func order(cmp int, op Op) bool {
	switch op {
	case Equal:
		return cmp == 0
	case NotEqual:
		return cmp != 0
	case Greater:
		return cmp > 0
	case GreaterEqual:
		return cmp >= 0
	case Less:
		return cmp < 0
	case LessEqual:
		return cmp <= 0
	}
	return false
}

// parseBool reads the forms clients send for booleans: 1/0 and true/false
// in any case (`is_private=0`, `'True'`), plus Rails's t/f.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "true", "t":
		return true, true
	case "0", "false", "f":
		return false, true
	}
	return false, false
}

// timeLayouts are the forms a timestamp literal may take: the guide's
// RFC 3339 (`2016-01-04T23:19:34+00:00`), SQL's space-separated form and a
// bare date, the last two in UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"}

func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// toDecimal converts the numeric attribute types to an exact decimal.
func toDecimal(v any) (decimal.Decimal, bool) {
	switch n := v.(type) {
	case decimal.Decimal:
		return n, true
	case int:
		return decimal.NewFromInt(int64(n)), true
	case int32:
		return decimal.NewFromInt32(n), true
	case int64:
		return decimal.NewFromInt(n), true
	case uint32:
		return decimal.NewFromUint64(uint64(n)), true
	case uint64:
		return decimal.NewFromUint64(n), true
	case float64:
		// Attributes such as usage percentages arrive as floats; the
		// decimal of their shortest representation compares exactly with
		// the literal the client typed.
		return decimal.NewFromFloat(n), true
	case json.Number:
		d, err := decimal.NewFromString(string(n))
		return d, err == nil
	}
	return decimal.Decimal{}, false
}
