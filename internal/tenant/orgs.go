package tenant

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// MaxAccountsPerCall bounds each account list of one assignment call, as
// CloudHealth does.
const MaxAccountsPerCall = 500

// Orgs lists the organizations the actor sees, by id.
func (s *Service) Orgs(actor *Principal) []Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Org
	for id, o := range s.orgs {
		if s.seesOrg(actor, id) {
			out = append(out, cloneOrg(o))
		}
	}
	slices.SortFunc(out, func(a, b Org) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Org returns one organization the actor sees.
func (s *Service) Org(actor *Principal, id int64) (Org, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.seesOrg(actor, id) {
		return Org{}, fmt.Errorf("organization %d: %w", id, ErrNotFound)
	}
	return cloneOrg(s.orgs[id]), nil
}

func cloneOrg(o *Org) Org {
	c := *o
	c.Accounts = o.Accounts.Clone()
	return c
}

// OrgSpec describes an organization to create or rename.
type OrgSpec struct {
	Name        string
	Description string
	ParentID    int64 // non-zero makes a FlexOrg child of that organization
}

// CreateOrg adds an organization. An administrator of a non-default
// organization may only add FlexOrg children within its own subtree.
func (s *Service) CreateOrg(ctx context.Context, actor *Principal, spec OrgSpec) (Org, error) {
	if err := actor.Require(Administer); err != nil {
		return Org{}, err
	}
	spec, err := spec.checked()
	if err != nil {
		return Org{}, err
	}
	s.mu.RLock()
	err = s.mayCreateUnder(actor, spec.ParentID)
	s.mu.RUnlock()
	if err != nil {
		return Org{}, err
	}
	id, err := s.repo.NextTenantID(ctx, "org")
	if err != nil {
		return Org{}, err
	}
	now := s.now()
	o := Org{ID: id, ParentID: spec.ParentID, Name: spec.Name, Description: spec.Description,
		Accounts: Accounts{}, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(ctx, actor, Change{Orgs: []Org{o}}, "create", "organization", idString(id), "name="+o.Name); err != nil {
		return Org{}, err
	}
	return o, nil
}

func (s *Service) mayCreateUnder(actor *Principal, parent int64) error {
	if parent != 0 {
		if !s.seesOrg(actor, parent) {
			return fmt.Errorf("parent organization %d: %w", parent, ErrNotFound)
		}
		return nil
	}
	if root, ok := s.orgs[actor.OrgID]; !ok || !root.Default || actor.CustomerID != 0 {
		return fmt.Errorf("%w: an administrator of a non-default organization may only create FlexOrg children (give parent_organization_id)", ErrForbidden)
	}
	return nil
}

// mayChangeOrg: administrators change organizations strictly below their
// own (a scoped administrator cannot widen its own scope); the default
// organization is never changed through the API.
func (s *Service) mayChangeOrg(actor *Principal, id int64) (*Org, error) {
	if err := actor.Require(Administer); err != nil {
		return nil, err
	}
	if !s.seesOrg(actor, id) {
		return nil, fmt.Errorf("organization %d: %w", id, ErrNotFound)
	}
	o := s.orgs[id]
	if o.Default {
		return nil, fmt.Errorf("%w: the default organization holds every account and cannot be changed", ErrForbidden)
	}
	if id == actor.OrgID {
		return nil, fmt.Errorf("%w: an administrator cannot change its own organization", ErrForbidden)
	}
	return o, nil
}

// UpdateOrg renames an organization or changes its description; nil
// fields are kept.
func (s *Service) UpdateOrg(ctx context.Context, actor *Principal, id int64, name, description *string) (Org, error) {
	s.mu.RLock()
	cur, err := s.mayChangeOrg(actor, id)
	var o Org
	if err == nil {
		o = cloneOrg(cur)
	}
	s.mu.RUnlock()
	if err != nil {
		return Org{}, err
	}
	if name != nil {
		if o.Name, err = checkName("name", *name); err != nil {
			return Org{}, err
		}
	}
	if description != nil {
		if o.Description, err = checkDescription("description", *description); err != nil {
			return Org{}, err
		}
	}
	o.UpdatedAt = s.now()
	if err := s.apply(ctx, actor, Change{Orgs: []Org{o}}, "update", "organization", idString(id), "name="+o.Name); err != nil {
		return Org{}, err
	}
	return o, nil
}

// DeleteOrg removes an organization without FlexOrg children and revokes
// its keys in the same change.
func (s *Service) DeleteOrg(ctx context.Context, actor *Principal, id int64) error {
	s.mu.RLock()
	o, err := s.mayChangeOrg(actor, id)
	var c Change
	if err == nil {
		for _, child := range s.orgs {
			if child.ParentID == id {
				err = fmt.Errorf("%w: organization %d has FlexOrg children; delete them first", ErrConflict, id)
			}
		}
		for _, k := range s.keys {
			if k.OrgID == id && !k.Revoked() {
				r := *k
				r.RevokedAt = s.now()
				c.Keys = append(c.Keys, r)
			}
		}
	}
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	c.DeleteOrgs = []int64{id}
	return s.apply(ctx, actor, c, "delete", "organization", idString(id), "name="+o.Name)
}

// AssignMode says how SetOrgAccounts combines lists with the current ones.
type AssignMode string

// The modes of CloudHealth's PUT (replace) and PATCH (add, remove).
const (
	AssignReplace AssignMode = "replace"
	AssignAdd     AssignMode = "add"
	AssignRemove  AssignMode = "remove"
)

// SetOrgAccounts changes an organization's accounts. A FlexOrg may only
// hold accounts of its parent; accounts leaving an organization leave its
// FlexOrg descendants too, in the same change, so that no child ever sees
// more than its parent.
func (s *Service) SetOrgAccounts(ctx context.Context, actor *Principal, id int64, mode AssignMode, acc Accounts) (Org, error) {
	for k, ids := range acc {
		if _, err := ParseAccountKind(string(k)); err != nil {
			return Org{}, err
		}
		if len(ids) > MaxAccountsPerCall {
			return Org{}, fmt.Errorf("%w: at most %d %s per call", ErrInvalid, MaxAccountsPerCall, k)
		}
		for _, a := range ids {
			if strings.TrimSpace(a) == "" {
				return Org{}, fmt.Errorf("%w: empty account id in %s", ErrInvalid, k)
			}
			if err := checkAccountID("account id in "+string(k), a); err != nil {
				return Org{}, err
			}
		}
	}
	s.mu.RLock()
	c, o, err := s.planAccounts(actor, id, mode, acc)
	s.mu.RUnlock()
	if err != nil {
		return Org{}, err
	}
	detail := fmt.Sprintf("%s %d accounts", mode, len(acc.All()))
	if err := s.apply(ctx, actor, c, "update", "organization", idString(id), detail); err != nil {
		return Org{}, err
	}
	return o, nil
}

func (s *Service) planAccounts(actor *Principal, id int64, mode AssignMode, acc Accounts) (Change, Org, error) {
	cur, err := s.mayChangeOrg(actor, id)
	if err != nil {
		return Change{}, Org{}, err
	}
	o := cloneOrg(cur)
	next := Accounts{}
	for _, k := range AccountKinds {
		ids := slices.Clone(o.Accounts[k])
		switch mode {
		case AssignReplace:
			ids = slices.Clone(acc[k])
		case AssignAdd:
			ids = append(ids, acc[k]...)
		case AssignRemove:
			ids = slices.DeleteFunc(ids, func(a string) bool { return slices.Contains(acc[k], a) })
		default:
			return Change{}, Org{}, fmt.Errorf("%w: unknown assignment mode %q (want add or remove)", ErrInvalid, mode)
		}
		slices.Sort(ids)
		if ids = slices.Compact(ids); len(ids) > 0 {
			next[k] = ids
		}
	}
	if parent, ok := s.orgs[o.ParentID]; ok && !parent.Default {
		allowed := parent.Accounts.All()
		for _, a := range next.All() {
			if !slices.Contains(allowed, a) {
				return Change{}, Org{}, fmt.Errorf("%w: account %s is not an account of parent organization %d", ErrInvalid, a, parent.ID)
			}
		}
	}
	o.Accounts, o.UpdatedAt = next, s.now()
	c := Change{Orgs: []Org{o}}
	// Prune descendants, parents before children.
	keep := map[int64][]string{o.ID: next.All()}
	for changed := true; changed; {
		changed = false
		for _, child := range s.orgs {
			allowed, parentDone := keep[child.ParentID]
			if _, done := keep[child.ID]; done || !parentDone {
				continue
			}
			pruned := Accounts{}
			for k, ids := range child.Accounts {
				ids = slices.DeleteFunc(slices.Clone(ids), func(a string) bool { return !slices.Contains(allowed, a) })
				if len(ids) > 0 {
					pruned[k] = ids
				}
			}
			keep[child.ID], changed = pruned.All(), true
			if len(pruned.All()) != len(child.Accounts.All()) {
				cc := cloneOrg(child)
				cc.Accounts, cc.UpdatedAt = pruned, s.now()
				c.Orgs = append(c.Orgs, cc)
			}
		}
	}
	return c, o, nil
}
