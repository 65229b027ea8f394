package gcp

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
)

// credit is one entry of the credits column (billing-formats.md §7.1):
// credits[]{name, amount (negative), full_name, id, type}.
type credit struct {
	Name, FullName, ID, Type string
	Amount                   decimal.Decimal
}

// The credit types that are committed-use discounts: resource-based and
// spend-based (flexible) CUDs.
const (
	creditCUD           = "COMMITTED_USAGE_DISCOUNT"
	creditCUDDollarBase = "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"
)

func (c credit) isCommitment() bool {
	return c.Type == creditCUD || c.Type == creditCUDDollarBase
}

// parseCredits reads a credits cell: JSON or a Python repr of a list of
// credit objects. Empty, null/None and [] are no credits. Amounts are
// exact (cost.ParseAmount), never float64. A single object that is not in
// a list is refused: it is what an UNNEST(credits) flattening produces,
// where the row's cost repeats once per credit and summing would count it
// several times.
func parseCredits(cell string) ([]credit, error) {
	v, empty, err := parseListCell(cell)
	if err != nil || empty {
		return nil, err
	}
	out := make([]credit, 0, len(v.items))
	for i, item := range v.items {
		if item.kind != litDict {
			return nil, fmt.Errorf("credit %d is not an object", i+1)
		}
		var c credit
		amount, ok := item.field("amount").scalarText()
		if !ok || item.field("amount").kind == litBool {
			return nil, fmt.Errorf("credit %d: amount is not a number", i+1)
		}
		if c.Amount, err = cost.ParseAmount(amount); err != nil {
			return nil, fmt.Errorf("credit %d amount: %w", i+1, err)
		}
		for _, f := range []struct {
			key string
			dst *string
		}{{"name", &c.Name}, {"full_name", &c.FullName}, {"id", &c.ID}, {"type", &c.Type}} {
			s, ok := item.field(f.key).scalarText()
			if !ok {
				return nil, fmt.Errorf("credit %d: %s is not text", i+1, f.key)
			}
			*f.dst = s
		}
		out = append(out, c)
	}
	return out, nil
}

// label is one entry of labels, project.labels, system_labels or tags
// (tags also carry a namespace and whether the tag is inherited).
type label struct {
	Key, Value, Namespace string
}

// parseLabels reads a labels cell: a JSON or Python list of {key, value}
// objects as BigQuery exports them, or an object mapping keys to values as
// some flatteners write. Empty, null/None, [] and {} are no labels.
func parseLabels(cell string) ([]label, error) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return nil, nil
	}
	v, err := parseLiteral(cell)
	if err != nil {
		return nil, err
	}
	switch v.kind {
	case litNull:
		return nil, nil
	case litDict:
		out := make([]label, 0, len(v.keys))
		for i, k := range v.keys {
			val, ok := v.items[i].scalarText()
			if !ok {
				return nil, fmt.Errorf("label %q: value is not text", k)
			}
			out = append(out, label{Key: k, Value: val})
		}
		return out, nil
	case litList:
	default:
		return nil, fmt.Errorf("not a list of labels")
	}
	out := make([]label, 0, len(v.items))
	for i, item := range v.items {
		if item.kind != litDict {
			return nil, fmt.Errorf("label %d is not an object", i+1)
		}
		var l label
		var ok bool
		if l.Key, ok = item.field("key").scalarText(); !ok || l.Key == "" {
			return nil, fmt.Errorf("label %d has no key", i+1)
		}
		if l.Value, ok = item.field("value").scalarText(); !ok {
			return nil, fmt.Errorf("label %q: value is not text", l.Key)
		}
		if l.Namespace, ok = item.field("namespace").scalarText(); !ok {
			return nil, fmt.Errorf("label %q: namespace is not text", l.Key)
		}
		out = append(out, l)
	}
	return out, nil
}

// parseListCell parses a cell that must hold a list; empty reports a cell
// with nothing in it.
func parseListCell(cell string) (v literal, empty bool, err error) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return literal{}, true, nil
	}
	if v, err = parseLiteral(cell); err != nil {
		return literal{}, false, err
	}
	switch v.kind {
	case litNull:
		return v, true, nil
	case litList:
		return v, len(v.items) == 0, nil
	}
	return literal{}, false, fmt.Errorf("not a list")
}
