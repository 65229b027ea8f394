// Package cloudkitty serves the OpenStack CloudKitty rating API v1 and v2
// under /cloudkitty, following ../shared/specs/cloudkitty.md. Like every
// dialect it translates requests: rated costs are line items of provider
// "rating" asked through the engine's query model (report, storage,
// summary, dataframes), and rating rules, module states and scope states
// live in internal/rating. Files: one per group of endpoints (hashmap*.go,
// modules.go, scripts.go, info.go, collector.go, quote.go, report.go,
// storage.go, v2*.go); args.go binds arguments from path, query and body;
// wire.go holds the v1 and v2 value formats.
package cloudkitty

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/rating"
)

// API serves the CloudKitty dialect.
type API struct {
	engine *engine.Engine
	rating *rating.Service
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux // the dialect's own routes, on trimmed paths
}

// New returns the API over the engine (rated costs, scoped by the
// request's principal) and the rating service (rules, modules, scopes).
func New(eng *engine.Engine, svc *rating.Service, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	a := &API{engine: eng, rating: svc, log: log, now: time.Now, mux: http.NewServeMux()}
	a.routes()
	return a
}

// Register mounts the dialect on mux under Prefix.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle(Prefix, http.HandlerFunc(a.serve))
}

// serve strips the prefix and a trailing slash (optional everywhere
// upstream) before routing on the dialect's own mux, whose patterns are
// written as upstream's paths ("GET /v1/rating/modules").
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	p := "/" + strings.TrimPrefix(r.URL.Path, Prefix)
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = p
	r2.URL.RawPath = ""
	r2.Header.Set(prefixHeader, r.URL.Path[:len(Prefix)-1])
	w.Header().Set("x-openstack-request-id", requestID())
	a.mux.ServeHTTP(w, r2)
}

// prefixHeader carries the mount prefix to handlers that build absolute
// links (Location headers, the version list).
const prefixHeader = "X-Tally-Mount-Prefix"

// routes registers every endpoint group. Each group lives in its own
// file and registers its patterns with a.v1 or a.v2.
func (a *API) routes() {
	a.mux.HandleFunc("GET /{$}", a.root)
	a.mux.HandleFunc("HEAD /{$}", a.root)
	a.mux.HandleFunc("GET /healthcheck", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("OK"))
	})
	a.collectorRoutes()
	a.infoRoutes()
	a.moduleRoutes()
	a.quoteRoutes()
	a.hashmapRoutes()
	a.scriptRoutes()
	a.reportRoutes()
	a.storageRoutes()
	a.v2FrameRoutes()
	a.v2SummaryRoutes()
	a.v2ScopeRoutes()
	a.v2ReprocessRoutes()
	// Unrouted paths: upstream answers an HTML page; we answer in the
	// dialect's error format, which clients print as is.
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, apierr.New(http.StatusNotFound, "The resource could not be found."))
	})
}

// v1 registers a v1 handler: pattern is "METHOD /v1/...". The handler's
// value is rendered as JSON with status 200; a *reply sets its own.
func (a *API) v1(pattern string, h func(r *http.Request) (any, error)) {
	a.mux.HandleFunc(pattern, a.handle(h))
}

// v2 registers a v2 handler (same contract as v1; errors render as v2's
// {"message"} because the path starts with /v2).
func (a *API) v2(pattern string, h func(r *http.Request) (any, error)) {
	a.mux.HandleFunc(pattern, a.handle(h))
}

// reply is a handler result with a status other than 200, an optional
// Location and an optional body (nil: no body; use jsonNull for "null").
type reply struct {
	status   int
	location string // absolute URL, or "" for none
	body     any
}

// jsonNull is a body that renders as the JSON literal null.
var jsonNull = json.RawMessage("null")

func (a *API) handle(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			if st := apierr.Status(err); st >= 500 {
				a.log.Error("cloudkitty API", "path", r.URL.Path, "err", err)
			}
			WriteError(w, r, err)
			return
		}
		status := http.StatusOK
		if rp, ok := v.(*reply); ok {
			status, v = rp.status, rp.body
			if rp.location != "" {
				w.Header().Set("Location", rp.location)
			}
			if v == nil {
				w.WriteHeader(status)
				return
			}
		}
		body, err := json.Marshal(v)
		if err != nil {
			a.log.Error("cloudkitty API: encoding response", "path", r.URL.Path, "err", err)
			WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// root lists the API versions, with absolute links built from the
// request's host and the mount prefix (§5.1).
func (a *API) root(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	type link struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	}
	type version struct {
		ID     string `json:"id"`
		Links  []link `json:"links"`
		Status string `json:"status"`
	}
	body, _ := json.Marshal(map[string]any{"versions": []version{
		{ID: "v1", Links: []link{{Href: base + "/v1", Rel: "self"}}, Status: "CURRENT"},
		{ID: "v2", Links: []link{{Href: base + "/v2", Rel: "self"}}, Status: "EXPERIMENTAL"},
	}})
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// baseURL is the absolute URL of the dialect's root, without a trailing
// slash: "http://host:port/cloudkitty".
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + r.Header.Get(prefixHeader)
}

// requestURL is the absolute URL of the request as the client sent it
// (its path without the trailing slash, no query): upstream's Location
// for creates (plus "/<id>") and updates.
func requestURL(r *http.Request) string {
	return baseURL(r) + r.URL.Path
}

// created is upstream's answer to a create: 201, Location the request
// URL plus the new id, and the object.
func created(r *http.Request, id string, obj any) *reply {
	return &reply{status: http.StatusCreated, location: requestURL(r) + "/" + id, body: obj}
}

// updated is upstream's answer to a hashmap or module update: 302 with
// Location the request URL and a null body. Clients replay the PUT to
// the Location (§12.3), so every update must be idempotent.
func updated(r *http.Request) *reply {
	return &reply{status: http.StatusFound, location: requestURL(r), body: jsonNull}
}

// noContent is upstream's answer to a delete.
var noContent = &reply{status: http.StatusNoContent}
