package native

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/textcheck"
)

// registerTenancy mounts who-am-I, keys, organizations, customers and the
// audit log. Every rule (roles, scope, 404 for what the caller cannot
// see) lives in tenant.Service; these handlers only translate JSON.
func (a *API) registerTenancy(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/me", a.handle(a.me))
	mux.HandleFunc("GET /api/v1/keys", a.handle(a.listKeys))
	mux.HandleFunc("POST /api/v1/keys", a.handle(a.createKey))
	mux.HandleFunc("GET /api/v1/keys/{id}", a.handle(a.getKey))
	mux.HandleFunc("DELETE /api/v1/keys/{id}", a.handle(a.revokeKey))
	mux.HandleFunc("POST /api/v1/keys/{id}/rotate", a.handle(a.rotateKey))
	mux.HandleFunc("GET /api/v1/organizations", a.handle(a.listOrgs))
	mux.HandleFunc("POST /api/v1/organizations", a.handle(a.createOrg))
	mux.HandleFunc("GET /api/v1/organizations/{id}", a.handle(a.getOrg))
	mux.HandleFunc("PATCH /api/v1/organizations/{id}", a.handle(a.updateOrg))
	mux.HandleFunc("DELETE /api/v1/organizations/{id}", a.handle(a.deleteOrg))
	mux.HandleFunc("PUT /api/v1/organizations/{id}/accounts", a.handle(a.orgAccounts))
	mux.HandleFunc("PATCH /api/v1/organizations/{id}/accounts", a.handle(a.orgAccounts))
	mux.HandleFunc("GET /api/v1/customers", a.handle(a.listCustomers))
	mux.HandleFunc("POST /api/v1/customers", a.handle(a.createCustomer))
	mux.HandleFunc("GET /api/v1/customers/{id}", a.handle(a.getCustomer))
	mux.HandleFunc("PATCH /api/v1/customers/{id}", a.handle(a.renameCustomer))
	mux.HandleFunc("DELETE /api/v1/customers/{id}", a.handle(a.deleteCustomer))
	mux.HandleFunc("PUT /api/v1/customers/{id}/accounts", a.handle(a.customerAccounts))
	mux.HandleFunc("PATCH /api/v1/customers/{id}/accounts", a.handle(a.customerAccounts))
	mux.HandleFunc("GET /api/v1/audit", a.handle(a.audit))
}

// noContent marks a handler result answered with 204.
type noContent struct{}

func principal(r *http.Request) (*tenant.Principal, error) {
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, engine.ErrNoPrincipal
	}
	return p, nil
}

// pathID reads the {id} path value; a malformed id is a missing object.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apierr.New(http.StatusNotFound, fmt.Sprintf("%s %q not found", what, r.PathValue("id")))
	}
	return id, nil
}

// principalAndID returns the caller and the {id} of the path.
func principalAndID(r *http.Request, what string) (*tenant.Principal, int64, error) {
	p, err := principal(r)
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r, what)
	return p, id, err
}

// decode reads a JSON body strictly: unknown fields are errors, so that
// a misspelt field never silently does nothing, and a body that is not
// UTF-8 is refused, as encoding/json would store U+FFFD in its place.
// The server bounds the body (--max-body) before it gets here.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return apierr.New(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: send application/json", ct))
		}
	}
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case err != nil:
		return apierr.New(http.StatusBadRequest, "request body: "+err.Error())
	}
	if i := textcheck.InvalidUTF8(body); i >= 0 {
		return apierr.New(http.StatusBadRequest, fmt.Sprintf("request body: not valid UTF-8 (byte %d)", i))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return apierr.New(http.StatusBadRequest, "request body: expected a JSON object")
		}
		return apierr.New(http.StatusBadRequest, "request body: "+err.Error())
	}
	if dec.More() {
		return apierr.New(http.StatusBadRequest, "request body: more than one JSON value")
	}
	return nil
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

type meJSON struct {
	KeyID        *int64   `json:"keyId"`
	Name         string   `json:"name"`
	Role         string   `json:"role"`
	Organization int64    `json:"organization"`
	Customer     *int64   `json:"customer"`
	Accounts     []string `json:"accounts"` // null: every account
	NoAuth       bool     `json:"noAuth,omitempty"`
}

func (a *API) me(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	accounts, _ := p.Scope.IDs() // nil for every account
	return meJSON{KeyID: optID(p.KeyID), Name: p.Actor(), Role: string(p.Role), Organization: p.OrgID,
		Customer: optID(p.CustomerID), Accounts: accounts, NoAuth: p.NoAuth}, nil
}

type keyJSON struct {
	ID           int64      `json:"id"`
	Prefix       string     `json:"prefix"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	Organization int64      `json:"organization"`
	Customer     *int64     `json:"customer"`
	CreatedAt    time.Time  `json:"createdAt"`
	RevokedAt    *time.Time `json:"revokedAt"`
	// Secret is the key itself, present only in the answer that made it.
	Secret string `json:"secret,omitempty"`
}

func keyOut(k tenant.Key) keyJSON {
	return keyJSON{ID: k.ID, Prefix: "tly_" + k.Public, Name: k.Name, Role: string(k.Role), Organization: k.OrgID,
		Customer: optID(k.CustomerID), CreatedAt: k.CreatedAt, RevokedAt: optTime(k.RevokedAt)}
}

func (a *API) listKeys(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	keys, err := a.tenants.Keys(p)
	if err != nil {
		return nil, err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = keyOut(k)
	}
	return map[string]any{"data": out}, nil
}

func (a *API) createKey(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Name         string `json:"name"`
		Role         string `json:"role"`
		Organization int64  `json:"organization"`
		Customer     int64  `json:"customer"`
		Replace      bool   `json:"replace"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	secret, k, err := a.tenants.CreateKey(r.Context(), p, tenant.KeySpec{Name: in.Name, Role: tenant.Role(in.Role),
		OrgID: in.Organization, CustomerID: in.Customer, Replace: in.Replace})
	if err != nil {
		return nil, err
	}
	out := keyOut(k)
	out.Secret = secret
	return created{out}, nil
}

func (a *API) getKey(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "key")
	if err != nil {
		return nil, err
	}
	k, err := a.tenants.Key(p, id)
	if err != nil {
		return nil, err
	}
	return keyOut(k), nil
}

func (a *API) revokeKey(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "key")
	if err != nil {
		return nil, err
	}
	k, err := a.tenants.RevokeKey(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	return keyOut(k), nil
}

func (a *API) rotateKey(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "key")
	if err != nil {
		return nil, err
	}
	secret, k, err := a.tenants.RotateKey(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	out := keyOut(k)
	out.Secret = secret
	return created{out}, nil
}

type auditJSON struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	KeyID    *int64    `json:"keyId"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	ObjectID string    `json:"objectId"`
	Detail   string    `json:"detail"`
}

func (a *API) audit(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	v := r.URL.Query()
	f := tenant.AuditFilter{Object: v.Get("object"), ObjectID: v.Get("objectId"), Limit: 100}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			return nil, apierr.New(http.StatusBadRequest, fmt.Sprintf("limit: %q is not a number from 1 to 10000", s))
		}
		f.Limit = n
	}
	entries, err := a.tenants.Audit(r.Context(), p, f)
	if err != nil {
		return nil, err
	}
	out := make([]auditJSON, len(entries))
	for i, e := range entries {
		out[i] = auditJSON{ID: e.ID, Time: e.Time, KeyID: optID(e.KeyID), Actor: e.Actor, Action: e.Action,
			Object: e.Object, ObjectID: e.ObjectID, Detail: e.Detail}
	}
	return map[string]any{"data": out}, nil
}
