package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// ErrNoRegistry is returned by registry writes on an engine that was
// given no registry.
var ErrNoRegistry = errors.New("engine: no registry of customers and sub accounts")

// SetRegistry gives the engine the registry of named customers and sub
// accounts.
func (e *Engine) SetRegistry(r *registry.Registry) { e.registry = r }

// Registered lists the registry's entries of kind that the caller may
// see. A sub account is seen when it is in the caller's scope. A customer
// is seen by an unscoped caller, or when the caller already sees its key:
// a registered sub account in scope names it as parent, or line items in
// scope carry it as their customer or billing account. A name given to
// something outside the scope never reaches the caller.
func (e *Engine) Registered(ctx context.Context, kind registry.Kind) ([]registry.Entry, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoPrincipal
	}
	if e.registry == nil {
		return nil, nil
	}
	all, err := e.registry.List(ctx, kind)
	if err != nil || p.Unscoped() || len(all) == 0 {
		return all, err
	}
	var out []registry.Entry
	switch kind {
	case registry.SubAccount:
		for _, en := range all {
			if p.Sees(en.Key) {
				out = append(out, en)
			}
		}
	case registry.Customer:
		seen, err := e.customersSeen(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, en := range all {
			if seen[en.Key] {
				out = append(out, en)
			}
		}
	}
	return out, nil
}

// allTime is the window of a question about every bill.
var allTime = cost.Window{
	Start: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
	End:   time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
}

// customersSeen returns the customer keys a scoped caller sees: parents
// of registered sub accounts in scope, and the customer and billing
// account ids of its line items in every completed snapshot (superseded
// runs included, as dialects list the objects of older runs too).
func (e *Engine) customersSeen(ctx context.Context, p *tenant.Principal) (map[string]bool, error) {
	seen := map[string]bool{}
	subs, err := e.registry.List(ctx, registry.SubAccount)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		if s.Parent != "" && p.Sees(s.Key) {
			seen[s.Parent] = true
		}
	}
	// Rated usage names no customer (its billing account is its scope,
	// an account of the caller's already) and makes one snapshot per
	// scope and hour: it is left out in the store. Only settled
	// snapshots are kept (below).
	snaps, err := e.listSnapshots(ctx, store.SnapshotFilter{Scope: p.Scope, ExcludeProviders: []string{frames.Provider}}, true)
	if err != nil {
		return nil, fmt.Errorf("finding the caller's customers: %w", err)
	}
	var ids []int64
	for _, s := range snaps {
		if s.Status == store.StatusComplete || s.Status == store.StatusSuperseded {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) == 0 {
		return seen, nil
	}
	_, err = e.store.Stream(ctx, query.Query{
		Window: allTime, GroupBy: []cost.Dimension{cost.DimCustomerID, cost.DimBillingAccountID},
		Metrics: []cost.Metric{cost.Billed}, Scope: p.Scope, Selection: query.Selection{Snapshots: ids},
	}, func(r query.Row) error {
		for _, k := range r.Keys {
			if k != "" {
				seen[k] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding the caller's customers: %w", err)
	}
	return seen, nil
}

// MayRegister reports whether the caller may change the registry: editors
// and administrators of the default organization, as a registered name
// shows to every tenant that sees the entity. Dialects ask before reading
// a request, as Django REST Framework checks permissions first.
func (e *Engine) MayRegister(ctx context.Context) error {
	_, err := e.registrar(ctx)
	return err
}

// registrar returns the caller when it may change the registry.
func (e *Engine) registrar(ctx context.Context) (*tenant.Principal, error) {
	p, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoPrincipal
	}
	if err := p.RequireWhole(tenant.EditContent, "editors and administrators", "name customers and sub accounts"); err != nil {
		return nil, err
	}
	if e.registry == nil {
		return nil, ErrNoRegistry
	}
	return p, nil
}

// Register adds an entry to the registry (see registry.Registry.Register).
func (e *Engine) Register(ctx context.Context, en registry.Entry) (registry.Entry, error) {
	return e.change(ctx, "create", func(r *registry.Registry) (registry.Entry, error) { return r.Register(ctx, en) })
}

// UpdateRegistered replaces a registered entry's name, parent and
// provider (see registry.Registry.Update).
func (e *Engine) UpdateRegistered(ctx context.Context, en registry.Entry) (registry.Entry, error) {
	return e.change(ctx, "update", func(r *registry.Registry) (registry.Entry, error) { return r.Update(ctx, en) })
}

// Unregister removes an entry from the registry.
func (e *Engine) Unregister(ctx context.Context, kind registry.Kind, key string) (registry.Entry, error) {
	return e.change(ctx, "delete", func(r *registry.Registry) (registry.Entry, error) { return r.Unregister(ctx, kind, key) })
}

// change makes one registry change for a caller who may (registrar) and
// audits it as action.
func (e *Engine) change(ctx context.Context, action string, do func(*registry.Registry) (registry.Entry, error)) (registry.Entry, error) {
	p, err := e.registrar(ctx)
	if err != nil {
		return registry.Entry{}, err
	}
	// Even a failed change may have changed the registry's memory or
	// store: answers computed before it are not served after it.
	defer e.Changed()
	out, err := do(e.registry)
	if err != nil {
		return out, err
	}
	return out, e.auditEntry(ctx, p, action, out)
}

// auditEntry records a registry change; the object is "registry.<kind>"
// so that it is not confused with the tenant package's partner customers.
func (e *Engine) auditEntry(ctx context.Context, p *tenant.Principal, action string, en registry.Entry) error {
	if e.audit == nil {
		return nil
	}
	detail := "name=null"
	if en.Name != nil {
		detail = fmt.Sprintf("name=%q", *en.Name)
	}
	if en.Parent != "" {
		detail += fmt.Sprintf(" parent=%q", en.Parent)
	}
	if en.Provider != "" {
		detail += fmt.Sprintf(" provider=%q", en.Provider)
	}
	if err := e.audit(ctx, p, action, "registry."+string(en.Kind), en.Key, detail); err != nil {
		return fmt.Errorf("recording the %s of %s %q: %w", action, en.Kind, en.Key, err)
	}
	return nil
}
