package duckdb

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestNewFileIsPrivate: a database Open creates is 0600 from the start,
// whatever the umask, and the folder holds nothing else afterwards.
func TestNewFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.duckdb")
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("new database file %v, want 0600", m)
	}
	if err := st.PutDocument(context.Background(), "k", "n", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	st.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "t.duckdb" {
			t.Errorf("left beside the database: %s", e.Name())
		}
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("database file after use %v, want 0600", m)
	}
}

// TestOpenRestrictsOldFiles: a database an older version left readable
// by everyone, with its write-ahead log and temporary folder, is made
// private when opened, and the log says so.
func TestOpenRestrictsOldFiles(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src.duckdb")
	st, err := Open(ctx, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutDocument(ctx, "k", "n", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	// A copy of the open database is what a crash leaves: the file and
	// its write-ahead log.
	path := filepath.Join(t.TempDir(), "t.duckdb")
	for _, suffix := range []string{"", ".wal"} {
		copyFile(t, src+suffix, path+suffix, 0o644)
	}
	os.Mkdir(path+".tmp", 0o755)
	os.WriteFile(filepath.Join(path+".tmp", "spill.block"), nil, 0o644)

	var logs bytes.Buffer
	old, err := Open(ctx, path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if m := mode(t, path); m != 0o600 {
		t.Errorf("old database file %v after open, want 0600", m)
	}
	if m := mode(t, path+".tmp"); m != 0o700 {
		t.Errorf("temporary folder %v, want 0700", m)
	}
	for _, want := range []string{"file=" + path + " was=-rw-r--r-- now=-rw-------", "file=" + path + ".wal was=-rw-r--r--", "dir=" + path + ".tmp entries=2"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	docs, err := old.Documents(ctx, "k")
	if err != nil || string(docs["n"]) != `{"a":1}` {
		t.Fatalf("the copy lost its data: %v %v", docs, err)
	}
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	os.Chmod(to, perm)
}

// TestFailedImportErrorRedacted: the error of a failed import is stored
// without what is secret in it, as every snapshot listing shows it.
func TestFailedImportErrorRedacted(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "azure", Provider: "azure"})
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New(`download: Get "https://acct.blob.core.windows.net/exports/a.csv?sv=1&sig=STOREDSECRET": reset`)
	if err := imp.Fail(ctx, cause); err != nil {
		t.Fatal(err)
	}
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Source: "azure", Scope: scope.All()})
	if err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots %+v, %v", snaps, err)
	}
	if want := `download: Get "https://acct.blob.core.windows.net/exports/a.csv?[REDACTED]": reset`; snaps[0].Error != want {
		t.Errorf("stored error %q, want %q", snaps[0].Error, want)
	}
}
