package hashmap

import (
	"context"
	"slices"

	"github.com/shopspring/decimal"
)

// ThresholdFilter selects thresholds to list, as MappingFilter (thresholds
// have no soft delete).
type ThresholdFilter struct {
	ServiceID, FieldID, GroupID string
	NoGroup                     bool
	FilterTenant                bool
	TenantID                    string
}

// checkThresholdConflicts applies upstream's unique constraint (level,
// parent, tenant); an empty (NULL) tenant never collides. Levels compare
// numerically: 10 and 10.00 are one level, as they are one key of the
// loader.
func (r *Rules) checkThresholdConflicts(t Threshold) error {
	if t.TenantID == "" {
		return nil
	}
	for _, o := range r.Thresholds {
		if o.ID != t.ID && o.Level.Equal(t.Level) && o.TenantID == t.TenantID &&
			o.ServiceID == t.ServiceID && o.FieldID == t.FieldID {
			kind, id := parentOf(t.ServiceID, t.FieldID)
			return conflictf("Threshold '%s' already exists for %s '%s', tenant: '%s'", FormatLevel(t.Level), kind, id, t.TenantID)
		}
	}
	return nil
}

// CreateThreshold adds a threshold. Level, Cost and Type must be parsed
// already (ParseLevel, ParseCost, ParseMapType).
func (b *Book) CreateThreshold(ctx context.Context, t Threshold) (Threshold, error) {
	if err := ValidateThreshold(t); err != nil {
		return Threshold{}, err
	}
	t.ID = newID()
	err := b.update(ctx, func(r *Rules) error {
		if err := r.refs(t.ServiceID, t.FieldID, t.GroupID); err != nil {
			return err
		}
		if err := r.checkThresholdConflicts(t); err != nil {
			return err
		}
		r.Thresholds = append(r.Thresholds, t)
		return nil
	})
	if err != nil {
		return Threshold{}, err
	}
	return t, nil
}

// Threshold returns one threshold.
func (b *Book) Threshold(id string) (Threshold, error) {
	var t Threshold
	var err error
	b.read(func(r *Rules) { t, err = r.threshold(id) })
	return t, err
}

func (r *Rules) threshold(id string) (Threshold, error) {
	if i, ok := findIndex(r.Thresholds, func(x Threshold) bool { return x.ID == id }); ok {
		return r.Thresholds[i], nil
	}
	return Threshold{}, notFoundf("No such threshold: %s", id)
}

// Thresholds lists the thresholds f selects, in creation order.
func (b *Book) Thresholds(f ThresholdFilter) []Threshold {
	mf := MappingFilter{ServiceID: f.ServiceID, FieldID: f.FieldID, GroupID: f.GroupID,
		NoGroup: f.NoGroup, FilterTenant: f.FilterTenant, TenantID: f.TenantID}
	out := []Threshold{}
	b.read(func(r *Rules) {
		for _, t := range r.Thresholds {
			if mf.match(t.ServiceID, t.FieldID, t.GroupID, t.TenantID) {
				out = append(out, t)
			}
		}
	})
	return out
}

// ThresholdGroup returns the group of a threshold.
func (b *Book) ThresholdGroup(id string) (Group, error) {
	var g Group
	var err error
	b.read(func(r *Rules) {
		var t Threshold
		if t, err = r.threshold(id); err != nil {
			return
		}
		if t.GroupID == "" {
			err = notFoundf("Threshold has no group (UUID: %s)", id)
			return
		}
		g, err = r.group(t.GroupID)
	})
	return g, err
}

// ThresholdUpdate is a PUT's changes; nil fields are not sent. The parents
// never change.
type ThresholdUpdate struct {
	Level    *decimal.Decimal
	Type     *MapType
	Cost     *decimal.Decimal
	GroupID  *string
	TenantID *string
}

// UpdateThreshold applies u to a threshold. Thresholds have no dates, so
// no running-rule restriction applies.
func (b *Book) UpdateThreshold(ctx context.Context, id string, u ThresholdUpdate) (Threshold, error) {
	var out Threshold
	err := b.update(ctx, func(r *Rules) error {
		i, ok := findIndex(r.Thresholds, func(x Threshold) bool { return x.ID == id })
		if !ok {
			return notFoundf("No such threshold: %s", id)
		}
		t := r.Thresholds[i]
		if u.Level != nil {
			t.Level = *u.Level
		}
		if u.Type != nil {
			t.Type = *u.Type
		}
		if u.Cost != nil {
			t.Cost = *u.Cost
		}
		if u.GroupID != nil {
			t.GroupID = *u.GroupID
		}
		if u.TenantID != nil {
			t.TenantID = *u.TenantID
		}
		if err := ValidateThreshold(t); err != nil {
			return err
		}
		if err := r.refs("", "", t.GroupID); err != nil {
			return err
		}
		if err := r.checkThresholdConflicts(t); err != nil {
			return err
		}
		r.Thresholds[i] = t
		out = t
		return nil
	})
	return out, err
}

// DeleteThreshold removes a threshold (hard delete).
func (b *Book) DeleteThreshold(ctx context.Context, id string) error {
	return b.update(ctx, func(r *Rules) error {
		if _, err := r.threshold(id); err != nil {
			return err
		}
		r.Thresholds = slices.DeleteFunc(r.Thresholds, func(x Threshold) bool { return x.ID == id })
		return nil
	})
}
