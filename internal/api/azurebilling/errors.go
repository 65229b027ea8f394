package azurebilling

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/tenant"
)

// Prefix is where the dialect is mounted.
const Prefix = "/azure-billing/api/"

// The exact texts clients of the upstream API match on
// (../shared/specs/azure-billing.md §6 and §11).
const (
	msgInvalidDate           = "invalid date"
	msgInvalidMonth          = "invalid month"
	msgGroupByRequired       = "group_by parameter required"
	msgInvalidGroupBy        = "invalid group_by fields"
	msgResourceGroupRequired = "resource_group parameter required"
	msgNotFound              = "Not found."
	msgInvalidPage           = "Invalid page."
	// msgEnterNumber is Django's form error for a number filter that is
	// not a number, which django-filter's DRF backend answers with 400.
	msgEnterNumber = "Enter a number."
	msgEnterJSON   = "Enter a valid JSON."
	// msgNullCharacters is Django's CharField error for a NUL character.
	msgNullCharacters = "Null characters are not allowed."
)

// detailError is an error whose text is shown as it is, whatever its
// status: WriteError replaces the text of other 404s with DRF's
// "Not found.", which would hide "Invalid page.".
type detailError struct {
	status int
	detail string
	// more are members rendered after detail, which say more than
	// upstream's text does (the valid values of a parameter).
	more obj
}

func (e *detailError) Error() string { return e.detail }

// Unwrap lets apierr.Status find the status.
func (e *detailError) Unwrap() error { return apierr.New(e.status, e.detail) }

// badRequest is a 400 with one of the texts above.
func badRequest(detail string) error {
	return &detailError{status: http.StatusBadRequest, detail: detail}
}

// notFound is DRF's 404 for a lookup that found nothing.
func notFound() error { return &detailError{status: http.StatusNotFound, detail: msgNotFound} }

// fieldError is a filter value the filter set rejects: DRF's validation
// body {"<field>": ["<message>"]} with 400, as django-filter's backend
// answers `min_cost=abc`.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return fmt.Sprintf("%s: %s", e.field, e.msg) }

// Unwrap makes it a client error for apierr.Status.
func (e *fieldError) Unwrap() error { return cost.ErrInvalid }

// methodError is a method the resource does not take; allow is its
// Allow header.
type methodError struct {
	method, allow string
}

func (e *methodError) Error() string { return fmt.Sprintf("Method %q not allowed.", e.method) }

// Unwrap carries the 405 to apierr.Status.
func (e *methodError) Unwrap() error { return apierr.New(http.StatusMethodNotAllowed, e.Error()) }

// The Allow headers, in the order DRF lists a view's methods: allowed for
// the read-only resources, the others for the collection and the objects
// of customers and subscriptions, which clients may write, and a
// snapshot, which clients may delete.
const (
	allowed           = "GET, HEAD, OPTIONS"
	allowedSnapshot   = "GET, DELETE, HEAD, OPTIONS"
	allowedCollection = "GET, POST, HEAD, OPTIONS"
	allowedObject     = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
)

// validationError is DRF's 400 for a rejected request body: a map of
// field to messages, in field order ("non_field_errors" for the body as
// a whole).
type validationError struct {
	fields obj // values are []string
}

func (e *validationError) Error() string {
	var parts []string
	for _, f := range e.fields {
		parts = append(parts, fmt.Sprintf("%s: %s", f.key, strings.Join(f.val.([]string), " ")))
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes it a client error for apierr.Status.
func (e *validationError) Unwrap() error { return cost.ErrInvalid }

// conflict is a 409 with a text saying what to do instead.
func conflict(detail string) error {
	return &detailError{status: http.StatusConflict, detail: detail}
}

// WriteError renders err as Django REST Framework's {"detail": "<text>"},
// with DRF's own texts for authentication, permission and lookups, and
// DRF's {"<field>": ["<text>"]} for a rejected filter value or body.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := apierr.Status(err)
	msg := apierr.Message(err)
	var de *detailError
	var fe *fieldError
	var me *methodError
	var ve *validationError
	switch {
	case errors.As(err, &fe):
		apierr.Write(w, err, status, map[string][]string{fe.field: {fe.msg}})
		return
	case errors.As(err, &ve):
		apierr.Write(w, err, status, ve.fields)
		return
	case errors.As(err, &me):
		allow := me.allow
		if allow == "" {
			allow = allowed
		}
		w.Header().Set("Allow", allow)
		msg = me.Error()
	case errors.As(err, &de):
		if de.more != nil {
			apierr.Write(w, err, status, append(obj{{"detail", de.detail}}, de.more...))
			return
		}
		msg = de.detail
	case status == http.StatusUnauthorized && tokenHeaderError(r) != "":
		msg = tokenHeaderError(r)
	case errors.Is(err, tenant.ErrUnauthenticated):
		msg = "Authentication credentials were not provided."
	case errors.Is(err, tenant.ErrBadCredentials):
		msg = "Invalid token."
	case errors.Is(err, tenant.ErrForbidden):
		msg = "You do not have permission to perform this action."
	case status == http.StatusNotFound:
		msg = msgNotFound
	}
	if status == http.StatusUnauthorized {
		// DRF's TokenAuthentication names its scheme on every 401, which
		// tells a client how to authenticate.
		w.Header().Set("WWW-Authenticate", "Token")
	}
	apierr.Write(w, err, status, map[string]any{"detail": msg})
}

// tokenHeaderError is DRF's TokenAuthentication text for an Authorization
// header in the Token scheme that does not carry exactly one credential
// ("Token" alone, or a token with spaces); "" for any other header. The
// guard (internal/server) reads such a header as a bad key; the text
// tells the client what is wrong with it.
func tokenHeaderError(r *http.Request) string {
	f := strings.Fields(r.Header.Get("Authorization"))
	switch {
	case len(f) == 0 || !strings.EqualFold(f[0], "Token"):
		return ""
	case len(f) == 1:
		return "Invalid token header. No credentials provided."
	case len(f) > 2:
		return "Invalid token header. Token string should not contain spaces."
	}
	return ""
}
