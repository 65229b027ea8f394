package storetest

import (
	"errors"
	"fmt"
	"sort"
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

func filterData(t *testing.T, st store.Store) {
	a := Item("111", "AmazonEC2", Day(3, 1), "1")
	a.SetTag("team", "web")
	a.Kubernetes = true
	b := Item("222", "AmazonS3", Day(3, 2), "2")
	b.SetTag("team", "data")
	b.SetTag("env", "prod")
	c := Item("333", "AmazonRDS", Day(3, 3), "4")
	c.RegionID = "eu-west-1"
	Load(t, st, "s1", a, b, c)
}

// groups answers q grouped by g and renders "key=billed" sorted.
func groups(t *testing.T, st store.Store, q query.Query) string {
	t.Helper()
	q.Metrics = []cost.Metric{cost.Billed}
	res, err := query.Collect(ctx, st, q)
	if err != nil {
		t.Fatalf("query %+v: %v", q, err)
	}
	var parts []string
	for _, r := range res.Rows {
		parts = append(parts, strings.Join(r.Keys, "/")+"="+r.Values[0].String())
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func testFilters(t *testing.T, st store.Store) {
	filterData(t, st)
	cond := func(d cost.Dimension, op filter.Op, vals ...string) filter.Expr {
		return filter.Cond{Dim: d, Op: op, Values: vals}
	}
	f := func(e filter.Expr, want string) {
		t.Helper()
		got := groups(t, st, query.Query{Scope: scope.All(), Window: march, Filter: e, GroupBy: []cost.Dimension{cost.DimSubAccountID}})
		if got != want {
			t.Fatalf("filter %v: got %q, want %q", e, got, want)
		}
	}
	f(nil, "111=1 222=2 333=4")
	f(cond(cost.DimService, filter.Equals, "AmazonEC2"), "111=1")
	f(cond(cost.DimService, filter.Equals, "AmazonEC2", "AmazonRDS"), "111=1 333=4")
	f(cond(cost.DimService, filter.Equals, "amazonec2"), "")
	f(filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"amazonec2"}, FoldCase: true}, "111=1")
	f(cond(cost.DimService, filter.Contains, "S3"), "222=2")
	f(cond(cost.DimService, filter.Prefix, "Amazon"), "111=1 222=2 333=4")
	f(cond(cost.DimService, filter.Suffix, "DS"), "333=4")
	f(filter.Not{X: cond(cost.DimService, filter.Equals, "AmazonEC2", "AmazonS3")}, "333=4")
	f(filter.And{Xs: []filter.Expr{cond(cost.DimRegion, filter.Equals, "us-east-1"), cond(cost.DimService, filter.Prefix, "AmazonS")}}, "222=2")
	f(filter.Or{Xs: []filter.Expr{cond(cost.DimRegion, filter.Equals, "eu-west-1"), cond(cost.DimService, filter.Equals, "AmazonS3")}}, "222=2 333=4")
	f(filter.Or{}, "")
	f(filter.And{}, "111=1 222=2 333=4")
	f(cond(cost.TagDimension("team"), filter.Equals, "web"), "111=1")
	f(cond(cost.TagDimension("team"), filter.Equals, ""), "333=4") // absent tag is empty
	f(cond(cost.TagDimension(""), filter.Equals, "env"), "222=2")  // key exists
	f(cond(cost.TagDimension(""), filter.Prefix, "te"), "111=1 222=2")
	f(cond(cost.DimKubernetes, filter.Equals, "true"), "111=1")
	f(cond(cost.TagDimension("it's"), filter.Equals, "x"), "") // quotes in keys are safe
	f(cond(cost.DimService, filter.Equals, "x' OR '1'='1"), "")
	// Text a store cannot bind is the client's error, not the server's.
	for _, e := range []filter.Expr{
		cond(cost.DimService, filter.Equals, "bad \xff utf-8"),
		cond(cost.DimService, filter.Equals, "nul\x00"),
		cond(cost.TagDimension("k\x00ey"), filter.Equals, "x"),
	} {
		if _, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: march, Filter: e}); !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("filter %v: %v, want ErrInvalid", e, err)
		}
	}
	if _, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{cost.TagDimension("\xfe")}}); !errors.Is(err, cost.ErrInvalid) {
		t.Errorf("a tag key of invalid UTF-8: %v, want ErrInvalid", err)
	}
	// Amounts test each line item before grouping, inclusive.
	amount := func(op filter.AmountOp, v string) filter.Expr {
		return filter.Amount{Metric: cost.Billed, USD: true, Op: op, Value: decimal.RequireFromString(v)}
	}
	f(amount(filter.AtLeast, "2"), "222=2 333=4")
	f(amount(filter.AtMost, "2.000"), "111=1 222=2")
	f(filter.And{Xs: []filter.Expr{amount(filter.AtLeast, "1.5"), amount(filter.AtMost, "3")}}, "222=2")
	f(filter.Amount{Metric: cost.List, Op: filter.AtLeast, Value: decimal.RequireFromString("8")}, "333=4") // list is twice billed

	got := groups(t, st, query.Query{Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{cost.TagDimension("team"), cost.DimService}})
	if want := "/AmazonRDS=4 data/AmazonS3=2 web/AmazonEC2=1"; got != want {
		t.Fatalf("group by tag: got %q, want %q", got, want)
	}
}

func testSteps(t *testing.T, st store.Store) {
	var items []*cost.LineItem
	for d := 1; d <= 31; d++ {
		for h := 0; h < 24; h += 6 {
			items = append(items, Item("a1", "AmazonEC2", Day(3, d).Add(time.Duration(h)*time.Hour), fmt.Sprintf("0.%02d", d)))
		}
	}
	items = append(items, Item("a1", "AmazonEC2", Day(4, 2), "7"))
	Load(t, st, "s1", items...)

	q := query.Query{Scope: scope.All(), Window: march, Step: query.Days(1), GroupBy: []cost.Dimension{cost.DimService}, Metrics: []cost.Metric{cost.Billed, cost.List}}
	if !query.UsesRollup(q) {
		t.Fatal("a whole-day query by service should use the rollup")
	}
	res, err := query.Collect(ctx, st, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 31 {
		t.Fatalf("daily rows = %d, want 31", len(res.Rows))
	}
	for i, r := range res.Rows {
		want := decimal.RequireFromString(fmt.Sprintf("0.%02d", i+1)).Mul(decimal.NewFromInt(4))
		if !r.Start.Equal(Day(3, i+1)) || !r.End.Equal(Day(3, i+2)) || !r.Values[0].Equal(want) || r.Items != 4 {
			t.Fatalf("day %d: %+v, want start %s billed %s from 4 items", i+1, r, Day(3, i+1), want)
		}
		if !r.Values[1].Equal(want.Mul(decimal.NewFromInt(2))) {
			t.Fatalf("day %d list = %s, want %s", i+1, r.Values[1], want.Mul(decimal.NewFromInt(2)))
		}
	}
	// The same totals from the line items (an hour-aligned window cannot
	// use the rollup) and from the rollup.
	raw := query.Query{Scope: scope.All(), Window: cost.Window{Start: Day(3, 1).Add(-time.Hour), End: Day(4, 1)}, Metrics: []cost.Metric{cost.Billed}}
	if query.UsesRollup(raw) {
		t.Fatal("an hour-aligned window must not use the daily rollup")
	}
	rr, err := query.Collect(ctx, st, raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rr.Rows[0].Values[0].String(), Total(t, st, march, cost.Billed); got != want || want != "19.84" {
		t.Fatalf("raw total %s, rollup total %s, want both 19.84", got, want)
	}
	month, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: cost.Window{Start: Day(3, 1), End: Day(5, 1)}, Step: query.Months(1), Metrics: []cost.Metric{cost.Billed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(month.Rows) != 2 || month.Rows[0].Values[0].String() != "19.84" || month.Rows[1].Values[0].String() != "7" || !month.Rows[1].Start.Equal(Day(4, 1)) {
		t.Fatalf("monthly rows = %+v", month.Rows)
	}
}

func testScope(t *testing.T, st store.Store) {
	filterData(t, st)
	f := func(sc scope.Scope, want string) {
		t.Helper()
		got := groups(t, st, query.Query{Window: march, GroupBy: []cost.Dimension{cost.DimSubAccountID}, Scope: sc})
		if got != want {
			t.Fatalf("scope %v: got %q, want %q", sc, got, want)
		}
	}
	f(scope.All(), "111=1 222=2 333=4")
	f(scope.Accounts("222", "333"), "222=2 333=4")
	f(scope.Accounts(), "")
	f(scope.None(), "")
	f(scope.Scope{}, "") // the zero value fails closed

	// Snapshots: a scoped listing counts only the scope's rows and money,
	// and leaves out snapshots without any of its accounts.
	other := Load(t, st, "other", Item("999", "AmazonEC2", Day(3, 1), "100"))
	Load(t, st, "empty")
	snaps := func(sc scope.Scope) string {
		t.Helper()
		list, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: sc})
		if err != nil {
			t.Fatal(err)
		}
		// The same listing without totals: the same snapshots and rows.
		bare, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: sc, SkipTotals: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(bare) != len(list) {
			t.Fatalf("scope %v: %d snapshots without totals, %d with", sc, len(bare), len(list))
		}
		for i, sn := range bare {
			if sn.ID != list[i].ID || sn.Rows != list[i].Rows || sn.Totals != nil {
				t.Errorf("scope %v: snapshot without totals %+v, want %d with %d rows and no totals", sc, sn, list[i].ID, list[i].Rows)
			}
		}
		var parts []string
		for _, sn := range list {
			p := fmt.Sprintf("%s:%d", sn.Source, sn.Rows)
			for _, tot := range sn.Totals {
				p += fmt.Sprintf(":%s=%s", tot.Currency, tot.Values[cost.Billed])
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, " ")
	}
	for _, c := range []struct {
		sc   scope.Scope
		want string
	}{
		{scope.All(), "empty:0 other:1:USD=100 s1:3:USD=7"},
		{scope.Accounts("222", "333"), "s1:2:USD=6"},
		{scope.Accounts("999"), "other:1:USD=100"},
		{scope.Accounts("nobody"), ""},
		{scope.Accounts(), ""},
		{scope.Scope{}, ""},
	} {
		if got := snaps(c.sc); got != c.want {
			t.Errorf("snapshots in scope %v = %q, want %q", c.sc, got, c.want)
		}
	}
	one, err := st.Snapshots(ctx, store.SnapshotFilter{ID: other[0].ID, Scope: scope.Accounts("222")})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("snapshot %d outside the scope: %+v, %v, want ErrNotFound", other[0].ID, one, err)
	}
}

func testCurrencies(t *testing.T, st store.Store) {
	eur := Item("e1", "Virtual Machines", Day(3, 1), "10")
	eur.BillingCurrency = "EUR"
	for m := range cost.NumMetrics {
		eur.USD[m] = decimal.NullDecimal{}
	}
	eur.USD[cost.Billed] = decimal.NewNullDecimal(decimal.RequireFromString("10.9"))
	Load(t, st, "s1", eur, Item("u1", "AmazonEC2", Day(3, 1), "1"))
	res, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: march, Metrics: []cost.Metric{cost.Billed}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Rows {
		got[r.Currency] = r.Values[0].String()
	}
	if len(got) != 2 || got["EUR"] != "10" || got["USD"] != "1" {
		t.Fatalf("per-currency totals = %v, want EUR 10 and USD 1 kept apart", got)
	}
	usd, err := query.Collect(ctx, st, query.Query{Scope: scope.All(), Window: march, Metrics: []cost.Metric{cost.Billed}, USD: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(usd.Rows) != 1 || usd.Rows[0].Currency != "USD" || usd.Rows[0].Values[0].String() != "11.9" {
		t.Fatalf("USD total = %+v, want 11.9", usd.Rows)
	}
	if usd.MissingUSD != 0 || res.MissingUSD != 0 {
		t.Fatalf("missing USD counted where every item has one: %d, %d", usd.MissingUSD, res.MissingUSD)
	}

	// A bill without an exchange rate: its items are left out of USD
	// totals, and counted as such, through the rollup and the raw items.
	gbp := Item("g1", "Virtual Machines", Day(3, 2), "5")
	gbp.BillingCurrency = "GBP"
	for m := range cost.NumMetrics {
		gbp.USD[m] = decimal.NullDecimal{}
	}
	Load(t, st, "s2", gbp, gbp)
	for _, q := range []query.Query{
		{Window: march, Metrics: []cost.Metric{cost.Billed}, USD: true, Scope: scope.All()},
		{Window: march, Metrics: []cost.Metric{cost.Billed}, USD: true, GroupBy: []cost.Dimension{cost.DimResourceID}, Scope: scope.All()},
	} {
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.MissingUSD != 2 {
			t.Fatalf("query %+v: %d items without USD, want 2", q.GroupBy, res.MissingUSD)
		}
	}
}
