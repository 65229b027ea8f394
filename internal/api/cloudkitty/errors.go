// Package cloudkitty will serve the OpenStack CloudKitty rating API v1
// and v2 under /cloudkitty. For now it holds the dialect's error bodies,
// which the server uses for authentication and limit errors.
package cloudkitty

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/tenant"
)

// Prefix is where the dialect is mounted.
const Prefix = "/cloudkitty/"

// WriteError renders err as v1's WSME fault
// {"faultcode": "Client"|"Server", "faultstring", "debuginfo": null}, or
// v2's {"message"} under /cloudkitty/v2.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := apierr.Status(err)
	msg := apierr.Message(err)
	switch {
	case errors.Is(err, tenant.ErrUnauthenticated), errors.Is(err, tenant.ErrBadCredentials):
		// Keystone's wording: clients print it as is.
		msg = "The request you have made requires authentication."
	case errors.Is(err, tenant.ErrForbidden):
		msg = "You are not authorized to perform this action"
	}
	if strings.HasPrefix(r.URL.Path, Prefix+"v2") {
		apierr.Write(w, err, status, map[string]any{"message": msg})
		return
	}
	code := "Client"
	if status >= 500 {
		code = "Server"
	}
	apierr.Write(w, err, status, map[string]any{"faultcode": code, "faultstring": msg, "debuginfo": nil})
}
