package azure

import (
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
)

// TestHistory: every run of every period, oldest first within a period
// (submittedTime for 2024-04-01 manifests, the run folder for 2021-01-01
// ones), with its id, period and files.
func TestHistory(t *testing.T) {
	const jan = "exports/daily/20240101-20240131"
	const old = "cost/partitioned/20230101-20230131"
	fsys := fstest.MapFS{
		jan + "/zz-run/manifest.json":             manifest2024("2024-01-10T07:00:00Z", jan+"/zz-run/part_0_0001.csv"),
		jan + "/zz-run/part_0_0001.csv":           data(),
		jan + "/aa-run/manifest.json":             manifest2024("2024-01-11T07:00:00Z", jan+"/aa-run/part_0_0001.csv", jan+"/aa-run/part_1_0001.csv"),
		jan + "/aa-run/part_0_0001.csv":           data(),
		jan + "/aa-run/part_1_0001.csv":           data(),
		old + "/202301051442/a9b8/_manifest.json": manifest2021(old + "/202301051442/a9b8/000001.csv"),
		old + "/202301051442/a9b8/000001.csv":     data(),
		old + "/202301041442/0f1e/_manifest.json": manifest2021(old + "/202301041442/0f1e/000001.csv"),
		old + "/202301041442/0f1e/000001.csv":     data(),
		"loose/manifest.json":                     manifest2024("2024-01-10T07:00:00Z", "loose/x.csv"),
		"loose/x.csv":                             data(),
	}
	got, err := History(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %v", r.Group, r.PeriodStart.Format("2006-01-02"), r.ID, r.Files))
	}
	want := []string{
		old + " 2023-01-01 202301041442/0f1e [" + old + "/202301041442/0f1e/000001.csv]",
		old + " 2023-01-01 202301051442/a9b8 [" + old + "/202301051442/a9b8/000001.csv]",
		// manifest2024 gives every run the id "r"; the order is by submittedTime.
		jan + " 2024-01-01 r [" + jan + "/zz-run/part_0_0001.csv]",
		jan + " 2024-01-01 r [" + jan + "/aa-run/part_0_0001.csv " + jan + "/aa-run/part_1_0001.csv]",
		"loose 0001-01-01 r [loose/x.csv]",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("History =\n %q\nwant\n %q", lines, want)
	}
	if got, err := History(fstest.MapFS{"a.csv": data()}, "."); err != nil || got != nil {
		t.Errorf("History without manifests = %v, %v; want nil, nil", got, err)
	}
}
