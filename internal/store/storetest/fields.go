package storetest

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// testAPIFields: the line-item fields the Azure billing API needs
// (customer, cost center, meter id, service family, product order, unit
// prices) round-trip. Each string field groups and filters by its
// dimension; the rollup does not keep them, so the store answers from the
// line items even over whole days. Stores that list entries read every
// field back, prices included.
func testAPIFields(t *testing.T, st store.Store) {
	price := func(s string) decimal.NullDecimal { return decimal.NewNullDecimal(decimal.RequireFromString(s)) }
	a := Item("sub-1", "Microsoft.Compute", Day(3, 1), "1")
	a.CustomerID, a.CustomerName, a.CostCenter = "tenant-1", "Contoso", "CC-1"
	a.MeterID, a.ServiceFamily, a.ProductOrderName = "meter-1", "Compute", "Azure plan"
	a.UnitPrice, a.ListUnitPrice = price("0.000001234567"), price("0.6")
	b := Item("sub-2", "Microsoft.Storage", Day(3, 2), "2")
	b.CustomerID, b.CustomerName, b.CostCenter = "tenant-2", "Fabrikam, \"Ltd\"", "cc 2"
	b.MeterID, b.ServiceFamily, b.ProductOrderName = "meter-2", "Storage", "Reserved VM Instance, Standard_B1s, UK South, 3 Years"
	b.UnitPrice, b.ListUnitPrice = price("0"), decimal.NullDecimal{} // Azure's 0 stays 0, an empty price null
	c := Item("sub-3", "AmazonEC2", Day(3, 3), "4")                  // a bill without any of them
	Load(t, st, "s1", a, b, c)

	for _, tc := range []struct {
		dim  cost.Dimension
		want string
	}{
		{cost.DimCustomerID, "=4 tenant-1=1 tenant-2=2"},
		{cost.DimCustomerName, "=4 Contoso=1 Fabrikam, \"Ltd\"=2"},
		{cost.DimCostCenter, "=4 CC-1=1 cc 2=2"},
		{cost.DimMeterID, "=4 meter-1=1 meter-2=2"},
		{cost.DimServiceFamily, "=4 Compute=1 Storage=2"},
		{cost.DimProductOrderName, "=4 Azure plan=1 Reserved VM Instance, Standard_B1s, UK South, 3 Years=2"},
	} {
		if got := groups(t, st, query.Query{Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{tc.dim}}); got != tc.want {
			t.Errorf("group by %s = %q, want %q", tc.dim, got, tc.want)
		}
	}
	// Filters: exact, case-folded (the Azure API matches case-insensitively)
	// and empty (no customer).
	for _, tc := range []struct {
		cond filter.Cond
		want string
	}{
		{filter.Cond{Dim: cost.DimCostCenter, Op: filter.Equals, Values: []string{"CC-1"}}, "sub-1=1"},
		{filter.Cond{Dim: cost.DimCostCenter, Op: filter.Equals, Values: []string{"CC 2"}, FoldCase: true}, "sub-2=2"},
		{filter.Cond{Dim: cost.DimServiceFamily, Op: filter.Equals, Values: []string{"storage"}, FoldCase: true}, "sub-2=2"},
		{filter.Cond{Dim: cost.DimCustomerID, Op: filter.Equals, Values: []string{""}}, "sub-3=4"},
		{filter.Cond{Dim: cost.DimMeterID, Op: filter.Prefix, Values: []string{"meter-"}}, "sub-1=1 sub-2=2"},
	} {
		q := query.Query{Scope: scope.All(), Window: march, Filter: tc.cond, GroupBy: []cost.Dimension{cost.DimSubAccountID}}
		if got := groups(t, st, q); got != tc.want {
			t.Errorf("filter %v = %q, want %q", tc.cond, got, tc.want)
		}
	}

	got := map[string]cost.LineItem{}
	if _, err := st.Entries(ctx, store.EntryQuery{Scope: scope.All()}, func(e *store.Entry) error {
		got[e.Item.SubAccountID] = e.Item
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*cost.LineItem{a, b, c} {
		g := normalised(got[want.SubAccountID])
		w := normalised(*want)
		if g.CustomerID != w.CustomerID || g.CustomerName != w.CustomerName || g.CostCenter != w.CostCenter ||
			g.MeterID != w.MeterID || g.ServiceFamily != w.ServiceFamily || g.ProductOrderName != w.ProductOrderName ||
			!samePrice(g.UnitPrice, w.UnitPrice) || !samePrice(g.ListUnitPrice, w.ListUnitPrice) {
			t.Errorf("entry of %s reads back as %+v, want %+v", want.SubAccountID, g, w)
		}
	}
}

// samePrice compares two prices by value; null equals only null.
func samePrice(a, b decimal.NullDecimal) bool {
	return a.Valid == b.Valid && (!a.Valid || a.Decimal.Equal(b.Decimal))
}
