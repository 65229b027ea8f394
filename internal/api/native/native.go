// Package native is Tally's own HTTP API under /api/v1: grouped, exact
// cost totals and the snapshot list. Like every dialect it only parses
// requests into query.Query and renders results; the store does the work.
package native

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

//go:embed openapi.json
var openAPI []byte

// Engine is what the native API needs of the store.
type Engine interface {
	Query(ctx context.Context, q query.Query) (*query.Result, error)
	Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error)
}

// API serves the native endpoints.
type API struct {
	engine Engine
	log    *slog.Logger
	now    func() time.Time
}

// New returns the native API over engine.
func New(engine Engine, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{engine: engine, log: log, now: time.Now}
}

// Register mounts the endpoints on mux under /api/v1.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/costs", a.handle(a.costs))
	mux.HandleFunc("GET /api/v1/snapshots", a.handle(a.snapshots))
	mux.HandleFunc("GET /api/v1/snapshots/{id}", a.handle(a.snapshot))
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	mux.HandleFunc("/api/v1/", a.handle(func(r *http.Request) (any, error) {
		return nil, &apiError{status: http.StatusNotFound, msg: "no such endpoint: " + r.Method + " " + r.URL.Path}
	}))
}

// apiError carries an HTTP status chosen by a handler.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

// errorBody is the native error format.
type errorBody struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// handle turns a handler that returns a value into an http.HandlerFunc:
// one place renders success and one place maps errors to statuses.
func (a *API) handle(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			a.respondError(w, r, err)
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

func (a *API) respondError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		body.Error.Status, body.Error.Message = ae.status, ae.msg
	case errors.Is(err, cost.ErrInvalid):
		body.Error.Status, body.Error.Message = http.StatusBadRequest, err.Error()
	case errors.Is(err, store.ErrNotFound):
		body.Error.Status, body.Error.Message = http.StatusNotFound, err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		body.Error.Status, body.Error.Message = http.StatusServiceUnavailable, "request cancelled or timed out"
	default:
		a.log.Error("native API", "path", r.URL.Path, "err", err)
		body.Error.Status, body.Error.Message = http.StatusInternalServerError, "internal error; see the server log"
	}
	respond(w, body.Error.Status, body)
}
