package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// The query-model property test: random questions using every part of
// the query model (steps of every unit with multiples and week starts,
// mappings as groups and in filters, sorting, top-N with Other rows,
// limit and offset, spans, PricedOnly) over the random bills of the
// filter property test, each answered by the store and by a reference
// evaluator written here from the model's documentation, row for row.

// Mapped dimensions of the property test: the shapes the domain packages
// build (provider display names, registered sub-account names, a
// perspective-like grouping testing several dimensions).
var (
	dimShownProvider = cost.Dimension("test.shownProvider")
	dimAccountName   = cost.Dimension("test.accountName")
	dimPerspective   = cost.Dimension("test.perspective")
	dimLayered       = cost.Dimension("test.layered")
	dimTable         = cost.Dimension("test.table")
	dimFoldedTable   = cost.Dimension("test.foldedTable")
	dimFolded        = cost.Dimension("test.folded")
	dimFirst         = cost.Dimension("test.first")
	modelMappings    = map[cost.Dimension]query.Mapping{
		// An override of a stored dimension: filters on provider compare
		// the shown name.
		cost.DimProvider: {Rules: []query.Rule{
			{When: filter.Cond{Dim: cost.DimProvider, Values: []string{"Microsoft"}}, Value: "Azure"},
		}, Else: cost.DimProvider},
		dimShownProvider: {Rules: []query.Rule{
			{When: filter.Cond{Dim: cost.DimProvider, Values: []string{""}}, Value: "__unallocated__"},
			{When: filter.Cond{Dim: cost.DimProvider, Values: []string{"Microsoft"}}, Value: "Azure"},
		}, Else: cost.DimProvider},
		dimAccountName: {Rules: []query.Rule{
			{When: filter.Cond{Dim: cost.DimSubAccountID, Values: []string{"a1"}}, Value: "Registered One"},
			{When: filter.Cond{Dim: cost.DimSubAccountID, Values: []string{"a2", "a3"}}, Value: "Shared"},
		}, Else: cost.DimSubAccountID},
		// A mapping reading others: the shown provider and the account
		// names, as a Kubecost key reads the registered names.
		dimLayered: {Rules: []query.Rule{
			{When: filter.Cond{Dim: cost.DimProvider, Values: []string{"Azure"}}, Value: "azure:"},
			{When: filter.Cond{Dim: dimAccountName, Op: filter.Prefix, Values: []string{"Reg"}}, Value: "registered"},
		}, Else: dimAccountName},
		// Tables of values, as registered names are (a store may compile
		// them as lookups): a key named twice takes the first rule.
		dimTable:       {Rules: tableRules(cost.DimSubAccountID, false, "a1", "a2", "a2", "zz", "a3", "x", "y", "z", "a1"), Else: cost.DimService},
		dimFoldedTable: {Rules: tableRules(cost.DimRegion, true, "EU-WEST-1", "eu-west-2", "Us-East-1", "a", "b", "c", "d", "e", "eu-west-1"), Else: cost.DimRegion},
		// A folded mapping, as Azure billing's resource groups are: "Web"
		// and "web" group as one, and so do the rule's spaced value and
		// "amazon group".
		dimFolded: {Rules: []query.Rule{
			{When: filter.Cond{Dim: cost.DimService, Op: filter.Prefix, Values: []string{"amazon"}, FoldCase: true}, Value: "  Amazon Group "},
		}, Else: cost.TagDimension("team"), Fold: true},
		// Rules taking their value from a dimension (From): the first
		// non-empty of a tag, the mapped account name and the region, as
		// Kubecost's labels and names falling back to ids are.
		dimFirst: {Rules: []query.Rule{
			{When: filter.Not{X: filter.Cond{Dim: cost.TagDimension("team"), Values: []string{""}}}, From: cost.TagDimension("team")},
			{When: filter.Cond{Dim: cost.DimRegion, Values: []string{""}}, From: dimAccountName},
			{When: filter.Cond{Dim: cost.DimService, Op: filter.Prefix, Values: []string{"amazon"}, FoldCase: true}, Value: "constant"},
		}, Else: cost.DimRegion},
		dimPerspective: {Rules: []query.Rule{
			{When: filter.And{Xs: []filter.Expr{
				filter.Cond{Dim: cost.DimService, Op: filter.Prefix, Values: []string{"amazon"}, FoldCase: true},
				filter.Not{X: filter.Cond{Dim: cost.DimRegion, Values: []string{""}}},
			}}, Value: "Amazon in a region"},
			{When: filter.Cond{Dim: cost.TagDimension("team"), Values: []string{"web", "Web"}}, Value: "Web team"},
			{When: filter.Cond{Dim: cost.TagDimension(""), Values: []string{"env"}}, Value: "Has env"},
		}},
	}
	modelGroupDims = []cost.Dimension{cost.DimSubAccountID, cost.DimService, cost.DimRegion, cost.DimProvider,
		cost.TagDimension("team"), dimShownProvider, dimAccountName, dimPerspective, dimLayered, dimTable, dimFoldedTable, dimFolded, dimFirst}
	modelFilterDims = append(append([]cost.Dimension{}, propDims...), dimAccountName, dimPerspective, dimLayered, dimTable, dimFoldedTable, dimFolded, dimFirst)
	modelUnits      = []query.Unit{query.UnitNone, query.UnitHour, query.UnitDay, query.UnitWeek, query.UnitMonth, query.UnitQuarter, query.UnitYear}
)

// tableRules maps each key to "name <position>".
func tableRules(d cost.Dimension, fold bool, keys ...string) []query.Rule {
	out := make([]query.Rule, len(keys))
	for i, k := range keys {
		out[i] = query.Rule{When: filter.Cond{Dim: d, Values: []string{k}, FoldCase: fold}, Value: fmt.Sprintf("name %d", i)}
	}
	return out
}

func testModelProperty(t *testing.T, st store.Store) {
	seed, r, m, n := propRun(t, st, 0x51afd7ed558ccd)
	for i := range n {
		q := randomModelQuery(r)
		name := fmt.Sprintf("query %d (seed %d) %s", i, seed, describeModel(q))
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, wantStats := m.reference(q)
		if d := diffRows(res.Rows, want); d != "" {
			t.Fatalf("%s:\n%s", name, d)
		}
		if res.Total != wantStats.Total || res.MissingUSD != wantStats.MissingUSD || len(res.Buckets) != len(wantStats.Buckets) {
			t.Fatalf("%s: total %d, missing USD %d, %d buckets; want %d, %d, %d", name,
				res.Total, res.MissingUSD, len(res.Buckets), wantStats.Total, wantStats.MissingUSD, len(wantStats.Buckets))
		}
	}
}

func randomModelQuery(r *rand.Rand) query.Query {
	q := query.Query{Window: randomWindow(r), Scope: randomScope(r), USD: r.IntN(3) == 0, Mappings: modelMappings,
		Step: query.Step{Unit: pick(r, modelUnits), Every: r.IntN(4), WeekStart: time.Weekday(r.IntN(7))}}
	if q.Step.Unit == query.UnitHour {
		// Keep hourly windows within the bucket limit.
		q.Window.End = q.Window.Start.Add(time.Duration(1+r.IntN(24*10)) * time.Hour)
	}
	q.PricedOnly = q.USD && r.IntN(2) == 0
	if q.USD && r.IntN(2) == 0 {
		q.Rates = randomRates(r)
	}
	q.Spans = r.IntN(2) == 0
	switch r.IntN(3) {
	case 0:
		q.Filter = randomModelFilter(r)
	case 1:
		q.Filter = randomFilter(r, 2)
	}
	for range r.IntN(3) {
		if d := pick(r, modelGroupDims); !slices.Contains(q.GroupBy, d) {
			q.GroupBy = append(q.GroupBy, d)
		}
	}
	all := cost.Metrics()
	for range 1 + r.IntN(3) {
		q.Metrics = append(q.Metrics, pick(r, all))
	}
	for range r.IntN(3) {
		o := query.Order{By: query.OrderBy(r.IntN(3)), Desc: r.IntN(2) == 0}
		switch o.By {
		case query.ByKey:
			if len(q.GroupBy) == 0 {
				continue
			}
			o.Index = r.IntN(len(q.GroupBy))
		default:
			o.Index = r.IntN(len(q.Metrics))
		}
		q.Sort = append(q.Sort, o)
	}
	switch r.IntN(3) {
	case 0:
		q.Top = 1 + r.IntN(4)
	case 1:
		q.Limit, q.Offset = r.IntN(4), r.IntN(3)
	}
	return q
}

// randomModelFilter tests mapped dimensions, alone or with others.
func randomModelFilter(r *rand.Rand) filter.Expr {
	words := append(append([]string{}, propWords...), "Azure", "Microsoft", "Registered One", "shared", "Web team", "Has env", "Amazon in a region", "__unallocated__", "name 1", "NAME 0", "name 2", "amazon group", "  Amazon Group ", "web")
	c := filter.Cond{Dim: pick(r, modelFilterDims), Op: filter.Op(r.IntN(4)), FoldCase: r.IntN(2) == 0}
	for range 1 + r.IntN(3) {
		c.Values = append(c.Values, pick(r, words))
	}
	switch r.IntN(3) {
	case 0:
		return filter.Not{X: c}
	case 1:
		return filter.Or{Xs: []filter.Expr{c, randomFilter(r, 1)}}
	}
	return c
}

func describeModel(q query.Query) string {
	return fmt.Sprintf("window %s step %+v filter %v group %v metrics %v usd %v rates %v priced %v spans %v sort %v top %d limit %d offset %d scope %v",
		q.Window, q.Step, q.Filter, q.GroupBy, q.Metrics, q.USD, q.Rates, q.PricedOnly, q.Spans, q.Sort, q.Top, q.Limit, q.Offset, q.Scope)
}

// value is a dimension of li as q defines it: its mapping, or as stored.
func value(q query.Query, d cost.Dimension, li *cost.LineItem) string {
	return q.Value(d, func(e filter.Expr, get func(cost.Dimension) string) bool { return matchesGet(e, li, get, q.Rates) },
		func(d cost.Dimension) string { return storedValue(d, li) })
}

func storedValue(d cost.Dimension, li *cost.LineItem) string {
	if d == cost.DimSubAccountName {
		return li.SubAccountName
	}
	return dimValue(d, li)
}

// reference answers q over the bills in Go, following the documentation
// of query.Query.
func (m *model) reference(q query.Query) ([]query.Row, query.Stats) {
	b, err := query.Cut(q.Window, q.Step)
	if err != nil {
		panic(err)
	}
	st := query.Stats{Buckets: b.Windows}
	metrics := q.MetricsOrAll()
	groups := map[string]*query.Row{}
	var order []*query.Row
	chosen := m.chosen(q.Selection)
	granule := 24 * time.Hour
	if q.Step.Unit == query.UnitHour {
		granule = time.Hour
	}
	for _, s := range m.rows {
		li := s.li
		if !chosen(s) || !q.Scope.Sees(li.SubAccountID) || !matchesIn(q, q.Filter, li) {
			continue
		}
		keys := make([]string, len(q.GroupBy))
		for i, d := range q.GroupBy {
			keys[i] = value(q, d, li)
		}
		currency := li.BillingCurrency
		if q.USD {
			currency = "USD"
		}
		for _, p := range pieces(q, b, li, granule) {
			id := fmt.Sprintf("%d\x00%q\x00%s", p.bucket, keys, currency)
			row := groups[id]
			if row == nil {
				w := b.Windows[p.bucket]
				row = &query.Row{Start: w.Start, End: w.End, Keys: keys, Currency: currency,
					Values: make([]decimal.Decimal, len(metrics)), Kubernetes: make([]decimal.Decimal, len(metrics))}
				groups[id] = row
				order = append(order, row)
			}
			row.Items++
			if row.Span.Start.IsZero() || p.span.Start.Before(row.Span.Start) {
				row.Span.Start = p.span.Start
			}
			if p.span.End.After(row.Span.End) {
				row.Span.End = p.span.End
			}
			if _, priced := usdValue(li, cost.Billed, q.Rates); q.USD && !priced {
				// Counted by its billed cost; each metric still adds the
				// dollar value it has, if any.
				row.MissingUSD++
				st.MissingUSD++
			}
			for i, mt := range metrics {
				v := li.Cost[mt]
				if q.USD {
					var ok bool
					if v, ok = usdValue(li, mt, q.Rates); !ok {
						continue // no dollar value: a NULL the sum leaves out
					}
				}
				v = p.of(v)
				row.Values[i] = row.Values[i].Add(v)
				if li.Kubernetes {
					row.Kubernetes[i] = row.Kubernetes[i].Add(v)
				}
			}
		}
	}
	var rows []query.Row
	for _, row := range order {
		if q.PricedOnly && q.USD && row.MissingUSD == row.Items {
			continue
		}
		if !q.Spans {
			row.Span = cost.Window{}
		} else {
			row.Span = clip(row.Span, cost.Window{Start: row.Start, End: row.End})
		}
		rows = append(rows, *row)
	}
	slices.SortStableFunc(rows, func(x, y query.Row) int { return compareRows(q, x, y) })
	rows = cutRows(q, rows)
	st.Total = len(rows)
	return pageRows(q, rows), st
}

func clip(w, to cost.Window) cost.Window {
	if w.Start.Before(to.Start) {
		w.Start = to.Start
	}
	if w.End.After(to.End) {
		w.End = to.End
	}
	return w
}

// compareRows orders rows by bucket, q's orders, keys and currency.
func compareRows(q query.Query, x, y query.Row) int {
	if c := x.Start.Compare(y.Start); c != 0 {
		return c
	}
	for _, o := range q.Orders() {
		var c int
		switch o.By {
		case query.ByKey:
			c = strings.Compare(x.Keys[o.Index], y.Keys[o.Index])
		case query.ByShare:
			c = share(x, o.Index).Cmp(share(y, o.Index))
		default:
			c = x.Values[o.Index].Cmp(y.Values[o.Index])
		}
		if o.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	if c := slices.Compare(x.Keys, y.Keys); c != 0 {
		return c
	}
	return cmp.Compare(x.Currency, y.Currency)
}

func share(r query.Row, i int) decimal.Decimal {
	if !r.Values[i].IsPositive() {
		return decimal.Zero
	}
	return r.Kubernetes[i].DivRound(r.Values[i], 16)
}

// cutRows keeps the top q.Top rows of each bucket, the rest summed into
// Other rows, one per currency.
func cutRows(q query.Query, rows []query.Row) []query.Row {
	if q.Top == 0 {
		return rows
	}
	var out []query.Row
	for _, bucket := range byBucket(rows) {
		if len(bucket) <= q.Top {
			out = append(out, bucket...)
			continue
		}
		out = append(out, bucket[:q.Top-1]...)
		others := map[string]*query.Row{}
		var currencies []string
		for _, r := range bucket[q.Top-1:] {
			o := others[r.Currency]
			if o == nil {
				o = &query.Row{Start: r.Start, End: r.End, Keys: make([]string, len(r.Keys)), Currency: r.Currency, Other: true,
					Values: make([]decimal.Decimal, len(r.Values)), Kubernetes: make([]decimal.Decimal, len(r.Values)), Span: r.Span}
				others[r.Currency] = o
				currencies = append(currencies, r.Currency)
			}
			for i := range r.Values {
				o.Values[i] = o.Values[i].Add(r.Values[i])
				o.Kubernetes[i] = o.Kubernetes[i].Add(r.Kubernetes[i])
			}
			o.Items += r.Items
			o.MissingUSD += r.MissingUSD
			if q.Spans {
				if r.Span.Start.Before(o.Span.Start) {
					o.Span.Start = r.Span.Start
				}
				if r.Span.End.After(o.Span.End) {
					o.Span.End = r.Span.End
				}
			}
		}
		slices.Sort(currencies)
		for _, c := range currencies {
			out = append(out, *others[c])
		}
	}
	return out
}

// pageRows keeps rows Offset+1 to Offset+Limit of each bucket.
func pageRows(q query.Query, rows []query.Row) []query.Row {
	if q.Limit == 0 && q.Offset == 0 {
		return rows
	}
	var out []query.Row
	for _, bucket := range byBucket(rows) {
		if q.Offset >= len(bucket) {
			continue
		}
		bucket = bucket[q.Offset:]
		if q.Limit > 0 && q.Limit < len(bucket) {
			bucket = bucket[:q.Limit]
		}
		out = append(out, bucket...)
	}
	return out
}

func byBucket(rows []query.Row) [][]query.Row {
	var out [][]query.Row
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Start.Equal(rows[i].Start) {
			j++
		}
		out = append(out, rows[i:j])
		i = j
	}
	return out
}

// diffRows describes the first difference between got and want.
func diffRows(got, want []query.Row) string {
	show := func(r query.Row) string {
		return fmt.Sprintf("%s..%s %q %s %v k8s %v items %d missing %d other %v span %s",
			r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339), r.Keys, r.Currency, r.Values, r.Kubernetes, r.Items, r.MissingUSD, r.Other, r.Span)
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = show(got[i])
		}
		if i < len(want) {
			w = show(want[i])
		}
		if g != w {
			return fmt.Sprintf("row %d of %d (want %d):\n got %s\nwant %s", i, len(got), len(want), g, w)
		}
	}
	return ""
}
