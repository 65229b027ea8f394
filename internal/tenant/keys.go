package tenant

import (
	"context"
	"fmt"
	"slices"
)

// KeySpec describes a key to create.
type KeySpec struct {
	Name       string
	Role       Role
	OrgID      int64 // 0: the default organization
	CustomerID int64 // non-zero: a key of that partner customer
	// Replace revokes the other valid keys of the same name: rotation for
	// a user who holds one key at a time.
	Replace bool
}

// CreateKey makes a new key and returns it; the key itself is shown only
// here. Administrators create keys in the organizations they see;
// partners create keys for their customers (viewer or editor).
func (s *Service) CreateKey(ctx context.Context, actor *Principal, spec KeySpec) (string, Key, error) {
	if spec.OrgID == 0 {
		spec.OrgID = actor.OrgID
		if spec.OrgID == 0 {
			spec.OrgID = DefaultOrgID
		}
	}
	if _, err := ParseRole(string(spec.Role)); err != nil {
		return "", Key{}, err
	}
	s.mu.RLock()
	err := s.mayManageKey(actor, spec.Role, spec.OrgID, spec.CustomerID)
	s.mu.RUnlock()
	if err != nil {
		return "", Key{}, err
	}
	if spec.Name, err = checkOptionalName("name", spec.Name); err != nil {
		return "", Key{}, err
	}
	id, err := s.repo.NextTenantID(ctx, "key")
	if err != nil {
		return "", Key{}, err
	}
	if spec.Name == "" {
		spec.Name = fmt.Sprintf("key-%d", id)
	}
	secret, public := newKey()
	k := Key{ID: id, Public: public, Digest: Digest(secret), Name: spec.Name, Role: spec.Role,
		OrgID: spec.OrgID, CustomerID: spec.CustomerID, CreatedAt: s.now()}
	c := Change{Keys: []Key{k}}
	action := "create"
	if spec.Replace {
		c.Keys = append(c.Keys, s.revocable(actor, spec.Name)...)
		if len(c.Keys) > 1 {
			action = "rotate"
		}
	}
	detail := fmt.Sprintf("name=%s role=%s org=%d customer=%d", k.Name, k.Role, k.OrgID, k.CustomerID)
	if err := s.apply(ctx, actor, c, action, "key", idString(id), detail); err != nil {
		return "", Key{}, err
	}
	return secret, k, nil
}

// revocable returns revoked copies of the valid keys named name that the
// actor may manage.
func (s *Service) revocable(actor *Principal, name string) []Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Key
	for _, k := range s.keys {
		if k.Name == name && !k.Revoked() && s.mayManageKey(actor, k.Role, k.OrgID, k.CustomerID) == nil {
			r := *k
			r.RevokedAt = s.now()
			out = append(out, r)
		}
	}
	return out
}

// mayManageKey decides whether actor may create or revoke a key of that
// role, organization and customer. Organizations and customers the actor
// cannot see are ErrNotFound, as everywhere. The caller holds s.mu.
func (s *Service) mayManageKey(actor *Principal, role Role, org, customer int64) error {
	if actor.CustomerID != 0 {
		return fmt.Errorf("%w: a customer's keys cannot manage keys", ErrForbidden)
	}
	if customer == 0 {
		if err := actor.Require(Administer); err != nil {
			return err
		}
	} else if err := actor.Require(ManageCustomers); err != nil {
		return err
	}
	if !s.seesOrg(actor, org) {
		return fmt.Errorf("organization %d: %w", org, ErrNotFound)
	}
	if customer != 0 {
		c, ok := s.customers[customer]
		if !ok || !s.seesCustomer(actor, c) {
			return fmt.Errorf("customer %d: %w", customer, ErrNotFound)
		}
		if role != RoleViewer && role != RoleEditor {
			return fmt.Errorf("%w: a customer's key is a viewer or an editor, not %s", ErrInvalid, role)
		}
	}
	return nil
}

// Keys lists the keys the actor may manage, without secrets.
func (s *Service) Keys(actor *Principal) ([]Key, error) {
	if !actor.Can(Administer) && !actor.Can(ManageCustomers) {
		return nil, actor.Require(Administer)
	}
	s.mu.RLock()
	ids := make([]int64, 0, len(s.keys))
	for id := range s.keys {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	slices.Sort(ids)
	var out []Key
	for _, id := range ids {
		k, err := s.Key(actor, id)
		if err == nil {
			out = append(out, k)
		}
	}
	return out, nil
}

// Key returns one key the actor may manage.
func (s *Service) Key(actor *Principal, id int64) (Key, error) {
	if !actor.Can(Administer) && !actor.Can(ManageCustomers) {
		return Key{}, actor.Require(Administer)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	if !ok || s.mayManageKey(actor, k.Role, k.OrgID, k.CustomerID) != nil {
		return Key{}, fmt.Errorf("key %d: %w", id, ErrNotFound)
	}
	return *k, nil
}

// RevokeKey makes a key stop authenticating at once.
func (s *Service) RevokeKey(ctx context.Context, actor *Principal, id int64) (Key, error) {
	k, err := s.Key(actor, id)
	if err != nil {
		return Key{}, err
	}
	if k.Revoked() {
		return k, nil
	}
	k.RevokedAt = s.now()
	if err := s.apply(ctx, actor, Change{Keys: []Key{k}}, "revoke", "key", idString(id), "name="+k.Name); err != nil {
		return Key{}, err
	}
	return k, nil
}

// RotateKey replaces a key by a new one with the same name, role,
// organization and customer, and revokes the old one, in one change.
func (s *Service) RotateKey(ctx context.Context, actor *Principal, id int64) (string, Key, error) {
	old, err := s.Key(actor, id)
	if err != nil {
		return "", Key{}, err
	}
	if old.Revoked() {
		return "", Key{}, fmt.Errorf("%w: key %d is revoked; create a new one", ErrConflict, id)
	}
	nid, err := s.repo.NextTenantID(ctx, "key")
	if err != nil {
		return "", Key{}, err
	}
	secret, public := newKey()
	k := Key{ID: nid, Public: public, Digest: Digest(secret), Name: old.Name, Role: old.Role,
		OrgID: old.OrgID, CustomerID: old.CustomerID, CreatedAt: s.now()}
	old.RevokedAt = s.now()
	if err := s.apply(ctx, actor, Change{Keys: []Key{k, old}}, "rotate", "key", idString(id),
		fmt.Sprintf("replaced by key %d", nid)); err != nil {
		return "", Key{}, err
	}
	return secret, k, nil
}
