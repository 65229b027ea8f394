package server

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// checkUTF8 refuses a request whose path or query parameters are not
// valid UTF-8, once for every dialect and before any of them reads it:
// left through, such bytes fail in the store (a 500), come back from Go's
// JSON encoder as U+FFFD, or end up in the audit log as they are.
// Headers other than the key are not read as text, so they are not
// checked.
func checkUTF8(r *http.Request) error {
	if !utf8.ValidString(r.URL.Path) {
		return apierr.New(http.StatusBadRequest, "the request path is not valid UTF-8")
	}
	// The pairs the dialects see: r.URL.Query drops the same malformed
	// ones that ParseQuery reports.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !utf8.ValidString(name) {
			return apierr.New(http.StatusBadRequest, "a query parameter name is not valid UTF-8")
		}
		for _, v := range q[name] {
			if !utf8.ValidString(v) {
				return apierr.New(http.StatusBadRequest, "query parameter "+strconv.Quote(name)+" is not valid UTF-8")
			}
		}
	}
	return nil
}
