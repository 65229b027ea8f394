package tenant

import (
	"context"
	"slices"
	"sync"
)

// MemRepo is a Repo in memory, for tests: a server keeps its tenants in
// its state store (store.StateStore).
type MemRepo struct {
	mu    sync.Mutex
	state State
	audit []AuditEntry
	ids   map[string]int64
	// FailNext, when set, makes the next ApplyTenants fail with it.
	FailNext error
}

// LoadTenants implements Repo.
func (m *MemRepo) LoadTenants(context.Context) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return State{Keys: slices.Clone(m.state.Keys), Orgs: slices.Clone(m.state.Orgs), Customers: slices.Clone(m.state.Customers)}, nil
}

// NextTenantID implements Repo.
func (m *MemRepo) NextTenantID(_ context.Context, kind string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		// Start where DuckDB's sequences start, so that ids agree.
		m.ids = map[string]int64{"org": DefaultOrgID}
	}
	m.ids[kind]++
	return m.ids[kind], nil
}

// ApplyTenants implements Repo.
func (m *MemRepo) ApplyTenants(_ context.Context, c Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.FailNext; err != nil {
		m.FailNext = nil
		return err
	}
	m.state.Keys = upsert(m.state.Keys, c.Keys, func(k Key) int64 { return k.ID })
	m.state.Orgs = upsert(m.state.Orgs, c.Orgs, func(o Org) int64 { return o.ID })
	m.state.Orgs = slices.DeleteFunc(m.state.Orgs, func(o Org) bool { return slices.Contains(c.DeleteOrgs, o.ID) })
	m.state.Customers = upsert(m.state.Customers, c.Customers, func(c Customer) int64 { return c.ID })
	m.state.Customers = slices.DeleteFunc(m.state.Customers, func(x Customer) bool { return slices.Contains(c.DeleteCustomers, x.ID) })
	m.audit = append(m.audit, c.Audit...)
	return nil
}

func upsert[T any](list, add []T, id func(T) int64) []T {
	for _, a := range add {
		i := slices.IndexFunc(list, func(x T) bool { return id(x) == id(a) })
		if i >= 0 {
			list[i] = a
		} else {
			list = append(list, a)
		}
	}
	return list
}

// Audit implements Repo.
func (m *MemRepo) Audit(_ context.Context, f AuditFilter) ([]AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AuditEntry
	for i := len(m.audit) - 1; i >= 0; i-- {
		e := m.audit[i]
		if (f.Object == "" || e.Object == f.Object) && (f.ObjectID == "" || e.ObjectID == f.ObjectID) && !e.Time.Before(f.Since) {
			out = append(out, e)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}
