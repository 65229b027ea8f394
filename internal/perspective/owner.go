package perspective

import "github.com/tally-cost/tally/internal/tenant"

// Owner is who a perspective belongs to: the organization of the key that
// created it and, when that key was a partner customer's (or acted for
// one with client_api_id), the customer. It is the ownership model of
// saved reports (internal/savedreport): a perspective's rules name
// accounts and group names of its owner, which other tenants must not
// read, and its groups are its owner's view of the bill.
type Owner struct {
	OrgID      int64
	CustomerID int64
}

// Viewer is who reads or changes perspectives: its own owner, and All
// for the callers that see every owner's perspectives.
type Viewer struct {
	Owner
	All bool
}

// Everyone is the viewer of the installation itself (the command line,
// ingest, tests): it sees every perspective and creates the default
// organization's.
var Everyone = Viewer{Owner: Owner{OrgID: tenant.DefaultOrgID}, All: true}

// OwnerOf is the owner of what p creates.
func OwnerOf(p *tenant.Principal) Owner {
	return Owner{OrgID: p.OrgID, CustomerID: p.CustomerID}
}

// ViewerOf is p as a viewer. Callers of the default organization that
// see every account (and act for no customer) see every perspective, as
// they see every saved report and every tenant's data anyway; any other
// caller sees its own organization's (or its customer's) only. A parent
// organization does not see its sub-organizations' perspectives, nor a
// partner its customers': as with saved reports, ownership is exact.
func ViewerOf(p *tenant.Principal) Viewer {
	return Viewer{
		Owner: OwnerOf(p),
		All:   p.SeesAllContent(),
	}
}

// sees reports whether v may read (and, with the role to edit, change) r.
func (v Viewer) sees(r *record) bool {
	return v.All || r.owner() == v.Owner
}

// owner is r's owner. Documents written before perspectives had owners
// hold no org_id: they were the installation's, edited only by the
// default organization, so they read as the default organization's.
func (r *record) owner() Owner {
	o := Owner{OrgID: r.OrgID, CustomerID: r.CustomerID}
	if o.OrgID == 0 {
		o.OrgID = tenant.DefaultOrgID
	}
	return o
}
