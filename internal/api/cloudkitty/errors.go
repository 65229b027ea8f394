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
	// The server's guard sees the full path; the dialect's handlers see
	// it with the prefix stripped (API.serve).
	if p := r.URL.Path; strings.HasPrefix(p, Prefix+"v2") || strings.HasPrefix(p, "/v2") {
		apierr.Write(w, err, status, map[string]any{"message": msg})
		return
	}
	code := "Client"
	if status >= 500 {
		code = "Server"
	}
	apierr.Write(w, err, status, map[string]any{"faultcode": code, "faultstring": msg, "debuginfo": nil})
}
