// Package azurebilling will serve the Azure billing snapshot API under
// /azure-billing/api. For now it holds the dialect's error body, which
// the server uses for authentication and limit errors on that prefix.
package azurebilling

import (
	"errors"
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/tenant"
)

// Prefix is where the dialect is mounted.
const Prefix = "/azure-billing/api/"

// WriteError renders err as Django REST Framework's {"detail": "<text>"},
// with DRF's own texts for authentication, permission and lookups.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := apierr.Status(err)
	msg := apierr.Message(err)
	switch {
	case errors.Is(err, tenant.ErrUnauthenticated):
		msg = "Authentication credentials were not provided."
	case errors.Is(err, tenant.ErrBadCredentials):
		msg = "Invalid token."
	case errors.Is(err, tenant.ErrForbidden):
		msg = "You do not have permission to perform this action."
	case status == http.StatusNotFound:
		msg = "Not found."
	}
	apierr.Write(w, err, status, map[string]any{"detail": msg})
}
