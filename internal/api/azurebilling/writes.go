package azurebilling

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tally-cost/tally/internal/registry"
)

// Upstream's tables are DRF ModelViewSets that take POST, PUT, PATCH and
// DELETE. Here resources, meters and cost entries are the bills and stay
// read-only; a snapshot can be deleted; customers and subscriptions can
// be registered before their first bill, named (the bills never carry a
// customer's name), and removed while no bill holds them. Those changes
// go to the engine's registry, which checks that the caller is an editor
// or administrator of the default organization and audits them.

// DRF's and our texts for rejected writes.
const (
	msgCustomerExists   = "customer with this tenant id already exists."
	msgSubExists        = "subscription with this subscription id already exists."
	msgTenantFixed      = "A customer's tenant id cannot be changed; register a new customer instead."
	msgSubFixed         = "A subscription's id cannot be changed; register a new subscription instead."
	msgCustomerFromBill = "The customer of a subscription in imported bills comes from the bills and cannot be changed."
	msgCustomerNoTenant = "This customer has no tenant id in the bills and cannot be named or given subscriptions."
)

// allowedFor is the Allow header of rel.
func allowedFor(rel string) string {
	switch rel {
	case "customers/", "subscriptions/":
		return allowedCollection
	case "snapshots/available-report-dates/":
		// A static path that looks like a snapshot's (§2).
		return allowed
	}
	if c, _, ok := detailPath(rel); ok {
		switch c {
		case "customers", "subscriptions":
			return allowedObject
		case "snapshots":
			return allowedSnapshot
		}
	}
	return allowed
}

// writeRoute returns the handler of a write to rel, or nil when the
// resource does not take method (405).
func (a *API) writeRoute(rel, method string) handler {
	switch {
	case rel == "customers/" && method == http.MethodPost:
		return a.registrar(a.createCustomer)
	case rel == "subscriptions/" && method == http.MethodPost:
		return a.registrar(a.createSubscription)
	}
	collection, idText, ok := detailPath(rel)
	if _, static := a.static[rel]; !ok || static {
		return nil
	}
	var h detailHandler
	switch collection + " " + method {
	case "snapshots DELETE":
		// Deleting a bad export run (DRF's destroy, 204) removes its rows
		// and makes the previous run of the month visible again.
		return func(r *http.Request) (any, error) {
			id, err := parseID(idText)
			if err != nil {
				return nil, err
			}
			return a.deleteSnapshot(r, id)
		}
	case "customers PUT":
		h = a.updateCustomer(false)
	case "customers PATCH":
		h = a.updateCustomer(true)
	case "customers DELETE":
		h = a.deleteCustomer
	case "subscriptions PUT":
		h = a.updateSubscription(false)
	case "subscriptions PATCH":
		h = a.updateSubscription(true)
	case "subscriptions DELETE":
		h = a.deleteSubscription
	default:
		return nil
	}
	return a.registrar(func(r *http.Request) (any, error) {
		id, err := parseID(idText)
		if err != nil {
			return nil, err
		}
		return h(r, id)
	})
}

// registrar refuses callers that may not change the registry before h
// reads anything, as DRF checks permissions before the object or body.
func (a *API) registrar(h handler) handler {
	return func(r *http.Request) (any, error) {
		if err := a.engine.MayRegister(r.Context()); err != nil {
			return nil, err
		}
		return h(r)
	}
}

func (a *API) deleteSnapshot(r *http.Request, id int64) (any, error) {
	c, err := a.catalog(r.Context())
	if err != nil {
		return nil, err
	}
	if _, ok := c.byID[id]; !ok {
		return nil, notFound()
	}
	if _, err := a.engine.DeleteSnapshot(r.Context(), id); err != nil {
		return nil, err
	}
	return written{status: http.StatusNoContent}, nil
}

// target is the customer or subscription a write addresses.
type target struct {
	key     string
	inBills bool
	entry   *registry.Entry // its registry entry, if it has one
	// billCustomer is the customer the bills give a subscription.
	billCustomer string
}

// target finds the object of e with id, in the bills or the registry,
// and returns it with the caller's registered entries (customers too when
// withCustomers is set).
func (a *API) target(ctx context.Context, e entity, id int64, withCustomers bool) (target, *registered, error) {
	g, err := a.registered(ctx, withCustomers)
	if err != nil {
		return target{}, nil, err
	}
	entries := g.customers
	if e.kind == subscriptions.kind {
		entries = g.subs
	}
	b, ok, err := a.billedByID(ctx, e, g, id)
	if err != nil {
		return target{}, nil, err
	}
	if ok {
		t := target{key: b.key, inBills: true}
		if e.kind == subscriptions.kind {
			t.billCustomer, _ = customerOf(b.k[2:])
		}
		if en, ok := entries[b.key]; ok {
			t.entry = &en
		}
		return t, g, nil
	}
	for key, en := range entries {
		if ours(en) && stableID(e.kind, key) == id {
			return target{key: key, entry: &en}, g, nil
		}
	}
	return target{}, nil, notFound()
}

// save writes the name (and, for a subscription, the parent) of t: the
// first write to an object of the bills registers it.
func (a *API) save(ctx context.Context, kind registry.Kind, t target, name *string, parent string) error {
	if t.entry != nil {
		e := *t.entry
		e.Name, e.Parent = name, parent
		_, err := a.engine.UpdateRegistered(ctx, e)
		return err
	}
	_, err := a.engine.Register(ctx, registry.Entry{Kind: kind, Key: t.key, Name: name, Parent: parent, Provider: provider})
	return err
}

// billedKeys returns the natural keys of e in the bills.
func (a *API) billedKeys(ctx context.Context, e entity, g *registered) (map[string]bool, error) {
	c, err := a.catalog(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := a.derive(ctx, completedIDs(c), e, g, nil)
	if err != nil {
		return nil, err
	}
	return keysOf(rows), nil
}

// createCustomer serves POST customers/: a customer known before its
// first bill, or named before it.
func (a *API) createCustomer(r *http.Request) (any, error) {
	ctx := r.Context()
	in, err := readInput(r)
	if err != nil {
		return nil, err
	}
	g, err := a.registered(ctx, true)
	if err != nil {
		return nil, err
	}
	var errs fieldErrors
	key, ok := in.key("tenant_id", true, &errs)
	if ok {
		inBills, err := a.billedKeys(ctx, customers, g)
		if err != nil {
			return nil, err
		}
		if _, registered := g.customers[key]; registered || inBills[key] {
			errs.add("tenant_id", msgCustomerExists)
		}
	}
	name, _ := in.name("name", &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	e, err := a.engine.Register(ctx, registry.Entry{Kind: registry.Customer, Key: key, Name: name, Provider: provider})
	if errors.Is(err, registry.ErrExists) {
		// Registered by another request since the check above.
		return nil, &validationError{obj{{"tenant_id", []string{msgCustomerExists}}}}
	}
	if err != nil {
		return nil, err
	}
	return written{http.StatusCreated, customerObj(e.Key, e.NameOr(""))}, nil
}

// updateCustomer serves PUT (partial false) and PATCH customers/{id}/:
// only the name can change.
func (a *API) updateCustomer(partial bool) detailHandler {
	return func(r *http.Request, id int64) (any, error) {
		ctx := r.Context()
		t, _, err := a.target(ctx, customers, id, true)
		if err != nil {
			return nil, err
		}
		in, err := readInput(r)
		if err != nil {
			return nil, err
		}
		var errs fieldErrors
		if key, ok := in.key("tenant_id", !partial, &errs); ok && key != t.key {
			errs.add("tenant_id", msgTenantFixed)
		}
		name, nameGiven := in.name("name", &errs)
		if err := errs.err(); err != nil {
			return nil, err
		}
		if nameGiven {
			if t.key == "" {
				return nil, badRequest(msgCustomerNoTenant)
			}
			if err := a.save(ctx, registry.Customer, t, name, ""); err != nil {
				return nil, err
			}
		}
		o, err := a.find(ctx, customers, id)
		if err != nil {
			return nil, err
		}
		return written{http.StatusOK, o}, nil
	}
}

// deleteCustomer serves DELETE customers/{id}/: only a customer without
// bills and without registered subscriptions can go.
func (a *API) deleteCustomer(r *http.Request, id int64) (any, error) {
	ctx := r.Context()
	t, _, err := a.target(ctx, customers, id, true)
	if err != nil {
		return nil, err
	}
	if t.inBills {
		return nil, inBillsConflict("Customer", t.key)
	}
	// The registry refuses to remove the customer of registered
	// subscriptions, and names them.
	if _, err := a.engine.Unregister(ctx, registry.Customer, t.key); err != nil {
		if iu, ok := errors.AsType[*registry.InUseError](err); ok {
			return nil, conflict(fmt.Sprintf("Customer %s is the customer of the registered subscriptions %s: delete them first.",
				t.key, strings.Join(iu.Children, ", ")))
		}
		return nil, err
	}
	return written{status: http.StatusNoContent}, nil
}

// inBillsConflict refuses to delete a customer or subscription (noun)
// that imported snapshots hold.
func inBillsConflict(noun, key string) error {
	return conflict(fmt.Sprintf("%s %s has cost entries in imported snapshots, which it comes from: "+
		"delete those snapshots first, or PATCH its name to null to clear the name given here.", noun, key))
}

// customerField reads a subscription's customer: customer_id, or
// customer as upstream's field is named, holding the integer id of a
// listed customer. It returns the customer's tenant id and the field
// read; given is false when neither field is there.
func (a *API) customerField(ctx context.Context, in input, required bool, g *registered, errs *fieldErrors) (key, field string, given bool, err error) {
	field = "customer_id"
	if _, ok := in[field]; !ok {
		if _, ok := in["customer"]; ok {
			field = "customer"
		}
	}
	id, text, given := in.pk(field, errs)
	if !given {
		if required {
			errs.add(field, msgRequired)
		}
		return "", field, false, nil
	}
	if errs.has(field) {
		return "", field, true, nil
	}
	cs, err := a.list(ctx, customers, g)
	if err != nil {
		return "", field, true, err
	}
	for _, c := range cs {
		if c[0].val == id {
			key, _ = c[1].val.(string)
			if key == "" {
				errs.add(field, msgCustomerNoTenant)
			}
			return key, field, true, nil
		}
	}
	errs.add(field, fmt.Sprintf("Invalid pk %q - object does not exist.", text))
	return "", field, true, nil
}

// ensureCustomer registers a customer of the bills that a registered
// subscription names, as the registry wants a registered parent.
func (a *API) ensureCustomer(ctx context.Context, key string, g *registered) error {
	if _, ok := g.customers[key]; ok {
		return nil
	}
	_, err := a.engine.Register(ctx, registry.Entry{Kind: registry.Customer, Key: key, Provider: provider})
	if errors.Is(err, registry.ErrExists) {
		return nil
	}
	return err
}

// createSubscription serves POST subscriptions/. Upstream answers 500
// here, its nested customer being read-only (§4); the customer is given
// by id instead.
func (a *API) createSubscription(r *http.Request) (any, error) {
	ctx := r.Context()
	in, err := readInput(r)
	if err != nil {
		return nil, err
	}
	g, err := a.registered(ctx, true)
	if err != nil {
		return nil, err
	}
	var errs fieldErrors
	key, ok := in.key("subscription_id", true, &errs)
	if ok {
		inBills, err := a.billedKeys(ctx, subscriptions, g)
		if err != nil {
			return nil, err
		}
		if _, registered := g.subs[key]; registered || inBills[key] {
			errs.add("subscription_id", msgSubExists)
		}
	}
	name, _ := in.name("name", &errs)
	customer, _, _, err := a.customerField(ctx, in, true, g, &errs)
	if err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if err := a.ensureCustomer(ctx, customer, g); err != nil {
		return nil, err
	}
	_, err = a.engine.Register(ctx, registry.Entry{Kind: registry.SubAccount, Key: key, Name: name, Parent: customer, Provider: provider})
	if errors.Is(err, registry.ErrExists) {
		return nil, &validationError{obj{{"subscription_id", []string{msgSubExists}}}}
	}
	if err != nil {
		return nil, err
	}
	o, err := a.find(ctx, subscriptions, stableID(subscriptions.kind, key))
	if err != nil {
		return nil, err
	}
	return written{http.StatusCreated, o}, nil
}

// updateSubscription serves PUT (partial false) and PATCH
// subscriptions/{id}/: the name, and the customer of a subscription
// without bills; the bills decide the customer of the others.
func (a *API) updateSubscription(partial bool) detailHandler {
	return func(r *http.Request, id int64) (any, error) {
		ctx := r.Context()
		t, g, err := a.target(ctx, subscriptions, id, true)
		if err != nil {
			return nil, err
		}
		in, err := readInput(r)
		if err != nil {
			return nil, err
		}
		var errs fieldErrors
		if key, ok := in.key("subscription_id", !partial, &errs); ok && key != t.key {
			errs.add("subscription_id", msgSubFixed)
		}
		newName, nameGiven := in.name("name", &errs)
		customer, field, customerGiven, err := a.customerField(ctx, in, false, g, &errs)
		if err != nil {
			return nil, err
		}
		if customerGiven && !errs.has(field) && t.inBills && customer != t.billCustomer {
			errs.add(field, msgCustomerFromBill)
		}
		if err := errs.err(); err != nil {
			return nil, err
		}
		var name *string
		var parent string
		if t.entry != nil {
			name, parent = t.entry.Name, t.entry.Parent
		}
		if nameGiven {
			name = newName
		}
		changed := nameGiven
		if customerGiven && !t.inBills && customer != parent {
			if err := a.ensureCustomer(ctx, customer, g); err != nil {
				return nil, err
			}
			parent, changed = customer, true
		}
		if changed {
			if err := a.save(ctx, registry.SubAccount, t, name, parent); err != nil {
				return nil, err
			}
		}
		o, err := a.find(ctx, subscriptions, id)
		if err != nil {
			return nil, err
		}
		return written{http.StatusOK, o}, nil
	}
}

// deleteSubscription serves DELETE subscriptions/{id}/: only a
// subscription without bills can go.
func (a *API) deleteSubscription(r *http.Request, id int64) (any, error) {
	ctx := r.Context()
	t, _, err := a.target(ctx, subscriptions, id, false)
	if err != nil {
		return nil, err
	}
	if t.inBills {
		return nil, inBillsConflict("Subscription", t.key)
	}
	if _, err := a.engine.Unregister(ctx, registry.SubAccount, t.key); err != nil {
		return nil, err
	}
	return written{status: http.StatusNoContent}, nil
}
