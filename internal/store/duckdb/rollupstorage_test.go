package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestRollupMoneyUncompressed checks that a new file stores the rollup's
// money columns uncompressed (schema.go says why: unpacking bit-packed
// DECIMAL(38, 24) values was most of a rollup question's CPU), and that
// the line items keep DuckDB's own compression. A segment of one
// repeated value is Constant whatever the column asks, and as cheap.
func TestRollupMoneyUncompressed(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for day := 1; day <= 28; day++ {
		storetest.Load(t, st, "s1", storetest.Item("a1", "AmazonEC2", storetest.Day(3, day), "1.25"),
			storetest.Item("a2", "AmazonS3", storetest.Day(3, day), "0.000000000000000000000001"))
	}
	if _, err := st.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		table, column string
		plain         bool
	}{
		{"rollup_daily", "list_cost", true},
		{"rollup_daily", "k8s_net_cost", true},
		{"rollup_daily", "usd_amortized_cost", true},
		{"rollup_daily", "usd_k8s_billed_cost", true},
		{"line_items_coded", "list_cost", false},
	} {
		var compressed int
		err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_storage_info('`+tc.table+`')
			WHERE column_name = ? AND segment_type <> 'VALIDITY' AND compression NOT IN ('Uncompressed', 'Constant')`, tc.column).Scan(&compressed)
		if err != nil {
			t.Fatal(err)
		}
		if plain := compressed == 0; plain != tc.plain {
			t.Errorf("%s.%s: %d compressed segments, want uncompressed %v", tc.table, tc.column, compressed, tc.plain)
		}
	}
}
