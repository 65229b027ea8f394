// Package kubecost will serve the Kubecost/OpenCost Cloud Cost API under
// /model. For now it holds the dialect's error body, which the server
// uses for authentication and limit errors on that prefix.
package kubecost

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// Prefix is where the dialect is mounted.
const Prefix = "/model/"

// WriteError renders err as OpenCost's JSON error
// {"code": <status>, "data": null, "message": "<text>"}.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := apierr.Status(err)
	if s := apierr.RetryAfter(err); s > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": status, "data": nil, "message": apierr.Message(err)})
}
