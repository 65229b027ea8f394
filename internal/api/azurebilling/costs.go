package azurebilling

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"golang.org/x/sync/errgroup"
)

// group is one row of an aggregate or summary: the rendered values of its
// fields and its totals.
type group struct {
	// vals are the fields' rendered values, raw their values as grouped.
	vals []any
	raw  []string
	// usd sums cost_in_usd over items of items; missing of them have no
	// USD value.
	usd            decimal.Decimal
	items, missing int64
	// billing sums cost_in_billing_currency over every currency; currency
	// is the first one met (parts counts the amounts added).
	billing  decimal.Decimal
	currency string
	parts    int
}

// totalUSD is Σ cost_in_usd, null when no item of the group had one (a
// sum over only nulls, §4).
func (g *group) totalUSD() number {
	if g.items > g.missing {
		return someNumber(g.usd)
	}
	return number{}
}

// totals groups the line items of base by fields and sums the billed
// cost in USD, and, when billing is set, in the billing currency too:
// the store groups (the fields' dimensions, fieldMappings among them)
// and orders (total_usd descending, then the values). The engine never
// adds currencies, so the billing sums come per currency and are added
// here, as upstream's total_billing does (§6); the returned notes say so
// when it happens, and when items without a USD value were left out of
// total_usd. Groups none of whose items have a USD value (a null
// total_usd) come last, as PostgreSQL sorts nulls of a descending order.
// With billing, it also returns the sources the groups' rows are of: the
// billing question groups by source too, which the summaries' coverage
// reads instead of asking the same line items a third question.
func (a *API) totals(ctx context.Context, fields []field, base query.Query, billing bool) ([]*group, []string, map[string]bool, error) {
	// Fields may share a dimension; each is grouped by once.
	var dims []cost.Dimension
	at := make([]int, len(fields)) // where each field's value is in a row's keys
	for j, f := range fields {
		i := slices.Index(dims, f.dim)
		if i < 0 {
			i = len(dims)
			dims = append(dims, f.dim)
		}
		at[j] = i
	}
	base.GroupBy, base.Metrics, base.Mappings = dims, []cost.Metric{cost.Billed}, fieldMappings
	byKeys := map[string]*group{}
	var priced, unpriced []*group
	usd := base
	usd.USD, usd.Sort = true, []query.Order{query.Metric(0, true)}
	// The two questions select the same line items and run at once
	// (issue 23: each costs a few milliseconds of DuckDB's fixed cost
	// per query, which a dashboard's one request paid twice in turn).
	type billed struct {
		key, currency string
		amount        decimal.Decimal
	}
	var inBilling []billed
	sources := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	if billing {
		bq := base
		bq.GroupBy = append(slices.Clip(dims), cost.DimSource)
		g.Go(func() error {
			_, err := a.engine.Stream(gctx, bq, func(r query.Row) error {
				n := len(r.Keys) - 1
				sources[r.Keys[n]] = true
				inBilling = append(inBilling, billed{strings.Join(r.Keys[:n], "\x00"), r.Currency, r.Values[0]})
				return nil
			})
			if err != nil {
				return fmt.Errorf("summing costs in the billing currency: %w", err)
			}
			return nil
		})
	}
	var missing int64
	g.Go(func() error {
		_, err := a.engine.Stream(gctx, usd, func(r query.Row) error {
			vals, raw := make([]any, len(fields)), make([]string, len(fields))
			for j, f := range fields {
				raw[j] = r.Keys[at[j]]
				vals[j] = f.render(raw[j])
			}
			gr := &group{vals: vals, raw: raw, usd: r.Values[0], items: r.Items, missing: r.MissingUSD}
			if billing {
				byKeys[strings.Join(r.Keys, "\x00")] = gr
			}
			if gr.totalUSD().Valid {
				priced = append(priced, gr)
			} else {
				unpriced = append(unpriced, gr)
			}
			missing += r.MissingUSD
			return nil
		})
		if err != nil {
			return fmt.Errorf("summing costs in USD: %w", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, nil, nil, err
	}
	var notes []string
	if missing > 0 {
		notes = append(notes, fmt.Sprintf("%d line items have no USD value (a bill in another currency without a USD column) and are left out of the USD totals", missing))
	}
	if billing {
		mixed := false
		for _, b := range inBilling {
			// Every group of the billing question is a group of the USD
			// one: both select the same line items.
			gr, ok := byKeys[b.key]
			if !ok {
				return nil, nil, nil, fmt.Errorf("group %q has a billed cost but no USD row", strings.Split(b.key, "\x00"))
			}
			gr.billing = gr.billing.Add(b.amount)
			if gr.parts == 0 {
				gr.currency = b.currency
			}
			gr.parts++
			mixed = mixed || gr.currency != b.currency
		}
		if mixed {
			notes = append(notes, "total_billing adds amounts of different billing currencies, as upstream does")
		}
	}
	return append(priced, unpriced...), notes, sources, nil
}

// warned is a handler result with notes for the client, sent in a
// Warning header so that the body keeps upstream's exact keys.
type warned struct {
	body  any
	notes []string
}

// aggregate serves cost-entries/aggregate/?group_by=...: Σ cost_in_usd
// per group, with every cost-entries filter and the same snapshot
// selection, so restated days are never counted twice (§9 #4).
func (a *API) aggregate(r *http.Request) (any, error) {
	v := r.URL.Query()
	fields, ignored, err := parseGroupBy(v)
	if err != nil {
		return nil, err
	}
	q, err := parseRequest(v, false)
	if err != nil {
		return nil, err
	}
	c, err := a.catalog(r.Context())
	if err != nil {
		return nil, err
	}
	if _, ok := c.byID[q.snapshot]; (q.dateGiven && !q.dateValid) || (q.snapshot != 0 && !ok) {
		return []any{}, nil // nothing selected, as cost-entries/ answers
	}
	groups, notes, _, err := a.totals(r.Context(), fields, costQuery(q, c), false)
	if err != nil {
		return nil, err
	}
	if len(ignored) > 0 {
		notes = append(notes, fmt.Sprintf("group_by %s ignored: not one of %s",
			strings.Join(ignored, ", "), strings.Join(groupByNames, ", ")))
	}
	out := make([]obj, len(groups))
	for i, gr := range groups {
		o := make(obj, 0, len(fields)+1)
		for j, f := range fields {
			o = append(o, kv{f.key, gr.vals[j]})
		}
		out[i] = append(o, kv{"total_cost", gr.totalUSD()})
	}
	return warned{out, notes}, nil
}

// costQuery is the engine query of a parsed request.
func costQuery(q request, c *catalog) query.Query {
	w, sel := q.selection()
	if w.Start.IsZero() {
		w = allTime
	}
	// OwnUSD: totals in USD add the bill's cost_in_usd, as the cost
	// entries show it and upstream sums it, never an administrator's
	// exchange rates.
	return query.Query{Window: w, Selection: sel, Filter: q.expr(c.sources), OwnUSD: true}
}

// summaryKind is one of the costs/*-summary endpoints.
type summaryKind struct {
	fields []field
	// meterCategory is the meter_category filter applied when the client
	// gives none (the virtual machines summary).
	meterCategory string
}

var (
	subscriptionFields = []field{
		plain("subscription_id", cost.DimSubAccountID),
		plain("subscription_name", cost.DimSubAccountName),
	}
	subscriptionSummary   = summaryKind{fields: subscriptionFields}
	vmSummary             = summaryKind{fields: subscriptionFields, meterCategory: "Virtual Machines"}
	resourceGroupSummary  = summaryKind{fields: []field{nullable("resource_group", dimResourceGroup)}}
	meterCategorySummary  = summaryKind{fields: []field{plain("meter_category", cost.DimMeterCategory)}}
	regionSummary         = summaryKind{fields: []field{plain("location", cost.DimRegion)}}
	resourceGroupTotalsBy = []field{
		plain("resource__resource_id", cost.DimResourceID),
		// Grouped by the id and dimResourceName, so that one resource is
		// one row whatever names its items give it; resourceGroupTotals
		// renders upstream's name from both.
		plain("resource__resource_name", dimResourceName),
	}
)

// summaryRequest parses a summary's query string: the snake_case filters
// of §5.2 and a date that must parse.
func summaryRequest(r *http.Request) (request, error) {
	q, err := parseRequest(r.URL.Query(), true)
	if err != nil {
		return request{}, err
	}
	if q.dateGiven && !q.dateValid {
		return request{}, badRequest(msgInvalidDate)
	}
	return q, nil
}

// summary serves a costs/*-summary endpoint in the documented envelope
// (§6, §7.1).
func (a *API) summary(k summaryKind) handler {
	return func(r *http.Request) (any, error) {
		q, err := summaryRequest(r)
		if err != nil {
			return nil, err
		}
		if k.meterCategory != "" && last(r.URL.Query(), "meter_category") == "" {
			x, _ := eq(cost.DimMeterCategory)(k.meterCategory)
			q.filters = append(q.filters, x)
		}
		c, err := a.catalog(r.Context())
		if err != nil {
			return nil, err
		}
		cq := costQuery(q, c)
		// Which sources have a snapshot to read, beside the totals
		// (which say which sources answered): independent questions.
		var has, contributed map[string]bool
		var groups []*group
		var notes []string
		g, gctx := errgroup.WithContext(r.Context())
		g.Go(func() (err error) {
			has, err = a.readable(gctx, c, q, cq)
			return err
		})
		g.Go(func() (err error) {
			groups, notes, contributed, err = a.totals(gctx, k.fields, cq, true)
			return err
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
		queried, included, missing := coverage(c, q, contributed, has)
		data := make([]obj, len(groups))
		for i, gr := range groups {
			o := obj{{"total_usd", gr.totalUSD()}, {"total_billing", someNumber(gr.billing)}}
			for j, f := range k.fields {
				o = append(o, kv{f.key, gr.vals[j]})
			}
			data[i] = o
		}
		var date any
		if q.dateValid {
			date = dateText(q.day)
		}
		return warned{obj{
			{"date", date}, {"sources_queried", queried}, {"sources_included", included},
			{"sources_missing", missing}, {"data", data},
		}, notes}, nil
	}
}

// resourceGroupTotals serves costs/resource-group-totals/: per resource
// of one resource group, matched case-insensitively (§9 #6), with the
// summaries' filters and date.
func (a *API) resourceGroupTotals(r *http.Request) (any, error) {
	rg := last(r.URL.Query(), "resource_group")
	if rg == "" {
		return nil, badRequest(msgResourceGroupRequired)
	}
	// resource_group is also one of the summary filters, so the request
	// already matches the group.
	q, err := summaryRequest(r)
	if err != nil {
		return nil, err
	}
	c, err := a.catalog(r.Context())
	if err != nil {
		return nil, err
	}
	groups, notes, _, err := a.totals(r.Context(), resourceGroupTotalsBy, costQuery(q, c), true)
	if err != nil {
		return nil, err
	}
	data := make([]obj, len(groups))
	for i, gr := range groups {
		// Upstream's keys, then the resource_id and resource_name aliases
		// its code evidently meant to add.
		name := text(resourceName(gr.raw[0], gr.raw[1]))
		data[i] = obj{
			{"resource__resource_id", gr.vals[0]}, {"resource__resource_name", name},
			{"total_usd", gr.totalUSD()}, {"total_billing", someNumber(gr.billing)},
			{"resource_id", gr.vals[0]}, {"resource_name", name},
		}
	}
	var date any
	if q.dateValid {
		date = dateText(q.day)
	}
	return warned{obj{{"resource_group", rg}, {"date", date}, {"total_resources", len(data)}, {"data", data}}, notes}, nil
}
