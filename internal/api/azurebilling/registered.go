package azurebilling

import (
	"context"
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/registry"
)

// provider is the ProviderName of the entries this dialect registers, and
// of the registered entries without bills it lists: a sub account another
// dialect registered for AWS is no Azure subscription.
const provider = "Microsoft"

// registered is what the registry holds about the customers and
// subscriptions the caller sees (the engine leaves out the rest), by
// natural key. A nil *registered knows nothing: the bills' names show.
type registered struct {
	customers map[string]registry.Entry
	subs      map[string]registry.Entry
}

// registered loads the caller's entries; customers only when asked, as a
// scoped caller's customers cost the engine a question about line items.
func (a *API) registered(ctx context.Context, withCustomers bool) (*registered, error) {
	g := &registered{customers: map[string]registry.Entry{}, subs: map[string]registry.Entry{}}
	subs, err := a.engine.Registered(ctx, registry.SubAccount)
	if err != nil {
		return nil, fmt.Errorf("reading registered subscriptions: %w", err)
	}
	for _, e := range subs {
		g.subs[e.Key] = e
	}
	if !withCustomers {
		return g, nil
	}
	cs, err := a.engine.Registered(ctx, registry.Customer)
	if err != nil {
		return nil, fmt.Errorf("reading registered customers: %w", err)
	}
	for _, e := range cs {
		g.customers[e.Key] = e
	}
	return g, nil
}

// customerName is the name a customer shows: the one a user gave, else
// the bill's.
func (g *registered) customerName(tenantID, billName string) string {
	if g == nil {
		return billName
	}
	return shownName(g.customers, tenantID, billName)
}

// subscriptionName is the name a subscription shows: the one a user
// gave, else the bill's.
func (g *registered) subscriptionName(id, billName string) string {
	if g == nil {
		return billName
	}
	return shownName(g.subs, id, billName)
}

// shownName is the name of key in entries, else billName.
func shownName(entries map[string]registry.Entry, key, billName string) string {
	if e, ok := entries[key]; ok {
		return e.NameOr(billName)
	}
	return billName
}

// ours reports whether a registered entry without bills belongs in this
// dialect's lists.
func ours(e registry.Entry) bool { return strings.EqualFold(e.Provider, provider) }

// customersOnly renders the registered customers that the bills do not
// hold.
func (g *registered) customersOnly(inBills []billed) []billed {
	if g == nil {
		return nil
	}
	have := keysOf(inBills)
	var out []billed
	for key, e := range g.customers {
		if ours(e) && !have[key] {
			out = append(out, billed{key: key, obj: customerObj(key, e.NameOr(""))})
		}
	}
	return out
}

// subscriptionsOnly renders the registered subscriptions that the bills
// do not hold, each nesting its registered customer.
func (a *API) subscriptionsOnly(ctx context.Context, inBills []billed, g *registered) ([]billed, error) {
	if g == nil {
		return nil, nil
	}
	have := keysOf(inBills)
	var out []billed
	var byTenant map[string]obj // the customers, read when first needed
	for key, e := range g.subs {
		if !ours(e) || have[key] {
			continue
		}
		var customer any
		if e.Parent != "" {
			if byTenant == nil {
				cs, err := a.list(ctx, customers, g)
				if err != nil {
					return nil, err
				}
				byTenant = map[string]obj{}
				for _, c := range cs {
					tenantID, _ := c[1].val.(string)
					byTenant[tenantID] = c
				}
			}
			c, ok := byTenant[e.Parent]
			if !ok {
				// The parent is registered (the registry checks) but of
				// another cloud: render what the registry knows.
				c = customerObj(e.Parent, g.customerName(e.Parent, ""))
			}
			customer = c
		}
		// Nothing names a registered subscription that was given no name:
		// null, unlike a bill's empty cell.
		out = append(out, billed{key: key, obj: subscriptionObj(key, text(e.NameOr("")), customer)})
	}
	return out, nil
}

func keysOf(bs []billed) map[string]bool {
	m := make(map[string]bool, len(bs))
	for _, b := range bs {
		m[b.key] = true
	}
	return m
}
