package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestAzureRunHistory: `tally ingest` of a folder holding several
// runs of a month-to-date Azure export imports each run as a snapshot,
// oldest first; ingesting the folder again imports nothing and says that
// the runs are already imported.
func TestIngestAzureRunHistory(t *testing.T) {
	root := t.TempDir()
	for i, run := range []string{"run-0109", "run-0110"} {
		dir := filepath.Join(root, "export", "20240101-20240131", run)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		csv := "date,subscriptionId,subscriptionName,meterCategory,chargeType,quantity,costInBillingCurrency,costInUsd,billingCurrency\n"
		for d := 1; d <= 9+i; d++ {
			csv += fmt.Sprintf("01/%02d/2024,sub-a,Sub A,Storage,Usage,1,1.25,1.25,USD\n", d)
		}
		manifest := fmt.Sprintf(`{"manifestVersion": "2024-04-01", "runInfo": {"runId": %q, "submittedTime": "2024-01-%02dT06:00:00Z", "endDate": "2024-01-%02dT00:00:00"},
			"blobs": [{"blobName": "export/20240101-20240131/%s/part_1.csv"}]}`, run, 10+i, 9+i, run)
		if err := os.WriteFile(filepath.Join(dir, "part_1.csv"), []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "t.duckdb")
	s := ingestJSON(t, "--db", db, "--source", "mpa", "--provider", "azure", root)
	if len(s.Snapshots) != 2 || s.Snapshots[0].Rows != 9 || s.Snapshots[0].Status != "superseded" ||
		s.Snapshots[1].Rows != 10 || s.Snapshots[1].Status != "complete" || s.Rows != 19 {
		t.Fatalf("first ingest: %+v, want run-0109 (9 rows, superseded) then run-0110 (10 rows, complete)", s)
	}
	res := tally(t, "ingest", "--db", db, "--source", "mpa", "--provider", "azure", root)
	if res.code != 0 || !strings.Contains(res.stdout, "ingested 0 rows from 0 file(s)") || !strings.Contains(res.stdout, "2 export run(s) already imported") {
		t.Fatalf("second ingest: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
