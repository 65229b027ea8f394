// Package cloudhealth serves the CloudHealth REST API under /cloudhealth,
// following ../shared/specs/cloudhealth.md. Like every dialect it only
// translates: reports are queries of the engine's query model, and the
// domain state lives in its own packages (perspective, assetindex,
// customtag, metricstore, cloudaccount, savedreport). Files:
// cloudhealth.go (the API, routing and rendering), errors.go (the error
// body), perspectives.go (/v1/perspective_schemas), olap_*.go (the
// reporting API: parsing, one engine query per report, rendering),
// savedreports.go (custom reports from the native API's saved ones),
// assets.go (/api, /api/:asset, /api/search over internal/assetindex),
// customtags.go (/v1/custom_tags), metrics*.go (/metrics/v1 and
// /v1/metrics), awsaccounts.go (/v1/aws_accounts).
package cloudhealth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/assetindex"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/perspective"
)

// API serves the CloudHealth dialect.
type API struct {
	engine       *engine.Engine
	perspectives *perspective.Book
	awsAccounts  AWSAccounts // nil: /v1/aws_accounts answers 404
	log          *slog.Logger
	now          func() time.Time
	mux          *http.ServeMux // the dialect's own routes, on trimmed paths
	saved        SavedReports   // custom reports (SetSavedReports); nil: none
	metricsAPI                  // metrics.go: the metrics store, the instance index, the POST limit

	// assets and customTags serve /api and /v1/custom_tags (assets.go);
	// nil until SetAssets, and those paths answer 404.
	assets     *assetindex.Index
	customTags *customtag.Book
}

// New returns the API over the engine (reports, scoped by the request's
// principal) and the perspective book.
func New(eng *engine.Engine, book *perspective.Book, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	a := &API{engine: eng, perspectives: book, log: log, now: time.Now, mux: http.NewServeMux()}
	a.routes()
	return a
}

// SetClock makes the API read now from clock (reports' time members are
// relative to it): tests pin it to their data.
func (a *API) SetClock(clock func() time.Time) { a.now = clock }

// Register mounts the dialect on mux under Prefix.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle(Prefix, http.HandlerFunc(a.serve))
}

// jsonAliases are the ".json" paths real clients use for the asset
// endpoints (§1.1, §6); they route as the path without the suffix.
var jsonAliases = map[string]bool{"/api.json": true, "/api/search.json": true}

// serve strips the prefix and a trailing slash (clients vary: §1.1 lists
// POST /v1/perspective_schemas/, /metrics/v1/ and others) and the ".json"
// aliases before routing on the dialect's own mux, whose patterns are
// written as upstream's paths ("GET /v1/perspective_schemas").
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	p := "/" + strings.TrimPrefix(r.URL.Path, Prefix)
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	if jsonAliases[p] {
		p = strings.TrimSuffix(p, ".json")
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = p
	r2.URL.RawPath = ""
	a.mux.ServeHTTP(w, r2)
}

// routes registers every endpoint group; each lives in its own file.
func (a *API) routes() {
	a.perspectiveRoutes()
	a.olapRoutes()
	a.metricsRoutes()
	a.assetRoutes()
	a.customTagRoutes()
	a.awsAccountRoutes()
	// Unrouted paths, wrong methods included, answer 404 in the
	// dialect's format: clients print the error body.
	a.mux.HandleFunc("/", a.handle(func(r *http.Request) (any, error) {
		return nil, apierr.New(http.StatusNotFound, "no such endpoint: "+r.Method+" "+Prefix+strings.TrimPrefix(r.URL.Path, "/"))
	}))
}

// handle turns a handler that returns a value into an http.HandlerFunc:
// one place renders success (200 with the value as JSON) and one place
// renders errors (WriteError).
func (a *API) handle(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			if st := apierr.Status(err); st >= 500 {
				a.log.Error("cloudhealth API", "path", r.URL.Path, "err", err)
			}
			WriteError(w, r, err)
			return
		}
		// Marshalled before the header is written, so that a value that
		// cannot be encoded still gets an error status.
		body, err := json.Marshal(v)
		if err != nil {
			a.log.Error("cloudhealth API: encoding response", "path", r.URL.Path, "err", err)
			WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(body, '\n'))
	}
}
