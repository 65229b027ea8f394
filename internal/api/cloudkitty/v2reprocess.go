package cloudkitty

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/scopes"
	"github.com/tally-cost/tally/internal/tenant"
)

// v2ReprocessRoutes serves the reprocessing tasks (§9.5). Client 4.6.0
// posts to the singular path, which upstream never served: both work.
func (a *API) v2ReprocessRoutes() {
	a.v2("POST /v2/task/reprocesses", a.scheduleReprocess)
	a.v2("POST /v2/task/reprocess", a.scheduleReprocess)
	a.v2("GET /v2/task/reprocesses", a.getReprocesses)
	a.v2("GET /v2/task/reprocesses/{path_scope_id}", a.getReprocesses)
}

func (a *API) scheduleReprocess(r *http.Request) (any, error) {
	p, err := scopeAdmin(r)
	if err != nil {
		return nil, err
	}
	in, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := in.rejectUnknownV2("scope_ids", "start_reprocess_time", "end_reprocess_time", "reason"); err != nil {
		return nil, err
	}
	ids := in.list("scope_ids")
	if ids == nil {
		return nil, invalidData(in, "required key not provided", "scope_ids")
	}
	var times [2]time.Time
	for i, name := range []string{"start_reprocess_time", "end_reprocess_time"} {
		v, ok := in.raw(name)
		if !ok {
			return nil, invalidData(in, "required key not provided", name)
		}
		if times[i], err = parseTime(v); err != nil {
			return nil, invalidData(in, "expected dt_from_iso_as_utc", name)
		}
	}
	reason, ok := in.raw("reason")
	if !ok {
		return nil, invalidData(in, "required key not provided", "reason")
	}
	// A scope the caller does not see is reported as not existing, as
	// scopes of other tenants must not be revealed.
	if err := a.rating.Scopes.Schedule(r.Context(), ids, times[0], times[1], reason, a.rating.Config().Period, p.Sees); err != nil {
		return nil, err
	}
	return &reply{status: http.StatusAccepted, body: map[string]any{}}, nil
}

// reprocessJSON is a task on the wire. Upstream reads the times back
// from its database as naive UTC datetimes and prints them so: no
// offset, unlike the rest of v2.
type reprocessJSON struct {
	ScopeID string `json:"scope_id"`
	Reason  string `json:"reason"`
	Start   string `json:"start_reprocess_time"`
	End     string `json:"end_reprocess_time"`
	Current string `json:"current_reprocess_time"`
}

func (a *API) getReprocesses(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	if err := p.Require(tenant.Read); err != nil {
		return nil, err
	}
	q, err := readV2Args(r)
	if err != nil {
		return nil, err
	}
	ids := q.multi("scope_ids")
	if id := r.PathValue("path_scope_id"); id != "" {
		ids = []string{id}
	}
	order, err := q.single("order")
	if err != nil {
		return nil, err
	}
	// Client 4.6.0 sends DESC: upstream lowers the case.
	order = strings.ToLower(order)
	if order == "" {
		order = "desc"
	}
	if order != "asc" && order != "desc" {
		return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("The order [%s] is not valid. Accepted values are ['asc', 'desc'].", order))
	}
	offset, limit, err := q.page()
	if err != nil {
		return nil, err
	}
	tasks := a.rating.Scopes.Tasks(scopes.TaskFilter{ScopeIDs: ids, Desc: order == "desc", Visible: p.Sees})
	out := []reprocessJSON{}
	if offset < len(tasks) {
		for _, t := range tasks[offset:min(len(tasks), offset+limit)] {
			j := reprocessJSON{ScopeID: t.ScopeID, Reason: t.Reason, Start: v1Time(t.Start), End: v1Time(t.End)}
			if t.Current != nil {
				j.Current = v1Time(*t.Current)
			}
			out = append(out, j)
		}
	}
	return map[string]any{"results": out}, nil
}
