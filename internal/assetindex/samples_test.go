package assetindex

import (
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestSamples indexes the real exports, the CUR bucket (13,380 rows)
// and the FOCUS sample (1,000 rows, three providers) being the largest:
// the first Sync reads their line items, a re-import of the same files
// replaces without changing an asset, and a reopen restores the same
// assets from the documents. The timings are logged (go test -v): they
// are what the choice of one document per slot rests on.
func TestSamples(t *testing.T) {
	files := []struct {
		provider string
		path     []string
	}{
		{"aws", []string{"aws", "cur-bucket-with-manifest.tar.gz"}},
		{"aws", []string{"aws", "cur-legacy-slash-columns.csv"}},
		{"azure", []string{"azure", "EA_AmortizedCost_Small.csv"}},
		{"gcp", []string{"gcp", "bigquery-export-with-credits.csv"}},
		{"focus", []string{"focus", "focus_sample.csv"}},
	}
	st := openStore(t)
	load := func() {
		for _, f := range files {
			p := testfiles.Shared(t, f.path...)
			if _, err := ingest.Run(ctx, st, []string{p}, ingest.Options{Source: f.path[1], Provider: f.provider, Logger: quiet}); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
	}
	load()
	start := time.Now()
	ix, err := Open(ctx, st, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first Sync: %v for %+v, %d assets", time.Since(start), ix.LastStats(), len(ix.Set().All()))
	for _, typ := range []asset.Type{asset.AwsAccount, asset.AwsInstance, asset.AzureSubscription, asset.GcpComputeProject} {
		if len(ix.Set().OfType(typ)) == 0 {
			t.Errorf("no %s derived from the samples", typ)
		}
	}
	before := ix.Set()

	load()
	start = time.Now()
	if err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	st2 := ix.LastStats()
	t.Logf("Sync after re-importing everything: %v for %+v", time.Since(start), st2)
	if st2.Replaced != st2.Read || st2.Read == 0 {
		t.Errorf("re-import: %+v, want every slot replaced and read again", st2)
	}
	assertSameSets(t, before, ix.Set())

	start = time.Now()
	again, err := Open(ctx, &noEntries{Store: st}, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := st.Documents(ctx, docKind)
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, b := range docs {
		size += len(b)
	}
	t.Logf("reopen from documents: %v for %+v (%d documents, %d bytes)", time.Since(start), again.LastStats(), len(docs), size)
	assertSameSets(t, before, again.Set())
}
