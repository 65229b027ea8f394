package ingest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// member is one entry of a test archive.
type member struct {
	name string
	body []byte
	typ  byte // tar.TypeReg when zero
}

// writeTar writes members as a tar archive, gzipped when zip is true.
func writeTar(t *testing.T, path string, zip bool, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: m.typ}
		if m.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeSymlink {
			h.Size, h.Linkname = 0, string(m.body)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(m.body)
		}
	}
	tw.Close()
	data := buf.Bytes()
	if zip {
		data = gzipBytes(data)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// splitCSV cuts a CSV with one record per line into two files' worth,
// each with the header.
func splitCSV(t *testing.T, raw []byte) ([]byte, []byte) {
	t.Helper()
	lines := strings.SplitAfter(string(raw), "\n")
	header, rows := lines[0], lines[1:]
	half := len(rows) / 2
	return []byte(header + strings.Join(rows[:half], "")), []byte(header + strings.Join(rows[half:], ""))
}

// TestTarArchives: a tar archive, plain or gzipped, is read member by
// member in name order (not archive order), gzip members included, with
// the same rows and totals as the files it holds; links and other files
// are left out; members that would leave the archive's folder, damaged
// compression and archives without bills are errors naming the archive.
func TestTarArchives(t *testing.T) {
	plain := sharedTestdata("aws", "cur-legacy-slash-columns.csv")
	raw, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ingestOpts(t, plain, Options{Source: "s", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	first, second := splitCSV(t, raw)
	dir := t.TempDir()
	members := []member{
		{name: "z/second.csv", body: second},
		{name: "./a/first.csv.gz", body: gzipBytes(first)},
		{name: "a/README.txt", body: []byte("not a bill")},
		{name: "a/link.csv", body: []byte("/etc/passwd"), typ: tar.TypeSymlink},
	}
	for _, name := range []string{"bill.tar", "bill.tar.gz", "bill.tgz"} {
		p := writeTar(t, filepath.Join(dir, name), name != "bill.tar", members...)
		got, err := ingestOpts(t, p, Options{Source: "s", Provider: "aws"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantFiles := []string{p + "!a/first.csv.gz", p + "!z/second.csv"}
		if strings.Join(got.Files, " ") != strings.Join(wantFiles, " ") {
			t.Errorf("%s: files %q, want %q", name, got.Files, wantFiles)
		}
		if got.Rows != want.Rows || summaryTotals(got) != summaryTotals(want) {
			t.Errorf("%s: %d rows, totals %s; the plain file: %d rows, %s", name, got.Rows, summaryTotals(got), want.Rows, summaryTotals(want))
		}
	}

	// A Parquet member reads as the same file on disk does.
	conv := openMem(t)
	firstCSV, pq := filepath.Join(dir, "first.csv"), filepath.Join(dir, "first.parquet")
	os.WriteFile(firstCSV, first, 0o644)
	if _, err := conv.DB().Exec(`COPY (SELECT * FROM read_csv(?, header=true, null_padding=true)) TO '`+pq+`' (FORMAT parquet)`, firstCSV); err != nil {
		t.Fatal(err)
	}
	secondCSV := filepath.Join(dir, "second.csv")
	os.WriteFile(secondCSV, second, 0o644)
	wantPQ, err := Run(context.Background(), openMem(t), []string{pq, secondCSV}, Options{Source: "s", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	pqBytes, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	withPQ := writeTar(t, filepath.Join(dir, "parquet.tar.gz"), true, member{name: "z/second.csv", body: second}, member{name: "a/first.parquet", body: pqBytes})
	gotPQ, err := ingestOpts(t, withPQ, Options{Source: "s", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	if gotPQ.Rows != wantPQ.Rows || summaryTotals(gotPQ) != summaryTotals(wantPQ) || gotPQ.Files[0] != withPQ+"!a/first.parquet" {
		t.Errorf("Parquet member: %d rows %s %q; the files: %d rows %s", gotPQ.Rows, summaryTotals(gotPQ), gotPQ.Files, wantPQ.Rows, summaryTotals(wantPQ))
	}

	bad := func(name string, data []byte, wantErr string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ingestOpts(t, p, Options{Source: "s", Provider: "aws", SkipBadRows: true})
		if err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: error %v, want %s: ...%s", name, err, p, wantErr)
		}
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	escape := read(writeTar(t, filepath.Join(dir, "escape"), false, member{name: "../evil.csv", body: first}))
	bad("escape.tar", escape, `member "../evil.csv": a path outside the archive's folder`)
	absolute := read(writeTar(t, filepath.Join(dir, "absolute"), false, member{name: "/tmp/evil.csv", body: first}))
	bad("absolute.tar", absolute, `a path outside the archive's folder`)
	empty := read(writeTar(t, filepath.Join(dir, "empty"), true, member{name: "notes.txt", body: []byte("x")}))
	bad("empty.tar.gz", empty, "no data files in the archive")
	whole := read(writeTar(t, filepath.Join(dir, "whole"), true, members...))
	bad("truncated.tar.gz", whole[:len(whole)/2], "corrupt gzip data: unexpected EOF")
	bad("notgzip.tar.gz", []byte("plain text"), "corrupt gzip data")
	bad("garbage.tar", bytes.Repeat([]byte("x"), 1024), "not a readable tar archive")
	// The member's own name is what a bad row is blamed on.
	broken := strings.Replace(string(second), "\n", "\nnot,a,row\n", 1)
	row := read(writeTar(t, filepath.Join(dir, "row"), false, member{name: "m/bill.csv", body: []byte(broken)}))
	p := filepath.Join(dir, "row.tar")
	os.WriteFile(p, row, 0o644)
	if _, err := ingestOpts(t, p, Options{Source: "s", Provider: "aws"}); err == nil || !strings.HasPrefix(err.Error(), p+"!m/bill.csv:2: ") {
		t.Errorf("a bad row in a member: %v, want it blamed on %s!m/bill.csv:2", err, p)
	}
	var pe *tabular.ParseError
	if _, err := ingestOpts(t, p, Options{Source: "s", Provider: "aws"}); !errors.As(err, &pe) {
		t.Errorf("a bad row in a member: %T, want a *tabular.ParseError", err)
	}
}

// TestTarManifest: the CUR bucket sample, a tarball, reads like the
// folder it unpacks to: its manifest picks the current delivery.
func TestTarManifest(t *testing.T) {
	sum, err := ingestOpts(t, sharedTestdata("aws", "cur-bucket-with-manifest.tar.gz"), Options{Source: "s", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	dirSum, err := ingestOpts(t, extractBucket(t), Options{Source: "s", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 13380 || sum.Rows != dirSum.Rows || summaryTotals(sum) != summaryTotals(dirSum) || len(sum.Files) != 1 ||
		!strings.HasSuffix(sum.Files[0], ".tar.gz!koku-local/20180801-20180901/16e57707-f9e3-49be-8be6-b84e684b5194/koku-local-1.csv.gz") {
		t.Fatalf("tarball: %d rows %s %q; folder: %d rows %s", sum.Rows, summaryTotals(sum), sum.Files, dirSum.Rows, summaryTotals(dirSum))
	}
}

// summaryTotals renders a summary's snapshot totals for comparison.
func summaryTotals(s *Summary) string {
	var b strings.Builder
	for _, sn := range s.Snapshots {
		b.WriteString(sn.BillingPeriodStart.Format("2006-01"))
		for _, tot := range sn.Totals {
			b.WriteString(" " + tot.Currency)
			for _, v := range tot.Values {
				b.WriteString(" " + v.String())
			}
		}
		b.WriteString(";")
	}
	return b.String()
}

// TestTarAzureRunHistory: a tar archive of an Azure export folder holding
// several runs imports every run, oldest first, as the folder does, with
// files named after their members; importing it again imports nothing.
func TestTarAzureRunHistory(t *testing.T) {
	e := newExportDir(t)
	e.deliver("run-1", 10, 9, "sub-a", "sub-b")
	e.deliver("run-2", 11, 10, "sub-a")
	var members []member
	err := filepath.WalkDir(e.root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(p)
		rel, _ := filepath.Rel(e.root, p)
		members = append(members, member{name: filepath.ToSlash(rel), body: body})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	archive := writeTar(t, filepath.Join(t.TempDir(), "export.tar.gz"), true, members...)
	st := openMem(t)
	opt := Options{Source: "azure-mpa", Provider: "azure"}
	sum, err := Run(context.Background(), st, []string{archive}, opt)
	if err != nil {
		t.Fatal(err)
	}
	wantRuns(t, st, "run-1:superseded:9:18", "run-2:complete:10:10")
	if len(sum.Files) != 2 || !strings.HasPrefix(sum.Files[0], archive+"!export/") {
		t.Errorf("files %q, want the two runs' members of %s", sum.Files, archive)
	}
	if sum, err := Run(context.Background(), st, []string{archive}, opt); err != nil || len(sum.Snapshots) != 0 || sum.KnownRuns != 2 {
		t.Fatalf("second import: %v, want no snapshot and 2 known runs", err)
	}
}
