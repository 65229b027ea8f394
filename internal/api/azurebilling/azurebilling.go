// Package azurebilling serves the REST API of the Cielo Azure billing
// snapshot service (vilosource/cielo_azure_billing) under
// /azure-billing/api/, following ../shared/specs/azure-billing.md: its
// snapshots, customers, subscriptions, resources, meters, cost entries,
// aggregates and summaries. Like every dialect it only parses requests
// into the engine's query model, asks the engine and renders the answer
// in the upstream wire shape; the resources are derived from the stored
// bills, so the dialect owns no data. The writes it accepts are those
// that make sense over bills: deleting a snapshot (an export run), and
// registering, naming and removing customers and subscriptions, which the
// engine keeps in the registry (internal/registry) and this dialect
// overlays on what the bills say. Resources, meters and cost entries are
// the bills themselves and stay read-only.
package azurebilling

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/store"
)

// Public lists the paths served without a key: upstream's schema is
// public even with authentication on (§3).
var Public = []string{Prefix + "schema/"}

// Engine is what the dialect needs of the engine (internal/engine), which
// scopes every call by the request's principal.
type Engine interface {
	Query(ctx context.Context, q query.Query) (*query.Result, error)
	Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error)
	Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error)
	Snapshots(ctx context.Context, f store.SnapshotFilter) ([]store.Snapshot, error)
	// DeleteSnapshot removes an imported run (administrators only); the
	// previous run of its month becomes visible again.
	DeleteSnapshot(ctx context.Context, id int64) (store.Snapshot, error)
	// Registered lists the registry entries of kind in the caller's
	// scope; the other methods change the registry (editors and
	// administrators of the default organization, see MayRegister).
	Registered(ctx context.Context, kind registry.Kind) ([]registry.Entry, error)
	MayRegister(ctx context.Context) error
	Register(ctx context.Context, e registry.Entry) (registry.Entry, error)
	UpdateRegistered(ctx context.Context, e registry.Entry) (registry.Entry, error)
	Unregister(ctx context.Context, kind registry.Kind, key string) (registry.Entry, error)
}

// API serves the Azure billing API.
type API struct {
	engine Engine
	log    *slog.Logger
	now    func() time.Time
	// static maps a path below Prefix ("costs/region-summary/") to its
	// handler; detail maps a collection ("meters") to its {id}/ handler.
	static map[string]handler
	detail map[string]detailHandler
	// keys finds one entity by id (entityindex.go).
	keys keyIndexes
}

// handler answers a request with a value to render as JSON (or a
// stream), or an error to render with WriteError.
type handler func(r *http.Request) (any, error)

// detailHandler answers {collection}/{id}/.
type detailHandler func(r *http.Request, id int64) (any, error)

// New returns the API over engine.
func New(engine Engine, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	a := &API{engine: engine, log: log, now: time.Now}
	a.static = map[string]handler{
		"":                                  a.root,
		"schema/":                           a.schema,
		"snapshots/":                        a.snapshotList,
		"snapshots/available-report-dates/": a.reportDates,
		"reports/available-report-dates/":   a.reportDates,
		"customers/":                        a.customerList,
		"subscriptions/":                    a.subscriptionList,
		"resources/":                        a.resourceList,
		"meters/":                           a.meterList,
		"cost-entries/":                     a.entryList,
		"cost-entries/aggregate/":           a.aggregate,
		"costs/subscription-summary/":       a.summary(subscriptionSummary),
		"costs/virtual-machines-summary/":   a.summary(vmSummary),
		"costs/resource-group-summary/":     a.summary(resourceGroupSummary),
		"costs/meter-category-summary/":     a.summary(meterCategorySummary),
		"costs/region-summary/":             a.summary(regionSummary),
		"costs/resource-group-totals/":      a.resourceGroupTotals,
		"costs/available-report-dates/":     a.availableDates,
	}
	a.detail = map[string]detailHandler{
		"snapshots":     a.snapshotDetail,
		"customers":     a.customerDetail,
		"subscriptions": a.subscriptionDetail,
		"resources":     a.resourceDetail,
		"meters":        a.meterDetail,
		"cost-entries":  a.entryDetail,
	}
	return a
}

// Register mounts the API on mux under Prefix. The mux itself redirects
// /azure-billing/api to /azure-billing/api/; ServeHTTP routes the rest.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle(Prefix, a)
}

// ServeHTTP routes a request below Prefix. Paths need the trailing slash
// as upstream's DRF router does; a known path without it is redirected to
// the slash form, like Django's APPEND_SLASH: 301 for reads, 308 for other
// methods so that the method and body survive the redirect.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rel, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		WriteError(w, r, notFound())
		return
	}
	h := a.route(rel)
	if h == nil && !strings.HasSuffix(rel, "/") && a.route(rel+"/") != nil {
		u := *r.URL
		u.Path += "/"
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, u.RequestURI(), code)
		return
	}
	if h == nil {
		WriteError(w, r, notFound())
		return
	}
	// DRF's views name their methods on every answer, errors included.
	w.Header().Set("Allow", allowedFor(rel))
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		a.respond(w, r, h)
	case http.MethodOptions:
		a.respond(w, r, func(*http.Request) (any, error) { return options(rel), nil })
	default:
		if wh := a.writeRoute(rel, r.Method); wh != nil {
			a.respond(w, r, wh)
			return
		}
		// Resources, meters and cost entries are the imported bills: they
		// change when a new export is imported, never through the API.
		// Upstream answers writes with 403 for everyone (§3); 405 says
		// more precisely why.
		WriteError(w, r, &methodError{method: r.Method, allow: allowedFor(rel)})
	}
}

// route finds the handler of rel, a path below Prefix; nil when none.
// Static paths win, so "snapshots/available-report-dates/" is not read as
// a snapshot id (the upstream bug of §2).
func (a *API) route(rel string) handler {
	if h, ok := a.static[rel]; ok {
		return h
	}
	collection, idText, ok := detailPath(rel)
	if !ok {
		return nil
	}
	d, ok := a.detail[collection]
	if !ok {
		return nil
	}
	return func(r *http.Request) (any, error) {
		id, err := parseID(idText)
		if err != nil {
			return nil, err
		}
		return d(r, id)
	}
}

// detailPath splits "{collection}/{id}/".
func detailPath(rel string) (collection, id string, ok bool) {
	parts := strings.Split(rel, "/")
	if len(parts) != 3 || parts[2] != "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// parseID reads an object id. DRF looks it up as an integer primary key;
// anything else finds nothing.
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || s[0] == '+' {
		return 0, notFound()
	}
	return id, nil
}

// stream is a handler result written piece by piece: a list of cost
// entries can be far too long to hold in memory.
type stream func(w *bufio.Writer) error

// written is the result of a write: DRF's 201 with the created object,
// 200 with the changed one, or 204 without a body (nil body).
type written struct {
	status int
	body   any
}

// respond runs h and renders its result or error: the one place that
// writes success bodies.
func (a *API) respond(w http.ResponseWriter, r *http.Request, h handler) {
	v, err := h(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if s, ok := v.(stream); ok {
		a.stream(w, r, s)
		return
	}
	status := http.StatusOK
	if wr, ok := v.(written); ok {
		if wr.body == nil {
			w.WriteHeader(wr.status)
			return
		}
		status, v = wr.status, wr.body
	}
	if wv, ok := v.(warned); ok {
		// RFC 9111's Warning header: code 299 ("miscellaneous persistent
		// warning"), no agent, the note quoted.
		for _, n := range wv.notes {
			w.Header().Add("Warning", "299 - "+strconv.Quote(n))
		}
		v = wv.body
	}
	// Marshalled before the header is written, so that a value that
	// cannot be encoded still gets an error status.
	body, err := marshal(v)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	if apierr.Status(err) >= 500 {
		a.log.Error("azure billing API", "path", r.URL.Path, "err", err)
	}
	WriteError(w, r, err)
}

// stream writes s through a buffer. An error before the first buffer
// reached the client is still answered with an error status; after that
// the status is sent, so the response is aborted instead: the client
// sees a broken transfer rather than a well-formed but truncated list.
func (a *API) stream(w http.ResponseWriter, r *http.Request, s stream) {
	lw := &lazyWriter{w: w}
	bw := bufio.NewWriterSize(lw, 64<<10)
	err := s(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		if !lw.started {
			lw.start()
		}
		return
	}
	if !lw.started {
		a.fail(w, r, err)
		return
	}
	a.log.Error("azure billing API: response aborted", "path", r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}

// lazyWriter sends the success header on the first write.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) start() {
	l.started = true
	l.w.Header().Set("Content-Type", "application/json")
	l.w.WriteHeader(http.StatusOK)
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.start()
	}
	return l.w.Write(p)
}

var _ io.Writer = (*lazyWriter)(nil)

// baseURL is the scheme and host of the request, for the absolute URLs
// DRF renders (API root, page links). A TLS-terminating proxy is honoured
// through X-Forwarded-Proto.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// root is DRF's API root: each path's name (the path without its
// trailing slash, as the router's collections are named) and its URL.
// It lists the paths of schema/ without an id, first the router's
// collections, the only ones upstream's root shows, then every other
// endpoint, so that a client finds them all from the root, and schema/.
func (a *API) root(r *http.Request) (any, error) {
	base := baseURL(r) + Prefix
	out := obj{}
	for _, sp := range schemaPaths {
		if !strings.Contains(sp.path, "{id}") {
			out = append(out, kv{strings.TrimSuffix(sp.path, "/"), base + sp.path})
		}
	}
	return append(out, kv{"schema", base + "schema/"}), nil
}
