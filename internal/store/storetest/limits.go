package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// Amounts at the store's limits: the largest one amount may be, and
// bills whose sums pass what one DECIMAL(38, 24) sum may be (VND, IDR).
const (
	maxAmount = "99999999999999.999999999999999999999999" // 10^14 − 10^-24
	issueItem = "90000000000000.5"                        // issue 19: three of them failed
	// A day below 10^13, twenty of which pass 1.7·10^14.
	dayItem = "9000000000000.000000000000000000000001"
	// Two on a day make 1.2·10^14: past what DECIMAL(38, 24) declares,
	// below where DuckDB's sum fails.
	midItem = "60000000000000.25"
)

// bigItem is Item with every metric (list included) at v.
func bigItem(account string, day int, v string, k8s bool) *cost.LineItem {
	li := Item(account, "AmazonEC2", Day(3, day), v)
	li.Cost[cost.List] = li.Cost[cost.Billed]
	li.USD[cost.List] = li.USD[cost.Billed]
	li.Kubernetes = k8s
	return li
}

// testBigSums: sums far past one amount's limit ingest and answer exactly
// on every path a store answers by (rollup and line items, grouped, top
// and other, pages, orders, mapped groups, USD, Kubernetes parts, snapshot
// totals, scoped totals); groups differing in the 24th fractional digit
// order exactly; an amount at the limit is stored and one past it is
// refused with a clear error.
func testBigSums(t *testing.T, st store.Store) {
	// April first: days that are small alone and large together.
	var april []*cost.LineItem
	for day := range 20 {
		li := bigItem("s", 1, dayItem, day%2 == 0)
		li.ChargePeriodStart = Day(4, 1+day)
		li.ChargePeriodEnd = li.ChargePeriodStart.Add(1e9 * 3600)
		li.BillingPeriodStart, li.BillingPeriodEnd = Day(4, 1), Day(5, 1)
		april = append(april, li)
	}
	aprilSnaps := Load(t, st, "april", april...)
	day := decimal.RequireFromString(dayItem)
	aprilWant := day.Mul(decimal.NewFromInt(20))
	aprilK8s := day.Mul(decimal.NewFromInt(10))
	if aprilWant.String() != "180000000000000.00000000000000000000002" {
		t.Fatalf("test data: april = %s", aprilWant)
	}
	aprilWindow := cost.Window{Start: Day(4, 1), End: Day(5, 1)}
	for _, q := range []query.Query{{}, {Step: query.Hours(24 * 30)}, {GroupBy: []cost.Dimension{cost.DimSubAccountID}, Top: 1}} {
		q.Scope, q.Window, q.Metrics = scope.All(), aprilWindow, []cost.Metric{cost.Billed}
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("april %+v: %v", q, err)
		}
		if len(res.Rows) != 1 || !res.Rows[0].Values[0].Equal(aprilWant) || !res.Rows[0].Kubernetes[0].Equal(aprilK8s) {
			t.Fatalf("april %+v = %+v, want one row of %s, Kubernetes %s", q, res.Rows, aprilWant, aprilK8s)
		}
	}
	if len(aprilSnaps) != 1 || len(aprilSnaps[0].Totals) != 1 || !aprilSnaps[0].Totals[0].Values[cost.Billed].Equal(aprilWant) {
		t.Fatalf("april snapshot totals = %+v, want billed %s", aprilSnaps, aprilWant)
	}

	var items []*cost.LineItem
	// a: the issue's three items on one day (one rollup row), Kubernetes.
	for range 3 {
		items = append(items, bigItem("a", 1, issueItem, true))
	}
	// b: the same plus 10^-24, over three days: larger than a by the
	// smallest amount the store keeps.
	items = append(items, bigItem("b", 1, issueItem, false), bigItem("b", 2, issueItem, false),
		bigItem("b", 3, "90000000000000.500000000000000000000001", false))
	// c: five maximal amounts (the largest one amount may be), and d the
	// same negated, with one more 10^-24: d's sum is -(5·max) + 10^-24.
	for day := range 5 {
		items = append(items, bigItem("c", 1+day, maxAmount, false), bigItem("d", 1+day, "-"+maxAmount, false))
	}
	items = append(items, bigItem("d", 6, "0.000000000000000000000001", false))
	// e: two on one day, 1.2·10^14, half of it Kubernetes.
	items = append(items, bigItem("e", 7, midItem, true), bigItem("e", 7, midItem, false))
	snaps := Load(t, st, "big", items...)

	issue := decimal.RequireFromString(issueItem)
	max := decimal.RequireFromString(maxAmount)
	mid := decimal.RequireFromString(midItem)
	tiny := decimal.New(1, -cost.Scale)
	want := map[string]decimal.Decimal{
		"a": issue.Mul(decimal.NewFromInt(3)),
		"b": issue.Mul(decimal.NewFromInt(3)).Add(tiny),
		"c": max.Mul(decimal.NewFromInt(5)),
		"d": max.Mul(decimal.NewFromInt(-5)).Add(tiny),
		"e": mid.Mul(decimal.NewFromInt(2)),
	}
	k8s := map[string]decimal.Decimal{"a": want["a"], "e": mid}
	total := want["a"].Add(want["b"]).Add(want["c"]).Add(want["d"]).Add(want["e"])
	if want["a"].String() != "270000000000001.5" || want["e"].String() != "120000000000000.5" {
		t.Fatalf("test data: a = %s, e = %s", want["a"], want["e"])
	}

	if got := Total(t, st, march, cost.Billed); got != total.String() {
		t.Fatalf("billed total = %s, want %s", got, total)
	}
	if len(snaps) != 1 || len(snaps[0].Totals) != 1 || !snaps[0].Totals[0].Values[cost.Billed].Equal(total) {
		t.Fatalf("snapshot totals = %+v, want billed %s", snaps, total)
	}
	all, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range all {
		if w := map[string]decimal.Decimal{"big": total, "april": aprilWant}[sn.Source]; len(sn.Totals) != 1 || !sn.Totals[0].Values[cost.Billed].Equal(w) {
			t.Fatalf("listed snapshot totals of %s = %+v, want billed %s", sn.Source, sn.Totals, w)
		}
	}
	scoped, err := st.Snapshots(ctx, store.SnapshotFilter{Source: "big", Scope: scope.Accounts("c", "a")})
	if err != nil {
		t.Fatal(err)
	}
	if w := want["a"].Add(want["c"]); len(scoped) != 1 || len(scoped[0].Totals) != 1 || !scoped[0].Totals[0].Values[cost.Billed].Equal(w) {
		t.Fatalf("scoped snapshot totals = %+v, want billed %s", scoped, w)
	}

	byAccount := func(q query.Query) string {
		t.Helper()
		q.Scope, q.GroupBy, q.Metrics = scope.All(), []cost.Dimension{cost.DimSubAccountID}, []cost.Metric{cost.Billed, cost.List}
		if q.Window == (cost.Window{}) {
			q.Window = march
		}
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var parts []string
		for _, r := range res.Rows {
			if !r.Values[0].Equal(r.Values[1]) {
				t.Fatalf("%+v: billed %s and list %s differ", q, r.Values[0], r.Values[1])
			}
			parts = append(parts, strings.Join(r.Keys, "/")+"="+r.Values[0].String()+" k8s="+r.Kubernetes[0].String())
		}
		return strings.Join(parts, " ")
	}
	row := func(k string) string {
		return k + "=" + want[k].String() + " k8s=" + k8s[k].String()
	}
	rows := func(ks ...string) string {
		var out []string
		for _, k := range ks {
			out = append(out, row(k))
		}
		return strings.Join(out, " ")
	}
	allDesc := rows("c", "b", "a", "e", "d")
	other := want["a"].Add(want["e"]).Add(want["d"])
	cases := []struct {
		name string
		q    query.Query
		want string
	}{
		{"rollup", query.Query{}, allDesc},
		{"line items (hourly step, one bucket)", query.Query{Step: query.Hours(24 * 31)}, allDesc},
		{"line items (amount filter)", query.Query{Filter: filter.Amount{Metric: cost.Billed, Op: filter.AtLeast, Value: decimal.NewFromInt(-1).Mul(max)}}, allDesc},
		{"USD", query.Query{USD: true}, allDesc},
		{"USD line items", query.Query{USD: true, Step: query.Hours(24 * 31)}, allDesc},
		{"ascending", query.Query{Sort: []query.Order{query.Metric(0, false)}}, rows("d", "e", "a", "b", "c")},
		{"by Kubernetes share", query.Query{Sort: []query.Order{{By: query.ByShare, Desc: true}}}, rows("a", "e", "b", "c", "d")},
		{"page", query.Query{Limit: 1, Offset: 1}, row("b")},
		{"page of line items", query.Query{Limit: 2, Offset: 1, Step: query.Hours(24 * 31)}, rows("b", "a")},
		{"top", query.Query{Top: 3}, rows("c", "b") + " =" + other.String() + " k8s=" + want["a"].Add(mid).String()},
	}
	for _, c := range cases {
		if got := byAccount(c.q); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}

	// A mapped group, computed over groups of stored values.
	dim := cost.Dimension("big_mapped")
	for _, step := range []query.Step{{}, query.Hours(24 * 31)} {
		q := query.Query{Scope: scope.All(), Window: march, Step: step, GroupBy: []cost.Dimension{dim}, Metrics: []cost.Metric{cost.Billed},
			Mappings: map[cost.Dimension]query.Mapping{dim: {Rules: tableRules(cost.DimSubAccountID, false, "a", "b"), Else: cost.DimService}}}
		res, err := query.Collect(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res.Rows {
			got = append(got, r.Keys[0]+"="+r.Values[0].String())
		}
		rest := want["c"].Add(want["d"]).Add(want["e"])
		if w := []string{"name 1=" + want["b"].String(), "name 0=" + want["a"].String(), "AmazonEC2=" + rest.String()}; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("mapped groups (step %v):\n got %s\nwant %s", step, got, w)
		}
	}

	// April still answers, now that the store holds large day sums too.
	if got := Total(t, st, aprilWindow, cost.Billed); got != aprilWant.String() {
		t.Errorf("april total after march = %s, want %s", got, aprilWant)
	}

	// One past the largest amount is refused, with the reason, never
	// stored rounded or wrapped.
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "past", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	li := bigItem("a", 1, "1", false)
	li.Cost[cost.Billed] = decimal.New(1, 14)
	if err := imp.Append(li); !errors.Is(err, cost.ErrInvalid) || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("appending 10^14: err = %v, want ErrInvalid saying too large", err)
	}
	imp.Fail(ctx, errors.New("test"))
}
