package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// exportDir is the period folder of a month-to-date Azure export of
// January 2024 under a temporary root.
type exportDir struct {
	t    *testing.T
	root string
}

func newExportDir(t *testing.T) exportDir { return exportDir{t: t, root: t.TempDir()} }

// deliver writes run id (folder id, submitted on day submitted of
// January, data up to day end) holding one 1.00 row per day and
// subscription.
func (e exportDir) deliver(id string, submitted, end int, subs ...string) {
	e.t.Helper()
	e.deliverMonth(1, id, submitted, end, subs...)
}

// deliverMonth is deliver for month m of 2024.
func (e exportDir) deliverMonth(m int, id string, submitted, end int, subs ...string) {
	t := e.t
	t.Helper()
	first := time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	folder := first.Format("20060102") + "-" + first.AddDate(0, 1, -1).Format("20060102")
	dir := filepath.Join(e.root, "export", folder, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("date,subscriptionId,subscriptionName,meterCategory,chargeType,quantity,costInBillingCurrency,costInUsd,billingCurrency\n")
	for d := 1; d <= end; d++ {
		for _, s := range subs {
			fmt.Fprintf(&b, "%02d/%02d/2024,%s,%s,Storage,Usage,1,1.00,1.00,USD\n", m, d, s, s)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "part_1.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := fmt.Sprintf(`{"manifestVersion": "2024-04-01", "runInfo": {"runId": %q, "submittedTime": "2024-%02d-%02dT06:00:00Z",
		"endDate": "2024-%02d-%02dT00:00:00"}, "blobs": [{"blobName": "export/%s/%s/part_1.csv"}]}`,
		id, m, submitted, m, end, folder, id)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ingestRuns runs an Azure import of the export and returns its summary.
func (e exportDir) ingest(st store.Store, reimport bool) *Summary {
	e.t.Helper()
	sum, err := Run(context.Background(), st, []string{e.root}, Options{Source: "azure-mpa", Provider: "azure", Reimport: reimport})
	if err != nil {
		e.t.Fatal(err)
	}
	return sum
}

// runsOf lists the snapshots of the source oldest first as
// "run:status:report day:rows".
func snapshotRuns(t *testing.T, st store.Store) []string {
	t.Helper()
	snaps, err := st.Snapshots(context.Background(), store.SnapshotFilter{Scope: scope.All(), Source: "azure-mpa"})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(snaps, func(a, b store.Snapshot) int { return int(a.ID - b.ID) })
	var out []string
	for _, s := range snaps {
		out = append(out, fmt.Sprintf("%s:%s:%d:%d", s.RunID, s.Status, s.ReportDate.Day(), s.Rows))
	}
	return out
}

func wantRuns(t *testing.T, st store.Store, want ...string) {
	t.Helper()
	if got := snapshotRuns(t, st); !slices.Equal(got, want) {
		t.Fatalf("snapshots (oldest first)\n %q\nwant\n %q", got, want)
	}
}

// TestAzureRunHistory: every run of a month-to-date export folder is
// imported as its own snapshot, oldest first (snapshot ids follow the
// runs), recording its run id and report date; the newest is visible.
// Importing the folder again imports nothing; a run delivered later is
// imported alone; Reimport re-reads only the newest run.
func TestAzureRunHistory(t *testing.T) {
	e := newExportDir(t)
	// The newer run has the lexically smaller folder: the manifests'
	// submitted times order them.
	e.deliver("zz-run", 10, 9, "sub-a")
	e.deliver("aa-run", 11, 10, "sub-a")
	st := openMem(t)
	sum := e.ingest(st, false)
	if len(sum.Snapshots) != 2 || sum.KnownRuns != 0 || sum.Rows != 19 {
		t.Fatalf("first import: %d snapshots, %d known runs, %d rows; want 2, 0, 19", len(sum.Snapshots), sum.KnownRuns, sum.Rows)
	}
	if sum.Snapshots[0].Status != store.StatusSuperseded || sum.Snapshots[1].Status != store.StatusComplete {
		t.Fatalf("the summary reports the runs %s and %s, want superseded and complete (as they are now)", sum.Snapshots[0].Status, sum.Snapshots[1].Status)
	}
	wantRuns(t, st, "zz-run:superseded:9:9", "aa-run:complete:10:10")

	if sum := e.ingest(st, false); len(sum.Snapshots) != 0 || sum.KnownRuns != 2 || len(sum.Files) != 0 {
		t.Fatalf("second import of the same runs: %d snapshots, %d known runs, files %q; want none, 2, none", len(sum.Snapshots), sum.KnownRuns, sum.Files)
	}
	e.deliver("run-3", 12, 11, "sub-a")
	if sum := e.ingest(st, false); len(sum.Snapshots) != 1 || sum.KnownRuns != 2 {
		t.Fatalf("a new run: %d snapshots, %d known runs; want 1, 2", len(sum.Snapshots), sum.KnownRuns)
	}
	wantRuns(t, st, "zz-run:superseded:9:9", "aa-run:superseded:10:10", "run-3:complete:11:11")

	if sum := e.ingest(st, true); len(sum.Snapshots) != 1 || sum.KnownRuns != 2 {
		t.Fatalf("a reimport: %d snapshots, %d known runs; want 1 (the newest run), 2", len(sum.Snapshots), sum.KnownRuns)
	}
	wantRuns(t, st, "zz-run:superseded:9:9", "aa-run:superseded:10:10", "run-3:superseded:11:11", "run-3:complete:11:11")
}

// TestAzureRunHistoryAfterNewestOnly: a store that holds only the newest
// run (imported by a version that read no other) gets the older runs,
// and the newest again after them, so that snapshot ids still follow the
// runs and the newest stays visible. A deleted run is not brought back.
func TestAzureRunHistoryAfterNewestOnly(t *testing.T) {
	e := newExportDir(t)
	e.deliver("run-2", 11, 10, "sub-a")
	st := openMem(t)
	e.ingest(st, false)
	e.deliver("run-1", 10, 9, "sub-a")
	if sum := e.ingest(st, false); len(sum.Snapshots) != 2 || sum.KnownRuns != 0 {
		t.Fatalf("%d snapshots, %d known runs; want 2 (run-1, run-2 again), 0", len(sum.Snapshots), sum.KnownRuns)
	}
	wantRuns(t, st, "run-2:superseded:10:10", "run-1:superseded:9:9", "run-2:complete:10:10")

	snaps, err := st.Snapshots(context.Background(), store.SnapshotFilter{Scope: scope.All(), Source: "azure-mpa"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if s.RunID == "run-1" {
			if _, err := st.DeleteSnapshot(context.Background(), s.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sum := e.ingest(st, false); len(sum.Snapshots) != 0 || sum.KnownRuns != 2 {
		t.Fatalf("after deleting run-1: %d snapshots, %d known runs; want none, 2", len(sum.Snapshots), sum.KnownRuns)
	}
}

// TestAzureRunHistoryDatedRule: a subscription missing from the newest
// run still answers a dated question from the newest run that holds it
// (the Azure billing API's dated rule), which needs the earlier runs as
// snapshots; an undated question reads the newest run only.
func TestAzureRunHistoryDatedRule(t *testing.T) {
	e := newExportDir(t)
	e.deliver("run-1", 10, 9, "sub-a", "sub-b")
	e.deliver("run-2", 11, 10, "sub-a") // sub-b left out
	st := openMem(t)
	e.ingest(st, false)
	subs := func(sel query.Selection) string {
		t.Helper()
		res, err := query.Collect(context.Background(), st, query.Query{Scope: scope.All(), Selection: sel,
			Window:  cost.Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)},
			GroupBy: []cost.Dimension{cost.DimSubAccountID}, Metrics: []cost.Metric{cost.Billed}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res.Rows {
			out = append(out, r.Keys[0]+"="+r.Values[0].String())
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	if got, want := subs(query.Selection{Day: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)}), "sub-a=1 sub-b=1"; got != want {
		t.Errorf("dated 2024-01-05: %s, want %s", got, want)
	}
	if got, want := subs(query.Selection{}), "sub-a=10"; got != want {
		t.Errorf("undated: %s, want %s", got, want)
	}
}

// TestAzureRunHistoryFailedRun: a run that fails to import stops the
// later runs of its billing period (committing them first would leave the
// runs' order) but not the runs of other periods; once the run is
// readable, the next import picks up where it stopped.
func TestAzureRunHistoryFailedRun(t *testing.T) {
	e := newExportDir(t)
	e.deliver("jan-1", 10, 9, "sub-a")
	e.deliver("jan-2", 11, 10, "sub-a")
	e.deliver("jan-3", 12, 11, "sub-a")
	e.deliverMonth(2, "feb-1", 3, 2, "sub-a")
	bad := filepath.Join(e.root, "export", "20240101-20240131", "jan-2", "part_1.csv")
	good, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(string(good), ",1.00,1.00,USD", ",1.0x,1.00,USD", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openMem(t)
	if _, err := Run(context.Background(), st, []string{e.root}, Options{Source: "azure-mpa", Provider: "azure"}); err == nil || !strings.Contains(err.Error(), "jan-2") {
		t.Fatalf("an import with a broken run: %v, want the run's error", err)
	}
	// The bad row is jan-2's first: its failed import has no period, and
	// so no run.
	wantRuns(t, st, "jan-1:complete:9:9", ":failed:1:0", "feb-1:complete:2:2")
	if err := os.WriteFile(bad, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if sum := e.ingest(st, false); len(sum.Snapshots) != 2 || sum.KnownRuns != 2 {
		t.Fatalf("after the run was repaired: %d snapshots, %d known runs; want 2 (jan-2, jan-3), 2", len(sum.Snapshots), sum.KnownRuns)
	}
	wantRuns(t, st, "jan-1:superseded:9:9", ":failed:1:0", "feb-1:complete:2:2", "jan-2:superseded:10:10", "jan-3:complete:11:11")
}
