package tenant

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Customers lists the partner customers the actor sees: all of them for
// callers of the default organization, its own for a customer's key.
func (s *Service) Customers(actor *Principal) []Customer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Customer
	for _, c := range s.customers {
		if s.seesCustomer(actor, c) {
			out = append(out, cloneCustomer(c))
		}
	}
	slices.SortFunc(out, func(a, b Customer) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Customer returns one customer the actor sees.
func (s *Service) Customer(actor *Principal, id int64) (Customer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.customers[id]
	if !ok || !s.seesCustomer(actor, c) {
		return Customer{}, fmt.Errorf("customer %d: %w", id, ErrNotFound)
	}
	return cloneCustomer(c), nil
}

func cloneCustomer(c *Customer) Customer {
	out := *c
	out.Accounts = slices.Clone(c.Accounts)
	return out
}

// mayManageCustomers: partners and administrators of the default
// organization (who see every account) manage customers; a customer's
// own keys never do.
func mayManageCustomers(actor *Principal) error {
	return actor.RequireWhole(ManageCustomers, "keys", "manage customers")
}

// CreateCustomer adds a partner customer without accounts.
func (s *Service) CreateCustomer(ctx context.Context, actor *Principal, name string) (Customer, error) {
	if err := mayManageCustomers(actor); err != nil {
		return Customer{}, err
	}
	name, err := checkName("name", name)
	if err != nil {
		return Customer{}, err
	}
	id, err := s.repo.NextTenantID(ctx, "customer")
	if err != nil {
		return Customer{}, err
	}
	now := s.now()
	c := Customer{ID: id, Name: name, Accounts: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(ctx, actor, Change{Customers: []Customer{c}}, "create", "customer", idString(id), "name="+name); err != nil {
		return Customer{}, err
	}
	return c, nil
}

// RenameCustomer changes a customer's name.
func (s *Service) RenameCustomer(ctx context.Context, actor *Principal, id int64, name string) (Customer, error) {
	if err := mayManageCustomers(actor); err != nil {
		return Customer{}, err
	}
	name, err := checkName("name", name)
	if err != nil {
		return Customer{}, err
	}
	c, err := s.Customer(actor, id)
	if err != nil {
		return Customer{}, err
	}
	c.Name, c.UpdatedAt = name, s.now()
	if err := s.apply(ctx, actor, Change{Customers: []Customer{c}}, "update", "customer", idString(id), "name="+name); err != nil {
		return Customer{}, err
	}
	return c, nil
}

// DeleteCustomer removes a customer and revokes its keys in one change.
func (s *Service) DeleteCustomer(ctx context.Context, actor *Principal, id int64) error {
	if err := mayManageCustomers(actor); err != nil {
		return err
	}
	c, err := s.Customer(actor, id)
	if err != nil {
		return err
	}
	ch := Change{DeleteCustomers: []int64{id}}
	s.mu.RLock()
	for _, k := range s.keys {
		if k.CustomerID == id && !k.Revoked() {
			r := *k
			r.RevokedAt = s.now()
			ch.Keys = append(ch.Keys, r)
		}
	}
	s.mu.RUnlock()
	return s.apply(ctx, actor, ch, "delete", "customer", idString(id), "name="+c.Name)
}

// SetCustomerAccounts changes a customer's accounts. An account belongs
// to at most one customer: assigning one that another customer holds is
// ErrConflict, and the whole call changes nothing.
func (s *Service) SetCustomerAccounts(ctx context.Context, actor *Principal, id int64, mode AssignMode, ids []string) (Customer, error) {
	if err := mayManageCustomers(actor); err != nil {
		return Customer{}, err
	}
	if len(ids) > MaxAccountsPerCall {
		return Customer{}, fmt.Errorf("%w: at most %d accounts per call", ErrInvalid, MaxAccountsPerCall)
	}
	for _, a := range ids {
		if strings.TrimSpace(a) == "" {
			return Customer{}, fmt.Errorf("%w: empty account id", ErrInvalid)
		}
		if err := checkAccountID("account id", a); err != nil {
			return Customer{}, err
		}
	}
	c, err := s.Customer(actor, id)
	if err != nil {
		return Customer{}, err
	}
	switch mode {
	case AssignReplace:
		// Never nil: an empty list is stored and shown as no accounts.
		c.Accounts = append([]string{}, ids...)
	case AssignAdd:
		c.Accounts = append(c.Accounts, ids...)
	case AssignRemove:
		c.Accounts = slices.DeleteFunc(c.Accounts, func(a string) bool { return slices.Contains(ids, a) })
	default:
		return Customer{}, fmt.Errorf("%w: unknown assignment mode %q (want add or remove)", ErrInvalid, mode)
	}
	slices.Sort(c.Accounts)
	c.Accounts = slices.Compact(c.Accounts)
	s.mu.RLock()
	for _, other := range s.customers {
		if other.ID == id {
			continue
		}
		for _, a := range c.Accounts {
			if slices.Contains(other.Accounts, a) {
				err = fmt.Errorf("%w: account %s is already assigned to customer %d", ErrConflict, a, other.ID)
			}
		}
	}
	s.mu.RUnlock()
	if err != nil {
		return Customer{}, err
	}
	c.UpdatedAt = s.now()
	detail := fmt.Sprintf("%s %d accounts", mode, len(ids))
	if err := s.apply(ctx, actor, Change{Customers: []Customer{c}}, "update", "customer", idString(id), detail); err != nil {
		return Customer{}, err
	}
	return c, nil
}
