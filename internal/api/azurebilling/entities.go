package azurebilling

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// Customers, subscriptions, resources and meters are upstream tables
// filled by its importer. Here they are the distinct values of the line
// items' natural keys, found by grouping, with ids derived from the keys
// (stableID), so a cost entry's nested objects are the same objects these
// endpoints list. Customers and subscriptions can also be registered or
// named by users (registered.go): the registry's names win over the
// bills', and registered ones without bills are listed too, with the same
// ids.

// column is one line-item property an entity is made of: the dimension
// that groups by it and how an entry reads it.
type column struct {
	dim cost.Dimension // "" when the store cannot group by it
	get func(li *cost.LineItem) string
}

// entity is one kind of derived object.
type entity struct {
	kind string
	cols []column
	// key is the natural key of a row of column values; render draws the
	// object from them, with the names users gave (g, which may be nil).
	key    func(k []string) string
	render func(k []string, g *registered) obj
	// keyCols are the columns key reads, and match selects the line items
	// of one key (and perhaps others, which find drops): finding one
	// object by id reads only these (entityindex.go).
	keyCols []int
	match   func(key string) filter.Expr
}

// equals is the filter of the items whose d is v.
func equals(d cost.Dimension, v string) filter.Expr {
	return filter.Cond{Dim: d, Op: filter.Equals, Values: []string{v}}
}

// firstColumn is match for an entity keyed by its first column.
func firstColumn(d cost.Dimension) func(string) filter.Expr {
	return func(key string) filter.Expr { return equals(d, key) }
}

// meterUnitDim groups meters by unit of measure (Azure UnitOfMeasure,
// which the readers keep as the pricing unit).
var meterUnitDim = cost.DimPricingUnit

var customerCols = []column{
	{cost.DimCustomerID, func(li *cost.LineItem) string { return li.CustomerID }},
	{cost.DimCustomerName, func(li *cost.LineItem) string { return li.CustomerName }},
	{cost.DimBillingAccountID, func(li *cost.LineItem) string { return li.BillingAccountID }},
	{cost.DimBillingAccountName, func(li *cost.LineItem) string { return li.BillingAccountName }},
}

// customerOf is the customer tenant of a row: the partner's customer
// (MPA customerTenantId), else, for bills without customers (EA, MCA,
// PAYG), the billing account, as §10.1 maps it.
func customerOf(k []string) (tenantID, name string) {
	if k[0] != "" {
		return k[0], k[1]
	}
	return k[2], k[3]
}

var customers = entity{
	kind: "customer",
	cols: customerCols,
	key:  func(k []string) string { id, _ := customerOf(k); return id },
	render: func(k []string, g *registered) obj {
		id, name := customerOf(k)
		return customerObj(id, g.customerName(id, name))
	},
	keyCols: []int{0, 2},
	match: func(key string) filter.Expr {
		return filter.Or{Xs: []filter.Expr{
			equals(cost.DimCustomerID, key),
			filter.And{Xs: []filter.Expr{equals(cost.DimCustomerID, ""), equals(cost.DimBillingAccountID, key)}},
		}}
	},
}

// customerObj is a customer in upstream's shape.
func customerObj(tenantID, name string) obj {
	return obj{{"id", stableID("customer", tenantID)}, {"tenant_id", tenantID}, {"name", text(name)}}
}

var subscriptions = entity{
	kind: "subscription",
	cols: append([]column{
		{cost.DimSubAccountID, func(li *cost.LineItem) string { return li.SubAccountID }},
		{cost.DimSubAccountName, func(li *cost.LineItem) string { return li.SubAccountName }},
	}, customerCols...),
	key:     func(k []string) string { return k[0] },
	keyCols: []int{0},
	match:   firstColumn(cost.DimSubAccountID),
	render: func(k []string, g *registered) obj {
		// The bill's name, "" when its cell is empty, as upstream stores it.
		return subscriptionObj(k[0], g.subscriptionName(k[0], k[1]), customers.render(k[2:], g))
	},
}

// subscriptionObj is a subscription in upstream's shape; customer is nil
// (null) for a registered subscription whose customer is unknown, and
// name nil for one that has neither bills nor a name given.
func subscriptionObj(id string, name, customer any) obj {
	return obj{{"id", stableID("subscription", id)}, {"customer", customer}, {"subscription_id", id}, {"name", name}}
}

var resources = entity{
	kind: "resource",
	cols: []column{
		{cost.DimResourceID, func(li *cost.LineItem) string { return li.ResourceID }},
		{cost.DimResourceName, func(li *cost.LineItem) string { return li.ResourceName }},
		{cost.DimProductOrderName, func(li *cost.LineItem) string { return li.ProductOrderName }},
		{cost.DimResourceGroup, func(li *cost.LineItem) string { return li.ResourceGroup }},
		{cost.DimRegion, func(li *cost.LineItem) string { return li.RegionID }},
	},
	key:     func(k []string) string { return k[0] },
	keyCols: []int{0},
	match:   firstColumn(cost.DimResourceID),
	render: func(k []string, _ *registered) obj {
		// name is the export's productOrderName, as upstream fills it.
		return obj{{"id", stableID("resource", k[0])}, {"resource_id", k[0]},
			{"resource_name", text(resourceName(k[0], k[1]))}, {"name", k[2]},
			{"resource_group", text(query.Folded(k[3]))}, {"location", k[4]}}
	},
}

var meters = entity{
	kind: "meter",
	cols: []column{
		{cost.DimMeterID, func(li *cost.LineItem) string { return li.MeterID }},
		{cost.DimMeterName, func(li *cost.LineItem) string { return li.MeterName }},
		{cost.DimMeterCategory, func(li *cost.LineItem) string { return li.MeterCategory }},
		{cost.DimMeterSubcategory, func(li *cost.LineItem) string { return li.MeterSubcategory }},
		{cost.DimServiceFamily, func(li *cost.LineItem) string { return li.ServiceFamily }},
		{meterUnitDim, func(li *cost.LineItem) string { return li.PricingUnit }},
	},
	key:     func(k []string) string { return k[0] },
	keyCols: []int{0},
	match:   firstColumn(cost.DimMeterID),
	render: func(k []string, _ *registered) obj {
		return obj{{"id", stableID("meter", k[0])}, {"meter_id", k[0]}, {"name", k[1]},
			{"category", k[2]}, {"subcategory", k[3]}, {"service_family", k[4]},
			{"unit", k[5]}}
	},
}

// fromItem renders the entity of one line item.
func (e entity) fromItem(li *cost.LineItem, g *registered) obj {
	k := make([]string, len(e.cols))
	for i, c := range e.cols {
		k[i] = c.get(li)
	}
	return e.render(k, g)
}

// billed is one object found in the bills: its natural key, the merged
// column values it was drawn from, and the object.
type billed struct {
	key string
	k   []string
	obj obj
}

// list returns the entity's objects, ordered by natural key: those of the
// bills (see derive) and, for customers and subscriptions, the registered
// ones that have no bills yet.
func (a *API) list(ctx context.Context, e entity, g *registered) ([]obj, error) {
	c, err := a.catalog(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := a.derive(ctx, completedIDs(c), e, g, nil)
	if err != nil {
		return nil, err
	}
	switch e.kind {
	case customers.kind:
		rows = append(rows, g.customersOnly(rows)...)
	case subscriptions.kind:
		extra, err := a.subscriptionsOnly(ctx, rows, g)
		if err != nil {
			return nil, err
		}
		rows = append(rows, extra...)
	}
	slices.SortStableFunc(rows, func(x, y billed) int { return strings.Compare(x.key, y.key) })
	out := make([]obj, len(rows))
	for i, r := range rows {
		out[i] = r.obj
	}
	return out, nil
}

// derive returns the entity's objects found in the bills, ordered by
// natural key. They come from every completed Azure snapshot, superseded
// ones included, so that every object a cost entry can nest (a dated
// query reads older runs) is listed and found by id, as upstream's tables
// keep every object ever imported. The store groups by the entity's
// columns (registered names already shown, as the engine maps them) and
// orders the groups by them; rows naming the same key with different
// details (a renamed subscription) then make one object, keeping each
// detail's first non-empty value in that order, as an importer updating
// upstream's table row by row would. narrow, when not nil, limits the
// line items read (to the keys of one object, see find); since it keeps
// every row of a key it keeps, the objects it leaves are the same.
func (a *API) derive(ctx context.Context, ids []int64, e entity, g *registered, narrow filter.Expr) ([]billed, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var where filter.Expr = microsoft
	if narrow != nil {
		where = filter.And{Xs: []filter.Expr{microsoft, narrow}}
	}
	var dims []cost.Dimension
	var at []int // the column each grouped dimension fills
	var order []query.Order
	for i, col := range e.cols {
		if col.dim != "" {
			order = append(order, query.Key(len(dims), false))
			dims = append(dims, col.dim)
			at = append(at, i)
		}
	}
	q := query.Query{Window: allTime, GroupBy: dims, Filter: where, Sort: order,
		Metrics: []cost.Metric{cost.Billed}, Selection: query.Selection{Snapshots: ids}}
	var rows [][]string
	byKey := map[string][]string{}
	_, err := a.engine.Stream(ctx, q, func(r query.Row) error {
		k := make([]string, len(e.cols))
		for j, i := range at {
			k[i] = r.Keys[j]
		}
		cur, ok := byKey[e.key(k)]
		if !ok {
			byKey[e.key(k)] = k
			rows = append(rows, k)
			return nil
		}
		for i, v := range k {
			if cur[i] == "" {
				cur[i] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %ss: %w", e.kind, err)
	}
	out := make([]billed, len(rows))
	for i, k := range rows {
		out[i] = billed{key: e.key(k), k: k, obj: e.render(k, g)}
	}
	slices.SortStableFunc(out, func(x, y billed) int { return strings.Compare(x.key, y.key) })
	return out, nil
}

// listHandler serves an entity's list endpoint.
func (a *API) listHandler(e entity) handler {
	return func(r *http.Request) (any, error) {
		g, err := a.registeredFor(r.Context(), e)
		if err != nil {
			return nil, err
		}
		objs, err := a.list(r.Context(), e, g)
		if err != nil {
			return nil, err
		}
		items := make([]any, len(objs))
		for i, o := range objs {
			items[i] = o
		}
		return paginate(r, items)
	}
}

// detailHandler serves an entity's {id}/ endpoint.
func (a *API) detailHandler(e entity) detailHandler {
	return func(r *http.Request, id int64) (any, error) {
		return a.find(r.Context(), e, id)
	}
}

// registeredFor loads the registry's names that the objects of e show:
// none for resources and meters.
func (a *API) registeredFor(ctx context.Context, e entity) (*registered, error) {
	if e.kind != customers.kind && e.kind != subscriptions.kind {
		return nil, nil
	}
	return a.registered(ctx, true)
}

func (a *API) customerList(r *http.Request) (any, error)     { return a.listHandler(customers)(r) }
func (a *API) subscriptionList(r *http.Request) (any, error) { return a.listHandler(subscriptions)(r) }
func (a *API) resourceList(r *http.Request) (any, error)     { return a.listHandler(resources)(r) }
func (a *API) meterList(r *http.Request) (any, error)        { return a.listHandler(meters)(r) }

func (a *API) customerDetail(r *http.Request, id int64) (any, error) {
	return a.detailHandler(customers)(r, id)
}

func (a *API) subscriptionDetail(r *http.Request, id int64) (any, error) {
	return a.detailHandler(subscriptions)(r, id)
}

func (a *API) resourceDetail(r *http.Request, id int64) (any, error) {
	return a.detailHandler(resources)(r, id)
}

func (a *API) meterDetail(r *http.Request, id int64) (any, error) {
	return a.detailHandler(meters)(r, id)
}
