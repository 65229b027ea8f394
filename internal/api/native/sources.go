package native

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/tenant"
)

// Sources is what the native API needs of the pipeline.
type Sources interface {
	Specs() []pipeline.Spec
	Status() []pipeline.SourceStatus
	Add(ctx context.Context, s pipeline.Spec) error
	Remove(ctx context.Context, name string) error
	Rebuild(key string) error
	Repair(w cost.Window, key string) error
}

// SetSources mounts the pipeline's sources; without it the source
// endpoints answer 501.
func (a *API) SetSources(s Sources) { a.sources = s }

func (a *API) registerSources(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/sources", a.handle(a.listSources))
	mux.HandleFunc("POST /api/v1/sources", a.handle(a.addSource))
	mux.HandleFunc("GET /api/v1/sources/{name}", a.handle(a.getSource))
	mux.HandleFunc("DELETE /api/v1/sources/{name}", a.handle(a.removeSource))
	mux.HandleFunc("POST /api/v1/sources/{name}/rebuild", a.handle(a.rebuildSource))
	mux.HandleFunc("POST /api/v1/sources/{name}/repair", a.handle(a.repairSource))
}

type sourceJSON struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	Format   string            `json:"format"`
	Location map[string]string `json:"location"` // without secrets
	Refresh  string            `json:"refresh"`
	FromFile bool              `json:"fromConfigFile"`
	Status   sourceStatusJSON  `json:"status"`
}

type sourceStatusJSON struct {
	Active           bool       `json:"active"`
	Valid            bool       `json:"valid"`
	ConnectionStatus string     `json:"connectionStatus"`
	LastRun          *time.Time `json:"lastRun"`
	NextRun          *time.Time `json:"nextRun"`
	Runs             int        `json:"runs"`
	Coverage         *struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"coverage"`
	Progress  float64 `json:"progress"`
	Files     int     `json:"files"`
	Rows      int64   `json:"rows"`
	LastError string  `json:"lastError,omitempty"`
	// Unchanged, KnownRuns and Pruned say what the last run left alone
	// and what the retention policy removed (pipeline.SourceStatus).
	Unchanged []time.Time       `json:"unchanged"`
	KnownRuns int               `json:"knownRuns"`
	Pruned    []pipeline.Pruned `json:"pruned"`
}

// requireSources checks that a pipeline is mounted and that the caller
// administers it: source locations name buckets of every tenant.
func (a *API) requireSources(r *http.Request) (*tenant.Principal, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	if err := p.RequireWhole(tenant.Administer, "administrators", "manage sources"); err != nil {
		return nil, err
	}
	if a.sources == nil {
		return nil, apierr.New(http.StatusNotImplemented, "no pipeline is configured on this server")
	}
	return p, nil
}

// sourceOut renders s with its entry of statuses (the pipeline's Status,
// read once per answer).
func sourceOut(s pipeline.Spec, statuses []pipeline.SourceStatus) sourceJSON {
	out := sourceJSON{Name: s.Name, Provider: s.Provider, Format: s.Format, Location: s.Location.Sanitized(),
		Refresh: s.Refresh, FromFile: s.FromFile}
	if out.Format == "" {
		out.Format = "auto"
	}
	out.Status.Unchanged, out.Status.Pruned = []time.Time{}, []pipeline.Pruned{}
	for _, st := range statuses {
		if st.Key != s.Name {
			continue
		}
		out.Refresh = st.RefreshRate.String()
		j := &out.Status
		j.Active, j.Valid, j.ConnectionStatus, j.Runs = st.Active, st.Valid, string(st.ConnectionStatus), st.Runs
		j.LastRun, j.NextRun = optTime(st.LastRun), optTime(st.NextRun)
		if !st.Coverage.Start.IsZero() {
			j.Coverage = &struct {
				Start time.Time `json:"start"`
				End   time.Time `json:"end"`
			}{st.Coverage.Start, st.Coverage.End}
		}
		j.Progress, j.Files, j.Rows, j.LastError = st.Progress, st.Files, st.Rows, st.LastError
		j.KnownRuns = st.KnownRuns
		if st.Unchanged != nil {
			j.Unchanged = st.Unchanged
		}
		if st.Pruned != nil {
			j.Pruned = st.Pruned
		}
	}
	return out
}

func (a *API) listSources(r *http.Request) (any, error) {
	if _, err := a.requireSources(r); err != nil {
		return nil, err
	}
	out := []sourceJSON{}
	statuses := a.sources.Status()
	for _, s := range a.sources.Specs() {
		out = append(out, sourceOut(s, statuses))
	}
	return map[string]any{"data": out}, nil
}

func (a *API) findSource(name string) (pipeline.Spec, error) {
	for _, s := range a.sources.Specs() {
		if s.Name == name {
			return s, nil
		}
	}
	return pipeline.Spec{}, apierr.New(http.StatusNotFound, fmt.Sprintf("source %q not found", name))
}

func (a *API) getSource(r *http.Request) (any, error) {
	if _, err := a.requireSources(r); err != nil {
		return nil, err
	}
	s, err := a.findSource(r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return sourceOut(s, a.sources.Status()), nil
}

func (a *API) addSource(r *http.Request) (any, error) {
	p, err := a.requireSources(r)
	if err != nil {
		return nil, err
	}
	var s pipeline.Spec
	if err := decode(r, &s); err != nil {
		return nil, err
	}
	if err := a.sources.Add(r.Context(), s); err != nil {
		return nil, err
	}
	if err := a.tenants.Record(r.Context(), p, "create", "source", s.Name, "provider="+s.Provider+" location="+s.Location.Sanitized()["url"]); err != nil {
		return nil, err
	}
	return created{sourceOut(s, a.sources.Status())}, nil
}

func (a *API) removeSource(r *http.Request) (any, error) {
	p, err := a.requireSources(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if err := a.sources.Remove(r.Context(), name); err != nil {
		return nil, err
	}
	return noContent{}, a.tenants.Record(r.Context(), p, "delete", "source", name, "")
}

func (a *API) rebuildSource(r *http.Request) (any, error) {
	p, err := a.requireSources(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if err := a.sources.Rebuild(name); err != nil {
		return nil, err
	}
	if err := a.tenants.Record(r.Context(), p, "rebuild", "source", name, "every billing period"); err != nil {
		return nil, err
	}
	s, err := a.findSource(name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"message": "rebuilding source " + name, "source": sourceOut(s, a.sources.Status())}, nil
}

func (a *API) repairSource(r *http.Request) (any, error) {
	p, err := a.requireSources(r)
	if err != nil {
		return nil, err
	}
	w, err := cost.ParseWindow(r.URL.Query().Get("window"), a.now())
	if err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	name := r.PathValue("name")
	if err := a.sources.Repair(w, name); err != nil {
		return nil, err
	}
	detail := w.Start.Format(time.RFC3339) + " to " + w.End.Format(time.RFC3339)
	if err := a.tenants.Record(r.Context(), p, "repair", "source", name, detail); err != nil {
		return nil, err
	}
	return map[string]any{"message": "repairing source " + name + " for " + detail}, nil
}
