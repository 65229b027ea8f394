package hashmap

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// entry is one effective mapping: its type and cost.
type entry struct {
	typ  MapType
	cost decimal.Decimal
}

// step is one effective threshold.
type step struct {
	level decimal.Decimal
	typ   MapType
	cost  decimal.Decimal
}

// byGroup holds thresholds per group, keyed by the level's String(), which
// drops trailing zeros: "10" and "10.00" are one key, as they are one key
// of upstream's dict of Python Decimals. (TestRateConsequences' "tenant
// threshold replaces the global one at the same level" holds it to that.)
type byGroup map[string]map[string]step

func (b byGroup) put(group string, t Threshold) {
	g := b[group]
	if g == nil {
		g = map[string]step{}
		b[group] = g
	}
	g[t.Level.String()] = step{level: t.Level, typ: t.Type, cost: t.Cost}
}

type serviceTable struct {
	mappings   map[string]entry // group → the one effective service mapping
	thresholds byGroup
	fields     []*fieldTable // ascending by name: fixes the threshold tie order
}

type fieldTable struct {
	name       string
	mappings   map[string]map[string]entry // group → value → mapping
	thresholds byGroup
}

// Table is the price table of one scope at one processing time: the
// entries of the spec's §7.1, ready to rate points. It is read-only after
// Load and safe for concurrent use.
type Table struct {
	services map[string]*serviceTable
}

// Load builds the price table for tenant (the scope id; empty for global
// rules only, as a quote without a tenant) at processing time at.
//
// As upstream, global rules (no tenant) are loaded first and the tenant's
// own rules are merged over them key by key: one service mapping per
// group, one field mapping per (group, value), one threshold per (group,
// level). Only mappings active at `at` count (start ≤ at < end, not
// deleted).
//
// Upstream's "last loaded wins" inside one tier follows database row
// order, which is undefined; here it is defined: mappings are loaded in
// ascending (CreatedAt, ID) order, so among conflicting rules of one tier
// the most recently created wins (ties by the greater ID), and thresholds
// in ascending ID order. Conflicts only arise between rules of the same
// group and key, so rules of different groups never depend on this order.
//
// A snapshot whose rules point at missing services, fields or groups, or
// break the parent rules of Validate*, is an error wrapping cost.ErrInvalid.
func Load(r Rules, tenant string, at time.Time) (*Table, error) {
	services := make(map[string]*serviceTable, len(r.Services))
	serviceByID := make(map[string]*serviceTable, len(r.Services))
	for _, s := range r.Services {
		if _, dup := services[s.Name]; dup {
			return nil, fmt.Errorf("%w: hashmap service name %q is used twice", cost.ErrInvalid, s.Name)
		}
		st := &serviceTable{mappings: map[string]entry{}, thresholds: byGroup{}}
		services[s.Name] = st
		serviceByID[s.ID] = st
	}
	fields := slices.Clone(r.Fields)
	slices.SortFunc(fields, func(a, b Field) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	fieldByID := make(map[string]*fieldTable, len(fields))
	for _, f := range fields {
		st := serviceByID[f.ServiceID]
		if st == nil {
			return nil, fmt.Errorf("%w: hashmap field %s (%q) belongs to no known service (%q)", cost.ErrInvalid, f.ID, f.Name, f.ServiceID)
		}
		ft := &fieldTable{name: f.Name, mappings: map[string]map[string]entry{}, thresholds: byGroup{}}
		st.fields = append(st.fields, ft)
		fieldByID[f.ID] = ft
	}
	groupName := make(map[string]string, len(r.Groups))
	for _, g := range r.Groups {
		groupName[g.ID] = g.Name
	}
	group := func(kind, id, gid string) (string, error) {
		if gid == "" {
			return DefaultGroup, nil
		}
		name, ok := groupName[gid]
		if !ok {
			return "", fmt.Errorf("%w: hashmap %s %s is in no known group (%q)", cost.ErrInvalid, kind, id, gid)
		}
		return name, nil
	}

	mappings := slices.Clone(r.Mappings)
	slices.SortFunc(mappings, func(a, b Mapping) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	thresholds := slices.Clone(r.Thresholds)
	slices.SortFunc(thresholds, func(a, b Threshold) int { return cmp.Compare(a.ID, b.ID) })

	// Check every rule, whatever its tenant: a broken snapshot should fail
	// the same way for every scope rather than only for the one it hits.
	for _, m := range mappings {
		if err := ValidateMapping(m); err != nil {
			return nil, fmt.Errorf("hashmap mapping %s: %w", m.ID, err)
		}
		if err := checkParents("mapping", m.ID, m.ServiceID, m.FieldID, serviceByID, fieldByID); err != nil {
			return nil, err
		}
		if _, err := group("mapping", m.ID, m.GroupID); err != nil {
			return nil, err
		}
	}
	for _, t := range thresholds {
		if err := ValidateThreshold(t); err != nil {
			return nil, fmt.Errorf("hashmap threshold %s: %w", t.ID, err)
		}
		if err := checkParents("threshold", t.ID, t.ServiceID, t.FieldID, serviceByID, fieldByID); err != nil {
			return nil, err
		}
		if _, err := group("threshold", t.ID, t.GroupID); err != nil {
			return nil, err
		}
	}

	// Tier "" (global) first, then the tenant's: the tenant's rules land
	// on the same keys and so replace the global ones. With no tenant the
	// global rules are loaded once (loading them twice changes nothing).
	tiers := []string{""}
	if tenant != "" {
		tiers = append(tiers, tenant)
	}
	for _, tier := range tiers {
		for _, m := range mappings {
			if m.TenantID != tier || !m.ActiveAt(at) {
				continue
			}
			g, _ := group("mapping", m.ID, m.GroupID)
			e := entry{typ: m.Type, cost: m.Cost}
			if m.ServiceID != "" {
				serviceByID[m.ServiceID].mappings[g] = e
				continue
			}
			ft := fieldByID[m.FieldID]
			if ft.mappings[g] == nil {
				ft.mappings[g] = map[string]entry{}
			}
			ft.mappings[g][m.Value] = e
		}
		for _, t := range thresholds {
			if t.TenantID != tier {
				continue
			}
			g, _ := group("threshold", t.ID, t.GroupID)
			if t.ServiceID != "" {
				serviceByID[t.ServiceID].thresholds.put(g, t)
			} else {
				fieldByID[t.FieldID].thresholds.put(g, t)
			}
		}
	}
	return &Table{services: services}, nil
}

func checkParents(kind, id, serviceID, fieldID string, services map[string]*serviceTable, fields map[string]*fieldTable) error {
	if serviceID != "" && services[serviceID] == nil {
		return fmt.Errorf("%w: hashmap %s %s: No such service: None (UUID: %s)", cost.ErrInvalid, kind, id, serviceID)
	}
	if fieldID != "" && fields[fieldID] == nil {
		return fmt.Errorf("%w: hashmap %s %s: No such field: %s", cost.ErrInvalid, kind, id, fieldID)
	}
	return nil
}
