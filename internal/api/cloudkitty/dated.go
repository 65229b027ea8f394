package cloudkitty

import (
	"strings"
	"time"
)

// ruleAudit is what the ≥23 list filters read of a dated rule (a hashmap
// mapping or a script): upstream applies the same filters to both.
type ruleAudit struct {
	start, end                      time.Time
	createdBy, updatedBy, deletedBy string
	description                     string
	activeAt                        func(time.Time) bool
}

// datedFilters reads ≥23's start, end, created_by, updated_by,
// deleted_by, description and is_active list filters into predicates
// over the rules, with upstream's SQL semantics (see each). The deleted
// filter is the caller's: it decides which rules are read at all.
func datedFilters[T any](in *args, now time.Time, audit func(T) ruleAudit) ([]func(T) bool, error) {
	var keep []func(T) bool
	start, err := in.datetime("start")
	if err != nil {
		return nil, err
	}
	if !start.IsZero() {
		keep = append(keep, func(r T) bool { return !audit(r).start.Before(start) })
	}
	end, err := in.datetime("end")
	if err != nil {
		return nil, err
	}
	if !end.IsZero() {
		// SQL's end < :end, where a NULL (open) end never qualifies.
		keep = append(keep, func(r T) bool { e := audit(r).end; return !e.IsZero() && e.Before(end) })
	}
	for _, by := range []struct {
		name string
		get  func(ruleAudit) string
	}{
		{"created_by", func(a ruleAudit) string { return a.createdBy }},
		{"updated_by", func(a ruleAudit) string { return a.updatedBy }},
		{"deleted_by", func(a ruleAudit) string { return a.deletedBy }},
	} {
		if v := in.str(by.name); v != "" {
			keep = append(keep, func(r T) bool { return by.get(audit(r)) == v })
		}
	}
	// SQL's ilike '%text%'.
	if d := strings.ToLower(in.str("description")); d != "" {
		keep = append(keep, func(r T) bool { return strings.Contains(strings.ToLower(audit(r).description), d) })
	}
	active, err := in.boolean("is_active", false)
	if err != nil {
		return nil, err
	}
	if active {
		keep = append(keep, func(r T) bool { return audit(r).activeAt(now) })
	}
	return keep, nil
}
