package cloudhealth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// SavedReports is where custom (saved) reports are kept: the native API
// saves them, this dialect only reads them. Get answers the report's
// name and its saved query (the query string of its parameters, or the
// get_query form "report=<name>?<query>"); ok is false for an id the
// caller does not have. The store scopes by the principal of ctx.
type SavedReports interface {
	Get(ctx context.Context, id int64) (name, query string, ok bool, err error)
}

// SavedReportLister is what a SavedReports may also do, so that
// GET /olap_reports/custom links the caller's saved reports.
type SavedReportLister interface {
	List(ctx context.Context) ([]SavedReportRef, error)
}

// SavedReportRef names one saved report.
type SavedReportRef struct {
	ID   int64
	Name string
}

// SetSavedReports gives the dialect its saved reports; without them
// every /olap_reports/custom/:id is a 404.
func (a *API) SetSavedReports(s SavedReports) { a.saved = s }

// olapRoutes registers the reporting API (spec §4). One pattern takes
// every depth: parseOLAPPath knows the shapes and answers the 404s in
// the dialect's words.
func (a *API) olapRoutes() {
	a.mux.HandleFunc("GET /olap_reports", a.handle(a.serveOLAP))
	a.mux.HandleFunc("GET /olap_reports/{rest...}", a.handle(a.serveOLAP))
}

func (a *API) serveOLAP(r *http.Request) (any, error) {
	if err := mayRead(r); err != nil {
		return nil, err
	}
	req, err := parseOLAPRequest(r.URL.Path, r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	switch req.Path.Kind {
	case olapPathIndex:
		links := map[string]olapLink{}
		for _, t := range olapTypes {
			links[t] = olapLink{Href: olapHref(r, t)}
		}
		return olapLinks{Links: links}, nil
	case olapPathType:
		return a.olapTypeLinks(r, req.Path.Type)
	case olapPathNew:
		return a.olapNew(r, req)
	}
	title := req.Path.Report.Title
	if req.Path.IsCustom() {
		if title, req, err = a.olapCustom(r, req); err != nil {
			return nil, err
		}
		if req.GetQuery {
			return olapQueryBody{Query: olapGetQuery(title, req)}, nil
		}
	} else if req.GetQuery {
		// A standard report's query is its own parameters, named by the
		// report's title as the guide's custom example names its report.
		return olapQueryBody{Query: olapGetQuery(title, req)}, nil
	}
	return a.olapReport(r.Context(), title, req)
}

// olapLink and olapLinks are the catalogues' bodies (§4.1).
type olapLink struct {
	Href string `json:"href"`
}

type olapLinks struct {
	Links map[string]olapLink `json:"links"`
}

type olapQueryBody struct {
	Query string `json:"query"`
}

// olapHref links a path under the reporting API on the host the client
// called, so that a client following links stays on Tally.
func olapHref(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix + "olap_reports/" + path
}

// olapTypeLinks lists a type's reports. Cost reports are keyed by their
// id and the others by "<type>/<id>", as the guide's two examples show
// them; custom lists the caller's saved reports when the store can.
func (a *API) olapTypeLinks(r *http.Request, typ string) (any, error) {
	links := map[string]olapLink{}
	for key, def := range olapReports {
		if def.Type != typ {
			continue
		}
		name := key
		if typ == olapTypeCost {
			name = def.ID
		}
		links[name] = olapLink{Href: olapHref(r, key)}
	}
	if l, ok := a.saved.(SavedReportLister); ok && typ == olapTypeCustom {
		refs, err := l.List(r.Context())
		if err != nil {
			return nil, fmt.Errorf("listing saved reports: %w", err)
		}
		for _, ref := range refs {
			key := olapTypeCustom + "/" + strconv.FormatInt(ref.ID, 10)
			links[key] = olapLink{Href: olapHref(r, key)}
		}
	}
	return olapLinks{Links: links}, nil
}

// olapCustom reads custom report req's saved definition and completes
// req with it (withSaved); the title is the saved report's name.
func (a *API) olapCustom(r *http.Request, req olapRequest) (string, olapRequest, error) {
	notFound := apierr.New(http.StatusNotFound, fmt.Sprintf("custom report %d not found", req.Path.CustomID))
	if a.saved == nil {
		return "", olapRequest{}, notFound
	}
	name, saved, ok, err := a.saved.Get(r.Context(), req.Path.CustomID)
	if err != nil {
		return "", olapRequest{}, fmt.Errorf("reading saved report %d: %w", req.Path.CustomID, err)
	}
	if !ok {
		return "", olapRequest{}, notFound
	}
	savedName, sreq, err := parseOLAPSavedQuery(r.URL.Path, saved)
	if err != nil {
		return "", olapRequest{}, err
	}
	if name == "" {
		name = savedName
	}
	out, err := req.withSaved(sreq)
	if err != nil {
		return "", olapRequest{}, err
	}
	if len(out.Dimensions) == 0 {
		// A saved report without dimensions reads as Cost History does.
		if out.Dimensions, err = parseOLAPDimensions(olapReports["cost/history"].Dimensions, olapPath{}); err != nil {
			return "", olapRequest{}, err
		}
	}
	for _, m := range out.Measures {
		if !slices.Contains(olapAllMeasures, m) {
			return "", olapRequest{}, olapInvalid("unknown measure %q", m)
		}
	}
	return name, out, nil
}
