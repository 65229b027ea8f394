package tenanttest

import (
	"net/http"
	"strings"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/tenant"
)

// WithPrincipal is the server's guard in small, for dialect tests: every
// request acts as the no-auth administrator, unless an X-Test-Accounts
// header (comma-separated) makes it a viewer that sees only those
// accounts, or an X-Test-Role header (viewer, editor, partner, admin)
// makes it a key of that role in the default organization, scoped by
// X-Test-Accounts when both are given.
func WithPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := tenant.NoAuth
		accounts, role := r.Header.Get("X-Test-Accounts"), r.Header.Get("X-Test-Role")
		if accounts != "" || role != "" {
			p = &tenant.Principal{Role: tenant.RoleViewer, OrgID: tenant.DefaultOrgID, KeyName: "test", Scope: scope.All()}
			if role != "" {
				p.Role = tenant.Role(role)
			}
			if accounts != "" {
				p.Scope = scope.Accounts(strings.Split(accounts, ",")...)
			}
		}
		h.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(r.Context(), p)))
	})
}
