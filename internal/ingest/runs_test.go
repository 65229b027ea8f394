package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
)

// TestAzureRunsRecorded: a snapshot imported from an Azure export run
// records the run's id and end date (the Azure billing API's run_id and
// report_date); the older run of the same period is not imported.
func TestAzureRunsRecorded(t *testing.T) {
	root := t.TempDir()
	period := filepath.Join(root, "export", "20240101-20240131")
	write := func(run, id, submitted, end string) {
		dir := filepath.Join(period, run)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, "part_1.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := synth.Write(f, synth.Options{Provider: "azure", Rows: 50, Days: 10, Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 3}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		manifest := `{"manifestVersion": "2024-04-01", "runInfo": {"runId": "` + id + `", "submittedTime": "` + submitted +
			`", "startDate": "2024-01-01T00:00:00", "endDate": "` + end + `"}, "blobs": [{"blobName": "export/20240101-20240131/` + run + `/part_1.csv"}]}`
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("run-a", "r-older", "2024-01-10T06:00:00Z", "2024-01-09T00:00:00")
	write("run-b", "r-newest", "2024-01-11T06:00:00Z", "2024-01-10T00:00:00")
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := Run(context.Background(), st, []string{root}, Options{Source: "azure-mpa", Provider: "azure"}); err != nil {
		t.Fatal(err)
	}
	snaps, err := st.Snapshots(context.Background(), store.SnapshotFilter{Scope: scope.All(), Source: "azure-mpa"})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].RunID != "r-newest" || !snaps[0].ReportDate.Equal(time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)) || snaps[0].Rows != 50 {
		t.Fatalf("snapshots %+v, want one of run r-newest reported 2024-01-10 with 50 rows", snaps)
	}
}
