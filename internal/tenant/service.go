package tenant

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/scope"
)

// Service is the tenant state of one server: it authenticates keys,
// resolves scopes and makes every change with its audit entry. Reads are
// served from memory (a handful of keys, organizations and customers);
// writes go through the Repo first, so memory never holds what the
// database refused.
type Service struct {
	repo Repo
	now  func() time.Time

	mu        sync.RWMutex
	keys      map[int64]*Key
	byPublic  map[string]*Key
	orgs      map[int64]*Org
	customers map[int64]*Customer
}

// System is the principal of the command line: an administrator of the
// default organization, recorded as "cli" in the audit log.
var System = &Principal{Role: RoleAdmin, OrgID: DefaultOrgID, KeyName: "cli", Scope: scope.All()}

// NoAuth is the principal of every request to a server started with
// --no-auth: an administrator of the default organization.
var NoAuth = &Principal{Role: RoleAdmin, OrgID: DefaultOrgID, KeyName: "no-auth", NoAuth: true, Scope: scope.All()}

// Open loads the tenant state, creating the default organization on
// first use.
func Open(ctx context.Context, repo Repo) (*Service, error) {
	// Microseconds: what the database keeps, so memory and disk agree.
	s := &Service{repo: repo, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	st, err := repo.LoadTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading tenants: %w", err)
	}
	s.load(st)
	if _, ok := s.orgs[DefaultOrgID]; !ok {
		now := s.now()
		def := Org{ID: DefaultOrgID, Name: "Default", Description: "Sees every account", Default: true, Accounts: Accounts{}, CreatedAt: now, UpdatedAt: now}
		if err := s.apply(ctx, System, Change{Orgs: []Org{def}}, "create", "organization", "1", "default organization"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Service) load(st State) {
	s.keys, s.byPublic = map[int64]*Key{}, map[string]*Key{}
	s.orgs, s.customers = map[int64]*Org{}, map[int64]*Customer{}
	for i := range st.Keys {
		k := st.Keys[i]
		s.keys[k.ID], s.byPublic[k.Public] = &k, &k
	}
	for i := range st.Orgs {
		o := st.Orgs[i]
		s.orgs[o.ID] = &o
	}
	for i := range st.Customers {
		c := st.Customers[i]
		s.customers[c.ID] = &c
	}
}

// apply writes a change with one audit entry for it and updates memory.
func (s *Service) apply(ctx context.Context, actor *Principal, c Change, action, object, id, detail string) error {
	aid, err := s.repo.NextTenantID(ctx, "audit")
	if err != nil {
		return err
	}
	c.Audit = append(c.Audit, AuditEntry{ID: aid, Time: s.now(), KeyID: actor.KeyID, Actor: actor.Actor(),
		Action: action, Object: object, ObjectID: id, Detail: detail})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.repo.ApplyTenants(ctx, c); err != nil {
		return fmt.Errorf("saving %s: %w", object, err)
	}
	for i := range c.Keys {
		k := c.Keys[i]
		s.keys[k.ID], s.byPublic[k.Public] = &k, &k
	}
	for i := range c.Orgs {
		o := c.Orgs[i]
		s.orgs[o.ID] = &o
	}
	for _, id := range c.DeleteOrgs {
		delete(s.orgs, id)
	}
	for i := range c.Customers {
		cu := c.Customers[i]
		s.customers[cu.ID] = &cu
	}
	for _, id := range c.DeleteCustomers {
		delete(s.customers, id)
	}
	return nil
}

// Authenticate returns the principal of a key. Unknown, malformed and
// revoked keys are all ErrBadCredentials.
func (s *Service) Authenticate(key string) (*Principal, error) {
	if key == "" {
		return nil, ErrUnauthenticated
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := s.byPublic[publicID(key)]
	var want []byte
	if k != nil {
		want = k.Digest
	}
	if !matches(key, want) || k.Revoked() {
		return nil, ErrBadCredentials
	}
	p := &Principal{KeyID: k.ID, KeyName: k.Name, Role: k.Role, OrgID: k.OrgID, CustomerID: k.CustomerID}
	if err := s.resolve(p); err != nil {
		return nil, err
	}
	return p, nil
}

// resolve sets p.Scope from its organization and customer. It starts
// from nothing and widens only from what is stored: the default
// organization sees every account, another organization its own, and a
// customer's key at most the customer's, so a customer without accounts
// sees none. A key whose organization or customer is gone is refused.
func (s *Service) resolve(p *Principal) error {
	p.Scope = scope.None()
	o, ok := s.orgs[p.OrgID]
	if !ok {
		return ErrBadCredentials
	}
	sc := scope.Accounts(o.Accounts.All()...)
	if o.Default {
		sc = scope.All()
	}
	if p.CustomerID != 0 {
		c, ok := s.customers[p.CustomerID]
		if !ok {
			return ErrBadCredentials
		}
		sc = sc.Intersect(scope.Accounts(c.Accounts...))
	}
	p.Scope = sc
	return nil
}

// ActFor narrows p to one of its customers (CloudHealth's client_api_id).
// A customer the caller cannot see is ErrNotFound.
func (s *Service) ActFor(p *Principal, customer string) (*Principal, error) {
	id, err := strconv.ParseInt(customer, 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("%w: client_api_id %q is not a customer id", ErrInvalid, customer)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.customers[id]
	if !ok || !s.seesCustomer(p, c) {
		return nil, fmt.Errorf("customer %d: %w", id, ErrNotFound)
	}
	q := *p
	q.CustomerID = id
	q.Scope = p.Scope.Intersect(scope.Accounts(c.Accounts...))
	return &q, nil
}

// seesCustomer: a customer's own keys see it; otherwise only callers of
// the default organization, who see every account, see customers.
func (s *Service) seesCustomer(p *Principal, c *Customer) bool {
	if p.CustomerID != 0 {
		return p.CustomerID == c.ID
	}
	return p.Unscoped()
}

// inSubtree reports whether org id is root or one of its descendants.
func (s *Service) inSubtree(root, id int64) bool {
	for seen := 0; id != 0 && seen <= len(s.orgs); seen++ {
		if id == root {
			return true
		}
		o, ok := s.orgs[id]
		if !ok {
			return false
		}
		id = o.ParentID
	}
	return false
}

// seesOrg: the default organization sees every organization; any other
// sees itself and its FlexOrg descendants. Customer keys see none.
func (s *Service) seesOrg(p *Principal, id int64) bool {
	if p.CustomerID != 0 {
		return false
	}
	if root, ok := s.orgs[p.OrgID]; ok && root.Default {
		_, exists := s.orgs[id]
		return exists
	}
	return s.inSubtree(p.OrgID, id)
}

// Audit lists audit entries, newest first. Only administrators of the
// default organization read it: entries name objects of every tenant.
func (s *Service) Audit(ctx context.Context, p *Principal, f AuditFilter) ([]AuditEntry, error) {
	if err := p.RequireWhole(Administer, "administrators", "read the audit log"); err != nil {
		return nil, err
	}
	return s.repo.Audit(ctx, f)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// Record writes an audit entry for a change made outside this package
// (a source added, a pipeline rebuilt), so that the audit log holds every
// change whoever owns the object.
func (s *Service) Record(ctx context.Context, actor *Principal, action, object, id, detail string) error {
	return s.apply(ctx, actor, Change{}, action, object, id, detail)
}
