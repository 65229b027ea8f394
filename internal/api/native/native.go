// Package native is Tally's own HTTP API under /api/v1: grouped, exact
// cost totals and the snapshot list. Like every dialect it only parses
// requests into query.Query and renders results; the store does the work.
package native

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

//go:embed openapi.json
var openAPI []byte

// Prefix is where the native API is mounted.
const Prefix = "/api/v1/"

// Public lists the paths served without a key.
var Public = []string{"/api/v1/openapi.json"}

// Engine is what the native API needs of the engine.
type Engine interface {
	Query(ctx context.Context, q query.Query) (*query.Result, error)
	Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error)
	DeleteSnapshot(ctx context.Context, id int64) (store.Snapshot, error)
	ExchangeRates(ctx context.Context) ([]rates.Entry, error)
	MaySetRates(ctx context.Context) error
	SetExchangeRates(ctx context.Context, month time.Time, rs []cost.Rate) error
	DeleteExchangeRates(ctx context.Context, month time.Time) error
}

// API serves the native endpoints.
type API struct {
	engine  Engine
	tenants *tenant.Service
	sources Sources
	metrics metricstore.Store // rightsizing.go
	reports Reports           // nil: /api/v1/reports answers 501
	// importer and importDir serve uploads (imports.go); nil: 501.
	importer  Importer
	importDir string
	budgets   Budgets // nil: /api/v1/budgets answers 501 (budgets.go)
	// perspectives nil: /api/v1/perspectives answers 501 (perspectives.go)
	perspectives Perspectives
	log          *slog.Logger
	now          func() time.Time
}

// New returns the native API over engine (which scopes every question by
// the request's principal) and the tenant service.
func New(engine Engine, tenants *tenant.Service, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{engine: engine, tenants: tenants, log: log, now: time.Now}
}

// Register mounts the endpoints on mux under /api/v1.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/costs", a.handle(a.costs))
	mux.HandleFunc("GET /api/v1/snapshots", a.handle(a.snapshots))
	mux.HandleFunc("GET /api/v1/snapshots/{id}", a.handle(a.snapshot))
	mux.HandleFunc("DELETE /api/v1/snapshots/{id}", a.handle(a.deleteSnapshot))
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	a.registerTenancy(mux)
	a.registerSources(mux)
	a.registerRates(mux)
	a.registerRightsizing(mux)
	a.registerReports(mux)
	a.registerImports(mux)
	a.registerBudgets(mux)
	a.registerPerspectives(mux)
	mux.HandleFunc("/api/v1/", a.handle(func(r *http.Request) (any, error) {
		return nil, apierr.New(http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	}))
}

// errorBody is the native error format.
type errorBody struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// created marks a handler result answered with 201.
type created struct{ v any }

// handle turns a handler that returns a value into an http.HandlerFunc:
// one place renders success and one place maps errors to statuses.
func (a *API) handle(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			if st := apierr.Status(err); st >= 500 && st != http.StatusNotImplemented {
				a.log.Error("native API", "path", r.URL.Path, "err", err)
			}
			WriteError(w, r, err)
			return
		}
		switch c := v.(type) {
		case created:
			respond(w, http.StatusCreated, c.v)
			return
		case noContent:
			w.WriteHeader(http.StatusNoContent)
			return
		}
		respond(w, http.StatusOK, v)
	}
}

func respond(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// WriteError renders err as {"error": {"status", "message"}}.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	body.Error.Status, body.Error.Message = apierr.Status(err), apierr.Message(err)
	if s := apierr.RetryAfter(err); s > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	respond(w, body.Error.Status, body)
}
