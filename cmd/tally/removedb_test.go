package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRemoveDBSideFiles: the database a failed first import created goes
// with its write-ahead log and DuckDB's temporary folder (a large import
// spills there), so nothing is left for the next database at that path.
func TestRemoveDBSideFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	for _, f := range []string{db, db + ".wal"} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	spill := filepath.Join(db+".tmp", "duckdb_temp_storage-0.tmp")
	if err := os.MkdirAll(filepath.Dir(spill), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spill, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := removeDB(db); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(db + "*"); len(left) != 0 {
		t.Errorf("removeDB left %q", left)
	}
}
