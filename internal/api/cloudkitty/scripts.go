package cloudkitty

import (
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/modules"
)

// scriptRoutes registers the pyscripts module's API (spec §8). Scripts
// are CEL expressions (package rating/script) under upstream's names, so
// python-cloudkittyclient's pyscript commands work unchanged.
func (a *API) scriptRoutes() {
	const base = "/v1/rating/module_config/pyscripts/scripts"
	a.v1("GET "+base, a.listScripts)
	a.v1("GET "+base+"/{script_id}", a.getScript)
	a.v1("POST "+base, a.createScript)
	// The id may also come in the body (§3.1), on every verb.
	a.v1("PUT "+base, a.updateScript)
	a.v1("PUT "+base+"/{script_id}", a.updateScript)
	a.v1("DELETE "+base, a.deleteScript)
	a.v1("DELETE "+base+"/{script_id}", a.deleteScript)
}

// scriptObj is the wire script; Data is omitted by ?no_data=true.
type scriptObj struct {
	ScriptID string  `json:"script_id"`
	Name     string  `json:"name"`
	Data     *string `json:"data,omitempty"`
	Checksum string  `json:"checksum"`
}

func scriptObjOf(s modules.Script, withData bool) scriptObj {
	o := scriptObj{ScriptID: s.ID, Name: s.Name, Checksum: s.Checksum}
	if withData {
		o.Data = &s.Data
	}
	return o
}

// scriptKeys are the keys a script body may hold: the object the client
// read back (checksum included, which is read-only and ignored), and the
// ≥23 date and description keys that newer clients send as null.
var scriptKeys = []string{"script_id", "name", "data", "checksum", "start", "end", "description"}

// undated refuses what Tally's scripts do not have: the ≥23 validity
// dates and descriptions. Clients send the keys as null when unused.
func undated(args *args) error {
	for _, k := range []string{"start", "end", "description"} {
		if v, ok := args.raw(k); ok && v != "" {
			return invalidField(k, v, "Tally's scripts have no start, end or description; leave it out.")
		}
	}
	return nil
}

func (a *API) listScripts(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	noData, err := args.boolean("no_data", false)
	if err != nil {
		return nil, err
	}
	out := []scriptObj{}
	for _, s := range a.rating.Modules.Scripts() {
		out = append(out, scriptObjOf(s, !noData))
	}
	return map[string]any{"scripts": out}, nil
}

func (a *API) getScript(r *http.Request) (any, error) {
	if err := mayReadRatingConfig(r); err != nil {
		return nil, err
	}
	s, err := a.rating.Modules.Script(r.PathValue("script_id"))
	if err != nil {
		return nil, err
	}
	return scriptObjOf(s, true), nil
}

// createScript compiles and stores a script: 201 with Location and the
// object; 400 naming the line and column when it does not compile; 409
// for a taken name.
func (a *API) createScript(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := args.rejectUnknown("script_data", scriptKeys...); err != nil {
		return nil, err
	}
	if err := undated(args); err != nil {
		return nil, err
	}
	name, err := args.required("name")
	if err != nil {
		return nil, err
	}
	s, err := a.rating.Modules.CreateScript(r.Context(), name, args.str("data"))
	if err != nil {
		return nil, err
	}
	return created(r, s.ID, scriptObjOf(s, true)), nil
}

// updateScript changes a script's name or data (what is absent stays)
// and answers 201 with the object, as upstream (the client reads it).
// Upstream's Location repeats the id after the request URL, which ends
// with it already; Tally's is the script's own URL.
func (a *API) updateScript(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	if err := args.rejectUnknown("script_data", scriptKeys...); err != nil {
		return nil, err
	}
	if err := undated(args); err != nil {
		return nil, err
	}
	id, err := args.required("script_id")
	if err != nil {
		return nil, err
	}
	var name, data *string
	if v, ok := args.raw("name"); ok {
		name = &v
	}
	if v, ok := args.raw("data"); ok {
		data = &v
	}
	s, err := a.rating.Modules.UpdateScript(r.Context(), id, name, data)
	if err != nil {
		return nil, err
	}
	loc := baseURL(r) + "/v1/rating/module_config/pyscripts/scripts/" + s.ID
	return &reply{status: http.StatusCreated, location: loc, body: scriptObjOf(s, true)}, nil
}

func (a *API) deleteScript(r *http.Request) (any, error) {
	if err := mayChangeRatingConfig(r); err != nil {
		return nil, err
	}
	args, err := readArgs(r)
	if err != nil {
		return nil, err
	}
	id, ok := args.raw("script_id")
	if !ok {
		return nil, apierr.New(http.StatusNotFound, "No such script: None (UUID: None)")
	}
	if err := a.rating.Modules.DeleteScript(r.Context(), id); err != nil {
		return nil, err
	}
	return noContent, nil
}
