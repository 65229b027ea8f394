package duckdb

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// rollupColumnNames lists rollup_daily's columns in table order.
func rollupColumnNames(t *testing.T, st *Store) []string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT column_name FROM duckdb_columns() WHERE table_name = 'rollup_daily' ORDER BY column_index`)
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

// TestOldFileGainsRootAccount opens a file made before the root account
// was stored (its line_items_coded and rollup_daily without the columns,
// made here by dropping them) and checks that Open adds them, with the
// old rows reading empty, that the same table shape as a new file's comes
// out (rollupInsertSQL fills the rollup by position), and that an import
// then loads and the rollup answers a group by root account for old and
// new rows alike.
func TestOldFileGainsRootAccount(t *testing.T) {
	ctx := context.Background()
	fresh, err := Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Rows are inserted by column name, so an old file's columns may come
	// in another order (each migration appends its own): compare sets.
	wantCols := strings.Join(slices.Sorted(slices.Values(rollupColumnNames(t, fresh))), ",")
	fresh.Close()

	path := filepath.Join(t.TempDir(), "old.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, st, "old", storetest.Item("sub-old", "Microsoft.Compute", storetest.Day(3, 1), "1"))
	for _, q := range []string{
		`DROP VIEW line_items`,
		`ALTER TABLE line_items_coded DROP COLUMN root_account_id`,
		`ALTER TABLE line_items_coded DROP COLUMN root_account_name`,
		`ALTER TABLE rollup_daily DROP COLUMN root_account_id`,
		`ALTER TABLE rollup_daily DROP COLUMN root_account_name`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if cols := strings.Join(rollupColumnNames(t, st), ","); strings.Contains(cols, "root_account") {
		t.Fatalf("columns of the old rollup: %s", cols)
	}
	st.Close()

	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopening the old file: %v", err)
	}
	defer st.Close()
	if got := strings.Join(slices.Sorted(slices.Values(rollupColumnNames(t, st))), ","); got != wantCols {
		t.Errorf("rollup columns of the old file after opening:\n%s\nwant a new file's\n%s", got, wantCols)
	}

	mca := storetest.Item("sub-new", "Microsoft.Compute", storetest.Day(3, 2), "2")
	mca.BillingAccountID, mca.RootAccountID, mca.RootAccountName = "profile-1", "account-1", "Contoso"
	storetest.Load(t, st, "new", mca)

	march := cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
	for _, tc := range []struct {
		dim  cost.Dimension
		want string
	}{
		{cost.DimRootAccountID, "=1 account-1=2"},
		{cost.DimRootAccountName, "=1 Contoso=2"},
	} {
		res, err := st.Query(ctx, query.Query{Scope: scope.All(), Window: march, GroupBy: []cost.Dimension{tc.dim}, Metrics: []cost.Metric{cost.Billed}})
		if err != nil {
			t.Fatalf("group by %s: %v", tc.dim, err)
		}
		if !res.Rollup {
			t.Errorf("group by %s not answered from the rollup, which keeps it", tc.dim)
		}
		var parts []string
		for _, r := range res.Rows {
			parts = append(parts, r.Keys[0]+"="+r.Values[0].String())
		}
		sort.Strings(parts)
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("group by %s = %q, want %q", tc.dim, got, tc.want)
		}
	}
}
