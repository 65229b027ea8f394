package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRemoveFiles: removing a database removes its write-ahead log,
// DuckDB's temporary folder and import spools with it, and nothing else
// of the folder (another database, whose name starts the same).
func TestRemoveFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.duckdb")
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	dir2, prefix := spoolPlace(path)
	for _, f := range []string{walPath(path), filepath.Join(dir2, prefix+"123.csv"), path + "-other", filepath.Join(dir, "t.duckdb2")} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(tmpPath(path), "duckdb_temp_storage-0.tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := RemoveFiles(path); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if want := []string{"t.duckdb-other", "t.duckdb2"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
	if err := RemoveFiles(path); err != nil {
		t.Errorf("removing again: %v", err)
	}
}
