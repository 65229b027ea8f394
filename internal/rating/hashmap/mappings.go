package hashmap

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// WriteOptions are the request-wide parts of a write: ?force=true and the
// authenticated user recorded in the ≥23 audit fields.
type WriteOptions struct {
	// Force allows a start in the past (upstream's force=true).
	Force bool
	By    string
}

// MappingFilter selects mappings to list. Empty ids do not filter.
type MappingFilter struct {
	ServiceID, FieldID, GroupID string
	// NoGroup keeps only ungrouped rules.
	NoGroup bool
	// FilterTenant applies TenantID, where an empty TenantID means the
	// global rules (upstream's filter_tenant=true with no tenant_id).
	FilterTenant bool
	TenantID     string
	// Deleted also lists soft-deleted mappings.
	Deleted bool
}

func (f MappingFilter) match(serviceID, fieldID, groupID, tenantID string) bool {
	return (f.ServiceID == "" || serviceID == f.ServiceID) &&
		(f.FieldID == "" || fieldID == f.FieldID) &&
		(f.GroupID == "" || groupID == f.GroupID) &&
		(!f.NoGroup || groupID == "") &&
		(!f.FilterTenant || tenantID == f.TenantID)
}

const isoSeconds = "2006-01-02T15:04:05"

// ParseRuleTime reads a ≥23 start or end as upstream's naive ISO datetime
// (UTC). A date-only end means the last second of that day, so that
// "end": "2026-12-31" still charges the 31st.
func ParseRuleTime(s string, isEnd bool) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if isEnd {
			t = t.Add(24*time.Hour - time.Second)
		}
		return t, nil
	}
	for _, layout := range []string{isoSeconds, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	attr := "start"
	if isEnd {
		attr = "end"
	}
	return time.Time{}, invalidf("Invalid input for field/attribute %s. Value: '%s'. Not a datetime.", attr, s)
}

// randomName is the default name of a ≥23 rule: 32 characters or fewer,
// as upstream's.
func randomName() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var buf [32]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go ≥1.24)
	for i, c := range buf {
		buf[i] = letters[int(c)%len(letters)]
	}
	return string(buf[:])
}

// refs checks that the parent and group a rule names exist: upstream
// answers 400 with the no-such texts.
func (r *Rules) refs(serviceID, fieldID, groupID string) error {
	if serviceID != "" {
		if _, err := r.service(serviceID); err != nil {
			return badRef(err)
		}
	}
	if fieldID != "" {
		if _, err := r.field(fieldID); err != nil {
			return badRef(err)
		}
	}
	if groupID != "" {
		if _, err := r.group(groupID); err != nil {
			return badRef(err)
		}
	}
	return nil
}

func parentOf(serviceID, fieldID string) (kind, id string) {
	if serviceID != "" {
		return "service", serviceID
	}
	return "field", fieldID
}

// overlaps reports whether [aStart, aEnd) and [bStart, bEnd) meet; a zero
// end is open.
func overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return (aEnd.IsZero() || bStart.Before(aEnd)) && (bEnd.IsZero() || aStart.Before(bEnd))
}

// checkMappingConflicts refuses m when another live mapping collides with
// it (skip is m's own id on update). Two rules:
//   - upstream's unique constraint (value, parent, tenant), where a NULL
//     (empty) value or tenant never collides: 409 with upstream's text;
//   - ≥23's overlap check: same value, tenant, parent and group over
//     overlapping periods.
//
// Both consider only rules whose periods overlap, so that a dated rule can
// follow the one it replaces.
func (r *Rules) checkMappingConflicts(m Mapping) error {
	for _, o := range r.Mappings {
		if o.ID == m.ID || o.IsDeleted() || o.Value != m.Value || o.TenantID != m.TenantID ||
			o.ServiceID != m.ServiceID || o.FieldID != m.FieldID || !overlaps(o.Start, o.End, m.Start, m.End) {
			continue
		}
		if m.Value != "" && m.TenantID != "" {
			kind, id := parentOf(m.ServiceID, m.FieldID)
			return conflictf("Mapping '%s' already exists for %s '%s', tenant: '%s'", m.Value, kind, id, m.TenantID)
		}
		if o.GroupID == m.GroupID {
			return conflictf("Mapping '%s' overlaps mapping %s (start %s, end %s) with the same value, tenant, parent and group.",
				m.Value, o.ID, fmtTime(o.Start), fmtTime(o.End))
		}
	}
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "None"
	}
	return t.UTC().Format(isoSeconds)
}

// CheckStart refuses a new start in the past unless force (upstream's
// force=true): rated periods would silently miss the rule.
func CheckStart(start, now time.Time, force bool) error {
	if start.Before(now) && !force {
		return invalidf("Cannot create a rule with start in the past [%s]; use force=true to do so.", fmtTime(start))
	}
	return nil
}

// CheckRunningUpdate is the ≥23 rule for changing a rule that has started
// (start ≤ now), shared by mappings and scripts as upstream shares it:
// with an end it may not change at all (its prices are already in rated
// data); with none it may change only its end (changed names the
// attributes the update changes), and not to the past.
func CheckRunningUpdate(start, end, newEnd, now time.Time, changed []string) error {
	if !end.IsZero() {
		return invalidf("Cannot update a rule that was already processed and has a defined end date.")
	}
	if slices.ContainsFunc(changed, func(s string) bool { return s != "end" }) {
		return invalidf("You are allowed to update only the attribute [end] as this rule is already running as it started on [%s]", fmtTime(start))
	}
	// An end in the past would take the rule out of periods already rated
	// with it; upstream refuses it, force or not.
	if !newEnd.IsZero() && newEnd.Before(now) {
		return invalidf("End date must be in the future. end=[%s] current time=[%s]", fmtTime(newEnd), fmtTime(now))
	}
	return nil
}

// CreateMapping adds a mapping. Cost and Type must be parsed already
// (ParseCost, ParseMapType). Start defaults to now and may not be in the
// past unless opt.Force; Name defaults to a random string. The returned
// mapping has its id, dates and audit fields set.
//
// Dates are kept to the second, as upstream's DATETIME columns keep
// them: the API echoes whole seconds, and clients PUT the echoed object
// back (31 times, §12.3), so a stored fraction would read as a changed
// start and refuse the update of a running rule.
func (b *Book) CreateMapping(ctx context.Context, m Mapping, opt WriteOptions) (Mapping, error) {
	now := b.clock().UTC().Truncate(time.Second)
	m.Start, m.End = m.Start.Truncate(time.Second), m.End.Truncate(time.Second)
	if m.Start.IsZero() {
		m.Start = now
	} else if err := CheckStart(m.Start, now, opt.Force); err != nil {
		return Mapping{}, err
	}
	if m.Name == "" {
		m.Name = randomName()
	}
	if err := ValidateMapping(m); err != nil {
		return Mapping{}, err
	}
	m.ID, m.CreatedAt, m.CreatedBy, m.UpdatedBy = newID(), now, opt.By, ""
	m.Deleted, m.DeletedBy = time.Time{}, ""
	err := b.update(ctx, func(r *Rules) error {
		if err := r.refs(m.ServiceID, m.FieldID, m.GroupID); err != nil {
			return err
		}
		if err := r.checkMappingConflicts(m); err != nil {
			return err
		}
		r.Mappings = append(r.Mappings, m)
		return nil
	})
	if err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// Mapping returns one mapping, soft-deleted ones included (≥23).
func (b *Book) Mapping(id string) (Mapping, error) {
	var m Mapping
	var err error
	b.read(func(r *Rules) { m, err = r.mapping(id) })
	return m, err
}

func (r *Rules) mapping(id string) (Mapping, error) {
	if i, ok := findIndex(r.Mappings, func(x Mapping) bool { return x.ID == id }); ok {
		return r.Mappings[i], nil
	}
	return Mapping{}, notFoundf("No such mapping: %s", id)
}

// Mappings lists the mappings f selects, in creation order.
func (b *Book) Mappings(f MappingFilter) []Mapping {
	out := []Mapping{}
	b.read(func(r *Rules) {
		for _, m := range r.Mappings {
			if (f.Deleted || !m.IsDeleted()) && f.match(m.ServiceID, m.FieldID, m.GroupID, m.TenantID) {
				out = append(out, m)
			}
		}
	})
	return out
}

// MappingGroup returns the group of a mapping.
func (b *Book) MappingGroup(id string) (Group, error) {
	var g Group
	var err error
	b.read(func(r *Rules) {
		var m Mapping
		if m, err = r.mapping(id); err != nil {
			return
		}
		if m.GroupID == "" {
			err = notFoundf("Mapping has no group (UUID: %s)", id)
			return
		}
		g, err = r.group(m.GroupID)
	})
	return g, err
}

// MappingUpdate is a PUT's changes; nil fields are not sent. The parents
// never change (upstream ignores them).
type MappingUpdate struct {
	Value       *string
	Type        *MapType
	Cost        *decimal.Decimal
	GroupID     *string
	TenantID    *string
	Start       *time.Time
	End         *time.Time
	Name        *string
	Description *string
}

// apply sets the sent fields on m and reports which of them change it:
// clients PUT whole objects, so resending an unchanged value is no change.
func (u MappingUpdate) apply(m *Mapping) (changed []string) {
	set := func(name string, differs bool, assign func()) {
		if differs {
			changed = append(changed, name)
			assign()
		}
	}
	if u.Value != nil {
		set("value", *u.Value != m.Value, func() { m.Value = *u.Value })
	}
	if u.Type != nil {
		set("type", *u.Type != m.Type, func() { m.Type = *u.Type })
	}
	if u.Cost != nil {
		set("cost", !u.Cost.Equal(m.Cost), func() { m.Cost = *u.Cost })
	}
	if u.GroupID != nil {
		set("group_id", *u.GroupID != m.GroupID, func() { m.GroupID = *u.GroupID })
	}
	if u.TenantID != nil {
		set("tenant_id", *u.TenantID != m.TenantID, func() { m.TenantID = *u.TenantID })
	}
	if u.Start != nil {
		set("start", !u.Start.Equal(m.Start), func() { m.Start = *u.Start })
	}
	if u.End != nil {
		set("end", !u.End.Equal(m.End), func() { m.End = *u.End })
	}
	if u.Name != nil {
		set("name", *u.Name != m.Name, func() { m.Name = *u.Name })
	}
	if u.Description != nil {
		set("description", *u.Description != m.Description, func() { m.Description = *u.Description })
	}
	return changed
}

// UpdateMapping applies u to a mapping. A rule that has started (start ≤
// now) is running: with no end it may change only its end; with an end it
// may not change at all (its prices are already in rated data). A rule
// not yet started may change anything but its parents; a new start must
// not be in the past unless opt.Force.
func (b *Book) UpdateMapping(ctx context.Context, id string, u MappingUpdate, opt WriteOptions) (Mapping, error) {
	now := b.clock().UTC()
	// Whole seconds, as CreateMapping stores them.
	if u.Start != nil {
		t := u.Start.Truncate(time.Second)
		u.Start = &t
	}
	if u.End != nil {
		t := u.End.Truncate(time.Second)
		u.End = &t
	}
	var out Mapping
	err := b.update(ctx, func(r *Rules) error {
		i, ok := findIndex(r.Mappings, func(x Mapping) bool { return x.ID == id })
		if !ok || r.Mappings[i].IsDeleted() {
			return notFoundf("No such mapping: %s", id)
		}
		m := r.Mappings[i]
		changed := u.apply(&m)
		if len(changed) == 0 {
			out = m
			return nil
		}
		old := r.Mappings[i]
		dated := slices.Contains(changed, "start") || slices.Contains(changed, "end")
		if old.Classic && dated {
			m.Classic = false
		}
		if old.Classic && !dated {
			// A classic rule changes as before rules had dates.
		} else if !old.Start.After(now) {
			if err := CheckRunningUpdate(old.Start, old.End, m.End, now, changed); err != nil {
				return err
			}
		} else if slices.Contains(changed, "start") {
			if err := CheckStart(m.Start, now, opt.Force); err != nil {
				return err
			}
		}
		if err := ValidateMapping(m); err != nil {
			return err
		}
		if err := r.refs("", "", m.GroupID); err != nil {
			return err
		}
		if err := r.checkMappingConflicts(m); err != nil {
			return err
		}
		m.UpdatedBy = opt.By
		r.Mappings[i] = m
		out = m
		return nil
	})
	return out, err
}

// DeleteMapping soft-deletes a mapping: it stays readable by id but never
// applies again. Deleting it twice is a 404, as a deleted row is gone
// for upstream's delete.
func (b *Book) DeleteMapping(ctx context.Context, id string, opt WriteOptions) error {
	now := b.clock().UTC().Truncate(time.Second)
	return b.update(ctx, func(r *Rules) error {
		i, ok := findIndex(r.Mappings, func(x Mapping) bool { return x.ID == id })
		if !ok || r.Mappings[i].IsDeleted() {
			return notFoundf("No such mapping: %s", id)
		}
		r.Mappings[i].Deleted, r.Mappings[i].DeletedBy = now, opt.By
		return nil
	})
}
