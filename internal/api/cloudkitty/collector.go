package cloudkitty

import (
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// collectorRoutes registers the deprecated collector endpoints (spec
// §5.2): service-to-collector mappings and collector states, stored by
// rating/modules. A collector's name may be in the path before or after
// "states", or in the query or body.
func (a *API) collectorRoutes() {
	a.v1("GET /v1/collector/mappings", a.listCollectorMappings)
	a.v1("GET /v1/collector/mappings/{service}", a.getCollectorMapping)
	a.v1("POST /v1/collector/mappings", a.setCollectorMapping)
	a.v1("POST /v1/collector/mappings/{collector}/{service}", a.setCollectorMapping)
	a.v1("DELETE /v1/collector/mappings", a.deleteCollectorMapping)
	a.v1("DELETE /v1/collector/mappings/{service}", a.deleteCollectorMapping)
	a.v1("GET /v1/collector/states", a.getCollectorState)
	a.v1("PUT /v1/collector/states", a.putCollectorState)
	// "/{name}/states" (the digest's) and "/states/{name}" (upstream's
	// positional argument) would be conflicting mux patterns, so one
	// pattern takes both; "mappings/{service}" is more specific.
	a.v1("GET /v1/collector/{a}/{b}", a.getCollectorState)
	a.v1("PUT /v1/collector/{a}/{b}", a.putCollectorState)
}

func (a *API) listCollectorMappings(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"mappings": a.rating.Modules.CollectorMappings(args.str("collector"))}, nil
}

func (a *API) getCollectorMapping(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	return a.rating.Modules.CollectorMapping(r.PathValue("service"))
}

// setCollectorMapping is an upsert answering 200 (not 201), as upstream.
func (a *API) setCollectorMapping(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	collector, ok := args.raw("collector")
	if !ok {
		return nil, missingArgument("collector")
	}
	service, ok := args.raw("service")
	if !ok {
		return nil, missingArgument("service")
	}
	return a.rating.Modules.SetCollectorMapping(r.Context(), service, collector)
}

func (a *API) deleteCollectorMapping(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	service, ok := args.raw("service")
	if !ok {
		return nil, missingArgument("service")
	}
	if err := a.rating.Modules.DeleteCollectorMapping(r.Context(), service); err != nil {
		return nil, err
	}
	return noContent, nil
}

// collectorState is the state object.
type collectorState struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// collectorName finds the collector's name: "/{name}/states" or
// "/states/{name}" in the path, else the name argument. A path that is
// neither is not a route.
func collectorName(r *http.Request, args *args) (string, error) {
	pa, pb := r.PathValue("a"), r.PathValue("b")
	switch {
	case pa == "" && pb == "":
		if v, ok := args.raw("name"); ok {
			return v, nil
		}
		return "", missingArgument("name")
	case pb == "states":
		return pa, nil
	case pa == "states":
		return pb, nil
	}
	return "", apierr.New(http.StatusNotFound, "The resource could not be found.")
}

func (a *API) getCollectorState(r *http.Request) (any, error) {
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	name, err := collectorName(r, args)
	if err != nil {
		return nil, err
	}
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	return collectorState{Name: name, Enabled: a.rating.Modules.CollectorEnabled(name)}, nil
}

// putCollectorState sets a collector's state from {"name", "enabled"}
// (enabled mandatory) and answers the state with 200.
func (a *API) putCollectorState(r *http.Request) (any, error) {
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	name, err := collectorName(r, args)
	if err != nil {
		return nil, err
	}
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	if err := args.rejectUnknown("infos", "name", "enabled"); err != nil {
		return nil, err
	}
	if _, ok := args.raw("enabled"); !ok {
		return nil, missingField("enabled", "None")
	}
	on, err := args.boolean("enabled", false)
	if err != nil {
		return nil, err
	}
	if err := a.rating.Modules.SetCollectorEnabled(r.Context(), name, on); err != nil {
		return nil, err
	}
	return collectorState{Name: name, Enabled: on}, nil
}
