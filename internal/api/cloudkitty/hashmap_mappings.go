package cloudkitty

import (
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/hashmap"
)

// Mappings of the hashmap module (spec §6.1, §6.2), classic and ≥23.

// hmMapping is a mapping on the wire: the classic attributes, then the
// ≥23 dates, names and audit fields. Unset ones are null, as upstream
// exports every column.
type hmMapping struct {
	MappingID   string  `json:"mapping_id"`
	Value       string  `json:"value"`
	Type        string  `json:"type"`
	Cost        string  `json:"cost"`
	ServiceID   *string `json:"service_id"`
	FieldID     *string `json:"field_id"`
	GroupID     *string `json:"group_id"`
	TenantID    *string `json:"tenant_id"`
	CreatedAt   *string `json:"created_at"`
	Start       *string `json:"start"`
	End         *string `json:"end"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Deleted     *string `json:"deleted"`
	CreatedBy   *string `json:"created_by"`
	UpdatedBy   *string `json:"updated_by"`
	DeletedBy   *string `json:"deleted_by"`
}

// hmMappingKeys are the attributes a mapping body may carry: clients PUT
// back the whole object they read, read-only attributes included.
var hmMappingKeys = []string{"mapping_id", "value", "type", "cost", "service_id", "field_id", "group_id",
	"tenant_id", "created_at", "start", "end", "name", "description", "deleted", "created_by",
	"updated_by", "deleted_by"}

func wireMapping(m hashmap.Mapping) hmMapping {
	return hmMapping{
		MappingID: m.ID, Value: m.Value, Type: string(m.Type), Cost: hashmap.FormatCost(m.Cost),
		ServiceID: optID(m.ServiceID), FieldID: optID(m.FieldID), GroupID: optID(m.GroupID), TenantID: optID(m.TenantID),
		CreatedAt: optTime(m.CreatedAt), Start: optTime(m.Start), End: optTime(m.End),
		Name: optID(m.Name), Description: optID(m.Description), Deleted: optTime(m.Deleted),
		CreatedBy: optID(m.CreatedBy), UpdatedBy: optID(m.UpdatedBy), DeletedBy: optID(m.DeletedBy),
	}
}

// hmMappingList is the {"mappings": [...]} answer for f.
func (a *API) hmMappingList(f hashmap.MappingFilter, keep ...func(hashmap.Mapping) bool) map[string]any {
	out := []hmMapping{}
next:
	for _, m := range a.rating.Book.Mappings(f) {
		for _, k := range keep {
			if !k(m) {
				continue next
			}
		}
		out = append(out, wireMapping(m))
	}
	return map[string]any{"mappings": out}
}

func (a *API) hmMappingRoutes() {
	book := func() *hashmap.Book { return a.rating.Book }

	a.hm("GET mappings", false, a.hmListMappings)
	a.hm("GET mappings/{mapping_id}", false, func(_ *http.Request, in *args) (any, error) {
		m, err := book().Mapping(in.str("mapping_id"))
		if err != nil {
			return nil, err
		}
		return wireMapping(m), nil
	})
	mappingGroup := func(_ *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "mapping_id")
		if err != nil {
			return nil, err
		}
		g, err := book().MappingGroup(id)
		if err != nil {
			return nil, err
		}
		return wireGroup(g), nil
	}
	a.hm("GET mappings/group", false, mappingGroup)
	a.hm("GET mappings/{mapping_id}/group", false, mappingGroup)
	a.hm("POST mappings", true, a.hmCreateMapping)
	a.hm("PUT mappings", true, a.hmUpdateMapping)
	a.hm("PUT mappings/{mapping_id}", true, a.hmUpdateMapping)
	deleteMapping := func(r *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "mapping_id")
		if err != nil {
			return nil, err
		}
		if err := book().DeleteMapping(r.Context(), id, hashmap.WriteOptions{By: hmActor(r)}); err != nil {
			return nil, err
		}
		return noContent, nil
	}
	a.hm("DELETE mappings", true, deleteMapping)
	a.hm("DELETE mappings/{mapping_id}", true, deleteMapping)
}

// hmListMappings lists mappings with upstream's filters: the classic
// parent, group and tenant filters, and ≥23's deleted, start, end,
// audit, description, is_active and all.
func (a *API) hmListMappings(_ *http.Request, in *args) (any, error) {
	f, err := hmParentFilter(in)
	if err != nil {
		return nil, err
	}
	mf := hashmap.MappingFilter{ServiceID: f.ServiceID, FieldID: f.FieldID, GroupID: f.GroupID,
		NoGroup: f.NoGroup, FilterTenant: f.FilterTenant, TenantID: f.TenantID}
	if mf.Deleted, err = in.boolean("deleted", false); err != nil {
		return nil, err
	}
	all, err := in.boolean("all", true)
	if err != nil {
		return nil, err
	}
	if !all && mf.ServiceID == "" && mf.FieldID == "" && mf.GroupID == "" {
		// Upstream raises this unhandled (a 500); it is the caller's
		// doing, so it is a 400 here.
		return nil, apierr.New(http.StatusBadRequest, "You must specify either service_uuid, field_uuid or group_uuid.")
	}
	keep, err := datedFilters(in, a.now(), func(m hashmap.Mapping) ruleAudit {
		return ruleAudit{start: m.Start, end: m.End, createdBy: m.CreatedBy, updatedBy: m.UpdatedBy,
			deletedBy: m.DeletedBy, description: m.Description, activeAt: m.ActiveAt}
	})
	if err != nil {
		return nil, err
	}
	return a.hmMappingList(mf, keep...), nil
}

// hmParentFilter reads the filters mappings and thresholds share. As
// upstream's query, a service filter wins over a field filter and a
// group filter over no_group; filter_tenant with no tenant_id selects
// the global rules.
func hmParentFilter(in *args) (hashmap.ThresholdFilter, error) {
	f := hashmap.ThresholdFilter{ServiceID: in.str("service_id"), FieldID: in.str("field_id"),
		GroupID: in.str("group_id"), TenantID: in.str("tenant_id")}
	if f.ServiceID != "" {
		f.FieldID = ""
	}
	var err error
	if f.NoGroup, err = in.boolean("no_group", false); err != nil {
		return f, err
	}
	if f.GroupID != "" {
		f.NoGroup = false
	}
	if f.FilterTenant, err = in.boolean("filter_tenant", false); err != nil {
		return f, err
	}
	return f, nil
}

// hmRuleTime reads an optional ≥23 date of a body: absent or null is
// nil.
func hmRuleTime(in *args, name string) (*time.Time, error) {
	v, ok := in.raw(name)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	t, err := hashmap.ParseRuleTime(strings.TrimSpace(v), name == "end")
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// hmCreateMapping is POST mappings[?force=true]. The cost arrives as a
// JSON number from clients and as a string from scripts; both are read
// from their text, so no float ever holds it.
func (a *API) hmCreateMapping(r *http.Request, in *args) (any, error) {
	if err := in.rejectUnknown("mapping_data", hmMappingKeys...); err != nil {
		return nil, err
	}
	force, err := in.boolean("force", false)
	if err != nil {
		return nil, err
	}
	m := hashmap.Mapping{Value: in.str("value"), ServiceID: in.str("service_id"), FieldID: in.str("field_id"),
		GroupID: in.str("group_id"), TenantID: in.str("tenant_id"), Name: in.str("name"), Description: in.str("description")}
	if m.Cost, err = hashmap.ParseCost(in.str("cost")); err != nil {
		return nil, err
	}
	if m.Type, err = hashmap.ParseMapType(in.str("type")); err != nil {
		return nil, err
	}
	// A create that names none of the dated attributes is a classic
	// client's (≤22): its rule stays editable while it runs.
	m.Classic = true
	for _, k := range []string{"start", "end", "name", "description"} {
		if _, given := in.raw(k); given {
			m.Classic = false
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"start", &m.Start}, {"end", &m.End}} {
		t, err := hmRuleTime(in, d.name)
		if err != nil {
			return nil, err
		}
		if t != nil {
			*d.to = *t
		}
	}
	m, err = a.rating.Book.CreateMapping(r.Context(), m, hashmap.WriteOptions{Force: force, By: hmActor(r)})
	if err != nil {
		return nil, err
	}
	return created(r, m.ID, wireMapping(m)), nil
}

// hmUpdateMapping is PUT mappings/{id}, or PUT mappings with mapping_id
// in the body (python-cloudkittyclient's way). Clients send the whole
// object they read, cost as a string; attributes absent or null are left
// alone, and an unchanged object is no change, so that the 31 replays of
// one PUT (§12.3) all succeed with the same result.
func (a *API) hmUpdateMapping(r *http.Request, in *args) (any, error) {
	if err := in.rejectUnknown("mapping", hmMappingKeys...); err != nil {
		return nil, err
	}
	id, err := hmRequiredArg(in, "mapping_id")
	if err != nil {
		return nil, err
	}
	force, err := in.boolean("force", false)
	if err != nil {
		return nil, err
	}
	u := hashmap.MappingUpdate{Value: optArg(in, "value"), Name: optArg(in, "name"), Description: optArg(in, "description")}
	if v := in.str("type"); v != "" {
		t, err := hashmap.ParseMapType(v)
		if err != nil {
			return nil, err
		}
		u.Type = &t
	}
	if v := in.str("cost"); v != "" {
		c, err := hashmap.ParseCost(v)
		if err != nil {
			return nil, err
		}
		u.Cost = &c
	}
	if v := in.str("group_id"); v != "" {
		u.GroupID = &v
	}
	if v := in.str("tenant_id"); v != "" {
		u.TenantID = &v
	}
	if u.Start, err = hmRuleTime(in, "start"); err != nil {
		return nil, err
	}
	if u.End, err = hmRuleTime(in, "end"); err != nil {
		return nil, err
	}
	if _, err := a.rating.Book.UpdateMapping(r.Context(), id, u, hashmap.WriteOptions{Force: force, By: hmActor(r)}); err != nil {
		return nil, err
	}
	return updated(r), nil
}
