package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// piece is where a line item counts in a reference answer: a bucket, the
// part of the item there (of) and the days that part covers (span).
type piece struct {
	bucket int
	of     func(decimal.Decimal) decimal.Decimal
	span   cost.Window
}

// pieces is where li counts in q, by the documentation of query.Query:
// in the bucket of its start, or, for a spread query and an item running
// past its start day, in each bucket it overlaps within the window, by
// cost.Prorate.
func pieces(q query.Query, b query.Buckets, li *cost.LineItem, granule time.Duration) []piece {
	start, end := li.ChargePeriodStart, li.ChargePeriodEnd
	if !q.Spread || !end.After(start.Truncate(24*time.Hour).Add(24*time.Hour)) {
		if !q.Window.Contains(start) {
			return nil
		}
		day := start.Truncate(granule)
		whole := func(v decimal.Decimal) decimal.Decimal { return v }
		return []piece{{bucket: b.Index(start), of: whole, span: cost.Window{Start: day, End: day.Add(granule)}}}
	}
	var out []piece
	for i, w := range b.Windows {
		from, to := later(w.Start, start), earlier(w.End, end)
		if !from.Before(to) {
			continue
		}
		out = append(out, piece{bucket: i,
			of:   func(v decimal.Decimal) decimal.Decimal { return cost.Prorate(v, start, end, w.Start, w.End) },
			span: cost.Window{Start: from.Truncate(24 * time.Hour), End: to.Add(-time.Microsecond).Truncate(24 * time.Hour).Add(24 * time.Hour)}})
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// The spread property test: random questions of the query model with
// Spread over bills with items running past their start day (monthly
// fees, periods of hours to weeks, periods crossing one midnight, items
// starting before the window or ending after it, negative amounts, 24
// fractional digits, amounts near 10^13) answered by the store and the
// reference row for row; and the parts of every item add up to it.
func testSpreadProperty(t *testing.T, st store.Store) {
	seed := propSeed(t)
	t.Logf("seed %d (TALLY_PROPERTY_SEED=%d reruns it)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	m := &model{visible: map[int64]bool{}}
	for _, source := range []string{"s1", "s2"} {
		var items []*cost.LineItem
		for range 20 + r.IntN(20) {
			items = append(items, randomSpreadItem(r))
		}
		for _, sn := range Load(t, st, source, items...) {
			m.visible[sn.ID] = true
			for _, li := range items {
				if cost.MonthStart(li.ChargePeriodStart).Equal(sn.BillingPeriodStart) {
					m.rows = append(m.rows, stored{li: li, snapshot: sn.ID})
				}
			}
		}
	}
	// Over a window holding every item's whole period, daily parts add up
	// to the items.
	all := cost.Window{Start: Day(1, 1), End: Day(7, 1)}
	whole := query.Query{Window: all, Scope: scope.All(), Metrics: []cost.Metric{cost.Billed, cost.List}}
	spread := whole
	spread.Step, spread.Spread = query.Days(1), true
	if a, b := sumRows(t, st, whole), sumRows(t, st, spread); a != b {
		t.Fatalf("seed %d: daily parts add up to %s, the items to %s", seed, b, a)
	}
	n := propQueries(t)
	for i := range n {
		q := randomModelQuery(r)
		q.Spread = true
		// Spread items reach 10^13, and one converted past 10^14 USD is
		// refused (ExchangeRates tests that): keep rates it can hold.
		q.Rates = slices.DeleteFunc(q.Rates, func(rt cost.Rate) bool { return rt.USD.GreaterThan(decimal.NewFromInt(5)) })
		q.Window = q.Window.WidenToDays()
		if q.Step.Unit == query.UnitHour {
			q.Step = query.Days(1 + r.IntN(3))
		}
		// Shares of 10^-24 in 10^13 tie at the reference's 16 digits and
		// not in the store's DOUBLE: ordering by share is ModelProperty's.
		q.Sort = slices.DeleteFunc(q.Sort, func(o query.Order) bool { return o.By == query.ByShare })
		name := fmt.Sprintf("query %d (seed %d) %s", i, seed, describeModel(q))
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, wantStats := m.reference(q)
		if d := diffRows(res.Rows, want); d != "" {
			t.Fatalf("%s:\n%s", name, d)
		}
		if res.Total != wantStats.Total || res.MissingUSD != wantStats.MissingUSD {
			t.Fatalf("%s: total %d, missing USD %d; want %d, %d", name, res.Total, res.MissingUSD, wantStats.Total, wantStats.MissingUSD)
		}
	}
}

// sumRows is the sum of every value of every row of q, per metric.
func sumRows(t *testing.T, st store.Store, q query.Query) string {
	t.Helper()
	res, err := query.Collect(ctx, st, q)
	if err != nil {
		t.Fatal(err)
	}
	sums := make([]decimal.Decimal, len(q.Metrics))
	for _, row := range res.Rows {
		for i, v := range row.Values {
			sums[i] = sums[i].Add(v)
		}
	}
	return fmt.Sprint(sums)
}

// randomSpreadItem is randomItem, two times in three with a period past
// its start day.
func randomSpreadItem(r *rand.Rand) *cost.LineItem {
	li := randomItem(r)
	start := li.ChargePeriodStart
	switch r.IntN(6) {
	case 0: // a monthly fee
		li.ChargePeriodStart = cost.MonthStart(start)
		li.ChargePeriodEnd = li.ChargePeriodStart.AddDate(0, 1, 0)
	case 1: // hours to weeks, from any second
		li.ChargePeriodStart = start.Add(time.Duration(r.IntN(3600)) * time.Second)
		li.ChargePeriodEnd = li.ChargePeriodStart.Add(time.Duration(1+r.IntN(40*24*3600)) * time.Second)
	case 2: // across one midnight
		li.ChargePeriodStart = start.Truncate(24 * time.Hour).Add(23 * time.Hour)
		li.ChargePeriodEnd = li.ChargePeriodStart.Add(2 * time.Hour)
	case 3: // a whole day, which is not spread
		li.ChargePeriodStart = start.Truncate(24 * time.Hour)
		li.ChargePeriodEnd = li.ChargePeriodStart.Add(24 * time.Hour)
	}
	var amount decimal.Decimal
	switch r.IntN(12) {
	case 0, 1, 2: // every fractional digit the store keeps
		amount = decimal.New(r.Int64N(2_000_000_000_000_000_000)-1_000_000_000_000_000_000, -24)
	case 3: // near 10^13 (the list cost, twice the billed, stays storable;
		// rare, so that sums stay below the store's limit for sums)
		amount = decimal.New(r.Int64N(9_000_000_000_000_000)-1_000_000_000_000_000, -3)
	}
	if !amount.IsZero() {
		for m := range cost.NumMetrics {
			li.Cost[m] = amount
		}
		li.Cost[cost.List] = amount.Mul(decimal.NewFromInt(2))
		for m := range cost.NumMetrics {
			if li.BillingCurrency == "USD" {
				li.USD[m] = decimal.NewNullDecimal(li.Cost[m])
			} else if li.USD[m].Valid {
				li.USD[m] = decimal.NewNullDecimal(cost.Round(li.Cost[m].Mul(decimal.RequireFromString("1.0825"))))
			}
		}
	}
	return li
}

// testSpreadBigSums: spread answers whose sums pass what one DECIMAL(38,
// 24) sum holds (three March fees of 9·10^13 and a day's item) answer
// exactly on the store's split sums too, row for row with the reference,
// and the days add up to the fees.
func testSpreadBigSums(t *testing.T, st store.Store) {
	var items []*cost.LineItem
	for i, account := range []string{"a1", "a2", "a3"} {
		li := bigItem(account, 1, issueItem, i == 0)
		li.ServiceName, li.ChargePeriodEnd = "Support", Day(4, 1)
		items = append(items, li)
	}
	items = append(items, bigItem("a1", 9, maxAmount, true))
	m := &model{visible: map[int64]bool{}}
	for _, sn := range Load(t, st, "big", items...) {
		m.visible[sn.ID] = true
		for _, li := range items {
			m.rows = append(m.rows, stored{li: li, snapshot: sn.ID})
		}
	}
	march := cost.Window{Start: Day(3, 1), End: Day(4, 1)}
	for _, q := range []query.Query{
		{Window: march, Step: query.Days(1)},
		{Window: march},
		{Window: cost.Window{Start: Day(3, 5), End: Day(3, 20)}, Step: query.Weeks(1, time.Sunday), GroupBy: []cost.Dimension{cost.DimService}, Top: 1},
		{Window: march, Step: query.Days(2), GroupBy: []cost.Dimension{cost.DimSubAccountID, cost.DimService}, USD: true, Limit: 2, Offset: 1},
		{Window: march, GroupBy: []cost.Dimension{dimAccountName}, Mappings: modelMappings, Sort: []query.Order{{By: query.ByMetric, Index: 1, Desc: true}}},
	} {
		q.Scope, q.Spread, q.Spans = scope.All(), true, true
		q.Metrics = []cost.Metric{cost.Billed, cost.List}
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("%s: %v", describeModel(q), err)
		}
		want, _ := m.reference(q)
		if d := diffRows(res.Rows, want); d != "" {
			t.Fatalf("%s:\n%s", describeModel(q), d)
		}
	}
	fees := decimal.RequireFromString(issueItem).Mul(decimal.NewFromInt(3)).Add(decimal.RequireFromString(maxAmount))
	daily := query.Query{Window: march, Step: query.Days(1), Scope: scope.All(), Metrics: []cost.Metric{cost.Billed}, Spread: true}
	if got, want := sumRows(t, st, daily), fmt.Sprint([]decimal.Decimal{fees}); got != want {
		t.Fatalf("the days of March add up to %s, want %s", got, want)
	}
}
