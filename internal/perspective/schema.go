// Package perspective owns CloudHealth perspectives: the schema and its
// wire form (cloudhealth.md §5.2), the persisted lifecycle (create, get,
// list, update with version checks, delete levels), the meaning of a
// schema for one item (Evaluate) and its compilation into the query
// model's Mapping, so that a perspective is a dimension and a filter in
// every dialect without re-ingest.
package perspective

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The rule, merge and constant type names of the wire form.
const (
	RuleCategorize = "categorize"
	RuleFilter     = "filter"

	MergeGroup = "Group"
	MergeBlock = "Dynamic Group Block"

	ConstStatic  = "Static Group"
	ConstBlock   = "Dynamic Group Block"
	ConstDynamic = "Dynamic Group"
	ConstVersion = "Version"

	otherName     = "Other"
	remainingName = "Remaining"
)

// Schema is the body under "schema" of every perspective call.
type Schema struct {
	Name string `json:"name"`
	// IncludeInReports is the string "true" or "false" on the wire
	// (upstream's quirk); input also accepts JSON booleans.
	IncludeInReports BoolString `json:"include_in_reports"`
	Rules            []Rule     `json:"rules"`
	Merges           []Merge    `json:"merges"`
	Constants        []Constant `json:"constants"`
}

// Rule is one categorize or filter rule. The field order is the guide's.
type Rule struct {
	Type      string     `json:"type"`
	Asset     string     `json:"asset,omitempty"`
	To        string     `json:"to,omitempty"`
	From      string     `json:"from,omitempty"`
	Field     []string   `json:"field,omitempty"`
	TagField  []string   `json:"tag_field,omitempty"`
	RefID     string     `json:"ref_id,omitempty"`
	Name      string     `json:"name,omitempty"`
	Condition *Condition `json:"condition,omitempty"`
}

// Condition joins a filter rule's clauses with CombineWith (AND when empty).
type Condition struct {
	CombineWith string   `json:"combine_with,omitempty"`
	Clauses     []Clause `json:"clauses"`
}

// Clause compares a field or a tag with Val, always a string.
type Clause struct {
	Field    []string `json:"field,omitempty"`
	TagField []string `json:"tag_field,omitempty"`
	Op       string   `json:"op"`
	Val      string   `json:"val"`
}

// Merge folds the From groups (or blocks) into To.
type Merge struct {
	Type string   `json:"type"`
	To   string   `json:"to"`
	From []string `json:"from"`
}

// Constant lists the groups of one kind.
type Constant struct {
	Type string  `json:"type"`
	List []Group `json:"list"`
}

// Group is one entry of a constant's list. BlkID is a pointer because a
// Dynamic Group always carries it (the Remaining entry as ""), while a
// Static Group never does.
type Group struct {
	RefID   string  `json:"ref_id"`
	BlkID   *string `json:"blk_id,omitempty"`
	Val     string  `json:"val,omitempty"`
	Name    string  `json:"name"`
	IsOther string  `json:"is_other,omitempty"`
	FwdTo   string  `json:"fwd_to,omitempty"`
}

// versionEntry is the Version constant's entry, numeric on the wire
// (`{"ref_id": 181, "val": 2}`) unlike every other ref_id.
type versionEntry struct {
	RefID json.Number `json:"ref_id"`
	Val   json.Number `json:"val"`
}

// MarshalJSON writes the Version constant with numbers.
func (c Constant) MarshalJSON() ([]byte, error) {
	if c.Type != ConstVersion {
		type plain Constant
		return json.Marshal(plain(c))
	}
	list := make([]versionEntry, len(c.List))
	for i, g := range c.List {
		list[i] = versionEntry{RefID: json.Number(g.RefID), Val: json.Number(g.Val)}
	}
	return json.Marshal(struct {
		Type string         `json:"type"`
		List []versionEntry `json:"list"`
	}{c.Type, list})
}

// UnmarshalJSON reads the Version constant's numbers (or strings, as a
// client echoing a GET may send) into the string fields.
func (c *Constant) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type string            `json:"type"`
		List []json.RawMessage `json:"list"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	c.Type, c.List = raw.Type, make([]Group, 0, len(raw.List))
	for _, item := range raw.List {
		var g Group
		if raw.Type == ConstVersion {
			var v struct {
				RefID any `json:"ref_id"`
				Val   any `json:"val"`
			}
			if err := json.Unmarshal(item, &v); err != nil {
				return err
			}
			g.RefID, g.Val = scalar(v.RefID), scalar(v.Val)
		} else if err := json.Unmarshal(item, &g); err != nil {
			return err
		}
		c.List = append(c.List, g)
	}
	return nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// BoolString is a boolean written as the string "true"/"false"; it reads
// JSON booleans and strings in any case ("True" from Python clients).
type BoolString string

// UnmarshalJSON accepts true, "true", "True", false, "false", "".
func (b *BoolString) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*b = ""
	case bool:
		*b = BoolString(strconv.FormatBool(x))
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			*b = "true"
		case "false":
			*b = "false"
		case "":
			*b = ""
		default:
			return fmt.Errorf("include_in_reports: %q is not true or false", x)
		}
	default:
		return fmt.Errorf("include_in_reports: %s is not true or false", data)
	}
	return nil
}

// Empty is the sentinel a GET of an unknown or hard-deleted perspective
// answers with 200 (clients test its name).
func Empty() Schema {
	return Schema{Name: "Empty", IncludeInReports: "false", Rules: []Rule{}, Merges: []Merge{}, Constants: []Constant{}}
}

// IsEmpty reports whether s is the Empty sentinel.
func IsEmpty(s Schema) bool {
	return s.Name == "Empty" && len(s.Rules) == 0 && len(s.Merges) == 0 && len(s.Constants) == 0
}
