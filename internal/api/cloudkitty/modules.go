package cloudkitty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/tenant"
)

// moduleRoutes registers the rating modules' endpoints (spec §5.4, §9.4)
// and reload_modules.
func (a *API) moduleRoutes() {
	a.v1("GET /v1/rating/modules", a.v1Modules)
	a.v1("GET /v1/rating/modules/{id}", a.v1Module)
	a.v1("PUT /v1/rating/modules/{id}", a.v1PutModule)
	a.v1("GET /v1/rating/reload_modules", a.reloadModules)
	a.v2("GET /v2/rating/modules", a.v2Modules)
	a.v2("GET /v2/rating/modules/{id}", a.v2Module)
	a.v2("PUT /v2/rating/modules/{id}", a.v2PutModule)
}

// mayReadRatingConfig and mayChangeRatingConfig authorize the rating
// configuration (modules, scripts, collector settings): reading needs a
// principal that sees every account, since the rules apply to every
// scope; changing it needs an editor or administrator of the default
// organization as well.
func mayReadRatingConfig(r *http.Request) error {
	p, _ := tenant.FromContext(r.Context())
	return p.RequireWhole(tenant.Read, "keys", "read the rating configuration")
}

func mayChangeRatingConfig(r *http.Request) error {
	p, _ := tenant.FromContext(r.Context())
	return p.RequireWhole(tenant.EditContent, "editors and administrators", "change rating rules")
}

// v1ModuleObj is the v1 module object, with upstream's hyphen in
// "hot-config".
type v1ModuleObj struct {
	ModuleID    string `json:"module_id"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	HotConfig   bool   `json:"hot-config"`
	Priority    int    `json:"priority"`
}

// v2ModuleObj is the v2 module object: "hot_config" with an underscore.
type v2ModuleObj struct {
	ModuleID    string `json:"module_id"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	HotConfig   bool   `json:"hot_config"`
	Priority    int    `json:"priority"`
}

func v1ModuleOf(m modules.Module) v1ModuleObj {
	return v1ModuleObj{m.ID, m.Description, m.Enabled, m.HotConfig, m.Priority}
}

func v2ModuleOf(m modules.Module) v2ModuleObj {
	return v2ModuleObj{m.ID, m.Description, m.Enabled, m.HotConfig, m.Priority}
}

func (a *API) v1Modules(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	out := []v1ModuleObj{}
	for _, m := range a.rating.Modules.Modules() {
		out = append(out, v1ModuleOf(m))
	}
	return map[string]any{"modules": out}, nil
}

func (a *API) v1Module(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	m, ok := a.rating.Modules.Module(r.PathValue("id"))
	if !ok {
		return nil, modules.ErrNoModule
	}
	return v1ModuleOf(m), nil
}

// v1PutModule takes the whole module object (the client sends back what
// it read, hot-config included); only enabled and priority change, and
// module_id must be in the body although the path names the module.
// The answer is 302 to the request URL with a null body, which the
// client replays about 31 times: Set writes only a change.
func (a *API) v1PutModule(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := args.rejectUnknown("module", "module_id", "description", "enabled", "hot-config", "priority"); err != nil {
		return nil, err
	}
	if b, ok := args.body["module_id"]; !ok || string(b) == "null" {
		return nil, missingField("module_id", "None")
	}
	id := r.PathValue("id")
	if _, ok := a.rating.Modules.Module(id); !ok {
		return nil, modules.ErrNoModule
	}
	var enabled *bool
	if _, ok := args.raw("enabled"); ok {
		v, err := args.boolean("enabled", false)
		if err != nil {
			return nil, err
		}
		enabled = &v
	}
	var priority *int
	if _, ok := args.raw("priority"); ok {
		v, err := args.integer("priority", 0)
		if err != nil {
			return nil, err
		}
		priority = &v
	}
	if err := a.rating.Modules.Set(r.Context(), id, enabled, priority); err != nil {
		return nil, err
	}
	return updated(r), nil
}

// reloadModules is upstream's trigger to reload the modules' rules in
// the processors. Tally's modules read their state on every chain, so
// there is nothing to reload; the authorization is upstream's
// (module_config, an administrator's).
func (a *API) reloadModules(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	return noContent, nil
}

func (a *API) v2Modules(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	out := []v2ModuleObj{}
	for _, m := range a.rating.Modules.Modules() {
		out = append(out, v2ModuleOf(m))
	}
	return map[string]any{"modules": out}, nil
}

func v2NoModule(id string) error {
	return apierr.New(http.StatusNotFound, fmt.Sprintf("Module '%s' not found", id))
}

func (a *API) v2Module(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	m, ok := a.rating.Modules.Module(id)
	if !ok {
		return nil, v2NoModule(id)
	}
	return v2ModuleOf(m), nil
}

// v2PutModule takes {"enabled"?: bool, "priority"?: int ≥ 1} and answers
// 204. Schema errors are upstream's voluptuous messages.
func (a *API) v2PutModule(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	body, err := jsonMembers(raw)
	if err != nil {
		return nil, apierr.New(http.StatusBadRequest, "Failed to decode JSON object: "+err.Error())
	}
	invalid := func(key, msg string) error {
		path := "[]"
		if key != "" {
			path = "['" + key + "']"
		}
		return apierr.New(http.StatusBadRequest, fmt.Sprintf("Invalid data '%s' : %s (path: '%s')", pythonRepr(raw), msg, path))
	}
	if body == nil {
		return nil, invalid("", "expected a dictionary")
	}
	var enabled *bool
	var priority *int
	for _, kv := range body {
		switch kv.key {
		case "enabled":
			b, ok := v2Boolean(kv.value)
			if !ok {
				return nil, invalid(kv.key, "expected boolean")
			}
			enabled = &b
		case "priority":
			n, ok := v2Int(kv.value)
			if !ok {
				return nil, invalid(kv.key, "expected int")
			}
			if n < 1 {
				return nil, invalid(kv.key, "value must be at least 1")
			}
			priority = &n
		default:
			return nil, invalid(kv.key, "extra keys not allowed")
		}
	}
	id := r.PathValue("id")
	err = a.rating.Modules.Set(r.Context(), id, enabled, priority)
	if errors.Is(err, modules.ErrNoModule) {
		return nil, v2NoModule(id)
	}
	if err != nil {
		return nil, err
	}
	return noContent, nil
}

// v2Boolean is voluptuous.Boolean: the strings true/1/yes/on/enable and
// their opposites (any case), or any other JSON value's truth (Python's
// bool()).
func v2Boolean(v json.RawMessage) (bool, bool) {
	var s string
	if strings.HasPrefix(strings.TrimSpace(string(v)), `"`) && json.Unmarshal(v, &s) == nil {
		switch strings.ToLower(s) {
		case "1", "true", "yes", "on", "enable":
			return true, true
		case "0", "false", "no", "off", "disable":
			return false, true
		}
		return false, false
	}
	switch t := strings.TrimSpace(string(v)); {
	case t == "true":
		return true, true
	case t == "false", t == "null", t == "[]", t == "{}":
		return false, true
	case strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{"):
		return true, true
	default:
		f, err := strconv.ParseFloat(t, 64)
		return f != 0, err == nil
	}
}

// v2Int is voluptuous's int type check: a JSON integer (or a boolean,
// which Python counts as an int), never a string or a float.
func v2Int(v json.RawMessage) (int, bool) {
	switch t := strings.TrimSpace(string(v)); t {
	case "true":
		return 1, true
	case "false":
		return 0, true
	default:
		n, err := strconv.Atoi(t)
		return n, err == nil
	}
}

// jsonMember is one key of a JSON object, in the order written.
type jsonMember struct {
	key   string
	value json.RawMessage
}

// jsonMembers decodes a JSON object keeping its key order (error
// messages repeat the body as Python prints the decoded dict). An empty
// body or a JSON value other than an object is nil without error.
func jsonMembers(raw []byte) ([]jsonMember, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		return nil, nil
	}
	out := []jsonMember{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, jsonMember{k.(string), v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// pythonRepr prints a JSON body as Python's repr of the decoded value, as
// upstream's v2 schema errors quote it: {'priority': 0}, True, None.
func pythonRepr(raw []byte) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return "None"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b strings.Builder
	if err := pythonReprValue(dec, &b); err != nil {
		return "None"
	}
	return b.String()
}

func pythonReprValue(dec *json.Decoder, b *strings.Builder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		closing, sep := "]", ", "
		if t == '{' {
			closing = "}"
		}
		b.WriteString(string(t))
		for i := 0; dec.More(); i++ {
			if i > 0 {
				b.WriteString(sep)
			}
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				b.WriteString(pythonStr(k.(string)) + ": ")
			}
			if err := pythonReprValue(dec, b); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		b.WriteString(closing)
	case string:
		b.WriteString(pythonStr(t))
	case json.Number:
		b.WriteString(pythonNum(string(t)))
	case bool:
		if t {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case nil:
		b.WriteString("None")
	}
	return nil
}

// pythonStr is Python's repr of a str, for the common cases: single
// quotes, or double quotes when the text holds a single quote only.
func pythonStr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`, q, `\`+q)
	return q + r.Replace(s) + q
}

// pythonNum is Python's str() of a JSON number: an integer as written,
// a float in Python's shortest repr (5.0 stays "5.0", 1e3 is "1000.0").
func pythonNum(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit
	}
	if af := max(f, -f); af != 0 && (af < 1e-4 || af >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
