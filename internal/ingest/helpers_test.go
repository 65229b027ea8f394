package ingest

import (
	"context"
	"testing"

	"github.com/tally-cost/tally/internal/store/duckdb"
)

// ingestMem ingests paths as one import of source into a new in-memory
// store, closed when the test ends.
func ingestMem(t *testing.T, provider, source string, paths ...string) (*duckdb.Store, *Summary, error) {
	t.Helper()
	st := openMem(t)
	sum, err := Run(context.Background(), st, paths, Options{Source: source, Provider: provider})
	return st, sum, err
}

// openMem opens a new in-memory store, closed when the test ends.
func openMem(t *testing.T) *duckdb.Store {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
