// Package cloudhealth will serve the CloudHealth REST API under
// /cloudhealth. For now it holds the dialect's error body, which the
// server uses for authentication and limit errors on that prefix.
package cloudhealth

import (
	"errors"
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/tenant"
)

// Prefix is where the dialect is mounted.
const Prefix = "/cloudhealth/"

// WriteError renders err as CloudHealth's {"error": "<text>"}, with the
// texts real clients see: 401 "You need to sign in or sign up before
// continuing" for a missing or bad key, 408 for a timed-out request.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := apierr.Status(err)
	msg := apierr.Message(err)
	switch {
	case errors.Is(err, tenant.ErrUnauthenticated), errors.Is(err, tenant.ErrBadCredentials):
		msg = "You need to sign in or sign up before continuing"
	case status == http.StatusServiceUnavailable && r.Context().Err() != nil:
		// The guide's read timeout.
		status, msg = http.StatusRequestTimeout, "Request timed out"
	}
	apierr.Write(w, err, status, map[string]any{"error": msg})
}
