package cloudkitty

import (
	"net/http"

	"github.com/tally-cost/tally/internal/rating/hashmap"
)

// Thresholds of the hashmap module (spec §6.1, §6.2). They have no dates
// and no soft delete, even in ≥23.

type hmThreshold struct {
	ThresholdID string  `json:"threshold_id"`
	Level       string  `json:"level"`
	Type        string  `json:"type"`
	Cost        string  `json:"cost"`
	ServiceID   *string `json:"service_id"`
	FieldID     *string `json:"field_id"`
	GroupID     *string `json:"group_id"`
	TenantID    *string `json:"tenant_id"`
}

var hmThresholdKeys = []string{"threshold_id", "level", "type", "cost", "service_id", "field_id", "group_id", "tenant_id"}

func wireThreshold(t hashmap.Threshold) hmThreshold {
	return hmThreshold{ThresholdID: t.ID, Level: hashmap.FormatLevel(t.Level), Type: string(t.Type),
		Cost: hashmap.FormatCost(t.Cost), ServiceID: optID(t.ServiceID), FieldID: optID(t.FieldID),
		GroupID: optID(t.GroupID), TenantID: optID(t.TenantID)}
}

// hmThresholdList is the {"thresholds": [...]} answer for f.
func (a *API) hmThresholdList(f hashmap.ThresholdFilter) map[string]any {
	out := []hmThreshold{}
	for _, t := range a.rating.Book.Thresholds(f) {
		out = append(out, wireThreshold(t))
	}
	return map[string]any{"thresholds": out}
}

func (a *API) hmThresholdRoutes() {
	book := func() *hashmap.Book { return a.rating.Book }

	// Upstream refuses (with a 500) a list with no parent or group
	// filter; like ≥23's mapping list, Tally lists every threshold.
	a.hm("GET thresholds", false, func(_ *http.Request, in *args) (any, error) {
		f, err := hmParentFilter(in)
		if err != nil {
			return nil, err
		}
		return a.hmThresholdList(f), nil
	})
	a.hm("GET thresholds/{threshold_id}", false, func(_ *http.Request, in *args) (any, error) {
		t, err := book().Threshold(in.str("threshold_id"))
		if err != nil {
			return nil, err
		}
		return wireThreshold(t), nil
	})
	thresholdGroup := func(_ *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "threshold_id")
		if err != nil {
			return nil, err
		}
		g, err := book().ThresholdGroup(id)
		if err != nil {
			return nil, err
		}
		return wireGroup(g), nil
	}
	a.hm("GET thresholds/group", false, thresholdGroup)
	a.hm("GET thresholds/{threshold_id}/group", false, thresholdGroup)
	a.hm("POST thresholds", true, func(r *http.Request, in *args) (any, error) {
		if err := in.rejectUnknown("threshold_data", hmThresholdKeys...); err != nil {
			return nil, err
		}
		t := hashmap.Threshold{ServiceID: in.str("service_id"), FieldID: in.str("field_id"),
			GroupID: in.str("group_id"), TenantID: in.str("tenant_id")}
		var err error
		if t.Level, err = hashmap.ParseLevel(in.str("level")); err != nil {
			return nil, err
		}
		if t.Cost, err = hashmap.ParseCost(in.str("cost")); err != nil {
			return nil, err
		}
		if t.Type, err = hashmap.ParseMapType(in.str("type")); err != nil {
			return nil, err
		}
		if t, err = book().CreateThreshold(r.Context(), t); err != nil {
			return nil, err
		}
		return created(r, t.ID, wireThreshold(t)), nil
	})
	// PUT thresholds/{id}, or PUT thresholds with threshold_id in the
	// body; as for mappings, absent or null attributes are left alone and
	// the update is idempotent.
	updateThreshold := func(r *http.Request, in *args) (any, error) {
		if err := in.rejectUnknown("threshold", hmThresholdKeys...); err != nil {
			return nil, err
		}
		id, err := hmRequiredArg(in, "threshold_id")
		if err != nil {
			return nil, err
		}
		var u hashmap.ThresholdUpdate
		if v := in.str("level"); v != "" {
			l, err := hashmap.ParseLevel(v)
			if err != nil {
				return nil, err
			}
			u.Level = &l
		}
		if v := in.str("cost"); v != "" {
			c, err := hashmap.ParseCost(v)
			if err != nil {
				return nil, err
			}
			u.Cost = &c
		}
		if v := in.str("type"); v != "" {
			t, err := hashmap.ParseMapType(v)
			if err != nil {
				return nil, err
			}
			u.Type = &t
		}
		if v := in.str("group_id"); v != "" {
			u.GroupID = &v
		}
		if v := in.str("tenant_id"); v != "" {
			u.TenantID = &v
		}
		if _, err := book().UpdateThreshold(r.Context(), id, u); err != nil {
			return nil, err
		}
		return updated(r), nil
	}
	a.hm("PUT thresholds", true, updateThreshold)
	a.hm("PUT thresholds/{threshold_id}", true, updateThreshold)
	deleteThreshold := func(r *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "threshold_id")
		if err != nil {
			return nil, err
		}
		if err := book().DeleteThreshold(r.Context(), id); err != nil {
			return nil, err
		}
		return noContent, nil
	}
	a.hm("DELETE thresholds", true, deleteThreshold)
	a.hm("DELETE thresholds/{threshold_id}", true, deleteThreshold)
}
