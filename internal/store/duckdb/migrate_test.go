package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
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

// TestOldFileGainsColumns opens a file made before coded text columns
// and before the added columns existed: line_items a table of texts
// without them (made here by undoing both), and checks that Open converts
// it, keeping the old row and its entry id, and that an import loads and
// a query groups by a new dimension, the old row reading empty.
func TestOldFileGainsColumns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, st, "old", storetest.Item("sub-old", "Microsoft.Compute", storetest.Day(3, 1), "1"))
	exclude := []string{"rowid", "line_no"}
	for _, c := range lineItemColumns {
		if c.added {
			exclude = append(exclude, c.name)
		}
	}
	if len(exclude) != 12 {
		t.Fatalf("%d added columns (%v), want the 8 of the Azure billing API and the 2 of the root account", len(exclude)-2, exclude[2:])
	}
	for _, q := range []string{
		`CREATE TABLE old_items AS SELECT * EXCLUDE (` + strings.Join(exclude, ", ") + `) FROM line_items`,
		`DROP VIEW line_items`, `DROP TABLE line_items_coded`, `DROP TABLE text_codes`,
		`ALTER TABLE old_items RENAME TO line_items`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if cols := strings.Join(lineItemColumnNames(t, st), ","); strings.Contains(cols, "cost_center") || !strings.Contains(cols, "service_name") {
		t.Fatalf("columns of the old table: %s", cols)
	}
	st.Close()

	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopening the old file: %v", err)
	}
	defer st.Close()
	var views int
	if err := st.DB().QueryRow(`SELECT count(*) FROM duckdb_views() WHERE view_name = 'line_items'`).Scan(&views); err != nil || views != 1 {
		t.Fatalf("line_items views after opening: %d (%v), want 1", views, err)
	}
	// Rows of files made before line_no had entry ids from their rowid
	// (snapshot 1, row 0); converting keeps them.
	if got, want := entryIDs(t, st), fmt.Sprintf("%d:sub-old", int64(1)<<32); got != want {
		t.Fatalf("entry ids after converting %q, want %q as before", got, want)
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
		res, err := st.Query(ctx, query.Query{Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{tc.dim}, Metrics: []cost.Metric{cost.Billed}})
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
	if _, err := st.Entries(ctx, store.EntryQuery{Scope: scope.All()}, func(e *store.Entry) error {
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

// entryIDs lists the store's entry ids and sub accounts.
func entryIDs(t *testing.T, st *Store) string {
	t.Helper()
	var out []string
	if _, err := st.Entries(context.Background(), store.EntryQuery{Scope: scope.All()}, func(e *store.Entry) error {
		out = append(out, fmt.Sprintf("%d:%s", e.ID, e.Item.SubAccountID))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
