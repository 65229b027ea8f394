// Package kubecost will serve the Kubecost/OpenCost Cloud Cost API under
// /model. For now it holds the dialect's error body, which the server
// uses for authentication and limit errors on that prefix.
package kubecost

import (
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// Prefix is where the dialect is mounted.
const Prefix = "/model/"

// WriteError renders err as OpenCost's JSON error
// {"code": <status>, "data": null, "message": "<text>"}.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := apierr.Status(err)
	apierr.Write(w, err, status, map[string]any{"code": status, "data": nil, "message": apierr.Message(err)})
}
