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
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sum, err := Run(ctx, st, paths, Options{Source: source, Provider: provider})
	return st, sum, err
}
