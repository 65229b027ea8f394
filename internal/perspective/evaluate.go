package perspective

import (
	"strconv"
	"strings"
)

// Item is what a perspective classifies: an asset's (or a line item's)
// fields and tags. Type is the asset type ("AwsInstance"); empty matches
// every rule's asset, as line items carry no asset type.
type Item struct {
	Type   string
	Fields map[string]string
	Tags   map[string]string
}

// Assignment is the group an item falls in. RefID is empty for a value
// of a categorize rule that has no dynamic group yet (New is then true:
// the group upstream would create, named by the value).
type Assignment struct {
	RefID string
	Name  string
	// Block is the dynamic group block's ref_id for a dynamic group.
	Block string
	Val   string
	New   bool
}

// Evaluate returns the group of item under s: rules top-down, an item
// allocated by one rule is no longer in Other so later rules without
// `from` skip it (first match wins); a group-to-group rule moves items
// of its `from` group. Merged groups forward to their target; unmatched
// items are in Other. s must be a stored (normalized) schema.
//
// Comparisons are case-sensitive: the vendor guide states no case rule
// for clauses, and values such as tag values and account names are
// stored as written.
func Evaluate(s Schema, item Item) Assignment {
	ix := index(s)
	cur := Assignment{RefID: ix.other.RefID, Name: ix.other.Name}
	inOther := true
	for _, r := range s.Rules {
		if item.Type != "" && r.Asset != "" && !assetMatches(r.Asset, item.Type) {
			continue
		}
		switch r.Type {
		case RuleCategorize:
			if !inOther {
				continue
			}
			v := read(item, r.Field, r.TagField)
			if v == "" {
				continue
			}
			cur, inOther = ix.dynamic(r.RefID, v), false
		case RuleFilter:
			if r.From == "" && !inOther || r.From != "" && cur.RefID != r.From {
				continue
			}
			if matches(r.Condition, item) {
				cur, inOther = Assignment{RefID: r.To, Name: ix.static[r.To]}, false
			}
		}
	}
	return cur
}

// schemaIndex holds the lookups Evaluate and Mapping need.
type schemaIndex struct {
	other   Group
	static  map[string]string           // ref → name
	blocks  map[string]string           // block ref → merged-into block ref
	byVal   map[string]map[string]Group // block → val → group
	byRef   map[string]Group            // dynamic ref → group
	members map[string][]Group          // block → its groups in order
}

func index(s Schema) schemaIndex {
	ix := schemaIndex{other: otherOf(s), static: map[string]string{}, blocks: map[string]string{},
		byVal: map[string]map[string]Group{}, byRef: map[string]Group{}, members: map[string][]Group{}}
	for _, c := range s.Constants {
		for _, g := range c.List {
			switch c.Type {
			case ConstStatic:
				ix.static[g.RefID] = g.Name
			case ConstDynamic:
				if g.BlkID == nil || *g.BlkID == "" {
					continue
				}
				if ix.byVal[*g.BlkID] == nil {
					ix.byVal[*g.BlkID] = map[string]Group{}
				}
				ix.byVal[*g.BlkID][g.Val] = g
				ix.byRef[g.RefID] = g
				ix.members[*g.BlkID] = append(ix.members[*g.BlkID], g)
			}
		}
	}
	for _, m := range s.Merges {
		if m.Type == MergeBlock {
			for _, f := range m.From {
				ix.blocks[f] = m.To
			}
		}
	}
	return ix
}

// blockOf follows block merges to the block whose groups a value joins.
func (ix schemaIndex) blockOf(blk string) string {
	for n := 0; ix.blocks[blk] != "" && n <= len(ix.blocks); n++ {
		blk = ix.blocks[blk]
	}
	return blk
}

// dynamic is the group of value v in block blk: the existing group of
// that value (forwarded through merges) or a new one named by v. A
// merged block first looks in its own groups, then in its target's.
func (ix schemaIndex) dynamic(blk, v string) Assignment {
	g, ok := ix.byVal[blk][v]
	if !ok {
		blk = ix.blockOf(blk)
		g, ok = ix.byVal[blk][v]
	}
	if !ok {
		return Assignment{Name: v, Block: blk, Val: v, New: true}
	}
	for n := 0; g.FwdTo != "" && n <= len(ix.byRef); n++ {
		g = ix.byRef[g.FwdTo]
	}
	return Assignment{RefID: g.RefID, Name: g.Name, Block: *g.BlkID, Val: g.Val}
}

// assetMatches applies upstream's expansion types: AwsAsset covers every
// Aws* type, AzureTaggableAsset every Azure* type, GcpAsset every Gcp*.
func assetMatches(rule, typ string) bool {
	if rule == typ {
		return true
	}
	for _, exp := range [...]struct{ name, prefix string }{{"AwsAsset", "Aws"}, {"AzureAsset", "Azure"}, {"AzureTaggableAsset", "Azure"}, {"GcpAsset", "Gcp"}} {
		if rule == exp.name {
			return strings.HasPrefix(typ, exp.prefix)
		}
	}
	return false
}

// read returns a field (its path joined with ".", as relations are
// written in asset fields) or a tag, "" when absent.
func read(item Item, field, tag []string) string {
	if len(tag) > 0 {
		return item.Tags[strings.Join(tag, ".")]
	}
	return item.Fields[strings.Join(field, ".")]
}

func matches(c *Condition, item Item) bool {
	if c == nil {
		return false
	}
	or := c.CombineWith == "OR"
	for _, cl := range c.Clauses {
		if clauseMatches(cl, read(item, cl.Field, cl.TagField)) == or {
			return or
		}
	}
	return !or
}

func clauseMatches(cl Clause, have string) bool {
	switch cl.Op {
	case "=":
		return have == cl.Val
	case "!=":
		return have != cl.Val
	case "Contains":
		return strings.Contains(have, cl.Val)
	case ">":
		return compare(have, cl.Val) > 0
	case "<":
		return compare(have, cl.Val) < 0
	}
	return false
}

// compare orders numbers numerically and everything else as strings
// (RFC 3339 times in one offset, as upstream writes them, order so).
// An absent value compares with nothing.
func compare(a, b string) int {
	if a == "" {
		return 0
	}
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}
