package duckdb

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// lineItemColumnNames lists line_items' columns in table order.
func lineItemColumnNames(t *testing.T, st *Store) []string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT column_name FROM duckdb_columns() WHERE table_name = 'line_items' ORDER BY column_index`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// TestOldFileGainsColumns opens a file made before the added columns
// existed (simulated by dropping them), and checks that Open appends them,
// that an import loads into the reordered table, and that a query groups
// by a new dimension, old rows reading empty.
func TestOldFileGainsColumns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, st, "old", storetest.Item("sub-old", "Microsoft.Compute", storetest.Day(3, 1), "1"))
	var added []string
	for _, c := range lineItemColumns {
		if c.added {
			added = append(added, c.name)
			if _, err := st.DB().Exec(`ALTER TABLE line_items DROP COLUMN ` + c.name); err != nil {
				t.Fatalf("dropping %s: %v", c.name, err)
			}
		}
	}
	if len(added) != 8 {
		t.Fatalf("%d added columns (%v), want the 8 of the Azure billing API", len(added), added)
	}
	if cols := strings.Join(lineItemColumnNames(t, st), ","); strings.Contains(cols, "cost_center") {
		t.Fatalf("columns after the drop: %s", cols)
	}
	st.Close()

	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopening the old file: %v", err)
	}
	defer st.Close()
	// The columns come back at the end of the table, after tags: the
	// spool's INSERT must name its columns to load into this order.
	cols := lineItemColumnNames(t, st)
	if got := strings.Join(cols[len(cols)-len(added):], ","); got != strings.Join(added, ",") {
		t.Fatalf("last columns %s, want %s (all columns: %v)", got, strings.Join(added, ","), cols)
	}

	li := storetest.Item("sub-new", "Microsoft.Compute", storetest.Day(3, 2), "2")
	li.CustomerID, li.CustomerName, li.CostCenter = "tenant-1", "Contoso", "CC-1"
	li.MeterID, li.ServiceFamily, li.ProductOrderName = "meter-1", "Compute", "Azure plan"
	li.UnitPrice = decimal.NewNullDecimal(decimal.RequireFromString("0.0000012345678901234"))
	li.ListUnitPrice = decimal.NewNullDecimal(decimal.RequireFromString("1.0000000000005"))
	storetest.Load(t, st, "new", li)

	march := cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
	for _, tc := range []struct {
		dim  cost.Dimension
		want string
	}{
		{cost.DimCostCenter, "=1 CC-1=2"},
		{cost.DimCustomerID, "=1 tenant-1=2"},
		{cost.DimProductOrderName, "=1 Azure plan=2"},
	} {
		res, err := st.Query(ctx, query.Query{Window: march, GroupBy: []cost.Dimension{tc.dim}, Metrics: []cost.Metric{cost.Billed}})
		if err != nil {
			t.Fatalf("group by %s: %v", tc.dim, err)
		}
		var parts []string
		for _, r := range res.Rows {
			parts = append(parts, r.Keys[0]+"="+r.Values[0].String())
		}
		if res.Rollup {
			t.Errorf("group by %s answered from the rollup, which does not keep it", tc.dim)
		}
		sort.Strings(parts)
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("group by %s = %q, want %q", tc.dim, got, tc.want)
		}
	}

	// Prices are stored like quantities: rounded half-even to 12 places.
	var unit, list string
	var oldNull bool
	if err := st.DB().QueryRow(`SELECT unit_price::VARCHAR, list_unit_price::VARCHAR FROM line_items WHERE sub_account_id = 'sub-new'`).Scan(&unit, &list); err != nil {
		t.Fatal(err)
	}
	if unit != "0.000001234568" || list != "1.000000000000" {
		t.Errorf("stored prices %s, %s; want 0.000001234568, 1.000000000000", unit, list)
	}
	if err := st.DB().QueryRow(`SELECT unit_price IS NULL AND cost_center IS NULL FROM line_items WHERE sub_account_id = 'sub-old'`).Scan(&oldNull); err != nil || !oldNull {
		t.Errorf("old row's new columns NULL = %v (%v), want true", oldNull, err)
	}

	// Entries read the old row's missing values as empty and null.
	var old *cost.LineItem
	if _, err := st.Entries(ctx, store.EntryQuery{}, func(e *store.Entry) error {
		if e.Item.SubAccountID == "sub-old" {
			c := e.Item
			old = &c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if old == nil || old.CostCenter != "" || old.CustomerID != "" || old.UnitPrice.Valid || old.ListUnitPrice.Valid {
		t.Errorf("old entry = %+v, want empty Azure fields", old)
	}
}
