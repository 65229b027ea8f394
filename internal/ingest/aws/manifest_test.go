package aws

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// bucket builds an in-memory bucket copy; a value starting with "{" is a
// manifest, anything else file content.
func bucket(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, c := range files {
		m[p] = &fstest.MapFile{Data: []byte(c)}
	}
	return m
}

func TestResolveFiles(t *testing.T) {
	f := func(name string, fsys fs.FS, dir string, want ...string) {
		t.Helper()
		got, err := ResolveFiles(fsys, dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want == nil {
			if got != nil {
				t.Fatalf("%s: ResolveFiles = %q, want nil (no manifest)", name, got)
			}
			return
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: ResolveFiles = %q, want %q", name, got, want)
		}
	}

	legacy := bucket(map[string]string{
		"exports/cur/daily/20240301-20240401/daily-Manifest.json":         `{"assemblyId":"bbb","reportKeys":["cur/daily/20240301-20240401/bbb/daily-00001.csv.gz","cur/daily/20240301-20240401/bbb/daily-00002.csv.gz"]}`,
		"exports/cur/daily/20240301-20240401/aaa/daily-Manifest.json":     `{"assemblyId":"aaa","reportKeys":["cur/daily/20240301-20240401/aaa/daily-00001.csv.gz"]}`,
		"exports/cur/daily/20240301-20240401/aaa/daily-00001.csv.gz":      "stale",
		"exports/cur/daily/20240301-20240401/bbb/daily-Manifest.json":     `{"assemblyId":"bbb"}`,
		"exports/cur/daily/20240301-20240401/bbb/daily-00001.csv.gz":      "current 1",
		"exports/cur/daily/20240301-20240401/bbb/daily-00002.csv.gz":      "current 2",
		"exports/cur/daily/20240201-20240301/daily-Manifest.json":         `{"reportKeys":["/cur/daily/20240201-20240301/ccc/daily-00001.csv.gz"]}`,
		"exports/cur/daily/20240201-20240301/ccc/daily-00001.csv.gz":      "february",
		"exports/cur/daily/20240201-20240301/daily-RedshiftManifest.json": `{"entries":[]}`,
		"exports/cur/daily/cost_and_usage_data_status/status.parquet":     "athena status",
		"exports/notes.csv": "not a bill",
		"exports/cur/daily/20240301-20240401/bbb/daily-QuickSightManifest.json": "{}",
	})
	f("legacy: current assembly of each period", legacy, ".",
		"exports/cur/daily/20240201-20240301/ccc/daily-00001.csv.gz",
		"exports/cur/daily/20240301-20240401/bbb/daily-00001.csv.gz",
		"exports/cur/daily/20240301-20240401/bbb/daily-00002.csv.gz")
	f("legacy: pointed at one period", legacy, "exports/cur/daily/20240301-20240401",
		"exports/cur/daily/20240301-20240401/bbb/daily-00001.csv.gz",
		"exports/cur/daily/20240301-20240401/bbb/daily-00002.csv.gz")
	f("legacy: pointed at a stale assembly reads that assembly", legacy, "exports/cur/daily/20240301-20240401/aaa",
		"exports/cur/daily/20240301-20240401/aaa/daily-00001.csv.gz")

	f("legacy overwrite mode", bucket(map[string]string{
		"r/20240301-20240401/r-Manifest.json": `{"reportKeys":["pfx/r/20240301-20240401/r-1.csv.gz"]}`,
		"r/20240301-20240401/r-1.csv.gz":      "x",
	}), ".", "r/20240301-20240401/r-1.csv.gz")

	f("legacy Athena layout: keys outside the period folder", bucket(map[string]string{
		"pfx/r/20240301-20240401/r-Manifest.json":            `{"reportKeys":["pfx/r/r/year=2024/month=3/r-00001.snappy.parquet"]}`,
		"pfx/r/r/year=2024/month=3/r-00001.snappy.parquet":   "x",
		"pfx/r/r/year=2024/month=2/r-00001.snappy.parquet":   "february, no manifest copied",
		"pfx/r/r/year=2024/month=3/r-00001.snappy.parquet.1": "junk",
	}), ".", "pfx/r/r/year=2024/month=3/r-00001.snappy.parquet")

	cur2 := bucket(map[string]string{
		"my/exp/metadata/BILLING_PERIOD=2024-03/exp-Manifest.json": `{"dataFiles":["s3://bkt/my/exp/data/BILLING_PERIOD=2024-03/exp-00001.parquet",{"key":"my/exp/data/BILLING_PERIOD=2024-03/exp-00002.parquet"}]}`,
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00001.parquet":     "a",
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00002.parquet":     "b",
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00003.parquet":     "left over from an earlier run",
		"my/exp/data/BILLING_PERIOD=2024-02/exp-00001.csv.gz":      "feb 1",
		"my/exp/data/BILLING_PERIOD=2024-02/exp-00002.csv.gz":      "feb 2",
		"my/exp/data/BILLING_PERIOD=2024-02/.hidden.csv":           "hidden",
	})
	f("CUR 2.0: manifest dataFiles, all files of a partition without one", cur2, ".",
		"my/exp/data/BILLING_PERIOD=2024-02/exp-00001.csv.gz",
		"my/exp/data/BILLING_PERIOD=2024-02/exp-00002.csv.gz",
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00001.parquet",
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00002.parquet")
	f("CUR 2.0: pointed at the export folder", cur2, "my/exp",
		"my/exp/data/BILLING_PERIOD=2024-02/exp-00001.csv.gz",
		"my/exp/data/BILLING_PERIOD=2024-02/exp-00002.csv.gz",
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00001.parquet",
		"my/exp/data/BILLING_PERIOD=2024-03/exp-00002.parquet")
	f("CUR 2.0: the last of several manifests of a partition", bucket(map[string]string{
		"e/metadata/BILLING_PERIOD=2024-03/20240302T0100Z-x/e-Manifest.json": `{"dataFiles":["e/data/BILLING_PERIOD=2024-03/20240302T0100Z-x/e-00001.csv.gz"]}`,
		"e/metadata/BILLING_PERIOD=2024-03/20240303T0100Z-y/e-Manifest.json": `{"dataFiles":["e/data/BILLING_PERIOD=2024-03/20240303T0100Z-y/e-00001.csv.gz"]}`,
		"e/data/BILLING_PERIOD=2024-03/20240302T0100Z-x/e-00001.csv.gz":      "older",
		"e/data/BILLING_PERIOD=2024-03/20240303T0100Z-y/e-00001.csv.gz":      "newer",
	}), ".", "e/data/BILLING_PERIOD=2024-03/20240303T0100Z-y/e-00001.csv.gz")

	f("no manifest: the caller reads every file", bucket(map[string]string{
		"a/20240301-20240401/x/r-1.csv.gz":    "x",
		"b/data/BILLING_PERIOD=2024-03/1.csv": "y",
	}), ".")
	f("an empty directory", fstest.MapFS{}, ".")
}

func TestResolveFilesErrors(t *testing.T) {
	f := func(name string, files map[string]string, wantIn string, wantIs error) {
		t.Helper()
		got, err := ResolveFiles(bucket(files), ".")
		if err == nil {
			t.Fatalf("%s: ResolveFiles = %q, want an error", name, got)
		}
		if !strings.Contains(err.Error(), wantIn) {
			t.Errorf("%s: error %q does not mention %q", name, err, wantIn)
		}
		if wantIs != nil && !errors.Is(err, wantIs) {
			t.Errorf("%s: error %v is not %v", name, err, wantIs)
		}
	}
	f("a key the copy lacks", map[string]string{
		"r/20240301-20240401/r-Manifest.json": `{"reportKeys":["r/20240301-20240401/a/r-1.csv.gz","r/20240301-20240401/a/r-2.csv.gz"]}`,
		"r/20240301-20240401/a/r-1.csv.gz":    "x",
	}, "r-2.csv.gz", fs.ErrNotExist)
	f("a same-named file in another folder is not the key", map[string]string{
		"r/20240301-20240401/r-Manifest.json": `{"reportKeys":["r/20240301-20240401/new/r-1.csv.gz"]}`,
		"r/20240301-20240401/old/r-1.csv.gz":  "stale",
	}, "new/r-1.csv.gz", fs.ErrNotExist)
	f("a broken manifest", map[string]string{
		"r/20240301-20240401/r-Manifest.json": `{"reportKeys":`,
	}, "r-Manifest.json", nil)
	f("only assembly copies, several of them", map[string]string{
		"r/20240301-20240401/a/r-Manifest.json": `{"reportKeys":["r/20240301-20240401/a/r-1.csv.gz"]}`,
		"r/20240301-20240401/b/r-Manifest.json": `{"reportKeys":["r/20240301-20240401/b/r-1.csv.gz"]}`,
		"r/20240301-20240401/a/r-1.csv.gz":      "x",
		"r/20240301-20240401/b/r-1.csv.gz":      "y",
	}, "cannot tell the current one", nil)
	f("a period without manifest but several assemblies", map[string]string{
		"r/20240301-20240401/r-Manifest.json": `{"reportKeys":["r/20240301-20240401/a/r-1.csv.gz"]}`,
		"r/20240301-20240401/a/r-1.csv.gz":    "x",
		"r/20240201-20240301/c/r-1.csv.gz":    "feb, older",
		"r/20240201-20240301/d/r-1.csv.gz":    "feb, newer",
	}, "20240201-20240301", nil)
	f("a key leaving the bucket", map[string]string{
		"e/metadata/BILLING_PERIOD=2024-03/e-Manifest.json": `{"dataFiles":["../../etc/passwd"]}`,
	}, "leaves the bucket", nil)
	f("a dataFiles entry naming nothing", map[string]string{
		"e/metadata/BILLING_PERIOD=2024-03/e-Manifest.json": `{"dataFiles":[{"size":3}]}`,
	}, "names no file", nil)
}
