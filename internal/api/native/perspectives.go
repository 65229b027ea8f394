package native

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/tenant"
)

// Perspectives is what the native API needs of the perspective book
// (perspective.Book): the same book, owners and viewers as the
// CloudHealth dialect's /v1/perspective_schemas, so a perspective made
// in the web UI is the one reports and every dialect group by.
type Perspectives interface {
	Create(ctx context.Context, o perspective.Owner, s perspective.Schema) (id, message string, err error)
	Get(v perspective.Viewer, id string, includeVersion bool) perspective.Schema
	Perspective(v perspective.Viewer, id string) (perspective.Perspective, bool)
	IDs(v perspective.Viewer) []string
	Update(ctx context.Context, v perspective.Viewer, id string, s perspective.Schema, checkVersion *int, includeVersion bool) (perspective.Schema, error)
	Delete(ctx context.Context, v perspective.Viewer, id string, opt perspective.DeleteOptions) (string, error)
}

// SetPerspectives mounts the perspectives; without it their endpoints
// answer 501.
func (a *API) SetPerspectives(p Perspectives) { a.perspectives = p }

// registerPerspectives mounts /api/v1/perspectives and the preview.
func (a *API) registerPerspectives(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/perspectives", a.handle(a.listPerspectives))
	mux.HandleFunc("POST /api/v1/perspectives", a.handle(a.createPerspective))
	mux.HandleFunc("POST /api/v1/perspectives/preview", a.handle(a.previewPerspective))
	mux.HandleFunc("GET /api/v1/perspectives/{id}", a.handle(a.getPerspective))
	mux.HandleFunc("PUT /api/v1/perspectives/{id}", a.handle(a.updatePerspective))
	mux.HandleFunc("DELETE /api/v1/perspectives/{id}", a.handle(a.deletePerspective))
}

// perspectiveJSON is a perspective: the CloudHealth schema (§5.2: name,
// include_in_reports, rules, merges, constants) with its id, state and
// version beside it.
type perspectiveJSON struct {
	ID      string `json:"id"`
	Active  bool   `json:"active"`
	Version int    `json:"version"`
	perspective.Schema
}

// perspectiveEntry is one perspective of the list.
type perspectiveEntry struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Active  bool   `json:"active"`
	Version int    `json:"version"`
}

// perspectiveRequest is the body of POST and PUT: the schema, flat as
// GET answers it, so a client may send back what it read. id and active
// are read and ignored; version, on PUT, must be the current version
// (a concurrent change since the client's GET is a 409).
type perspectiveRequest struct {
	ID      *string `json:"id"`
	Active  *bool   `json:"active"`
	Version *int    `json:"version"`
	perspective.Schema
}

func (a *API) requirePerspectives() (Perspectives, error) {
	if a.perspectives == nil {
		return nil, apierr.New(http.StatusNotImplemented, "perspectives are not configured on this server")
	}
	return a.perspectives, nil
}

// perspectiveViewer authorizes act and returns the caller as a viewer:
// reads need Read, changes EditContent, as in the CloudHealth dialect.
func (a *API) perspectiveViewer(r *http.Request, act tenant.Action) (Perspectives, perspective.Viewer, error) {
	ps, err := a.requirePerspectives()
	if err != nil {
		return nil, perspective.Viewer{}, err
	}
	p, err := principal(r)
	if err != nil {
		return nil, perspective.Viewer{}, err
	}
	if err := p.Require(act); err != nil {
		return nil, perspective.Viewer{}, err
	}
	return ps, perspective.ViewerOf(p), nil
}

// perspectiveNotFound answers an unknown id and another owner's alike.
func perspectiveNotFound(id string) error {
	return apierr.New(http.StatusNotFound, fmt.Sprintf("perspective %q not found", id))
}

// perspectiveOut renders id as GET answers it; false when v may not see it.
func perspectiveOut(ps Perspectives, v perspective.Viewer, id string) (perspectiveJSON, bool) {
	p, ok := ps.Perspective(v, id)
	if !ok {
		return perspectiveJSON{}, false
	}
	return perspectiveJSON{ID: id, Active: p.Active, Version: p.Version, Schema: ps.Get(v, id, false)}, true
}

func (a *API) listPerspectives(r *http.Request) (any, error) {
	ps, v, err := a.perspectiveViewer(r, tenant.Read)
	if err != nil {
		return nil, err
	}
	if err := onlyParams(r.URL.Query(), perspectiveParams); err != nil {
		return nil, err
	}
	out := []perspectiveEntry{}
	for _, id := range ps.IDs(v) {
		if p, ok := ps.Perspective(v, id); ok {
			out = append(out, perspectiveEntry{ID: id, Name: p.Schema.Name, Active: p.Active, Version: p.Version})
		}
	}
	return map[string]any{"data": out}, nil
}

func (a *API) getPerspective(r *http.Request) (any, error) {
	ps, v, err := a.perspectiveViewer(r, tenant.Read)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	out, ok := perspectiveOut(ps, v, id)
	if !ok {
		return nil, perspectiveNotFound(id)
	}
	return out, nil
}

// readPerspective checks the caller may change perspectives before it
// reads the body, so that one who may not learns nothing from it.
func (a *API) readPerspective(r *http.Request) (Perspectives, perspective.Viewer, perspectiveRequest, error) {
	var in perspectiveRequest
	ps, v, err := a.perspectiveViewer(r, tenant.EditContent)
	if err != nil {
		return nil, v, in, err
	}
	if err := onlyParams(r.URL.Query(), perspectiveParams); err != nil {
		return nil, v, in, err
	}
	if err := decode(r, &in); err != nil {
		return nil, v, in, err
	}
	return ps, v, in, nil
}

// createPerspective answers 201 with the new perspective, which the
// caller's organization (and partner customer) owns.
func (a *API) createPerspective(r *http.Request) (any, error) {
	ps, v, in, err := a.readPerspective(r)
	if err != nil {
		return nil, err
	}
	id, _, err := ps.Create(r.Context(), v.Owner, in.Schema)
	if err != nil {
		return nil, perspectiveError(err)
	}
	out, ok := perspectiveOut(ps, v, id)
	if !ok {
		return nil, fmt.Errorf("perspective %s: created but not visible to its creator", id)
	}
	return created{out}, nil
}

func (a *API) updatePerspective(r *http.Request) (any, error) {
	ps, v, in, err := a.readPerspective(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if _, err := ps.Update(r.Context(), v, id, in.Schema, in.Version, false); err != nil {
		if errors.Is(err, perspective.ErrStaleVersion) {
			// The book words it for CloudHealth's check_version; the
			// native body's field is version.
			cur, _ := ps.Perspective(v, id)
			return nil, apierr.New(http.StatusConflict, fmt.Sprintf("perspective %s changed since version %d (it is at version %d): read it again and reapply the change", id, *in.Version, cur.Version))
		}
		return nil, perspectiveError(err)
	}
	out, ok := perspectiveOut(ps, v, id)
	if !ok {
		return nil, perspectiveNotFound(id)
	}
	return out, nil
}

// deletePerspective archives the perspective (restorable; reports that
// name it still group by it), refused while something depends on it
// unless force=true; hard=true removes it for good. Its name stays
// taken either way, as upstream's does.
func (a *API) deletePerspective(r *http.Request) (any, error) {
	ps, v, err := a.perspectiveViewer(r, tenant.EditContent)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if err := onlyParams(q, perspectiveDeleteParams); err != nil {
		return nil, err
	}
	var opt perspective.DeleteOptions
	if opt.Hard, err = boolParam(q, "hard"); err != nil {
		return nil, err
	}
	if opt.Force, err = boolParam(q, "force"); err != nil {
		return nil, err
	}
	if _, err := ps.Delete(r.Context(), v, r.PathValue("id"), opt); err != nil {
		return nil, perspectiveError(err)
	}
	return noContent{}, nil
}

// perspectiveError words the book's refusals for the native API: a
// missing perspective is a 404 naming it, a taken name and a stale
// version are conflicts (409), a refused schema keeps its 400.
func perspectiveError(err error) error {
	switch {
	case errors.Is(err, perspective.ErrNameTaken), errors.Is(err, perspective.ErrStaleVersion):
		return apierr.New(http.StatusConflict, err.Error())
	}
	return err
}

// Query parameters: the server's guard reads api_key and client_api_id
// on every request; DELETE reads hard and force too.
var (
	perspectiveParams       = map[string]bool{"api_key": true, "client_api_id": true}
	perspectiveDeleteParams = map[string]bool{"api_key": true, "client_api_id": true, "hard": true, "force": true}
)

func boolParam(v url.Values, name string) (bool, error) {
	s := v.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%w: %s: %q is not true or false", cost.ErrInvalid, name, s)
	}
	return b, nil
}

// previewDim is the dimension a preview groups by: a name no stored
// dimension has (cost.ParseDimension refuses it), so the draft's mapping
// cannot shadow one a rule reads.
const previewDim = cost.Dimension("preview")

// previewRequest is the body of POST /api/v1/perspectives/preview: an
// unsaved schema and the question's window, filter and metrics, spelt
// as GET /api/v1/costs spells them (window defaults to the last 30 days,
// metric to all).
type previewRequest struct {
	Schema *perspective.Schema `json:"schema"`
	Window string              `json:"window"`
	Filter string              `json:"filter"`
	Metric string              `json:"metric"`
}

type previewGroup struct {
	Name     string            `json:"name"`
	Currency string            `json:"currency"`
	Items    int64             `json:"items"`
	Costs    map[string]string `json:"costs"`
}

type previewResponse struct {
	Window  windowJSON     `json:"window"`
	Metrics []string       `json:"metrics"`
	Groups  []previewGroup `json:"groups"`
	Totals  []costRow      `json:"totals"`
}

// previewPerspective answers the groups an unsaved schema puts the
// caller's costs in, with their costs: one engine question grouping by
// a dimension whose mapping is the draft's compiled mapping, exactly the
// mapping the engine would attach to perspective:<id> once saved. Groups
// are ordered by currency, then by the first metric's cost, largest
// first, then by name.
func (a *API) previewPerspective(r *http.Request) (any, error) {
	if _, _, err := a.perspectiveViewer(r, tenant.Read); err != nil {
		return nil, err
	}
	if err := onlyParams(r.URL.Query(), perspectiveParams); err != nil {
		return nil, err
	}
	var in previewRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Schema == nil {
		return nil, apierr.New(http.StatusBadRequest, `schema: missing (send {"schema": {"name": ..., "rules": [...], "constants": [...]}})`)
	}
	p, err := perspective.Draft(*in.Schema)
	if err != nil {
		return nil, err
	}
	m, err := p.Mapping(perspective.DimensionByName)
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	for k, v := range map[string]string{"window": in.Window, "filter": in.Filter, "metric": in.Metric} {
		if v != "" {
			params.Set(k, v)
		}
	}
	q, err := ParseCostsRequest(params, a.now().UTC())
	if err != nil {
		return nil, err
	}
	q.GroupBy = []cost.Dimension{previewDim}
	q.Mappings = map[cost.Dimension]query.Mapping{previewDim: m}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res, err := a.engine.Query(r.Context(), q)
	if err != nil {
		return nil, err
	}
	tq := q
	tq.GroupBy, tq.Mappings = nil, nil
	tot, err := a.engine.Query(r.Context(), tq)
	if err != nil {
		return nil, err
	}
	out := previewResponse{Window: windowJSON{q.Window.Start, q.Window.End}, Groups: []previewGroup{}, Totals: rows(tq, tot.Rows)}
	metrics := q.MetricsOrAll()
	for _, m := range metrics {
		out.Metrics = append(out.Metrics, m.String())
	}
	slices.SortStableFunc(res.Rows, func(x, y query.Row) int {
		if c := cmp.Compare(x.Currency, y.Currency); c != 0 {
			return c
		}
		if c := y.Values[0].Cmp(x.Values[0]); c != 0 {
			return c
		}
		return cmp.Compare(x.Keys[0], y.Keys[0])
	})
	for _, row := range rows(q, res.Rows) {
		out.Groups = append(out.Groups, previewGroup{Name: row.Group[string(previewDim)], Currency: row.Currency, Items: row.Items, Costs: row.Costs})
	}
	return out, nil
}
