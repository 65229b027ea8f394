package ingest

import (
	"archive/zip"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputShapes ingests the same two AWS exports as plain files, a
// glob, a directory, gzip files and one zip archive, and expects the same
// rows and totals every time.
func TestInputShapes(t *testing.T) {
	a, b := sharedTestdata("aws", "cur-legacy-not-final.csv"), sharedTestdata("aws", "cur-legacy-cost-categories.csv")
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	gz := filepath.Join(dir, "gz")
	for _, d := range []string{plain, gz} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	zipPath := filepath.Join(dir, "export.zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for i, src := range []string{a, b} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(src)
		os.WriteFile(filepath.Join(plain, name), data, 0o644)
		f, _ := os.Create(filepath.Join(gz, name+".gz"))
		w := gzip.NewWriter(f)
		w.Write(data)
		w.Close()
		f.Close()
		zm, _ := zw.Create(fmt.Sprintf("part-%d/%s", i+1, name))
		zm.Write(data)
	}
	zw.Create("README.txt") // not a data file: skipped
	zw.Close()
	zf.Close()
	// A manifest-like JSON file in a plain directory is not data.
	os.WriteFile(filepath.Join(plain, "export-Manifest.json"), []byte("{}"), 0o644)

	want := ""
	f := func(name string, paths ...string) {
		t.Helper()
		_, sum, err := ingestMem(t, "aws", "s", paths...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b strings.Builder
		for _, sn := range sum.Snapshots {
			b.WriteString(sn.BillingPeriodStart.Format("2006-01") + " " + sn.Totals[0].Values[1].String() + "; ")
		}
		got := fmt.Sprintf("%s rows %d", b.String(), sum.Rows)
		if want == "" {
			want = got
			if sum.Rows == 0 {
				t.Fatal("no rows ingested")
			}
			return
		}
		if got != want {
			t.Fatalf("%s: %s, want %s", name, got, want)
		}
	}
	f("files", a, b)
	f("glob", filepath.Join(plain, "*.csv"))
	f("directory", plain)
	f("gzip", filepath.Join(gz, "*.gz"))
	f("zip", zipPath)

	if _, err := Expand([]string{filepath.Join(dir, "none-*.csv")}, nil, nil); err == nil || !strings.Contains(err.Error(), "no files match") {
		t.Fatalf("empty glob: err = %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := Expand([]string{empty}, nil, nil); err == nil || !strings.Contains(err.Error(), "no data files") {
		t.Fatalf("empty directory: err = %v", err)
	}
}
