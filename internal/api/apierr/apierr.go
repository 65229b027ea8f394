// Package apierr maps errors to HTTP statuses once, for every dialect;
// each dialect then renders the status and message in its own error body.
// Errors classify themselves: domain packages declare their sentinels
// with an errkind, and this map reads only the kind, so it imports no
// domain package.
package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/secret"
)

// Error is an error with the HTTP status it answers to; RetryAfter, in
// seconds, goes into a Retry-After header when set.
type Error struct {
	Status     int
	Message    string
	RetryAfter int
}

func (e *Error) Error() string { return e.Message }

// New returns an Error.
func New(status int, msg string) *Error { return &Error{Status: status, Message: msg} }

// Status returns the HTTP status of err and whether it is the client's
// doing (a 4xx whose message may be shown).
func Status(err error) int {
	var ae *Error
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &ae):
		return ae.Status
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errkind.Unauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, errkind.Forbidden):
		return http.StatusForbidden
	case errors.Is(err, errkind.NotFound):
		return http.StatusNotFound
	case errors.Is(err, errkind.Conflict):
		return http.StatusConflict
	case errors.Is(err, errkind.Invalid):
		return http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Message is the text to show for err: its own for client errors,
// redacted (a message may quote what a client sent, credentials
// included), a generic one for server errors (whose details go to the
// log only). A 501 is not a failure but a feature this server does not
// serve ("no pipeline is configured on this server"): its message says
// which, and is shown.
func Message(err error) string {
	var mbe *http.MaxBytesError
	switch st := Status(err); {
	case errors.As(err, &mbe):
		return "request body too large"
	case st == http.StatusServiceUnavailable:
		return "request cancelled or timed out"
	case st == http.StatusNotImplemented:
		return secret.Redact(err.Error())
	case st >= 500:
		return "internal error; see the server log"
	}
	return secret.Redact(err.Error())
}

// RetryAfter returns the Retry-After seconds of err, or 0.
func RetryAfter(err error) int {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}

// Write sends a dialect's error body with status, after the Retry-After
// header that err may carry: the part of rendering an error that every
// dialect shares.
func Write(w http.ResponseWriter, err error, status int, body any) {
	if s := RetryAfter(err); s > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
