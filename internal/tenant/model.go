package tenant

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// AccountKind names the lists of an organization's accounts, as
// CloudHealth's /v2/organizations/:id/accounts does.
type AccountKind string

// The account kinds. Each holds the ids line items carry as their
// sub-account id: AWS account owner ids, Azure subscription GUIDs, GCP
// project ids, data center account names.
const (
	AWSAccounts        AccountKind = "aws_accounts"
	AzureSubscriptions AccountKind = "azure_subscriptions"
	GCPProjects        AccountKind = "gcp_compute_projects"
	DataCenterAccounts AccountKind = "data_center_accounts"
)

// AccountKinds lists every kind in a stable order.
var AccountKinds = []AccountKind{AWSAccounts, AzureSubscriptions, GCPProjects, DataCenterAccounts}

// ParseAccountKind accepts an account kind name.
func ParseAccountKind(s string) (AccountKind, error) {
	if k := AccountKind(s); slices.Contains(AccountKinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("%w: unknown account type %q (want aws_accounts, azure_subscriptions, gcp_compute_projects or data_center_accounts)", ErrInvalid, s)
}

// Accounts are cloud account ids by kind.
type Accounts map[AccountKind][]string

// All returns every id of every kind, sorted, without duplicates.
func (a Accounts) All() []string {
	out := []string{}
	for _, ids := range a {
		out = append(out, ids...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Clone returns a deep copy.
func (a Accounts) Clone() Accounts {
	out := make(Accounts, len(a))
	for k, ids := range a {
		out[k] = slices.Clone(ids)
	}
	return out
}

// DefaultOrgID is the id of the organization that sees everything.
const DefaultOrgID int64 = 1

// Org is an organization. The default organization sees every account;
// any other sees only its Accounts. A FlexOrg (ParentID non-zero) may only
// hold accounts of its parent.
type Org struct {
	ID          int64
	ParentID    int64
	Name        string
	Description string
	Default     bool
	Accounts    Accounts
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Flex reports whether the organization is a FlexOrg child.
func (o *Org) Flex() bool { return o.ParentID != 0 }

// Customer is a tenant of the partner running Tally, addressed by its id
// (CloudHealth's client_api_id). It sees only its assigned accounts.
type Customer struct {
	ID        int64
	Name      string
	Accounts  []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Key is a stored API key: everything but the secret.
type Key struct {
	ID         int64
	Public     string // the id part of the key, shown to identify it
	Digest     []byte // SHA-256 of the whole key
	Name       string // who holds it; rotation replaces keys of one name
	Role       Role
	OrgID      int64
	CustomerID int64
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while the key is valid
}

// Revoked reports whether the key no longer authenticates.
func (k *Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// AuditEntry records one change.
type AuditEntry struct {
	ID       int64
	Time     time.Time
	KeyID    int64
	Actor    string // the key's name, or "cli"/"no-auth"
	Action   string // create, update, delete, revoke, rotate
	Object   string // key, organization, customer, ...
	ObjectID string
	Detail   string
}

// State is everything a Repo holds apart from the audit log.
type State struct {
	Keys      []Key
	Orgs      []Org
	Customers []Customer
}

// Change is one atomic write: objects to insert or replace, ids to
// delete, and the audit entries that record it.
type Change struct {
	Keys            []Key
	Orgs            []Org
	DeleteOrgs      []int64
	Customers       []Customer
	DeleteCustomers []int64
	Audit           []AuditEntry
}

// AuditFilter selects audit entries; zero fields match all.
type AuditFilter struct {
	Object   string
	ObjectID string
	Since    time.Time
	Limit    int
}

// Repo persists tenant state. Apply must be atomic: all of a Change or
// none of it.
type Repo interface {
	LoadTenants(ctx context.Context) (State, error)
	// NextTenantID returns a fresh id for kind ("key", "org", "customer",
	// "audit").
	NextTenantID(ctx context.Context, kind string) (int64, error)
	ApplyTenants(ctx context.Context, c Change) error
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}
