package cloudkitty

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// v2Args are the query parameters of a v2 GET, in the order they first
// appear, as upstream's voluptuous schemas see them (a list of values per
// name), for its error message "Invalid data '<args>' : <msg> (path:
// '<path>')", which quotes them as a Python dict.
type v2Args struct {
	names  []string
	values map[string][]string
}

func readV2Args(r *http.Request) (*v2Args, error) {
	a := &v2Args{values: map[string][]string{}}
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, apierr.New(http.StatusBadRequest, "Invalid query string")
		}
		if _, ok := a.values[k]; !ok {
			a.names = append(a.names, k)
		}
		a.values[k] = append(a.values[k], v)
	}
	return a, nil
}

// invalid is upstream's 400 for a parameter its schema refuses.
func (a *v2Args) invalid(name, msg string) error {
	var parts []string
	for _, n := range a.names {
		vs := make([]string, len(a.values[n]))
		for i, v := range a.values[n] {
			vs[i] = pyStr(v)
		}
		parts = append(parts, pyStr(n)+": ["+strings.Join(vs, ", ")+"]")
	}
	return apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid data '{%s}' : %s (path: '['%s']')", strings.Join(parts, ", "), msg, name))
}

// pyStr is a Python str's repr (single quotes unless the text holds
// one), enough for error messages.
func pyStr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// single returns a parameter given at most once ("" when absent).
func (a *v2Args) single(name string) (string, error) {
	vs := a.values[name]
	if len(vs) > 1 {
		return "", a.invalid(name, "length of value must be 1")
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

// multi returns a repeatable, comma-split parameter.
func (a *v2Args) multi(name string) []string {
	var out []string
	for _, v := range a.values[name] {
		out = append(out, strings.Split(v, ",")...)
	}
	return out
}

// dict returns a key:value parameter (comma-split and repeatable): with
// unique, a repeated key is refused (single-dict), else each key
// collects its values (multi-dict). Keys keep their first order.
func (a *v2Args) dict(name string, unique bool) ([]string, map[string][]string, error) {
	var keys []string
	out := map[string][]string{}
	for _, tok := range a.multi(name) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok || strings.Contains(v, ":") {
			return nil, nil, a.invalid(name, "invalid key:value association "+tok)
		}
		if _, seen := out[k]; seen && unique {
			return nil, nil, a.invalid(name, "key "+k+" already provided")
		}
		if _, seen := out[k]; !seen {
			keys = append(keys, k)
		}
		out[k] = append(out[k], v)
	}
	return keys, out, nil
}

// page returns offset (≥ 0, default 0) and limit (≥ 1, default 100).
func (a *v2Args) page() (offset, limit int, err error) {
	read := func(name string, def, least int) (int, error) {
		v, err := a.single(name)
		if err != nil || v == "" {
			return def, err
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, a.invalid(name, "expected int")
		}
		if n < least {
			return 0, a.invalid(name, fmt.Sprintf("value must be at least %d", least))
		}
		return n, nil
	}
	if offset, err = read("offset", 0, 0); err != nil {
		return 0, 0, err
	}
	limit, err = read("limit", 100, 1)
	return offset, limit, err
}

// window returns begin and end, each defaulting to the current month's
// bounds. Naive times are UTC; microseconds are dropped, as upstream.
func (a *v2Args) window(now time.Time) (cost.Window, error) {
	start, end := monthOf(now)
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"begin", &start}, {"end", &end}} {
		v, err := a.single(p.name)
		if err != nil {
			return cost.Window{}, err
		}
		if v == "" {
			continue
		}
		t, err := parseTime(v)
		if err != nil {
			return cost.Window{}, a.invalid(p.name, "expected dt_from_iso")
		}
		*p.t = t.Truncate(time.Second)
	}
	return cost.Window{Start: start, End: end}, nil
}

// v2Filter turns v2 filters into the filter of rated items: type is the
// metric type (the service), the scope key the scope (sub account),
// any other key a groupby or metadata attribute (a tag); the values of
// one key are OR'ed, keys ANDed.
func v2Filter(scopeKey string, keys []string, values map[string][]string) filter.Expr {
	var xs []filter.Expr
	for _, k := range keys {
		xs = append(xs, equals(attributeDimension(scopeKey, k), values[k]...))
	}
	return rated(xs...)
}

// attributeDimension is where a point attribute is stored
// (frames.ToLineItem): its type in the service, its scope in the sub
// account, the rest in tags.
func attributeDimension(scopeKey, k string) cost.Dimension {
	switch k {
	case "type":
		return cost.DimService
	case scopeKey:
		return cost.DimSubAccountID
	}
	return cost.TagDimension(k)
}
