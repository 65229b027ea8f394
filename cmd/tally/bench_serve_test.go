package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store"
)

// TestBenchServe runs the serving scenario at a tiny size (a few
// thousand line items, a few clients, two seconds of load, a small
// import): every request of both loads answers, both imports load every
// row, the report prints both loads and the ratio, and the database is
// left as it was built (the imports deleted), ready for the next run.
// It measures nothing: the numbers are the benchmark's, not the test's.
func TestBenchServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads data")
	}
	dir := t.TempDir()
	const ingestRows = 2000
	var log bytes.Buffer
	rep, err := runBenchServe(context.Background(), benchServeOptions{Rows: 3000, Clients: 3, Duration: 2 * time.Second,
		IngestRows: ingestRows, Dir: dir, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for name, l := range map[string]struct {
		requests, errors int64
		firstErrors      []string
	}{
		"quiet":         {rep.Quiet.Requests, rep.Quiet.Errors, rep.Quiet.FirstErrors},
		"during import": {rep.Loaded.Requests, rep.Loaded.Errors, rep.Loaded.FirstErrors},
	} {
		// Every URL of the mix was asked at least once by some client.
		if l.requests < int64(len(serveWorkload)) || l.errors != 0 {
			t.Errorf("%s: %d requests, %d errors %q", name, l.requests, l.errors, l.firstErrors)
		}
	}
	if len(rep.Imports) != 2 {
		t.Fatalf("imports: %+v", rep.Imports)
	}
	for i, run := range rep.Imports {
		if run.Rows != ingestRows || run.Elapsed <= 0 || len(run.Snapshots) == 0 {
			t.Errorf("import %d: %+v", i, run)
		}
	}
	var out bytes.Buffer
	printServeReport(&out, rep)
	for _, want := range []string{"serve: 3 clients, 8 URLs", "\nquiet ", "\nduring import ", "import of 2000 rows: alone ", "ratio "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "error:") {
		t.Errorf("report shows errors:\n%s", out.String())
	}

	// The built database is kept, without the scenario's imports.
	stores, err := storage.Open(context.Background(), dir+"/serve-3000.duckdb", storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stores.Close()
	snaps, err := stores.Cost.Snapshots(context.Background(), store.SnapshotFilter{Source: ingestSource, Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if s.Status != store.StatusDeleted {
			t.Errorf("the scenario's snapshot %d is left %s", s.ID, s.Status)
		}
	}
	if len(snaps) == 0 {
		t.Error("no snapshot of the scenario's imports: were they made?")
	}
}
