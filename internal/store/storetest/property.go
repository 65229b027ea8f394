package storetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// The property test: for random filters, windows, scopes and snapshot
// selections over random bills with restatements, a store's total and
// item count equal an independent evaluation in Go over the line items
// the question may read. Golden files check the cases someone thought
// of; this checks the combinations nobody did, such as an alternative
// that escapes the scope.
//
// TALLY_PROPERTY_SEED reruns one seed; TALLY_PROPERTY_QUERIES asks more.

// stored is a line item as the reference knows it: its snapshot.
type stored struct {
	li       *cost.LineItem
	snapshot int64
}

// model is what the reference evaluator knows of the store: every row
// of every completed import, and which snapshots are visible.
type model struct {
	rows    []stored
	visible map[int64]bool
}

var (
	propAccounts = []string{"a1", "a2", "a3", "a4", "a5"}
	propServices = []string{"AmazonEC2", "AmazonS3", "Virtual Machines", "O'Brien %_", "Café", ""}
	propRegions  = []string{"us-east-1", "eu-west-1", "EU-West-2", ""}
	propTeams    = []string{"web", "data", "Web", ""}
	// propWords are filter values: whole values, parts of them, other
	// cases, and nothing at all.
	propWords = []string{"AmazonEC2", "amazonec2", "Amazon", "S3", "Virtual", "machines", "'", "%", "_", "Café", "CAFÉ",
		"us-east-1", "eu", "west", "-2", "web", "WEB", "data", "a1", "a2", "a", "1", "team", "env", "prod", "", "zz"}
	propDims = []cost.Dimension{cost.DimSubAccountID, cost.DimService, cost.DimRegion, cost.DimProvider,
		cost.TagDimension("team"), cost.TagDimension("env"), cost.TagDimension("")}
)

func propSeed(t *testing.T) uint64 {
	if s := os.Getenv("TALLY_PROPERTY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TALLY_PROPERTY_SEED=%q: %v", s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// propRun is what a property test starts from: its seed (logged, so a
// failure reruns), a generator seeded with it and salt (each test draws
// its own sequence), the random bills loaded into st, and the number of
// questions to ask (TALLY_PROPERTY_QUERIES, default 300).
func propRun(t *testing.T, st store.Store, salt uint64) (seed uint64, r *rand.Rand, m *model, n int) {
	seed = propSeed(t)
	t.Logf("seed %d (TALLY_PROPERTY_SEED=%d reruns it)", seed, seed)
	r = rand.New(rand.NewPCG(seed, seed^salt))
	m = loadRandomBills(t, st, r)
	return seed, r, m, propQueries(t)
}

// propQueries is the number of questions a property test asks:
// TALLY_PROPERTY_QUERIES, default 300.
func propQueries(t *testing.T) int {
	n := 300
	if s := os.Getenv("TALLY_PROPERTY_QUERIES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("TALLY_PROPERTY_QUERIES=%q: %v", s, err)
		}
	}
	return n
}

func testFilterProperty(t *testing.T, st store.Store) {
	seed, r, m, n := propRun(t, st, 0x9e3779b97f4a7c15)
	for i := range n {
		q := query.Query{
			Window: randomWindow(r), Scope: randomScope(r), Filter: randomFilter(r, 3),
			Metrics: []cost.Metric{cost.Billed}, USD: r.IntN(4) == 0,
		}
		if r.IntN(4) == 0 {
			q.GroupBy = []cost.Dimension{propDims[r.IntN(len(propDims)-1)]}
		}
		if r.IntN(5) == 0 {
			q.Selection.Day = q.Window.Start.Truncate(24 * time.Hour)
		}
		if q.USD && r.IntN(2) == 0 {
			q.Rates = randomRates(r)
		}
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("query %d (seed %d) %s: %v", i, seed, describe(q), err)
		}
		var got decimal.Decimal
		var items int64
		for _, row := range res.Rows {
			got = got.Add(row.Values[0])
			items += row.Items
		}
		want, wantItems, wantMissing := m.answer(q)
		if !got.Equal(want) || items != wantItems || res.MissingUSD != wantMissing {
			t.Fatalf("query %d (seed %d) %s:\n got %s over %d items, %d without USD\nwant %s over %d items, %d without USD",
				i, seed, describe(q), got, items, res.MissingUSD, want, wantItems, wantMissing)
		}
		checkEntries(t, st, m, q, fmt.Sprintf("entries %d (seed %d)", i, seed))
	}
}

// checkEntries: listing the line items of q one by one gives the same
// rows as the reference.
func checkEntries(t *testing.T, st store.Store, m *model, q query.Query, name string) {
	t.Helper()
	var got decimal.Decimal
	total, err := st.Entries(ctx, store.EntryQuery{Window: q.Window, Selection: q.Selection, Filter: q.Filter, Scope: q.Scope},
		func(e *store.Entry) error {
			got = got.Add(e.Item.Cost[cost.Billed])
			return nil
		})
	if err != nil {
		t.Fatalf("%s %s: %v", name, describe(q), err)
	}
	// Listing items converts nothing: an amount filter in USD reads the
	// bill's USD values only (store.EntryQuery has no rates).
	q.USD, q.Rates = false, nil
	want, n, _ := m.answer(q)
	if !got.Equal(want) || total != n {
		t.Fatalf("%s %s:\n got %s over %d entries\nwant %s over %d entries", name, describe(q), got, total, want, n)
	}
}

func describe(q query.Query) string {
	return fmt.Sprintf("window %s, scope %v, selection %+v, groups %v, usd %v, rates %v, filter %v",
		q.Window, q.Scope, q.Selection, q.GroupBy, q.USD, q.Rates, q.Filter)
}

// loadRandomBills imports random bills of three sources over February to
// April 2024, each source's months imported up to three times, so that
// earlier runs are superseded.
func loadRandomBills(t *testing.T, st store.Store, r *rand.Rand) *model {
	t.Helper()
	m := &model{visible: map[int64]bool{}}
	latest := map[string]int64{} // source and month -> visible snapshot
	for run := range 3 {
		for _, source := range []string{"s1", "s2", "s3"} {
			if run > 0 && r.IntN(2) == 0 {
				continue
			}
			var items []*cost.LineItem
			for range 5 + r.IntN(20) {
				items = append(items, randomItem(r))
			}
			for _, sn := range Load(t, st, source, items...) {
				key := source + sn.BillingPeriodStart.Format("2006-01")
				delete(m.visible, latest[key])
				latest[key], m.visible[sn.ID] = sn.ID, true
				for _, li := range items {
					if cost.MonthStart(li.ChargePeriodStart).Equal(sn.BillingPeriodStart) {
						m.rows = append(m.rows, stored{li: li, snapshot: sn.ID})
					}
				}
			}
		}
	}
	return m
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func randomItem(r *rand.Rand) *cost.LineItem {
	at := Day(2, 1).Add(time.Duration(r.IntN(90*24)) * time.Hour)
	amount := decimal.New(r.Int64N(2_000_000_000)-400_000_000, -int32(r.IntN(13)))
	li := Item(pick(r, propAccounts), pick(r, propServices), at, amount.String())
	li.RegionID = pick(r, propRegions)
	if r.IntN(3) == 0 {
		li.ProviderName = "Microsoft"
	}
	if r.IntN(6) == 0 {
		// A bill in euros, with a dollar value or without one.
		li.BillingCurrency = "EUR"
		for m := range cost.NumMetrics {
			li.USD[m] = decimal.NullDecimal{}
			if r.IntN(2) == 0 {
				li.USD[m] = decimal.NewNullDecimal(li.Cost[m].Mul(decimal.RequireFromString("1.0825")))
			}
		}
	}
	if team := pick(r, propTeams); team != "" {
		li.SetTag("team", team)
	}
	if r.IntN(3) == 0 {
		li.SetTag("env", "prod")
	}
	li.Kubernetes = r.IntN(3) == 0
	return li
}

// randomWindow is on day boundaries half the time (the rollup answers)
// and on hours otherwise (the line items do).
func randomWindow(r *rand.Rand) cost.Window {
	start := Day(1, 20).Add(time.Duration(r.IntN(110)) * 24 * time.Hour)
	length := time.Duration(1+r.IntN(60)) * 24 * time.Hour
	if r.IntN(2) == 0 {
		start = start.Add(time.Duration(r.IntN(24)) * time.Hour)
		length = time.Duration(1+r.IntN(60*24)) * time.Hour
	}
	return cost.Window{Start: start, End: start.Add(length)}
}

func randomScope(r *rand.Rand) scope.Scope {
	switch r.IntN(6) {
	case 0:
		return scope.All()
	case 1:
		return scope.Scope{}
	}
	var ids []string
	for _, a := range append(propAccounts, "zz") {
		if r.IntN(3) == 0 {
			ids = append(ids, a)
		}
	}
	return scope.Accounts(ids...)
}

// randomFilter builds an expression of at most depth levels, with the
// shapes clients send: alternatives, value lists, negations, nesting.
func randomFilter(r *rand.Rand, depth int) filter.Expr {
	n := 5
	if depth == 0 {
		n = 2
	}
	switch r.IntN(n) {
	case 0:
		c := filter.Cond{Dim: pick(r, propDims), Op: filter.Op(r.IntN(4)), FoldCase: r.IntN(2) == 0}
		for range r.IntN(4) {
			c.Values = append(c.Values, pick(r, propWords))
		}
		return c
	case 1:
		a := filter.Amount{Metric: cost.Billed, USD: r.IntN(2) == 0, Op: filter.AmountOp(r.IntN(2)),
			Value: decimal.New(r.Int64N(2_000)-400, -int32(r.IntN(3)))}
		return a
	case 2:
		return filter.Not{X: randomFilter(r, depth-1)}
	case 3:
		return filter.And{Xs: randomFilters(r, depth-1)}
	}
	return filter.Or{Xs: randomFilters(r, depth-1)}
}

func randomFilters(r *rand.Rand, depth int) []filter.Expr {
	var xs []filter.Expr
	for range r.IntN(4) {
		xs = append(xs, randomFilter(r, depth))
	}
	return xs
}

// answer is the reference, evaluated in Go: the total billed cost (in
// dollars for a USD question) of the rows q may read, how many they are,
// and how many of them a USD question leaves out for want of a dollar
// value.
func (m *model) answer(q query.Query) (sum decimal.Decimal, n, missing int64) {
	chosen := m.chosen(q.Selection)
	for _, s := range m.rows {
		li := s.li
		if !chosen(s) || !q.Window.Contains(li.ChargePeriodStart) || !q.Scope.Sees(li.SubAccountID) || !matchesRated(q.Filter, li, q.Rates) {
			continue
		}
		n++
		v := li.Cost[cost.Billed]
		if q.USD {
			var ok bool
			if v, ok = usdValue(li, cost.Billed, q.Rates); !ok {
				missing++ // counted, and left out of USD totals
				continue
			}
		}
		sum = sum.Add(v)
	}
	return sum, n, missing
}

// chosen returns the snapshot rule of sel: the visible snapshots, or for
// a day, per account the newest completed snapshot with rows of it that
// day (restated days answer their latest run, never the sum of runs).
func (m *model) chosen(sel query.Selection) func(stored) bool {
	if sel.Day.IsZero() {
		return func(s stored) bool { return m.visible[s.snapshot] }
	}
	next := sel.Day.AddDate(0, 0, 1)
	onDay := func(li *cost.LineItem) bool {
		return !li.ChargePeriodStart.Before(sel.Day) && li.ChargePeriodStart.Before(next)
	}
	newest := map[string]int64{}
	for _, s := range m.rows {
		if onDay(s.li) && s.snapshot > newest[s.li.SubAccountID] {
			newest[s.li.SubAccountID] = s.snapshot
		}
	}
	return func(s stored) bool { return onDay(s.li) && newest[s.li.SubAccountID] == s.snapshot }
}

// matchesRated evaluates e on li as the filter AST defines it,
// independently of any store's compiler; an amount in USD reads the
// query's exchange rates (usdValue).
func matchesRated(e filter.Expr, li *cost.LineItem, rates []cost.Rate) bool {
	return matchesGet(e, li, func(d cost.Dimension) string { return dimValue(d, li) }, rates)
}

// matchesIn is matchesRated for a query with mappings: a condition on a mapped
// dimension compares the mapping's value (query.Query.Value).
func matchesIn(q query.Query, e filter.Expr, li *cost.LineItem) bool {
	return matchesGet(e, li, func(d cost.Dimension) string { return value(q, d, li) }, q.Rates)
}

// matchesGet is matches reading dimensions with get.
func matchesGet(e filter.Expr, li *cost.LineItem, get func(cost.Dimension) string, rates []cost.Rate) bool {
	switch x := e.(type) {
	case nil:
		return true
	case filter.Not:
		return !matchesGet(x.X, li, get, rates)
	case filter.And:
		for _, y := range x.Xs {
			if !matchesGet(y, li, get, rates) {
				return false
			}
		}
		return true
	case filter.Or:
		for _, y := range x.Xs {
			if matchesGet(y, li, get, rates) {
				return true
			}
		}
		return false
	case filter.Amount:
		v := li.Cost[x.Metric]
		if x.USD {
			var ok bool
			if v, ok = usdValue(li, x.Metric, rates); !ok {
				return false
			}
		}
		if x.Op == filter.AtMost {
			return v.LessThanOrEqual(x.Value)
		}
		return v.GreaterThanOrEqual(x.Value)
	case filter.Cond:
		if key, ok := x.Dim.TagKey(); ok && key == "" {
			for k := range li.Tags {
				if condMatches(x, k) {
					return true
				}
			}
			return false
		}
		return condMatches(x, get(x.Dim))
	}
	panic(fmt.Sprintf("unknown filter node %T", e))
}

func condMatches(c filter.Cond, have string) bool {
	for _, want := range c.Values {
		h := have
		if c.FoldCase {
			h, want = strings.ToLower(h), strings.ToLower(want)
		}
		var ok bool
		switch c.Op {
		case filter.Equals:
			ok = h == want
		case filter.Contains:
			ok = strings.Contains(h, want)
		case filter.Prefix:
			ok = strings.HasPrefix(h, want)
		case filter.Suffix:
			ok = strings.HasSuffix(h, want)
		}
		if ok {
			return true
		}
	}
	return false
}

// dimValue reads the dimensions the property test filters on.
func dimValue(d cost.Dimension, li *cost.LineItem) string {
	if key, ok := d.TagKey(); ok {
		return li.Tags[key]
	}
	switch d {
	case cost.DimSubAccountID:
		return li.SubAccountID
	case cost.DimService:
		return li.ServiceName
	case cost.DimRegion:
		return li.RegionID
	case cost.DimProvider:
		return li.ProviderName
	}
	panic("the property test does not filter on " + string(d))
}
