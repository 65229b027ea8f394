package cloudkitty

import (
	"net/http"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/modules"
)

// scriptRoutes registers the pyscripts module's API (spec §8), classic
// and ≥23. Scripts are CEL expressions (package rating/script) under
// upstream's names, so python-cloudkittyclient's pyscript commands work
// unchanged.
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

// scriptObj is the wire script: the classic attributes, then ≥23's dates,
// description and audit fields, null when unset, as upstream exports
// every column (hashmap's mappings have the same). Data is omitted by
// ?no_data=true.
type scriptObj struct {
	ScriptID    string  `json:"script_id"`
	Name        string  `json:"name"`
	Data        *string `json:"data,omitempty"`
	Checksum    string  `json:"checksum"`
	CreatedAt   *string `json:"created_at"`
	Start       *string `json:"start"`
	End         *string `json:"end"`
	Description *string `json:"description"`
	Deleted     *string `json:"deleted"`
	CreatedBy   *string `json:"created_by"`
	UpdatedBy   *string `json:"updated_by"`
	DeletedBy   *string `json:"deleted_by"`
}

func scriptObjOf(s modules.Script, withData bool) scriptObj {
	o := scriptObj{ScriptID: s.ID, Name: s.Name, Checksum: s.Checksum,
		CreatedAt: optTime(s.CreatedAt), Start: optTime(s.Start), End: optTime(s.End),
		Description: optID(s.Description), Deleted: optTime(s.Deleted),
		CreatedBy: optID(s.CreatedBy), UpdatedBy: optID(s.UpdatedBy), DeletedBy: optID(s.DeletedBy)}
	if withData {
		o.Data = &s.Data
	}
	return o
}

// scriptKeys are the keys a script body may hold: the object the client
// read back, whose read-only attributes (checksum, created_at, deleted and
// the audit fields) are ignored.
var scriptKeys = []string{"script_id", "name", "data", "checksum", "created_at", "start", "end",
	"description", "deleted", "created_by", "updated_by", "deleted_by"}

// scriptDated are the attributes that make a create ≥23's: a classic
// client sends none of them (or null).
var scriptDated = []string{"start", "end", "description"}

// listScripts lists the live scripts, with ≥23's filters: deleted (also
// list soft-deleted ones), start, end, the audit fields, description and
// is_active.
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
	deleted, err := args.boolean("deleted", false)
	if err != nil {
		return nil, err
	}
	keep, err := datedFilters(args, a.now(), func(s modules.Script) ruleAudit {
		return ruleAudit{start: s.Start, end: s.End, createdBy: s.CreatedBy, updatedBy: s.UpdatedBy,
			deletedBy: s.DeletedBy, description: s.Description, activeAt: s.ActiveAt}
	})
	if err != nil {
		return nil, err
	}
	out := []scriptObj{}
next:
	for _, s := range a.rating.Modules.Scripts() {
		if s.IsDeleted() && !deleted {
			continue
		}
		for _, k := range keep {
			if !k(s) {
				continue next
			}
		}
		out = append(out, scriptObjOf(s, !noData))
	}
	return map[string]any{"scripts": out}, nil
}

// getScript answers a script by id, a soft-deleted one too (as hashmap's
// mappings; upstream's get answers 404 for it, which hides when and by
// whom it was deleted).
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

// scriptOptions are a write's ?force=true and the user the audit fields
// name.
func scriptOptions(r *http.Request, args *args) (hashmap.WriteOptions, error) {
	force, err := args.boolean("force", false)
	if err != nil {
		return hashmap.WriteOptions{}, err
	}
	return hashmap.WriteOptions{Force: force, By: hmActor(r)}, nil
}

// createScript compiles and stores a script: 201 with Location and the
// object; 400 naming the line and column when it does not compile, for a
// start in the past without force=true, or an end before the start; 409
// for a name a live script holds.
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
	opt, err := scriptOptions(r, args)
	if err != nil {
		return nil, err
	}
	name, err := args.required("name")
	if err != nil {
		return nil, err
	}
	in := modules.Script{Name: name, Data: args.str("data"), Description: args.str("description")}
	for _, k := range scriptDated {
		if _, given := args.raw(k); given {
			in.Dated = true
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"start", &in.Start}, {"end", &in.End}} {
		t, err := hmRuleTime(args, d.name)
		if err != nil {
			return nil, err
		}
		if t != nil {
			*d.to = *t
		}
	}
	s, err := a.rating.Modules.CreateScript(r.Context(), in, opt)
	if err != nil {
		return nil, err
	}
	return created(r, s.ID, scriptObjOf(s, true)), nil
}

// updateScript changes a script and answers 201 with the object, as
// upstream (the client reads it). Attributes absent or null stay, and
// resending an unchanged one is no change, so that a replayed PUT of the
// object read back succeeds every time. A script that runs may change
// only its end unless it is classic (spec §6.2's rules for mappings).
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
	id, err := args.required("script_id")
	if err != nil {
		return nil, err
	}
	opt, err := scriptOptions(r, args)
	if err != nil {
		return nil, err
	}
	u := modules.ScriptUpdate{Name: optArg(args, "name"), Data: optArg(args, "data"), Description: optArg(args, "description")}
	if u.Start, err = hmRuleTime(args, "start"); err != nil {
		return nil, err
	}
	if u.End, err = hmRuleTime(args, "end"); err != nil {
		return nil, err
	}
	s, err := a.rating.Modules.UpdateScript(r.Context(), id, u, opt)
	if err != nil {
		return nil, err
	}
	loc := baseURL(r) + "/v1/rating/module_config/pyscripts/scripts/" + s.ID
	return &reply{status: http.StatusCreated, location: loc, body: scriptObjOf(s, true)}, nil
}

// deleteScript soft-deletes a script (≥23): 204, then 404 for it.
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
	if err := a.rating.Modules.DeleteScript(r.Context(), id, hashmap.WriteOptions{By: hmActor(r)}); err != nil {
		return nil, err
	}
	return noContent, nil
}
