// Package kubecost serves the Kubecost/OpenCost Cloud Cost API under
// /model: /model/cloudCost, its graph, totals and table views, and the
// cloud cost ETL endpoints (rebuild, repair, status), following
// ../shared/specs/kubecost-cloudcost.md. Like every dialect it only
// parses requests into query.Query, asks the engine and renders the
// answer in Kubecost's wire shape; the ETL endpoints drive a Pipeline.
package kubecost

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/tenant"
)

// Engine is what the dialect needs of the engine, which scopes every
// query by the request's principal.
type Engine interface {
	Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error)
}

// Pipeline is what the ETL endpoints drive (internal/pipeline implements it).
type Pipeline interface {
	// Rebuild re-reads every configured source (key "") or one, in the
	// background; a rebuild already running for it is cancelled first.
	Rebuild(key string) error
	// Repair re-reads the billing periods overlapping w, in the background.
	Repair(w cost.Window, key string) error
	Status() []pipeline.SourceStatus
}

// API serves the Cloud Cost API.
type API struct {
	engine   Engine
	pipeline Pipeline
	log      *slog.Logger
	now      func() time.Time
}

// New returns the API over engine. pipeline may be nil (an untyped nil,
// not a nil pointer in the interface): the ETL endpoints then answer 501
// (not configured) and the cost endpoints work as usual.
func New(engine Engine, pipeline Pipeline, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{engine: engine, pipeline: pipeline, log: log, now: time.Now}
}

// Register mounts the endpoints on mux under /model.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /model/cloudCost", a.handle(a.cloudCost))
	mux.HandleFunc("GET /model/cloudCost/view/graph", a.handle(a.viewGraph))
	mux.HandleFunc("GET /model/cloudCost/view/totals", a.handle(a.viewTotals))
	mux.HandleFunc("GET /model/cloudCost/view/table", a.handle(a.viewTable))

	mux.HandleFunc("GET /model/cloudCost/status", a.handle(admin(a.cloudCostStatus)))
	mux.HandleFunc("GET /model/cloudCost/rebuild", a.handle(admin(a.rebuild(openCostRebuild))))
	mux.HandleFunc("GET /model/cloudCost/repair", a.handle(admin(a.repair(openCostRepair))))
	mux.HandleFunc("GET /model/etl/cloudUsage/rebuild", a.handle(admin(a.rebuild(cloudUsageRebuild))))
	mux.HandleFunc("GET /model/etl/cloudUsage/repair", a.handle(admin(a.repair(cloudUsageRepair))))
	mux.HandleFunc("GET /model/etl/asset/reconciliation/run", a.handle(admin(a.rebuild(reconciliationRun))))
	mux.HandleFunc("GET /model/etl/asset/reconciliation/repair", a.handle(admin(a.repair(reconciliationRepair))))
	mux.HandleFunc("GET /model/etl/status", a.handle(admin(a.etlStatus)))

	mux.HandleFunc(Prefix, a.handle(func(r *http.Request) (any, error) {
		return nil, apierr.New(http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	}))
}

// admin lets only administrators of the default organization drive or
// read the pipeline: it re-reads every tenant's bills, and its status
// names every source's bucket.
func admin(h func(*http.Request) (any, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		p, ok := tenant.FromContext(r.Context())
		if !ok {
			return nil, engine.ErrNoPrincipal
		}
		if err := p.RequireWhole(tenant.Administer, "administrators", "run the pipeline"); err != nil {
			return nil, err
		}
		return h(r)
	}
}

// envelope is OpenCost's success body. Its message and warning fields are
// omitted when empty, so they are not declared.
type envelope struct {
	Code    int    `json:"code"`
	Data    any    `json:"data"`
	Warning string `json:"warning,omitempty"`
}

// warnings collects what a handler wants the envelope's warning to say.
type warnings struct{ msgs []string }

type warningsKey struct{}

// warn adds a warning to the response of the request of ctx.
func warn(ctx context.Context, msg string) {
	if w, ok := ctx.Value(warningsKey{}).(*warnings); ok {
		w.msgs = append(w.msgs, msg)
	}
}

// csvBody is a handler result sent as text/csv instead of JSON.
type csvBody []byte

// handle turns a handler that returns a value into an http.HandlerFunc:
// one place renders success and one place renders errors.
func (a *API) handle(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		warned := &warnings{}
		r = r.WithContext(context.WithValue(r.Context(), warningsKey{}, warned))
		v, err := h(r)
		if err != nil {
			if st := apierr.Status(err); st >= 500 && st != http.StatusNotImplemented {
				a.log.Error("kubecost API", "path", r.URL.Path, "err", err)
			}
			WriteError(w, r, err)
			return
		}
		if c, ok := v.(csvBody); ok {
			w.Header().Set("Content-Type", "text/csv")
			w.Write(c)
			return
		}
		warning := strings.Join(warned.msgs, "; ")
		if d, ok := v.(jsonData); ok {
			// The bytes json.Marshal writes below for the envelope (code
			// http.StatusOK), written around data that is already JSON
			// rather than copied with it into one more buffer.
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"code":200,"data":`))
			w.Write(d)
			end := []byte{}
			if warning != "" {
				end = appendString(append(end, `,"warning":`...), warning)
			}
			w.Write(append(end, "}\n"...))
			return
		}
		// Marshalled before the header is written, so that a value that
		// cannot be encoded still gets an error status.
		body, err := json.Marshal(envelope{Code: http.StatusOK, Data: v, Warning: warning})
		if err != nil {
			a.log.Error("kubecost API: encoding response", "path", r.URL.Path, "err", err)
			WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(body, '\n'))
	}
}
