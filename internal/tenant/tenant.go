// Package tenant holds who may see and change what: API keys, roles,
// organizations (the CloudHealth model, FlexOrgs included) and the
// customers of a partner. It resolves every authenticated request to a
// Principal whose Scope is the cloud accounts it may see, built from what
// is stored and never wider (see resolve); the engine applies that scope
// to every query before anything else.
//
// The package has no HTTP or SQL in it: the server extracts credentials,
// a Repo persists the state: the state store (store.StateStore, which
// store/duckdb implements), or MemRepo in tests.
package tenant

import (
	"context"
	"fmt"
	"slices"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/scope"
)

// Sentinel errors; callers use errors.Is. Each has its errkind, which
// decides the HTTP class of an answer.
var (
	// ErrUnauthenticated: no credentials were sent.
	ErrUnauthenticated = errkind.Unauthenticated.New("authentication required")
	// ErrBadCredentials: the key is unknown or revoked.
	ErrBadCredentials = errkind.Unauthenticated.New("invalid or revoked API key")
	// ErrForbidden: the caller is known but its role does not allow the
	// action.
	ErrForbidden = errkind.Forbidden.New("forbidden")
	// ErrNotFound: the object does not exist or is outside the caller's
	// scope; the two are indistinguishable on purpose (no id guessing).
	ErrNotFound = errkind.NotFound.New("not found")
	// ErrInvalid: a request to change something is malformed.
	ErrInvalid = errkind.Invalid.New("invalid")
	// ErrConflict: the change collides with existing state.
	ErrConflict = errkind.Conflict.New("conflict")
)

// Role is what a key may do.
type Role string

// The roles, from least to most privileged; partner sits beside editor:
// it reads and manages its customers but edits no shared content.
const (
	RoleViewer  Role = "viewer"
	RoleEditor  Role = "editor"
	RolePartner Role = "partner"
	RoleAdmin   Role = "admin"
)

// ParseRole accepts the role names of the CLI and the API.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleViewer, RoleEditor, RolePartner, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("%w: unknown role %q (want admin, editor, viewer or partner)", ErrInvalid, s)
}

// Action is a class of operations that roles grant.
type Action int

// The actions. Reading is scoped by organization or customer; the others
// are further limited to what the caller can see.
const (
	// Read cost data, snapshots, organizations and customers in scope.
	Read Action = iota
	// EditContent changes perspectives, tags and rating rules.
	EditContent
	// ManageCustomers creates, changes and deletes partner customers,
	// their account assignments and their keys.
	ManageCustomers
	// Administer manages keys, organizations, accounts, sources and
	// pipelines, and reads the audit log.
	Administer
)

func (a Action) String() string {
	switch a {
	case Read:
		return "read"
	case EditContent:
		return "edit perspectives, tags and rating rules"
	case ManageCustomers:
		return "manage partner customers"
	case Administer:
		return "administer keys, organizations, accounts and pipelines"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// grants lists what each role may do.
var grants = map[Role][]Action{
	RoleViewer:  {Read},
	RoleEditor:  {Read, EditContent},
	RolePartner: {Read, ManageCustomers},
	RoleAdmin:   {Read, EditContent, ManageCustomers, Administer},
}

// Principal is the authenticated caller of one request.
type Principal struct {
	KeyID      int64
	KeyName    string
	Role       Role
	OrgID      int64
	CustomerID int64 // non-zero when acting for (or as) a partner customer
	// Scope is the cloud accounts (AWS accounts, Azure subscriptions, GCP
	// projects, data center accounts) the caller may see. Its zero value
	// sees nothing: only the default organization's keys, the command
	// line and --no-auth are given scope.All().
	Scope scope.Scope
	// NoAuth marks the principal of a server started with --no-auth.
	NoAuth bool
}

// Can reports whether the principal's role grants a.
func (p *Principal) Can(a Action) bool {
	return p != nil && slices.Contains(grants[p.Role], a)
}

// Require returns ErrForbidden, with a message naming the action and the
// role, unless the principal may do a.
func (p *Principal) Require(a Action) error {
	if p.Can(a) {
		return nil
	}
	role := Role("none")
	if p != nil {
		role = p.Role
	}
	return fmt.Errorf("%w: the %s role may not %s", ErrForbidden, role, a)
}

// RequireWhole is Require for actions over every tenant's data (the audit
// log, pipelines, snapshot deletion, partner customers): the principal
// must also see every account, as only keys of the default organization
// do. who and deed word the refusal ("administrators", "run the
// pipeline").
func (p *Principal) RequireWhole(a Action, who, deed string) error {
	if err := p.Require(a); err != nil {
		return err
	}
	if !p.Unscoped() || p.CustomerID != 0 {
		return fmt.Errorf("%w: only %s of the default organization %s", ErrForbidden, who, deed)
	}
	return nil
}

// Unscoped reports whether the principal sees every account.
func (p *Principal) Unscoped() bool { return p != nil && p.Scope.IsAll() }

// Sees reports whether an account is in the principal's scope.
func (p *Principal) Sees(account string) bool { return p != nil && p.Scope.Sees(account) }

// SeesAllContent reports whether the principal sees the content every
// organization makes (perspectives, saved reports, budgets): callers of
// the default organization that see every account and act for no
// customer, who see every tenant's costs anyway.
func (p *Principal) SeesAllContent() bool {
	return p.Unscoped() && p.CustomerID == 0 && p.OrgID == DefaultOrgID
}

// SeesContentOf reports whether the principal sees content owned by
// organization org and partner customer customer (0: none): the owner's
// own keys, and those that see all content. Ownership is exact: a parent
// organization does not see its sub-organizations' content, nor a
// partner its customers'.
func (p *Principal) SeesContentOf(org, customer int64) bool {
	return p.SeesAllContent() || p != nil && org == p.OrgID && customer == p.CustomerID
}

// Actor is how the principal appears in the audit log.
func (p *Principal) Actor() string {
	switch {
	case p == nil:
		return "system"
	case p.NoAuth:
		return "no-auth"
	case p.KeyName != "":
		return p.KeyName
	}
	return fmt.Sprintf("key %d", p.KeyID)
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// Caller returns the principal of ctx when it may do a: ErrUnauthenticated
// for a context without one (a route outside authentication), else the
// principal's ErrForbidden when its role does not allow a.
func Caller(ctx context.Context, a Action) (*Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return nil, fmt.Errorf("%w: request without a principal", ErrUnauthenticated)
	}
	return p, p.Require(a)
}

// FromContext returns the principal of ctx, if any.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(*Principal)
	return p, ok && p != nil
}
