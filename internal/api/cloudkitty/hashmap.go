package cloudkitty

import (
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/tenant"
)

// The hashmap module's API (spec §6) lives in hashmap_*.go: services,
// fields and groups (hashmap_objects.go), mappings (hashmap_mappings.go)
// and thresholds (hashmap_thresholds.go). This file registers them all,
// with the module-config catch-alls (noop, unknown modules), and holds
// what they share: authorization, argument helpers and wire values.

// hmPrefix is the hashmap module's path under the dialect.
const hmPrefix = "/v1/rating/module_config/hashmap/"

// hashmapRoutes registers the hashmap module's endpoints and the
// answers for modules without (or with an unknown) configuration API.
func (a *API) hashmapRoutes() {
	a.hm("GET types", false, func(*http.Request, *args) (any, error) { return hashmap.Types(), nil })
	a.hmObjectRoutes()
	a.hmMappingRoutes()
	a.hmThresholdRoutes()

	// noop has no configuration API: upstream answers 409 on every verb
	// and sub path (§5.4). Rights are checked first, as upstream's policy
	// runs before the module is looked up.
	notConfigurable := func(r *http.Request) (any, error) {
		if err := hmAuthorize(r, r.Method != http.MethodGet && r.Method != http.MethodHead); err != nil {
			return nil, err
		}
		return nil, apierr.New(http.StatusConflict, "Module is not configurable")
	}
	a.v1("/v1/rating/module_config/noop", notConfigurable)
	a.v1("/v1/rating/module_config/noop/{rest...}", notConfigurable)
	// Any other module is unknown. The pyscripts module registers its own,
	// more specific patterns (scriptRoutes); a path of hashmap or
	// pyscripts that none of them matches also lands here and gets the
	// same 404 as an unknown module.
	unknown := func(r *http.Request) (any, error) {
		return nil, apierr.New(http.StatusNotFound, "The resource could not be found.")
	}
	a.v1("/v1/rating/module_config/{module}", unknown)
	a.v1("/v1/rating/module_config/{module}/{rest...}", unknown)
}

// hm registers a hashmap endpoint: pattern is "METHOD sub/path" under
// hmPrefix. The handler runs after the rights check (write: changing
// rules) and with the request's arguments read.
func (a *API) hm(pattern string, write bool, h func(*http.Request, *args) (any, error)) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("cloudkitty: hashmap pattern without a method: " + pattern)
	}
	a.v1(method+" "+hmPrefix+path, func(r *http.Request) (any, error) {
		if err := hmAuthorize(r, write); err != nil {
			return nil, err
		}
		in, err := readArgs(r)
		if err != nil {
			return nil, err
		}
		return h(r, in)
	})
}

// hmAuthorize applies the rule-configuration policy: rules apply to every
// scope, so reading them takes an unscoped key and changing them an
// unscoped editor or administrator (upstream: admin only).
func hmAuthorize(r *http.Request, write bool) error {
	p, _ := tenant.FromContext(r.Context())
	if write {
		return p.RequireWhole(tenant.EditContent, "editors and administrators", "change rating rules")
	}
	return p.RequireWhole(tenant.Read, "keys that see every account", "read rating rules")
}

// hmActor is who the ≥23 audit fields name for this request.
func hmActor(r *http.Request) string {
	p, _ := tenant.FromContext(r.Context())
	return p.Actor()
}

// hmRequiredArg returns an argument of the endpoint's function (path,
// query or body) or WSME's 400 for a missing one.
func hmRequiredArg(in *args, name string) (string, error) {
	if v := in.str(name); v != "" {
		return v, nil
	}
	return "", missingArgument(name)
}

// optID is an optional id on the wire: null when empty.
func optID(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optTime is an optional ≥23 datetime on the wire: naive ISO, or null.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := v1Time(t)
	return &s
}

// optArg returns a body attribute as a pointer, nil when absent or null
// (clients send null for attributes they leave alone).
func optArg(in *args, name string) *string {
	v, ok := in.raw(name)
	if !ok {
		return nil
	}
	return &v
}
