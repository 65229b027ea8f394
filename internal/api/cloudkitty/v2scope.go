package cloudkitty

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/rating/scopes"
	"github.com/tally-cost/tally/internal/tenant"
)

// v2ScopeRoutes serves the scopes' processing states (§9.1). A scope id
// is a Tally account id: a scoped key lists and changes only the scopes
// it sees, and changes need an administrator.
func (a *API) v2ScopeRoutes() {
	a.v2("GET /v2/scope", a.getScopes)
	a.v2("PUT /v2/scope", a.resetScopes)
	a.v2("PATCH /v2/scope", a.patchScope)
	a.v2("POST /v2/scope", a.createScope)
}

// scopeJSON is a scope on the wire: both state keys (every client reads
// "state"; servers from 19 on answer only last_processed_timestamp).
type scopeJSON struct {
	ScopeID       string  `json:"scope_id"`
	ScopeKey      string  `json:"scope_key"`
	Fetcher       string  `json:"fetcher"`
	Collector     string  `json:"collector"`
	LastProcessed *string `json:"last_processed_timestamp"`
	State         *string `json:"state"`
	Active        bool    `json:"active"`
	ToggleDate    *string `json:"scope_activation_toggle_date"`
}

func toScopeJSON(sc scopes.Scope) scopeJSON {
	out := scopeJSON{ScopeID: sc.ID, ScopeKey: sc.Key, Fetcher: sc.Fetcher, Collector: sc.Collector, Active: sc.Active}
	if sc.LastProcessed != nil {
		s := v2Time(*sc.LastProcessed)
		out.LastProcessed, out.State = &s, &s
	}
	if !sc.ToggleDate.IsZero() {
		s := v2Time(sc.ToggleDate)
		out.ToggleDate = &s
	}
	return out
}

// principal returns the caller (the server's guard put it there).
func principal(r *http.Request) (*tenant.Principal, error) {
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, engine.ErrNoPrincipal
	}
	return p, nil
}

// scopeAdmin returns the caller when it may change scope states.
func scopeAdmin(r *http.Request) (*tenant.Principal, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	return p, p.Require(tenant.Administer)
}

func (a *API) getScopes(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	if err := p.Require(tenant.Read); err != nil {
		return nil, err
	}
	// Query parameters as the v2 schemas see them (v2params.go).
	q, err := readV2Args(r)
	if err != nil {
		return nil, err
	}
	f := scopes.Filter{IDs: q.multi("scope_id"), Keys: q.multi("scope_key"), Fetchers: q.multi("fetcher"),
		Collectors: q.multi("collector"), Visible: p.Sees}
	for _, v := range q.multi("active") {
		b, err := parseBool(v)
		if err != nil || v == "" {
			return nil, q.invalid("active", "expected int")
		}
		f.Active = append(f.Active, b)
	}
	offset, limit, err := q.page()
	if err != nil {
		return nil, err
	}
	all := a.rating.Scopes.List(f)
	if offset >= len(all) {
		return nil, scopes.ErrNoMatch
	}
	all = all[offset:min(len(all), offset+limit)]
	out := make([]scopeJSON, len(all))
	for i, sc := range all {
		out[i] = toScopeJSON(sc)
	}
	return map[string]any{"results": out}, nil
}

// resetScopes is PUT /v2/scope: the selected scopes' rated data from
// the period after the timestamp on is deleted and their state set to
// it, so the processor rates those periods again.
func (a *API) resetScopes(r *http.Request) (any, error) {
	p, err := scopeAdmin(r)
	if err != nil {
		return nil, err
	}
	in, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := in.rejectUnknownV2("all_scopes", "scope_id", "scope_key", "fetcher", "collector", "last_processed_timestamp", "state"); err != nil {
		return nil, err
	}
	_, hasAll := in.raw("all_scopes")
	ids := in.list("scope_id")
	if hasAll && ids != nil {
		return nil, invalidData(in, "two or more values in the same group of exclusion 'scope_selector'", "all_scopes")
	}
	all, err := in.boolean("all_scopes", false)
	if err != nil {
		return nil, invalidData(in, "expected bool", "all_scopes")
	}
	if !all && ids == nil {
		return nil, apierr.New(http.StatusBadRequest, "Either all_scopes or a scope_id should be specified.")
	}
	ts, err := in.stateTime()
	if err != nil {
		return nil, err
	}
	if ts.IsZero() {
		return nil, apierr.New(http.StatusBadRequest, "Variable 'last_processed_timestamp' cannot be empty/None.")
	}
	targets := a.rating.Scopes.List(scopes.Filter{IDs: ids, Keys: in.list("scope_key"), Fetchers: in.list("fetcher"),
		Collectors: in.list("collector"), Visible: p.Sees})
	if len(targets) == 0 {
		return nil, scopes.ErrNoMatch
	}
	period := a.rating.Config().Period
	for _, sc := range targets {
		if err := a.resetScope(r, sc.ID, ts, period); err != nil {
			return nil, err
		}
	}
	return &reply{status: http.StatusAccepted, body: map[string]any{}}, nil
}

// resetScope deletes one scope's rated data after ts and sets its state,
// holding the scope's processing lock so that no batch in flight writes
// in between.
func (a *API) resetScope(r *http.Request, id string, ts time.Time, period time.Duration) error {
	defer a.rating.Scopes.Lock(id)()
	// Upstream deletes from the timestamp itself, yet the processor
	// resumes a period later: that period's rating was lost. Here it is
	// kept, and everything the processor rates again is deleted.
	if _, err := a.engine.DeleteRatedFrom(r.Context(), id, ts.Add(period)); err != nil {
		return err
	}
	return a.rating.Scopes.SetLastProcessed(r.Context(), id, ts)
}

func (a *API) patchScope(r *http.Request) (any, error) {
	p, err := scopeAdmin(r)
	if err != nil {
		return nil, err
	}
	in, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := in.rejectUnknownV2("scope_id", "scope_key", "fetcher", "collector", "active"); err != nil {
		return nil, err
	}
	id, ok := in.raw("scope_id")
	if !ok {
		return nil, invalidData(in, "required key not provided", "scope_id")
	}
	active, err := in.optBool("active")
	if err != nil {
		return nil, err
	}
	sc, err := a.rating.Scopes.Patch(r.Context(), id, in.str("scope_key"), in.str("fetcher"), in.str("collector"), active, p.Sees)
	if err != nil {
		return nil, err
	}
	return toScopeJSON(sc), nil
}

func (a *API) createScope(r *http.Request) (any, error) {
	p, err := scopeAdmin(r)
	if err != nil {
		return nil, err
	}
	in, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := in.rejectUnknownV2("scope_id", "scope_key", "fetcher", "collector", "active", "last_processed_timestamp", "state"); err != nil {
		return nil, err
	}
	id, ok := in.raw("scope_id")
	if !ok {
		return nil, invalidData(in, "required key not provided", "scope_id")
	}
	if !p.Sees(id) {
		return nil, fmt.Errorf("%w: scope %s is not in the caller's accounts", tenant.ErrForbidden, id)
	}
	active, err := in.optBool("active")
	if err != nil {
		return nil, err
	}
	ts, err := in.stateTime()
	if err != nil {
		return nil, err
	}
	if ts.IsZero() {
		return nil, invalidData(in, "required key not provided", "last_processed_timestamp")
	}
	sc, err := a.rating.Scopes.Create(r.Context(), id, in.str("scope_key"), in.str("fetcher"), in.str("collector"), active, ts)
	if err != nil {
		return nil, err
	}
	return toScopeJSON(sc), nil
}

// list returns a v2 multi argument: every value of the query string,
// comma-split, or a body value that is a JSON list of strings or a
// comma-separated string; nil when absent (§3.2).
func (a *args) list(name string) []string {
	var vals []string
	if vs, ok := a.r.URL.Query()[name]; ok {
		vals = vs
	} else if b, ok := a.body[name]; ok && string(b) != "null" {
		var xs []any
		if json.Unmarshal(b, &xs) == nil {
			for _, x := range xs {
				vals = append(vals, scalarText(x))
			}
		} else if s, ok := a.raw(name); ok {
			vals = []string{s}
		}
	}
	var out []string
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func scalarText(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(x)
}

// optBool returns a v2 boolean that clients send as a JSON boolean or as
// 0/1 (client 4.6.0's scope patch), nil when absent.
func (a *args) optBool(name string) (*bool, error) {
	v, ok := a.raw(name)
	if !ok {
		return nil, nil
	}
	b, err := parseBool(v)
	if err != nil || strings.TrimSpace(v) == "" {
		return nil, invalidData(a, "expected bool", name)
	}
	return &b, nil
}

// stateTime returns last_processed_timestamp, or its alias state (which
// every client sends), zero when neither is given.
func (a *args) stateTime() (time.Time, error) {
	name := "last_processed_timestamp"
	if _, ok := a.raw(name); !ok {
		name = "state"
	}
	v, ok := a.raw(name)
	if !ok || strings.TrimSpace(v) == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, invalidData(a, "expected dt_from_iso", name)
	}
	// Microseconds are dropped on input (§3.2).
	return t.Truncate(time.Second), nil
}

// rejectUnknownV2 is the v2 schema's answer to an unknown body key.
func (a *args) rejectUnknownV2(allowed ...string) error {
	ok := map[string]bool{}
	for _, k := range allowed {
		ok[k] = true
	}
	for _, k := range sortedBodyKeys(a.body) {
		if !ok[k] {
			return invalidData(a, "extra keys not allowed", k)
		}
	}
	return nil
}

// invalidData is a v2 schema error (§3.2): "Invalid data '<args>' :
// <msg> (path: '['<key>']')", args in Python's spelling.
func invalidData(a *args, msg, key string) error {
	return apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid data '%s' : %s (path: '['%s']')", a.pyArgs(), msg, key))
}

// pyArgs spells the request's arguments (query string, then body) as
// Python prints a dict.
func (a *args) pyArgs() string {
	var parts []string
	q := a.r.URL.Query()
	qk := make([]string, 0, len(q))
	for k := range q {
		qk = append(qk, k)
	}
	sort.Strings(qk)
	for _, k := range qk {
		parts = append(parts, pythonStr(k)+": "+pythonStr(q.Get(k)))
	}
	for _, k := range sortedBodyKeys(a.body) {
		parts = append(parts, pythonStr(k)+": "+pythonRepr(a.body[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func sortedBodyKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
