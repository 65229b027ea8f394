package cloudhealth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/tenant"
)

// perspectiveRoutes registers /v1/perspective_schemas (spec §5.1).
// Perspectives are owned (perspective.Owner): each call sees and changes
// only the caller's organization's, or its partner customer's with
// client_api_id (which the server resolves into the principal), and the
// default organization's unscoped keys see every owner's. Another
// owner's id answers exactly as an unknown one.
func (a *API) perspectiveRoutes() {
	a.mux.HandleFunc("GET /v1/perspective_schemas", a.handle(a.listPerspectives))
	a.mux.HandleFunc("POST /v1/perspective_schemas", a.handle(a.createPerspective))
	a.mux.HandleFunc("GET /v1/perspective_schemas/{id}", a.handle(a.getPerspective))
	a.mux.HandleFunc("PUT /v1/perspective_schemas/{id}", a.handle(a.updatePerspective))
	a.mux.HandleFunc("DELETE /v1/perspective_schemas/{id}", a.handle(a.deletePerspective))
}

// schemaBody is the body of POST and PUT and the answer of GET and PUT.
type schemaBody struct {
	Schema *perspective.Schema `json:"schema"`
}

// messageBody is the answer of POST and DELETE.
type messageBody struct {
	Message string `json:"message"`
}

// perspectiveViewer is the caller in ctx as a perspective viewer: every
// read of a perspective, in any endpoint, goes through it.
func perspectiveViewer(ctx context.Context) (perspective.Viewer, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return perspective.Viewer{}, engine.ErrNoPrincipal
	}
	return perspective.ViewerOf(p), nil
}

// mayRead authorizes a read of the dialect (perspectives, reports).
func mayRead(r *http.Request) error {
	_, err := readViewer(r)
	return err
}

// readViewer and editViewer authorize the perspective calls and return
// the caller as a viewer. Reads need Read. Writes need EditContent, in
// any organization or partner customer: a perspective groups only its
// owner's reports, so editors of every tenant manage their own.
func readViewer(r *http.Request) (perspective.Viewer, error) {
	return viewerFor(r, tenant.Read)
}

func editViewer(r *http.Request) (perspective.Viewer, error) {
	return viewerFor(r, tenant.EditContent)
}

func viewerFor(r *http.Request, act tenant.Action) (perspective.Viewer, error) {
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return perspective.Viewer{}, engine.ErrNoPrincipal
	}
	if err := p.Require(act); err != nil {
		return perspective.Viewer{}, err
	}
	return perspective.ViewerOf(p), nil
}

// flag reads a boolean query parameter as clients send it (1/0,
// true/false in any case, Python's "True").
func flag(r *http.Request, name string) (bool, error) {
	return parseOLAPFlag(r.URL.Query(), name)
}

func (a *API) listPerspectives(r *http.Request) (any, error) {
	v, err := readViewer(r)
	if err != nil {
		return nil, err
	}
	activeOnly, err := flag(r, "active_only")
	if err != nil {
		return nil, err
	}
	return a.perspectives.List(v, activeOnly), nil
}

// getPerspective answers an unknown or hard-deleted id with 200 and the
// Empty sentinel, which clients test by name (§5.1); so does another
// owner's.
func (a *API) getPerspective(r *http.Request) (any, error) {
	v, err := readViewer(r)
	if err != nil {
		return nil, err
	}
	withVersion, err := flag(r, "include_version")
	if err != nil {
		return nil, err
	}
	s := a.perspectives.Get(v, r.PathValue("id"), withVersion)
	return schemaBody{Schema: &s}, nil
}

// createPerspective answers 200 {"message": "Perspective <id> created"}:
// clients take the id from the message and a strict one accepts only
// 200. include_version changes nothing in this answer. The caller's
// organization (and customer) owns the new perspective.
func (a *API) createPerspective(r *http.Request) (any, error) {
	v, err := editViewer(r)
	if err != nil {
		return nil, err
	}
	if _, err := flag(r, "include_version"); err != nil {
		return nil, err
	}
	s, err := readSchema(r)
	if err != nil {
		return nil, err
	}
	_, msg, err := a.perspectives.Create(r.Context(), v.Owner, s)
	if err != nil {
		return nil, schemaError(err)
	}
	return messageBody{Message: msg}, nil
}

// updatePerspective answers 200 with the schema as GET renders it. A
// stale check_version is a 400 (§2); allow_group_delete is accepted:
// removing the rules of a group removes it whatever the flag says.
func (a *API) updatePerspective(r *http.Request) (any, error) {
	v, err := editViewer(r)
	if err != nil {
		return nil, err
	}
	withVersion, err := flag(r, "include_version")
	if err != nil {
		return nil, err
	}
	if _, err := flag(r, "allow_group_delete"); err != nil {
		return nil, err
	}
	var check *int
	if v := r.URL.Query().Get("check_version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("check_version must be an integer, not %q", v))
		}
		check = &n
	}
	s, err := readSchema(r)
	if err != nil {
		return nil, err
	}
	out, err := a.perspectives.Update(r.Context(), v, r.PathValue("id"), s, check, withVersion)
	if err != nil {
		return nil, schemaError(err)
	}
	return schemaBody{Schema: &out}, nil
}

// deletePerspective archives (the default, or force=true) or, with
// hard_delete=true, removes the perspective; clients send hard_delete
// with or without force, so either way it is a hard delete.
func (a *API) deletePerspective(r *http.Request) (any, error) {
	v, err := editViewer(r)
	if err != nil {
		return nil, err
	}
	force, err := flag(r, "force")
	if err != nil {
		return nil, err
	}
	hard, err := flag(r, "hard_delete")
	if err != nil {
		return nil, err
	}
	msg, err := a.perspectives.Delete(r.Context(), v, r.PathValue("id"), perspective.DeleteOptions{Force: force, Hard: hard})
	if err != nil {
		return nil, err
	}
	return messageBody{Message: msg}, nil
}

// maxSchemaBytes bounds a schema body: perspectives are a few kilobytes,
// the largest seen in clients' fixtures some hundreds of rules.
const maxSchemaBytes = 4 << 20

// readSchema decodes {"schema": {...}}. The guide requires a JSON
// content type (422 otherwise); form bodies, which one Python client
// sends, are refused, while a missing Content-Type is read as JSON. A
// body that is a JSON string holding the object (a client that encodes
// twice) is read through the string.
func readSchema(r *http.Request) (perspective.Schema, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return perspective.Schema{}, apierr.New(http.StatusUnprocessableEntity,
				fmt.Sprintf("Content-Type must be application/json, not %q", ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxSchemaBytes))
	if err != nil {
		return perspective.Schema{}, fmt.Errorf("reading the schema: %w", err)
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '"' {
		var inner string
		if err := json.Unmarshal(body, &inner); err != nil {
			return perspective.Schema{}, bodyError(err)
		}
		body = []byte(inner)
	}
	var b schemaBody
	if err := json.Unmarshal(body, &b); err != nil {
		return perspective.Schema{}, bodyError(err)
	}
	if b.Schema == nil {
		return perspective.Schema{}, apierr.New(http.StatusUnprocessableEntity, `the body must be {"schema": {...}}`)
	}
	return *b.Schema, nil
}

// bodyError words a JSON decoding error with the byte offset, or the
// field, that it stopped at.
func bodyError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("the body is not valid JSON at byte %d: %v", se.Offset, err))
	case errors.As(err, &te):
		return apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("the body's %s at byte %d must be %s, not %s", te.Field, te.Offset, te.Type, te.Value))
	}
	return apierr.New(http.StatusUnprocessableEntity, "the body is not a perspective schema: "+err.Error())
}

// schemaError maps the book's refusals to the statuses clients read: a
// refused schema or a taken name is 422 (clients word a 422 on PUT as
// "Perspective with this name already exists"), a stale check_version
// stays 400, and everything else keeps its kind.
func schemaError(err error) error {
	switch {
	case errors.Is(err, perspective.ErrStaleVersion):
		return err
	case errors.Is(err, perspective.ErrNameTaken), errors.Is(err, perspective.ErrInvalid):
		return apierr.New(http.StatusUnprocessableEntity, apierr.Message(err))
	}
	return err
}
