package perspective

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/errkind"
)

// ErrInvalid classifies every refused schema (the dialect answers 400 or
// 422 as the endpoint documents); the message names what is wrong.
var ErrInvalid = errkind.Invalid.New("invalid perspective")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ops are the clause comparisons, keyed by their lower-case spelling so
// that "contains" from a hand-written script reads as "Contains".
var ops = map[string]string{"=": "=", "!=": "!=", ">": ">", "<": "<", "contains": "Contains"}

// normalize validates in and returns the schema as stored: groups
// created by reference, every reference rewritten to a ref_id, static
// groups no rule targets dropped, fwd_to derived from the merges, and
// the Other group present. prev is the stored schema on update (its
// Other keeps its ref_id); fresh hands out ref_ids unused in the result.
func normalize(in Schema, prev *Schema, fresh func(used map[string]bool) string) (Schema, error) {
	out := Schema{Name: strings.TrimSpace(in.Name), IncludeInReports: in.IncludeInReports, Rules: []Rule{}, Merges: []Merge{}}
	if out.Name == "" {
		return Schema{}, invalid("Name can't be blank")
	}
	if out.IncludeInReports == "" {
		out.IncludeInReports = "true"
	}
	used := map[string]bool{}
	newRef := func() string {
		r := fresh(used)
		used[r] = true
		return r
	}

	// Read the constants the client sent.
	var statics, blocks, dynamics []Group
	otherRef := ""
	if prev != nil {
		otherRef = otherOf(*prev).RefID
	}
	for ci, c := range in.Constants {
		switch c.Type {
		case ConstStatic:
			for _, g := range c.List {
				if g.IsOther == "true" {
					if g.RefID != "" {
						otherRef = g.RefID
					}
					continue
				}
				statics = append(statics, g)
			}
		case ConstBlock:
			blocks = append(blocks, c.List...)
		case ConstDynamic:
			for _, g := range c.List {
				if g.BlkID == nil || *g.BlkID == "" {
					return Schema{}, invalid("constants[%d]: the %q dynamic group (blk_id \"\") is returned by GET and cannot be submitted; remove it", ci, orDefault(g.Name, remainingName))
				}
				dynamics = append(dynamics, g)
			}
		case ConstVersion:
			// Echoed back from a GET with include_version: not an input.
		default:
			return Schema{}, invalid("constants[%d]: unknown type %q (want %q, %q or %q)", ci, c.Type, ConstStatic, ConstBlock, ConstDynamic)
		}
	}
	for _, g := range statics {
		if g.RefID != "" {
			used[g.RefID] = true
		}
	}
	for _, g := range blocks {
		used[g.RefID] = true
	}
	if otherRef == "" {
		otherRef = newRef()
	}
	used[otherRef] = true

	blockName := map[string]string{}
	for _, g := range blocks {
		blockName[g.RefID] = g.Name
	}
	staticName := map[string]string{}
	for _, g := range statics {
		if g.RefID != "" {
			staticName[g.RefID] = g.Name
		}
	}

	// Rules: blocks from categorize rules, static groups from filter
	// rules, creating by reference what does not exist.
	created := map[string]string{} // a `to` naming no group → its new ref_id
	var keptBlocks []Group
	var keptStatics []Group
	targeted := map[string]bool{}
	for i, r := range in.Rules {
		r.From, r.To = strings.TrimSpace(r.From), strings.TrimSpace(r.To)
		switch r.Type {
		case RuleCategorize:
			if len(r.Field) == 0 == (len(r.TagField) == 0) {
				return Schema{}, invalid("rules[%d]: a categorize rule needs one of field or tag_field", i)
			}
			if r.RefID == "" || staticName[r.RefID] != "" || r.RefID == otherRef {
				r.RefID = newRef()
			}
			if slices.ContainsFunc(keptBlocks, func(g Group) bool { return g.RefID == r.RefID }) {
				return Schema{}, invalid("rules[%d]: block ref_id %q is already categorized by an earlier rule", i, r.RefID)
			}
			name := orDefault(blockName[r.RefID], r.Name)
			if name == "" {
				return Schema{}, invalid("rules[%d]: a categorize rule needs a name", i)
			}
			r.Name = name
			used[r.RefID] = true
			keptBlocks = append(keptBlocks, Group{RefID: r.RefID, Name: name})
			r.To, r.From, r.Condition = "", "", nil
		case RuleFilter:
			if r.To == "" {
				return Schema{}, invalid("rules[%d]: a filter rule needs \"to\"", i)
			}
			if _, isBlock := blockName[r.To]; isBlock {
				return Schema{}, invalid("rules[%d]: \"to\" %q is a dynamic group block; filter rules target static groups", i, r.To)
			}
			if r.To == otherRef {
				return Schema{}, invalid("rules[%d]: \"to\" is the Other group, where unallocated assets already are", i)
			}
			if _, ok := staticName[r.To]; !ok {
				ref, ok := created[r.To]
				if !ok {
					ref = newRef()
					created[r.To] = ref
					staticName[ref] = nextGroupName(staticName)
				}
				r.To = ref
			}
			if r.From != "" {
				if ref, ok := created[r.From]; ok {
					r.From = ref
				}
				if r.From != otherRef && !targeted[r.From] {
					return Schema{}, invalid("rules[%d]: group-to-group rule from %q: no earlier rule targets that group", i, r.From)
				}
				if r.From == otherRef {
					r.From = ""
				}
			}
			cond, err := normalizeCondition(i, r.Condition)
			if err != nil {
				return Schema{}, err
			}
			r.Condition = cond
			r.Field, r.TagField, r.RefID, r.Name = nil, nil, "", ""
			if !targeted[r.To] {
				targeted[r.To] = true
				keptStatics = append(keptStatics, Group{RefID: r.To, Name: staticName[r.To]})
			}
		default:
			return Schema{}, invalid("rules[%d]: unknown type %q (want %q or %q)", i, r.Type, RuleCategorize, RuleFilter)
		}
		out.Rules = append(out.Rules, r)
	}

	// Dynamic groups of the blocks that remain; fwd_to comes from merges.
	isBlock := map[string]bool{}
	for _, b := range keptBlocks {
		isBlock[b.RefID] = true
	}
	var keptDyn []Group
	seen := map[[2]string]bool{}
	dynRefs := map[string]bool{}
	for _, g := range dynamics {
		if !isBlock[*g.BlkID] {
			continue // its block's rule was removed
		}
		if g.Val == "" {
			return Schema{}, invalid("dynamic group %q: no val", g.Name)
		}
		key := [2]string{*g.BlkID, g.Val}
		if seen[key] {
			return Schema{}, invalid("dynamic group %q: block %q has two groups for val %q", g.Name, *g.BlkID, g.Val)
		}
		seen[key] = true
		// A ref_id may be omitted or arbitrary; one already naming another
		// group gets a fresh one.
		if g.RefID == "" || g.RefID == otherRef || staticName[g.RefID] != "" || isBlock[g.RefID] || dynRefs[g.RefID] {
			g.RefID = newRef()
		}
		dynRefs[g.RefID] = true
		used[g.RefID] = true
		g.Name = orDefault(g.Name, g.Val)
		g.FwdTo, g.IsOther = "", ""
		keptDyn = append(keptDyn, g)
	}
	dynIndex := map[string]int{}
	for i, g := range keptDyn {
		dynIndex[g.RefID] = i
	}

	for mi, m := range in.Merges {
		switch m.Type {
		case MergeGroup:
			to, ok := dynIndex[m.To]
			if !ok {
				return Schema{}, invalid("merges[%d]: \"to\" %q is not a dynamic group of this perspective", mi, m.To)
			}
			for _, f := range m.From {
				fi, ok := dynIndex[f]
				if !ok {
					return Schema{}, invalid("merges[%d]: \"from\" %q is not a dynamic group of this perspective", mi, f)
				}
				if fi == to {
					return Schema{}, invalid("merges[%d]: group %q is merged into itself", mi, f)
				}
				keptDyn[fi].FwdTo = m.To
			}
		case MergeBlock:
			if !isBlock[m.To] {
				return Schema{}, invalid("merges[%d]: \"to\" %q is not a dynamic group block of this perspective", mi, m.To)
			}
			for _, f := range m.From {
				if !isBlock[f] || f == m.To {
					return Schema{}, invalid("merges[%d]: \"from\" %q is not another dynamic group block of this perspective", mi, f)
				}
			}
		default:
			return Schema{}, invalid("merges[%d]: unknown type %q (want %q or %q)", mi, m.Type, MergeGroup, MergeBlock)
		}
		out.Merges = append(out.Merges, Merge{Type: m.Type, To: m.To, From: slices.Clone(m.From)})
	}
	if err := checkForwards(keptDyn); err != nil {
		return Schema{}, err
	}

	statConst := Constant{Type: ConstStatic, List: append(keptStatics, Group{RefID: otherRef, Name: otherName, IsOther: "true"})}
	out.Constants = []Constant{statConst}
	if len(keptBlocks) > 0 {
		out.Constants = append(out.Constants, Constant{Type: ConstBlock, List: keptBlocks}, Constant{Type: ConstDynamic, List: orEmpty(keptDyn)})
	}
	return out, nil
}

// checkForwards refuses merge cycles (a → b → a), which would leave no
// group to land in.
func checkForwards(dyn []Group) error {
	fwd := map[string]string{}
	for _, g := range dyn {
		if g.FwdTo != "" {
			fwd[g.RefID] = g.FwdTo
		}
	}
	// In the constants' order, so that the message names the same group
	// every time.
	for _, g := range dyn {
		start := g.RefID
		if fwd[start] == "" {
			continue
		}
		at, steps := start, 0
		for fwd[at] != "" {
			at = fwd[at]
			if steps++; steps > len(fwd) {
				return invalid("merges: group %q is merged in a cycle", start)
			}
		}
	}
	return nil
}

func normalizeCondition(i int, c *Condition) (*Condition, error) {
	if c == nil {
		return nil, invalid("rules[%d]: a filter rule needs a condition", i)
	}
	out := &Condition{CombineWith: strings.ToUpper(strings.TrimSpace(c.CombineWith)), Clauses: make([]Clause, len(c.Clauses))}
	if out.CombineWith != "" && out.CombineWith != "AND" && out.CombineWith != "OR" {
		return nil, invalid("rules[%d]: combine_with %q is not AND or OR", i, c.CombineWith)
	}
	for j, cl := range c.Clauses {
		if len(cl.Field) == 0 == (len(cl.TagField) == 0) {
			return nil, invalid("rules[%d].condition.clauses[%d]: a clause needs one of field or tag_field", i, j)
		}
		op, ok := ops[strings.ToLower(strings.TrimSpace(cl.Op))]
		if !ok {
			return nil, invalid("rules[%d].condition.clauses[%d]: op %q is not one of =, !=, >, <, Contains", i, j, cl.Op)
		}
		cl.Op = op
		out.Clauses[j] = cl
	}
	return out, nil
}

// nextGroupName names a group created by reference as upstream does:
// Group-1, Group-2, … the first not taken.
func nextGroupName(taken map[string]string) string {
	names := map[string]bool{}
	for _, n := range taken {
		names[n] = true
	}
	for k := 1; ; k++ {
		if n := "Group-" + strconv.Itoa(k); !names[n] {
			return n
		}
	}
}

func otherOf(s Schema) Group {
	for _, c := range s.Constants {
		if c.Type == ConstStatic {
			for _, g := range c.List {
				if g.IsOther == "true" {
					return g
				}
			}
		}
	}
	return Group{Name: otherName}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orEmpty(g []Group) []Group {
	if g == nil {
		return []Group{}
	}
	return g
}
