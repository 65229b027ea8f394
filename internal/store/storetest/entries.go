package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// normalised returns li with its amounts and quantities as canonical
// decimals (a store may keep trailing zeros), for comparison.
func normalised(li cost.LineItem) cost.LineItem {
	canon := func(d decimal.Decimal) decimal.Decimal { return decimal.RequireFromString(d.String()) }
	for m := range cost.NumMetrics {
		li.Cost[m] = canon(li.Cost[m])
		if li.USD[m].Valid {
			li.USD[m].Decimal = canon(li.USD[m].Decimal)
		}
	}
	for _, q := range []*decimal.NullDecimal{&li.PricingQuantity, &li.ConsumedQuantity, &li.UnitPrice, &li.ListUnitPrice} {
		if q.Valid {
			q.Decimal = canon(q.Decimal)
		}
	}
	if len(li.Tags) == 0 {
		li.Tags = nil
	}
	return li
}

// testEntries: line items read back one by one equal what was stored,
// with stable, unique ids, honouring window, filter, scope, selection and
// paging.
func testEntries(t *testing.T, st store.Store) {
	a := Item("111", "AmazonEC2", Day(3, 1), "1.000000000000000000000001")
	a.SetTag("team", "web, \"quoted\"")
	a.ResourceID, a.ConsumedUnit = "i-1", "Hrs"
	a.ConsumedQuantity = decimal.NewNullDecimal(decimal.RequireFromString("2.5"))
	a.Kubernetes = true
	a.ChargePeriodEnd = a.ChargePeriodStart.Add(time.Hour)
	b := Item("222", "AmazonS3", Day(3, 2), "2")
	b.BillingCurrency = "EUR"
	for m := range cost.NumMetrics {
		b.USD[m] = decimal.NullDecimal{}
	}
	c := Item("222", "AmazonS3", Day(3, 2), "2") // identical rows are two entries
	c.BillingCurrency = "EUR"
	for m := range cost.NumMetrics {
		c.USD[m] = decimal.NullDecimal{}
	}
	first := Load(t, st, "s1", a, b, c)[0].ID
	later := Load(t, st, "s2", Item("333", "AmazonRDS", Day(4, 1), "4"))[0].ID

	list := func(q store.EntryQuery) ([]store.Entry, int64) {
		t.Helper()
		var out []store.Entry
		total, err := st.Entries(ctx, q, func(e *store.Entry) error {
			c := *e
			c.Item.Tags = nil
			for k, v := range e.Item.Tags {
				c.Item.SetTag(k, v)
			}
			out = append(out, c)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, total
	}
	all, total := list(store.EntryQuery{Scope: scope.All()})
	if total != 4 || len(all) != 4 {
		t.Fatalf("%d entries (total %d), want 4", len(all), total)
	}
	for i, want := range []*cost.LineItem{a, b, c} {
		got := all[i]
		if got.SnapshotID != first || got.Source != "s1" {
			t.Errorf("entry %d: snapshot %d source %q", i, got.SnapshotID, got.Source)
		}
		w := *want
		// A bill in dollars reads back with its USD amounts filled.
		if !reflect.DeepEqual(normalised(got.Item), normalised(w)) {
			t.Errorf("entry %d reads back as\n%+v\nwant\n%+v", i, normalised(got.Item), normalised(w))
		}
	}
	if all[3].SnapshotID != later {
		t.Errorf("the last entry is of snapshot %d, want %d", all[3].SnapshotID, later)
	}
	seen := map[int64]bool{}
	for i, e := range all {
		if seen[e.ID] || (i > 0 && e.ID <= all[i-1].ID) {
			t.Fatalf("ids not unique and increasing: %v", []int64{all[0].ID, all[1].ID, all[2].ID, all[3].ID})
		}
		seen[e.ID] = true
	}
	again, _ := list(store.EntryQuery{Scope: scope.All()})
	if again[2].ID != all[2].ID {
		t.Fatal("entry ids changed between two listings")
	}
	ids := func(es []store.Entry) (out []int64) {
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	for _, c := range []struct {
		name  string
		q     store.EntryQuery
		want  []int64
		total int64
	}{
		{"window", store.EntryQuery{Scope: scope.All(), Window: march}, ids(all[:3]), 3},
		{"filter", store.EntryQuery{Scope: scope.All(), Filter: filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"AmazonS3"}}}, ids(all[1:3]), 2},
		{"scope", store.EntryQuery{Scope: scope.Accounts("111", "333")}, []int64{all[0].ID, all[3].ID}, 2},
		{"empty scope", store.EntryQuery{Scope: scope.Accounts()}, nil, 0},
		{"zero scope", store.EntryQuery{Scope: scope.Scope{}}, nil, 0},
		{"page", store.EntryQuery{Scope: scope.All(), Limit: 2, Offset: 1}, ids(all[1:3]), 4},
		{"day", store.EntryQuery{Scope: scope.All(), Selection: query.Selection{Day: Day(3, 2)}}, ids(all[1:3]), 2},
		{"snapshot", store.EntryQuery{Scope: scope.All(), Selection: query.Selection{Snapshots: []int64{later}}}, ids(all[3:]), 1},
		// A lookup by id finds that entry alone, and only within the
		// question's scope, filter and selection.
		{"id", store.EntryQuery{Scope: scope.All(), ID: all[2].ID}, ids(all[2:3]), 1},
		{"id of another snapshot", store.EntryQuery{Scope: scope.All(), ID: all[3].ID, Selection: query.Selection{Snapshots: []int64{first}}}, nil, 0},
		{"id out of scope", store.EntryQuery{Scope: scope.Accounts("111"), ID: all[1].ID}, nil, 0},
		{"id filtered out", store.EntryQuery{Scope: scope.All(), ID: all[0].ID, Filter: filter.Cond{Dim: cost.DimService, Op: filter.Equals, Values: []string{"AmazonS3"}}}, nil, 0},
		{"id of no entry", store.EntryQuery{Scope: scope.All(), ID: all[3].ID + 1}, nil, 0},
	} {
		got, total := list(c.q)
		if !reflect.DeepEqual(ids(got), c.want) || total != c.total {
			t.Errorf("%s: ids %v (total %d), want %v (total %d)", c.name, ids(got), total, c.want, c.total)
		}
	}
}
