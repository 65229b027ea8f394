package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestConformanceTagRollup runs the suite with a tag rollup kept for any
// import, however few items its rows stand for: its small bills would
// otherwise never make one, and every question by tag over whole days,
// the property test's among them, reads it.
func TestConformanceTagRollup(t *testing.T) {
	defer func(s int64) { tagRollupShrink = s }(tagRollupShrink)
	tagRollupShrink = 0
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestInterruptedImportRecovered simulates a process that dies while an
// import is loading: the file is reopened without Commit or Fail.
func TestInterruptedImportRecovered(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, st, "s1", storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1), "10"))
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s1", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	for range 5000 {
		if err := imp.Append(storetest.Item("a1", "AmazonEC2", storetest.Day(3, 1), "1")); err != nil {
			t.Fatal(err)
		}
	}
	// Flush what was appended, as a killed process may have done, then
	// drop the import on the floor.
	if err := imp.(*importer).stop(); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	march := cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
	if got := storetest.Total(t, st, march, cost.Billed); got != "10" {
		t.Fatalf("total after an interrupted import = %s, want 10", got)
	}
	failed, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Status: store.StatusFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Error == "" {
		t.Fatalf("failed snapshots = %+v, want the interrupted one with a reason", failed)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM line_items`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("line items left = %d (%v), want 1: the interrupted rows are removed", n, err)
	}
}

func TestTenantRepoConformance(t *testing.T) {
	tenanttest.Run(t, openTemp(t))
}
