package azure

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// manifest2024 writes a manifestVersion 2024-04-01 manifest.
func manifest2024(submitted string, blobs ...string) *fstest.MapFile {
	var bs []string
	for _, b := range blobs {
		bs = append(bs, fmt.Sprintf(`{"blobName": %q, "byteCount": 10, "dataRowCount": 1}`, b))
	}
	return &fstest.MapFile{Data: []byte(fmt.Sprintf(`{
  "manifestVersion": "2024-04-01",
  "byteCount": 20, "blobCount": %d, "dataRowCount": 2,
  "exportConfig": {"exportName": "daily", "type": "ActualCost", "timeFrame": "MonthToDate"},
  "deliveryConfig": {"partitionData": true, "dataOverwriteBehavior": "CreateNewReport", "fileFormat": "Csv", "rootFolderPath": "exports"},
  "runInfo": {"executionType": "Scheduled", "submittedTime": %q, "runId": "r", "startDate": "2024-01-01T00:00:00", "endDate": "2024-01-31T00:00:00"},
  "blobs": [%s]
}`, len(blobs), submitted, strings.Join(bs, ","))), Mode: 0o644}
}

// manifest2021 writes a manifestVersion 2021-01-01 manifest (no runInfo).
func manifest2021(blobs ...string) *fstest.MapFile {
	var bs []string
	for _, b := range blobs {
		bs = append(bs, fmt.Sprintf(`{"blobName": %q, "byteCount": 10, "dataRowCount": 1, "headerRowCount": 1}`, b))
	}
	return &fstest.MapFile{Data: []byte(fmt.Sprintf(`{"manifestVersion": "2021-01-01", "dataFormat": "csv", "blobCount": %d, "byteCount": 20, "dataRowCount": 2, "blobs": [%s]}`,
		len(blobs), strings.Join(bs, ","))), Mode: 0o644}
}

func data() *fstest.MapFile { return &fstest.MapFile{Data: []byte("Date,Cost\n"), Mode: 0o644} }

func TestResolveFiles2024(t *testing.T) {
	const jan = "exports/daily/20240101-20240131"
	const feb = "exports/daily/20240201-20240229"
	fsys := fstest.MapFS{
		// The older run has the lexically greater folder: submittedTime
		// must decide, not the name.
		jan + "/zz-run/manifest.json":      manifest2024("2024-01-10T07:00:00.1234567Z", jan+"/zz-run/part_0_0001.csv"),
		jan + "/zz-run/part_0_0001.csv":    data(),
		jan + "/aa-run/manifest.json":      manifest2024("2024-01-11T07:00:00Z", jan+"/aa-run/part_0_0001.csv.gz", jan+"/aa-run/part_1_0001.csv.gz"),
		jan + "/aa-run/part_0_0001.csv.gz": data(),
		jan + "/aa-run/part_1_0001.csv.gz": data(),
		feb + "/only/manifest.json":        manifest2024("2024-02-02T07:00:00Z", "mycontainer/"+feb+"/only/part_0_0001.parquet"),
		feb + "/only/part_0_0001.parquet":  data(),
	}
	f := func(dir string, want ...string) {
		t.Helper()
		got, err := ResolveFiles(fsys, dir)
		if err != nil {
			t.Fatalf("ResolveFiles(%q): %v", dir, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ResolveFiles(%q) =\n %q\nwant\n %q", dir, got, want)
		}
	}
	f(".", jan+"/aa-run/part_0_0001.csv.gz", jan+"/aa-run/part_1_0001.csv.gz", feb+"/only/part_0_0001.parquet")
	f("exports", jan+"/aa-run/part_0_0001.csv.gz", jan+"/aa-run/part_1_0001.csv.gz", feb+"/only/part_0_0001.parquet")
	f(jan, jan+"/aa-run/part_0_0001.csv.gz", jan+"/aa-run/part_1_0001.csv.gz")
	f(jan+"/zz-run", jan+"/zz-run/part_0_0001.csv") // asked for one run: that run
}

func TestResolveFiles2021(t *testing.T) {
	const p = "cost/partitioned/20230101-20230131"
	fsys := fstest.MapFS{
		p + "/202301041442/0f1e-guid/_manifest.json": manifest2021(p + "/202301041442/0f1e-guid/000001.csv"),
		p + "/202301041442/0f1e-guid/000001.csv":     data(),
		p + "/202301051442/a9b8-guid/_manifest.json": manifest2021(p+"/202301051442/a9b8-guid/000001.csv", p+"/202301051442/a9b8-guid/000002.csv"),
		p + "/202301051442/a9b8-guid/000001.csv":     data(),
		p + "/202301051442/a9b8-guid/000002.csv":     data(),
		p + "/202301031442/ffff-guid/_manifest.json": manifest2021(p + "/202301031442/ffff-guid/000001.csv"),
		p + "/202301031442/ffff-guid/000001.csv":     data(),
	}
	got, err := ResolveFiles(fsys, "cost")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{p + "/202301051442/a9b8-guid/000001.csv", p + "/202301051442/a9b8-guid/000002.csv"}
	if !slices.Equal(got, want) {
		t.Errorf("ResolveFiles = %q, want %q", got, want)
	}

	// A 2024-04-01 run of the same period supersedes runs without runInfo.
	fsys[p+"/new-run/manifest.json"] = manifest2024("2023-01-02T00:00:00Z", p+"/new-run/part_0_0001.csv")
	fsys[p+"/new-run/part_0_0001.csv"] = data()
	got, err = ResolveFiles(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{p + "/new-run/part_0_0001.csv"}; !slices.Equal(got, want) {
		t.Errorf("mixed versions: ResolveFiles = %q, want %q", got, want)
	}
}

func TestResolveFilesBlobOutsideRunFolder(t *testing.T) {
	// A blob named relative to the container, not below the run folder.
	fsys := fstest.MapFS{
		"c/exp/20240101-20240131/run/manifest.json": manifest2024("2024-01-02T00:00:00Z", "exp/shared/part.csv"),
		"c/exp/shared/part.csv":                     data(),
	}
	got, err := ResolveFiles(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c/exp/shared/part.csv"}; !slices.Equal(got, want) {
		t.Errorf("ResolveFiles = %q, want %q", got, want)
	}
}

func TestResolveFilesNoManifest(t *testing.T) {
	fsys := fstest.MapFS{
		"exports/a.csv":               data(),
		"exports/x/Cur-Manifest.json": &fstest.MapFile{Data: []byte(`{}`)},
	}
	got, err := ResolveFiles(fsys, "exports")
	if err != nil || got != nil {
		t.Errorf("ResolveFiles = %q, %v; want nil, nil", got, err)
	}
}

func TestResolveFilesErrors(t *testing.T) {
	const run = "e/20240101-20240131/run"
	f := func(name string, fsys fstest.MapFS, dir, mention string) {
		t.Helper()
		got, err := ResolveFiles(fsys, dir)
		if err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("%s: ResolveFiles = %q, %v; want an error mentioning %q", name, got, err, mention)
		}
	}
	f("missing blob", fstest.MapFS{
		run + "/manifest.json":   manifest2024("2024-01-02T00:00:00Z", run+"/part_0.csv", run+"/part_1.csv"),
		run + "/part_0.csv":      data(),
		"e/elsewhere/part_2.csv": data(),
	}, ".", "part_1.csv")
	f("bad JSON", fstest.MapFS{run + "/manifest.json": &fstest.MapFile{Data: []byte(`{"blobs": [`)}}, ".", "manifest.json")
	f("escaping blob name", fstest.MapFS{
		run + "/manifest.json": manifest2024("2024-01-02T00:00:00Z", "../../etc/passwd"),
	}, ".", "invalid blob name")
	f("empty blob name", fstest.MapFS{run + "/manifest.json": manifest2021("")}, ".", "invalid blob name")
	f("no such dir", fstest.MapFS{}, "nope", "nope")
}
