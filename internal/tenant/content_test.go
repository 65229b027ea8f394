package tenant

import (
	"testing"

	"github.com/tally-cost/tally/internal/scope"
)

// TestSeesContentOf: the owner's keys and unscoped default-organization
// keys acting for no customer see a piece of content; nobody else, not
// a parent organization, nor a partner for its customer's, nor a scoped
// key of the default organization.
func TestSeesContentOf(t *testing.T) {
	all, some := scope.All(), scope.Accounts("a1")
	cases := []struct {
		name          string
		p             *Principal
		org, customer int64
		want          bool
	}{
		{"default admin sees another organization's", &Principal{OrgID: DefaultOrgID, Scope: all}, 7, 0, true},
		{"default admin sees a customer's", &Principal{OrgID: DefaultOrgID, Scope: all}, DefaultOrgID, 3, true},
		{"a scoped default key sees only the default organization's", &Principal{OrgID: DefaultOrgID, Scope: some}, 7, 0, false},
		{"a scoped default key sees its own organization's", &Principal{OrgID: DefaultOrgID, Scope: some}, DefaultOrgID, 0, true},
		{"the owner organization", &Principal{OrgID: 7, Scope: some}, 7, 0, true},
		{"another organization", &Principal{OrgID: 8, Scope: all}, 7, 0, false},
		{"an organization does not see its customer's", &Principal{OrgID: 7, Scope: some}, 7, 3, false},
		{"acting for a customer, not the partner's own", &Principal{OrgID: DefaultOrgID, CustomerID: 3, Scope: all}, DefaultOrgID, 0, false},
		{"acting for a customer, its own", &Principal{OrgID: DefaultOrgID, CustomerID: 3, Scope: some}, DefaultOrgID, 3, true},
		{"no principal", nil, DefaultOrgID, 0, false},
	}
	for _, c := range cases {
		if got := c.p.SeesContentOf(c.org, c.customer); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
