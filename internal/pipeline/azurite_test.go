package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/source/emulators"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/synth"
)

func TestMain(m *testing.M) {
	stop := emulators.Start()
	code := m.Run()
	stop()
	os.Exit(code)
}

// TestAzureExportContainer: an Azure cost export container (Azurite) is a
// source; each new export run, as Azure delivers it (a period folder, a
// run folder, a manifest naming the run), becomes a snapshot recording
// its run id and report date, superseding the previous run of the month.
func TestAzureExportContainer(t *testing.T) {
	endpoint := strings.TrimSuffix(emulators.Endpoint(t, "TALLY_TEST_AZURITE_ENDPOINT"), "/")
	cred, err := container.NewSharedKeyCredential(emulators.AzuriteAccount, emulators.AzuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("exports-%d", time.Now().UnixNano())
	client, err := container.NewClientWithSharedKeyCredential(endpoint+"/"+name, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// deliver uploads one month-to-date run of days days.
	deliver := func(run string, days int, submitted, end string) {
		var csv bytes.Buffer
		if _, err := synth.Write(&csv, synth.Options{Provider: "azure", Rows: int64(20 * days), Days: days,
			Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 11}); err != nil {
			t.Fatal(err)
		}
		dir := "daily/tally-export/20240101-20240131/" + run
		manifest := `{"manifestVersion": "2024-04-01", "runInfo": {"runId": "` + run + `", "submittedTime": "` + submitted +
			`", "startDate": "2024-01-01T00:00:00", "endDate": "` + end + `"}, "blobs": [{"blobName": "` + dir + `/part_1.csv"}]}`
		for key, body := range map[string][]byte{dir + "/part_1.csv": csv.Bytes(), dir + "/manifest.json": []byte(manifest)} {
			if _, err := client.NewBlockBlobClient(key).UploadBuffer(context.Background(), body, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, st := newRunner(t, Spec{Name: "azure-mpa", Provider: "azure", Location: source.Config{
		URL: "azblob://" + name + "/daily", Endpoint: endpoint, AccountName: emulators.AzuriteAccount, AccountKey: emulators.AzuriteKey}})
	check := func(wantRun string, wantRows int64, wantReport time.Time, wantSnapshots int) {
		t.Helper()
		if err := r.Rebuild("azure-mpa"); err != nil {
			t.Fatal(err)
		}
		if s := wait(t, r, "azure-mpa"); s.ConnectionStatus != ConnectionSuccessful {
			t.Fatalf("after delivering %s: %+v", wantRun, s)
		}
		snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "azure-mpa"})
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != wantSnapshots || snaps[0].Status != store.StatusComplete || snaps[0].RunID != wantRun ||
			snaps[0].Rows != wantRows || !snaps[0].ReportDate.Equal(wantReport) {
			t.Fatalf("after delivering %s: newest snapshot %+v of %d, want run %s, %d rows, report date %s",
				wantRun, snaps[0], len(snaps), wantRun, wantRows, wantReport.Format(time.DateOnly))
		}
	}
	deliver("run-0102", 2, "2024-01-03T06:00:00Z", "2024-01-02T00:00:00")
	check("run-0102", 40, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), 1)
	deliver("run-0103", 3, "2024-01-04T06:00:00Z", "2024-01-03T00:00:00")
	check("run-0103", 60, time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC), 2)
	if _, n := total(t, st, "azure-mpa"); n != 60 {
		t.Fatalf("%d line items visible after two runs, want the newest run's 60", n)
	}
}

// TestAzureRunsBetweenRefreshes: runs that arrive in an export
// container between scheduled refreshes are all imported, oldest first,
// each a snapshot of its own (the Azure billing API's dated rule reads
// them); a refresh that finds no new run reads nothing; once their month
// is older than the retention policy keeps, the superseded runs are
// pruned and reported.
func TestAzureRunsBetweenRefreshes(t *testing.T) {
	endpoint := strings.TrimSuffix(emulators.Endpoint(t, "TALLY_TEST_AZURITE_ENDPOINT"), "/")
	cred, err := container.NewSharedKeyCredential(emulators.AzuriteAccount, emulators.AzuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("history-%d", time.Now().UnixNano())
	client, err := container.NewClientWithSharedKeyCredential(endpoint+"/"+name, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// deliver uploads the month-to-date run of January ending on day end.
	deliver := func(end int) {
		var csv bytes.Buffer
		if _, err := synth.Write(&csv, synth.Options{Provider: "azure", Rows: int64(10 * end), Days: end,
			Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 11}); err != nil {
			t.Fatal(err)
		}
		run := fmt.Sprintf("run-01%02d", end)
		dir := "daily/tally-export/20240101-20240131/" + run
		manifest := fmt.Sprintf(`{"manifestVersion": "2024-04-01", "runInfo": {"runId": %q, "submittedTime": "2024-01-%02dT06:00:00Z",
			"startDate": "2024-01-01T00:00:00", "endDate": "2024-01-%02dT00:00:00"}, "blobs": [{"blobName": %q}]}`, run, end+1, end, dir+"/part_1.csv")
		for key, body := range map[string][]byte{dir + "/part_1.csv": csv.Bytes(), dir + "/manifest.json": []byte(manifest)} {
			if _, err := client.NewBlockBlobClient(key).UploadBuffer(context.Background(), body, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, st := newRunner(t, Spec{Name: "azure-mpa", Provider: "azure", Location: source.Config{
		URL: "azblob://" + name + "/daily", Endpoint: endpoint, AccountName: emulators.AzuriteAccount, AccountKey: emulators.AzuriteKey}})
	r.now = func() time.Time { return time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC) }
	runs := func() []string {
		t.Helper()
		snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All(), Source: "azure-mpa"})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(snaps, func(a, b store.Snapshot) int { return int(a.ID - b.ID) })
		var out []string
		for _, s := range snaps {
			out = append(out, fmt.Sprintf("%s:%s:%s", s.RunID, s.Status, s.ReportDate.Format("01-02")))
		}
		return out
	}
	check := func(s SourceStatus, wantKnown int, want ...string) {
		t.Helper()
		if s.ConnectionStatus != ConnectionSuccessful || s.KnownRuns != wantKnown {
			t.Fatalf("status %+v, want success with %d known runs", s, wantKnown)
		}
		if got := runs(); !slices.Equal(got, want) {
			t.Fatalf("snapshots %q, want %q", got, want)
		}
	}
	deliver(2)
	deliver(3)
	check(scheduled(t, r, "azure-mpa"), 0, "run-0102:superseded:01-02", "run-0103:complete:01-03")
	s := scheduled(t, r, "azure-mpa")
	dec := time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC)
	if !slices.Equal(s.Unchanged, append([]time.Time{dec}, months2024(1)...)) || s.Rows != 0 {
		t.Fatalf("a refresh without a new run: %+v", s)
	}
	deliver(4)
	deliver(5)
	check(scheduled(t, r, "azure-mpa"), 2, "run-0102:superseded:01-02", "run-0103:superseded:01-03",
		"run-0104:superseded:01-04", "run-0105:complete:01-05")
	if _, n := total(t, st, "azure-mpa"); n != 50 {
		t.Fatalf("%d line items visible after four runs, want the newest run's 50", n)
	}
	// In March, January is older than the default policy keeps.
	r.now = func() time.Time { return time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC) }
	s = scheduled(t, r, "azure-mpa")
	if len(s.Pruned) != 3 || s.Pruned[0].RunID != "run-0102" || s.Pruned[2].RunID != "run-0104" {
		t.Fatalf("pruned %+v, want January's three superseded runs", s.Pruned)
	}
	check(s, 0, "run-0102:deleted:01-02", "run-0103:deleted:01-03", "run-0104:deleted:01-04", "run-0105:complete:01-05")
}

// TestMigratedAzureSourceRuns: an Azure source stored in clear text by an
// older version is sealed at open and still reads its container
// (Azurite checks the account key).
func TestMigratedAzureSourceRuns(t *testing.T) {
	endpoint := strings.TrimSuffix(emulators.Endpoint(t, "TALLY_TEST_AZURITE_ENDPOINT"), "/")
	cred, err := container.NewSharedKeyCredential(emulators.AzuriteAccount, emulators.AzuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("migrated-%d", time.Now().UnixNano())
	client, err := container.NewClientWithSharedKeyCredential(endpoint+"/"+name, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if _, err := synth.Write(&csv, synth.Options{Provider: "azure", Rows: 50, Days: 2,
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.NewBlockBlobClient("bills/cost.csv").UploadBuffer(ctx, csv.Bytes(), nil); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "t.duckdb")
	st := openFile(t, db)
	defer st.Close()
	putClear(t, st, Spec{Name: "azure", Provider: "azure", Location: source.Config{URL: "azblob://" + name + "/bills",
		Endpoint: endpoint, AccountName: emulators.AzuriteAccount, AccountKey: emulators.AzuriteKey}})
	r, err := New(ctx, st, DocRepo(st, secret.NewKeys(secret.KeyConfig{DefaultFile: db + ".key"}), nil), Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	noneOf(t, "the migrated source", storedDocs(t, st), emulators.AzuriteKey, emulators.AzuriteKey[:20])
	if err := r.Rebuild("azure"); err != nil {
		t.Fatal(err)
	}
	if s := wait(t, r, "azure"); s.ConnectionStatus != ConnectionSuccessful || s.Rows != 50 {
		t.Fatalf("the migrated source: %+v", s)
	}
}
