package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tallyWithin runs tally like tally(), but fails the test when it has
// not ended within limit: a command that should exit must not hang.
func tallyWithin(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("tally %v still running after %s; stdout:\n%s\nstderr:\n%s", args, limit, out.String(), errb.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// TestPortInUse: serve and demo on a port that is taken end at once
// with exit status 1 and the reason; the demo generates no data first,
// and neither creates its database.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	f := func(cmd string, args ...string) {
		t.Helper()
		db := filepath.Join(t.TempDir(), "t.duckdb")
		res := tallyWithin(t, 30*time.Second, append([]string{cmd, "--db", db, "--addr", addr}, args...)...)
		if res.code != 1 || !strings.Contains(res.stderr, "address already in use") || !strings.Contains(res.stderr, addr) {
			t.Errorf("%s on a taken port: exit %d, stderr:\n%s", cmd, res.code, res.stderr)
		}
		if strings.Contains(res.stdout, "Generating") || strings.Contains(res.stdout, "serving on") {
			t.Errorf("%s on a taken port went on working:\n%s", cmd, res.stdout)
		}
		if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s on a taken port created its database: %v", cmd, err)
		}
	}
	f("serve", "--no-auth")
	f("serve")
	f("demo")
}

// TestHelpAndVersion: help asked for is printed on stdout with exit
// status 0; a flag mistake prints the usage on stderr with status 2;
// "tally version" and "tally --version" print the version.
func TestHelpAndVersion(t *testing.T) {
	help := func(args ...string) {
		t.Helper()
		res := tally(t, args...)
		name := "Usage of tally " + args[0] + ":"
		if res.code != 0 || !strings.HasPrefix(res.stdout, name) || !strings.Contains(res.stdout, "\n  -") || res.stderr != "" {
			t.Errorf("tally %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, res.code, res.stdout, res.stderr)
		}
	}
	help("ingest", "--help")
	help("ingest", "-h")
	help("serve", "--help")
	help("serve", "-help")
	help("demo", "--help")
	help("gen", "-h")
	help("ingest", "--source", "x", "--help") // after other flags too

	res := tally(t, "ingest", "--bogus")
	if res.code != 2 || res.stdout != "" || !strings.Contains(res.stderr, "flag provided but not defined: -bogus") || !strings.Contains(res.stderr, "Usage of tally ingest:") {
		t.Errorf("ingest --bogus: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}

	versionLine := regexp.MustCompile(`^tally \S.*\n$`)
	var seen []string
	for _, arg := range []string{"version", "--version"} {
		res := tally(t, arg)
		if res.code != 0 || !versionLine.MatchString(res.stdout) {
			t.Errorf("tally %s: exit %d %q %q", arg, res.code, res.stdout, res.stderr)
		}
		seen = append(seen, res.stdout)
	}
	if seen[0] != seen[1] {
		t.Errorf("version %q, --version %q", seen[0], seen[1])
	}
}

// TestSkipBadRowsFieldCount: rows with one field too many or too few
// are skipped and counted by --skip-bad-rows, each reported with its
// file and line, and fail the import without it.
func TestSkipBadRowsFieldCount(t *testing.T) {
	var records int
	path := editSample(t, func(recs [][]string) {
		recs[3] = append(recs[3], "extra") // line 4
		recs[6] = recs[6][:len(recs[6])-1] // line 7
		records = len(recs)
	})
	db := filepath.Join(t.TempDir(), "t.duckdb")
	s := ingestJSON(t, "--skip-bad-rows", "--db", db, "--source", "s", "--provider", "aws", path)
	if s.Skipped != 2 || s.Rows != int64(records-3) {
		t.Fatalf("rows %d skipped %d, want %d and 2", s.Rows, s.Skipped, records-3)
	}
	res := tally(t, "ingest", "--skip-bad-rows", "--db", filepath.Join(t.TempDir(), "u.duckdb"), "--source", "s", "--provider", "aws", path)
	for _, want := range []string{"skipped: " + path + ":4: row has", "skipped: " + path + ":7: row has", "2 bad row(s) skipped"} {
		if !strings.Contains(res.stderr+res.stdout, want) {
			t.Errorf("output lacks %q:\n%s\n%s", want, res.stdout, res.stderr)
		}
	}
	res = tally(t, "ingest", "--db", filepath.Join(t.TempDir(), "v.duckdb"), "--source", "s", "--provider", "aws", path)
	if res.code != 1 || !strings.Contains(res.stderr, path+":4: row has") {
		t.Fatalf("without --skip-bad-rows: exit %d\n%s", res.code, res.stderr)
	}
}

// TestIngestTarGz: a CUR bucket shipped as a tarball ingests like the
// folder it holds, and the summary names the member read.
func TestIngestTarGz(t *testing.T) {
	bucket := testdata("aws", "cur-bucket-with-manifest.tar.gz")
	db := filepath.Join(t.TempDir(), "t.duckdb")
	s := ingestJSON(t, "--db", db, "--source", "s", "--provider", "aws", bucket)
	if s.Rows != 13380 || len(s.Files) != 1 || !strings.HasPrefix(s.Files[0], bucket+"!") || !strings.HasSuffix(s.Files[0], "koku-local-1.csv.gz") {
		t.Fatalf("tarball: %d rows, files %q", s.Rows, s.Files)
	}
	// The same bill as a plain CSV member: same totals as the file.
	plain := testdata("aws", "cur-legacy-slash-columns.csv")
	raw := mustRead(t, plain)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "report/bill.csv", Mode: 0o644, Size: int64(len(raw)), Typeflag: tar.TypeReg})
	tw.Write(raw)
	tw.Close()
	zw.Close()
	tgz := filepath.Join(t.TempDir(), "bill.tgz")
	if err := os.WriteFile(tgz, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fromTar := ingestJSON(t, "--db", filepath.Join(t.TempDir(), "a.duckdb"), "--source", "s", "--provider", "aws", tgz)
	fromFile := ingestJSON(t, "--db", filepath.Join(t.TempDir(), "b.duckdb"), "--source", "s", "--provider", "aws", plain)
	if fromTar.Rows != fromFile.Rows || len(fromTar.Snapshots) != len(fromFile.Snapshots) {
		t.Fatalf("tgz: %d rows %d snapshots; file: %d rows %d snapshots", fromTar.Rows, len(fromTar.Snapshots), fromFile.Rows, len(fromFile.Snapshots))
	}
	for i := range fromTar.Snapshots {
		a, b := fromTar.Snapshots[i].Totals, fromFile.Snapshots[i].Totals
		if len(a) != 1 || len(b) != 1 || a[0].Costs["billed"] != b[0].Costs["billed"] || a[0].Costs["billed"] == "" {
			t.Fatalf("snapshot %d: tgz totals %+v, file totals %+v", i, a, b)
		}
	}
}

// TestFailedFirstImportRemovesDB: an import that fails into a database
// file it created removes the file; one that fails into an existing
// database leaves it.
func TestFailedFirstImportRemovesDB(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "unknown.csv")
	os.WriteFile(bad, []byte("foo,bar\n1,2\n"), 0o644)
	db := filepath.Join(dir, "t.duckdb")
	res := tally(t, "ingest", "--db", db, "--source", "s", "--provider", "aws", bad)
	if res.code != 1 || !strings.Contains(res.stderr, "unknown header layout") || !strings.Contains(res.stderr, "the new database "+db+" is removed") {
		t.Fatalf("failed first import: exit %d\n%s", res.code, res.stderr)
	}
	left, _ := filepath.Glob(db + "*")
	if len(left) != 0 {
		t.Fatalf("a failed first import left %q", left)
	}
	ingestJSON(t, "--db", db, "--source", "s", "--provider", "aws", testdata("aws", "cur-legacy-not-final.csv"))
	res = tally(t, "ingest", "--db", db, "--source", "s", "--provider", "aws", bad)
	if res.code != 1 || !strings.Contains(res.stderr, "previous data unchanged") {
		t.Fatalf("failed second import: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("a failed import removed a database it did not create: %v", err)
	}
}
