package kubecost

import (
	"errors"
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cost"
)

// Prefix is where the dialect is mounted.
const Prefix = "/model/"

// WriteError renders err as OpenCost's JSON error
// {"code": <status>, "data": null, "message": "<text>"}. The server also
// uses it for authentication and limit errors on this prefix.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := apierr.Status(err), apierr.Message(err)
	if errors.Is(err, errNotConfigured) {
		// A server error whose text is meant for the client: it says
		// what to configure.
		msg = err.Error()
	}
	apierr.Write(w, err, status, map[string]any{"code": status, "data": nil, "message": msg})
}

// paramError is a request parameter that does not parse. Its message is
// exactly the text clients see (OpenCost's wording where it has one), and
// it wraps cost.ErrInvalid so that apierr answers 400.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func (e *paramError) Unwrap() error { return cost.ErrInvalid }

func badParam(msg string) error { return &paramError{msg: msg} }

// errNotConfigured answers the ETL endpoints when no pipeline runs: 501,
// as OpenCost does when its cloud cost pipeline service is absent.
var errNotConfigured = apierr.New(http.StatusNotImplemented, "Cloud Cost Pipeline Service is not configured")
