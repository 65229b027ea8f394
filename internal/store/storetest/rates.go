package storetest

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// usdValue is the reference USD amount of metric m of li under rates
// (query.Query.Rates): the bill's USD value, else the amount of a bill
// in dollars, else, for an item without a billed cost in USD (whole
// items are converted, never one metric beside the bill's others), the
// amount converted at the rate of its currency and month; false when
// there is none.
func usdValue(li *cost.LineItem, m cost.Metric, rates []cost.Rate) (decimal.Decimal, bool) {
	switch {
	case li.USD[m].Valid:
		return li.USD[m].Decimal, true
	case li.BillingCurrency == "USD":
		return li.Cost[m], true
	case li.USD[cost.Billed].Valid:
		return decimal.Zero, false // priced in part by the bill: no rate
	}
	for _, r := range rates {
		if r.Applies(li.BillingCurrency, li.ChargePeriodStart) {
			return r.Convert(li.Cost[m]), true
		}
	}
	return decimal.Zero, false
}

// randomRates are exchange rates of EUR, the random bills' other
// currency, for some of the months they cover, and of a currency they
// do not use: rates with many digits, tiny and large (not so large that
// the random amounts convert past what the store holds, which is an
// overflow error by design).
func randomRates(r *rand.Rand) []cost.Rate {
	values := []string{"1.0825", "0.000000000001", "12345.678901234", "1", "0.333333333333"}
	var out []cost.Rate
	for _, m := range []time.Month{2, 3, 4, 5} {
		if r.IntN(2) == 0 {
			out = append(out, cost.Rate{Month: Day(m, 1), Currency: "EUR", USD: decimal.RequireFromString(pick(r, values))})
		}
	}
	if r.IntN(2) == 0 {
		out = append(out, cost.Rate{Month: Day(3, 1), Currency: "NOK", USD: decimal.RequireFromString("0.0921")})
	}
	return out
}

// testRates: a USD query converts the items without a USD value at the
// rate of their currency and month, exactly, rounding the amount half to
// even at 12 digits first (cost.Rate.Convert); the bill's own USD value
// wins over a rate; items of months or currencies without one stay
// missing; an amount filter in USD compares the converted amount.
func testRates(t *testing.T, st store.Store) {
	item := func(account, currency string, at time.Time, billed, usd string) *cost.LineItem {
		li := Item(account, "svc", at, billed)
		li.BillingCurrency = currency
		for m := range cost.NumMetrics {
			li.USD[m] = decimal.NullDecimal{}
			if usd != "" {
				li.USD[m] = decimal.NewNullDecimal(decimal.RequireFromString(usd))
			}
		}
		return li
	}
	// An item the bill prices in USD for its billed cost only: a rate
	// converts whole items, so its list cost stays without a USD value.
	partial := item("eur-part", "EUR", Day(3, 6), "10", "")
	partial.USD[cost.Billed] = decimal.NewNullDecimal(decimal.RequireFromString("11"))
	Load(t, st, "s",
		item("eur-march", "EUR", Day(3, 31).Add(23*time.Hour), "100.0000000000005", ""), // a tie: rounds to 100 (even)
		item("eur-march-odd", "EUR", Day(3, 2), "-0.0000000000015", ""),                 // a tie: rounds to -0.000000000002
		item("eur-own-usd", "EUR", Day(3, 3), "10", "11"),                               // the bill's own value wins
		item("eur-april", "EUR", Day(4, 1), "7", ""),                                    // no April rate
		item("nok-march", "NOK", Day(3, 4), "1000", ""),                                 // no NOK rate
		item("usd", "USD", Day(3, 5), "3", ""),
		partial,
	)
	rates := []cost.Rate{
		{Month: Day(3, 1), Currency: "EUR", USD: decimal.RequireFromString("1.083456789012")},
		{Month: Day(5, 1), Currency: "NOK", USD: decimal.RequireFromString("0.09")},
	}
	w := cost.Window{Start: Day(3, 1), End: Day(5, 1)}
	billed := []cost.Metric{cost.Billed}
	for _, c := range []struct {
		name    string
		q       query.Query
		want    string // account=amount … in key order
		missing int64
	}{
		{"without rates", query.Query{Window: w, USD: true, GroupBy: []cost.Dimension{cost.DimSubAccountID}},
			"eur-april=0 eur-march=0 eur-march-odd=0 eur-own-usd=11 eur-part=11 nok-march=0 usd=3", 4},
		{"with rates", query.Query{Window: w, USD: true, Rates: rates, GroupBy: []cost.Dimension{cost.DimSubAccountID}},
			"eur-april=0 eur-march=108.3456789012 eur-march-odd=-0.000000000002166913578024 eur-own-usd=11 eur-part=11 nok-march=0 usd=3", 2},
		{"with rates, priced only", query.Query{Window: w, USD: true, PricedOnly: true, Rates: rates, GroupBy: []cost.Dimension{cost.DimSubAccountID}},
			"eur-march=108.3456789012 eur-march-odd=-0.000000000002166913578024 eur-own-usd=11 eur-part=11 usd=3", 2},
		{"with rates, a page", query.Query{Window: w, USD: true, PricedOnly: true, Rates: rates, GroupBy: []cost.Dimension{cost.DimSubAccountID}, Limit: 1,
			Sort: []query.Order{query.Metric(0, true)}}, "eur-march=108.3456789012", 2},
		{"with rates, a USD amount filter", query.Query{Window: w, USD: true, Rates: rates, GroupBy: []cost.Dimension{cost.DimSubAccountID},
			Filter: filter.Amount{Metric: cost.Billed, USD: true, Op: filter.AtLeast, Value: decimal.RequireFromString("108.3456789012")}},
			"eur-march=108.3456789012", 0},
		{"with rates, no groups", query.Query{Window: w, USD: true, Rates: rates},
			"=133.345678901197833086421976", 2},
		{"with rates, the list cost of an item priced in part", query.Query{Window: w, USD: true, Rates: rates, Metrics: []cost.Metric{cost.List},
			GroupBy: []cost.Dimension{cost.DimSubAccountID}, Filter: filter.Cond{Dim: cost.DimSubAccountID, Values: []string{"eur-part"}}},
			"eur-part=0", 0},
	} {
		c.q.Scope = scope.All()
		if c.q.Metrics == nil {
			c.q.Metrics = billed
		}
		if c.q.Sort == nil && len(c.q.GroupBy) > 0 {
			c.q.Sort = []query.Order{query.Key(0, false)}
		}
		res, err := query.Collect(ctx, st, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := ""
		for i, r := range res.Rows {
			if i > 0 {
				got += " "
			}
			key := ""
			if len(r.Keys) > 0 {
				key = r.Keys[0]
			}
			got += key + "=" + r.Values[0].String()
		}
		if got != c.want || res.MissingUSD != c.missing {
			t.Errorf("%s: %s, %d missing\nwant %s, %d missing", c.name, got, res.MissingUSD, c.want, c.missing)
		}
	}
	// An item converted past what one item may hold (10^14) is refused
	// with ErrTooLarge, never answered wrong.
	Load(t, st, "huge", item("eur-huge", "EUR", Day(6, 2), "40000000000000", ""))
	june := cost.Window{Start: Day(6, 1), End: Day(7, 1)}
	_, err := query.Collect(ctx, st, query.Query{Window: june, USD: true, Scope: scope.All(), Metrics: billed,
		Rates: []cost.Rate{{Month: Day(6, 1), Currency: "EUR", USD: decimal.NewFromInt(3)}}})
	if !errors.Is(err, cost.ErrTooLarge) {
		t.Errorf("an item converted past 10^14: %v, want cost.ErrTooLarge", err)
	}
	// A rate that a store could not splice safely is refused before any
	// store sees it.
	for _, bad := range []cost.Rate{
		{Month: Day(3, 1), Currency: "EU'R", USD: decimal.NewFromInt(1)},
		{Month: Day(3, 2), Currency: "EUR", USD: decimal.NewFromInt(1)},
		{Month: Day(3, 1), Currency: "EUR", USD: decimal.Zero},
		{Month: Day(3, 1), Currency: "EUR", USD: decimal.RequireFromString("0.0000000000001")},
	} {
		_, err := query.Collect(ctx, st, query.Query{Window: w, USD: true, Scope: scope.All(), Rates: []cost.Rate{bad}})
		if err == nil {
			t.Errorf("rate %+v accepted", bad)
		}
	}
}
