package cloudkitty

import (
	"net/http"

	"github.com/tally-cost/tally/internal/rating/hashmap"
)

// Services, fields and groups of the hashmap module (spec §6.1, §6.2).

type hmService struct {
	ServiceID string `json:"service_id"`
	Name      string `json:"name"`
}

type hmField struct {
	FieldID   string `json:"field_id"`
	Name      string `json:"name"`
	ServiceID string `json:"service_id"`
}

type hmGroup struct {
	GroupID string `json:"group_id"`
	Name    string `json:"name"`
}

func wireService(s hashmap.Service) hmService { return hmService{ServiceID: s.ID, Name: s.Name} }
func wireField(f hashmap.Field) hmField {
	return hmField{FieldID: f.ID, Name: f.Name, ServiceID: f.ServiceID}
}
func wireGroup(g hashmap.Group) hmGroup { return hmGroup{GroupID: g.ID, Name: g.Name} }

func (a *API) hmObjectRoutes() {
	book := func() *hashmap.Book { return a.rating.Book }

	// --- services ---
	a.hm("GET services", false, func(*http.Request, *args) (any, error) {
		out := []hmService{}
		for _, s := range book().Services() {
			out = append(out, wireService(s))
		}
		return map[string]any{"services": out}, nil
	})
	a.hm("GET services/{service_id}", false, func(_ *http.Request, in *args) (any, error) {
		s, err := book().Service(in.str("service_id"))
		if err != nil {
			return nil, err
		}
		return wireService(s), nil
	})
	a.hm("POST services", true, func(r *http.Request, in *args) (any, error) {
		if err := in.rejectUnknown("service_data", "service_id", "name"); err != nil {
			return nil, err
		}
		s, err := book().CreateService(r.Context(), in.str("name"))
		if err != nil {
			return nil, err
		}
		return created(r, s.ID, wireService(s)), nil
	})
	deleteService := func(r *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "service_id")
		if err != nil {
			return nil, err
		}
		if err := book().DeleteService(r.Context(), id); err != nil {
			return nil, err
		}
		return noContent, nil
	}
	a.hm("DELETE services", true, deleteService)
	a.hm("DELETE services/{service_id}", true, deleteService)

	// --- fields ---
	listFields := func(_ *http.Request, in *args) (any, error) {
		sid, err := hmRequiredArg(in, "service_id")
		if err != nil {
			return nil, err
		}
		out := []hmField{}
		for _, f := range book().Fields(sid) {
			out = append(out, wireField(f))
		}
		return map[string]any{"fields": out}, nil
	}
	a.hm("GET fields", false, listFields)
	a.hm("GET services/{service_id}/fields", false, listFields)
	a.hm("GET fields/{field_id}", false, func(_ *http.Request, in *args) (any, error) {
		f, err := book().Field(in.str("field_id"))
		if err != nil {
			return nil, err
		}
		return wireField(f), nil
	})
	a.hm("POST fields", true, func(r *http.Request, in *args) (any, error) {
		if err := in.rejectUnknown("field_data", "field_id", "name", "service_id"); err != nil {
			return nil, err
		}
		sid, ok := in.raw("service_id")
		if !ok {
			return nil, missingField("service_id", "None")
		}
		f, err := book().CreateField(r.Context(), sid, in.str("name"))
		if err != nil {
			return nil, err
		}
		return created(r, f.ID, wireField(f)), nil
	})
	deleteField := func(r *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "field_id")
		if err != nil {
			return nil, err
		}
		if err := book().DeleteField(r.Context(), id); err != nil {
			return nil, err
		}
		return noContent, nil
	}
	a.hm("DELETE fields", true, deleteField)
	a.hm("DELETE fields/{field_id}", true, deleteField)

	// --- groups ---
	a.hm("GET groups", false, func(*http.Request, *args) (any, error) {
		out := []hmGroup{}
		for _, g := range book().Groups() {
			out = append(out, wireGroup(g))
		}
		return map[string]any{"groups": out}, nil
	})
	a.hm("GET groups/{group_id}", false, func(_ *http.Request, in *args) (any, error) {
		g, err := book().Group(in.str("group_id"))
		if err != nil {
			return nil, err
		}
		return wireGroup(g), nil
	})
	a.hm("POST groups", true, func(r *http.Request, in *args) (any, error) {
		if err := in.rejectUnknown("group_data", "group_id", "name"); err != nil {
			return nil, err
		}
		g, err := book().CreateGroup(r.Context(), in.str("name"))
		if err != nil {
			return nil, err
		}
		return created(r, g.ID, wireGroup(g)), nil
	})
	deleteGroup := func(r *http.Request, in *args) (any, error) {
		id, err := hmRequiredArg(in, "group_id")
		if err != nil {
			return nil, err
		}
		recursive, err := in.boolean("recursive", false)
		if err != nil {
			return nil, err
		}
		if err := book().DeleteGroup(r.Context(), id, recursive); err != nil {
			return nil, err
		}
		return noContent, nil
	}
	a.hm("DELETE groups", true, deleteGroup)
	a.hm("DELETE groups/{group_id}", true, deleteGroup)
	// A group's rules: groups/mappings?group_id= ≡ groups/{id}/mappings,
	// and likewise for thresholds. An unknown group has none, as
	// upstream's (a filter, not a lookup).
	groupMappings := func(_ *http.Request, in *args) (any, error) {
		gid, err := hmRequiredArg(in, "group_id")
		if err != nil {
			return nil, err
		}
		return a.hmMappingList(hashmap.MappingFilter{GroupID: gid}), nil
	}
	a.hm("GET groups/mappings", false, groupMappings)
	a.hm("GET groups/{group_id}/mappings", false, groupMappings)
	groupThresholds := func(_ *http.Request, in *args) (any, error) {
		gid, err := hmRequiredArg(in, "group_id")
		if err != nil {
			return nil, err
		}
		return a.hmThresholdList(hashmap.ThresholdFilter{GroupID: gid}), nil
	}
	a.hm("GET groups/thresholds", false, groupThresholds)
	a.hm("GET groups/{group_id}/thresholds", false, groupThresholds)
}
