package native

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/pipeline"
)

// TestSourceOutRetention: a source's status says which periods the last
// run found unchanged, how many export runs it found imported and which
// snapshots the retention policy pruned; empty lists, not null, before
// any run.
func TestSourceOutRetention(t *testing.T) {
	spec := pipeline.Spec{Name: "azure", Provider: "azure"}
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := func(st []pipeline.SourceStatus, want string) {
		t.Helper()
		body, err := json.Marshal(sourceOut(spec, st).Status)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), want) {
			t.Errorf("status %s\ndoes not hold %s", body, want)
		}
	}
	f(nil, `"unchanged":[],"knownRuns":0,"pruned":[]`)
	f([]pipeline.SourceStatus{{Key: "azure"}}, `"unchanged":[],"knownRuns":0,"pruned":[]`)
	f([]pipeline.SourceStatus{{Key: "azure", Unchanged: []time.Time{jan}, KnownRuns: 3,
		Pruned: []pipeline.Pruned{{ID: 7, PeriodStart: jan, RunID: "run-0102", Rows: 20}}}},
		`"unchanged":["2024-01-01T00:00:00Z"],"knownRuns":3,"pruned":[{"id":7,"billingPeriodStart":"2024-01-01T00:00:00Z","runId":"run-0102","rows":20}]`)
}
