package search

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Paging limits of asset search v2 (§3, §6).
const (
	DefaultPerPage = 100
	MaxPerPage     = 1000
)

// Request is a parsed `GET /api/search`.
type Request struct {
	// Name is the asset type (`AwsInstance`).
	Name string
	// Version is the api_version: 1 searches active assets only, 2 active
	// and inactive ones.
	Version int
	// Query is the parsed query parameter (the zero Expr when absent in v2).
	Query Expr
	// Filters are the v2 field filters given as plain parameters
	// (`&instance_id=i-1`), each an equality, sorted by attribute.
	Filters []Clause
	// Fields are the v2 `fields`, each split at dots, in request order
	// without duplicates; nil renders every attribute.
	Fields [][]string
	// Include names a related object to embed in each result.
	Include string
	// Paged is false when `page` is absent: then every result is returned,
	// even when per_page is given (guide, "Search for Assets").
	Paged   bool
	Page    int // 1-based; page=0 is read as 1 (§3)
	PerPage int
}

// ParamError is a search parameter that is missing or malformed. Its text
// is the whole message the dialect returns as `{"error": ...}`.
type ParamError struct {
	Param string
	Msg   string
	// Err is the cause, a *SyntaxError for the query.
	Err error
}

func (e *ParamError) Error() string { return e.Msg }

// Unwrap lets errors.As reach a query's SyntaxError and errors.Is reach
// ErrInvalid.
func (e *ParamError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

// notFilters are the parameters that are never field filters: the
// search's own, and those every CloudHealth endpoint takes (§1.2, §9.3).
var notFilters = map[string]bool{
	"name": true, "query": true, "include": true, "api_version": true, "fields": true,
	"page": true, "per_page": true, "org_id": true, "api_key": true, "client_api_id": true,
}

// v2Only are parameters the guide documents "only available when
// api_version=2"; sending them with version 1 is an error rather than
// silently ignored, since a v1 answer would then not be what was asked.
var v2Only = []string{"fields", "page", "per_page"}

// ParseRequest reads the query parameters of an asset search, as decoded
// from the URL. Parameters given twice count once, the first.
func ParseRequest(q url.Values) (*Request, error) {
	r := &Request{Name: strings.TrimSpace(q.Get("name")), Version: 1, PerPage: DefaultPerPage}
	if r.Name == "" {
		// Upstream is a Rails application; this is Rails's wording.
		return nil, &ParamError{Param: "name", Msg: "param is missing or the value is empty: name"}
	}
	if v := strings.TrimSpace(q.Get("api_version")); v != "" {
		switch v {
		case "1":
		case "2":
			r.Version = 2
		default:
			return nil, &ParamError{Param: "api_version", Msg: fmt.Sprintf("api_version must be 1 or 2, not %q", v)}
		}
	}
	if r.Version == 1 {
		for _, p := range v2Only {
			if q.Get(p) != "" {
				return nil, &ParamError{Param: p, Msg: p + " is only available when api_version=2"}
			}
		}
	}
	expr, err := Parse(q.Get("query"), r.Version)
	if err != nil {
		return nil, &ParamError{Param: "query", Msg: "query: " + err.Error(), Err: err}
	}
	r.Query = expr
	if err := r.parseFields(q.Get("fields")); err != nil {
		return nil, err
	}
	if inc := strings.TrimSpace(q.Get("include")); inc != "" {
		if r.Fields != nil {
			return nil, &ParamError{Param: "include", Msg: "You cannot use both the include parameter and the fields parameter"}
		}
		if !isIdent(inc) {
			return nil, &ParamError{Param: "include", Msg: fmt.Sprintf("include must name a relation, not %q", inc)}
		}
		r.Include = inc
	}
	if err := r.parsePaging(q); err != nil {
		return nil, err
	}
	// The guide documents field filters for v2 only; v1 ignores other
	// parameters, so that a cache buster (`_=123`) or a client's extra
	// parameter does not turn into a filter that matches nothing.
	if r.Version == 2 {
		if err := r.parseFilters(q); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Request) parseFields(s string) error {
	seen := map[string]bool{}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" || seen[f] {
			continue
		}
		path, ok := splitPath(f)
		if !ok {
			return &ParamError{Param: "fields", Msg: fmt.Sprintf("fields: %q is not a field name", f)}
		}
		seen[f] = true
		r.Fields = append(r.Fields, path)
	}
	return nil
}

func (r *Request) parsePaging(q url.Values) error {
	num := func(p string) (int, bool, error) {
		s := strings.TrimSpace(q.Get(p))
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			// The wording of the guide's other paged endpoints (§2).
			return 0, false, &ParamError{Param: p, Msg: fmt.Sprintf("Page parameters must be greater than zero (%s=%q)", p, s)}
		}
		return n, true, nil
	}
	page, paged, err := num("page")
	if err != nil {
		return err
	}
	per, given, err := num("per_page")
	if err != nil {
		return err
	}
	r.Paged = paged
	r.Page = max(page, 1)
	if given {
		if per == 0 {
			return &ParamError{Param: "per_page", Msg: "Page parameters must be greater than zero (per_page=\"0\")"}
		}
		// Refused rather than capped: a client paging until a short page
		// would take a capped page of 1,000 for the last one and stop.
		if per > MaxPerPage {
			return &ParamError{Param: "per_page", Msg: fmt.Sprintf("Exceeded maximum %d per page", MaxPerPage)}
		}
		r.PerPage = per
	}
	return nil
}

// parseFilters turns the parameters that are not the search's own into
// equality clauses (`&instance_id=i-1`). A value in single quotes (the
// openops client's `&f2='v2'` when it reaches the URL unencoded) loses
// them.
func (r *Request) parseFilters(q url.Values) error {
	names := make([]string, 0, len(q))
	for k := range q {
		if !notFilters[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		path, ok := splitPath(k)
		if !ok {
			return &ParamError{Param: k, Msg: fmt.Sprintf("%q is not a search parameter or a field name", k)}
		}
		v := q.Get(k)
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		}
		r.Filters = append(r.Filters, Clause{Path: path, Op: Equal, Value: Value{Text: v, Quoted: true}})
	}
	return nil
}

// Match reports whether an asset is in the answer: active in version 1,
// and satisfying the query and the field filters.
func (r *Request) Match(a Attributes) bool {
	if r.Version == 1 {
		// An asset that does not say is taken as active.
		if v, ok := a.Attr("is_active"); ok && v != nil && !compare(v, Equal, Value{Text: "true"}) {
			return false
		}
	}
	for _, c := range r.Filters {
		if !c.Match(a) {
			return false
		}
	}
	return r.Query.Match(a)
}

// Window returns the bounds [lo, hi) of the requested page in n results;
// a page past the end is empty (lo == hi == n), not an error (§3).
func (r *Request) Window(n int) (lo, hi int) {
	if !r.Paged {
		return 0, n
	}
	// Tested before multiplying, so that a huge page cannot overflow.
	if r.Page-1 > n/r.PerPage {
		return n, n
	}
	lo = min((r.Page-1)*r.PerPage, n)
	return lo, min(lo+r.PerPage, n)
}

// Project renders one result with the requested fields: `id` always,
// own attributes at the top, dotted fields nested under their relation
// with the related object's id (`account.name` →
// {"account": {"name": "...", "id": 90}}), an array of such objects for a
// has_many relation. A missing attribute or relation renders as null.
func (r *Request) Project(a Attributes) map[string]any {
	out := map[string]any{"id": attrOrNil(a, "id")}
	for _, path := range r.Fields {
		put(out, a, path)
	}
	return out
}

func put(out map[string]any, a Attributes, path []string) {
	name := path[0]
	if len(path) == 1 {
		out[name] = attrOrNil(a, name)
		return
	}
	rel, ok := a.Related(name)
	if !ok || len(rel.Assets) == 0 {
		if _, set := out[name]; !set {
			out[name] = nil
			if rel.Many && ok {
				out[name] = []map[string]any{}
			}
		}
		return
	}
	if !rel.Many {
		sub, ok := out[name].(map[string]any)
		if !ok {
			sub = map[string]any{"id": attrOrNil(rel.Assets[0], "id")}
			out[name] = sub
		}
		put(sub, rel.Assets[0], path[1:])
		return
	}
	subs, ok := out[name].([]map[string]any)
	if !ok || len(subs) != len(rel.Assets) {
		subs = make([]map[string]any, len(rel.Assets))
		for i, b := range rel.Assets {
			subs[i] = map[string]any{"id": attrOrNil(b, "id")}
		}
		out[name] = subs
	}
	for i, b := range rel.Assets {
		put(subs[i], b, path[1:])
	}
}

func attrOrNil(a Attributes, name string) any {
	v, _ := a.Attr(name)
	return v
}

// splitPath splits a dotted field name, checking each part.
func splitPath(s string) ([]string, bool) {
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if !isIdent(p) {
			return nil, false
		}
	}
	return parts, true
}

func isIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}
