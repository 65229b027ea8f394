package tenanttest

import (
	"net/http"
	"strings"

	"github.com/tally-cost/tally/internal/tenant"
)

// WithPrincipal is the server's guard in small, for dialect tests: every
// request acts as the no-auth administrator, unless an X-Test-Accounts
// header (comma-separated) makes it a viewer that sees only those
// accounts.
func WithPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := tenant.NoAuth
		if accounts := r.Header.Get("X-Test-Accounts"); accounts != "" {
			p = &tenant.Principal{Role: tenant.RoleViewer, OrgID: tenant.DefaultOrgID, Accounts: strings.Split(accounts, ",")}
		}
		h.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), p)))
	})
}
