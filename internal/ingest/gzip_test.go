package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// TestCorruptGzip: a .gz file whose compression is damaged is reported
// as corrupt gzip data naming the file, not as whatever its garbage rows
// look like (a field count, a missing column, a bad number).
func TestCorruptGzip(t *testing.T) {
	raw, err := os.ReadFile(sharedTestdata("aws", "cur-legacy-slash-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	gz := buf.Bytes()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flip := func(from, to int) []byte {
		b := bytes.Clone(gz)
		for i := from; i < to; i++ {
			b[i] ^= 0x55
		}
		return b
	}
	badHeader := bytes.Clone(gz)
	badHeader[2] = 9 // compression method: only 8 (deflate) exists

	f := func(name string, data []byte, skip bool, want string) {
		t.Helper()
		p := write(name, data)
		_, err := ingestOpts(t, p, Options{Source: "s", Provider: "aws", SkipBadRows: skip})
		if !errors.Is(err, tabular.ErrCorruptGzip) || !strings.HasPrefix(err.Error(), p+": corrupt gzip data: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %s: corrupt gzip data: ...%s", name, err, p, want)
		}
	}
	f("truncated.csv.gz", gz[:len(gz)/2], false, "unexpected EOF")
	f("garbage.csv.gz", []byte("this is not gzip,at all\n1,2\n"), false, "does not start with the gzip magic number")
	f("empty.csv.gz", nil, false, "the file is empty")
	f("header.csv.gz", badHeader, false, "invalid header")
	// Damage in the middle decompresses into rows of the wrong width (or
	// rows that do not map) before the checksum fails at the end.
	f("middle.csv.gz", flip(len(gz)/2, len(gz)/2+40), false, "")
	f("middle-skip.csv.gz", flip(len(gz)/2, len(gz)/2+40), true, "")
	f("checksum.csv.gz", flip(len(gz)-8, len(gz)-7), false, "invalid checksum")

	// A gzipped member of a zip archive names the member.
	var zbuf bytes.Buffer
	zipw := zip.NewWriter(&zbuf)
	w, _ := zipw.Create("bill.csv.gz")
	w.Write(gz[:len(gz)-30])
	zipw.Close()
	p := write("export.zip", zbuf.Bytes())
	if _, err := ingestOpts(t, p, Options{Source: "s", Provider: "aws"}); !strings.HasPrefix(fmt.Sprint(err), p+"!bill.csv.gz: corrupt gzip data: ") {
		t.Fatalf("zip member: %v", err)
	}

	// Intact compression keeps the row's own error, and intact files
	// ingest, named .gz or not.
	bad := bytes.Replace(raw, []byte("\n"), []byte(",extra\n"), 3)
	var bbuf bytes.Buffer
	zw = gzip.NewWriter(&bbuf)
	zw.Write(bad)
	zw.Close()
	_, err = ingestOpts(t, write("rows.csv.gz", bbuf.Bytes()), Options{Source: "s", Provider: "aws"})
	if err == nil || errors.Is(err, tabular.ErrCorruptGzip) || !strings.Contains(err.Error(), "fields") {
		t.Fatalf("a bad row in intact gzip: %v, want the field count", err)
	}
	for _, name := range []string{"good.csv.gz", "sniffed.csv"} {
		if _, err := ingestOpts(t, write(name, gz), Options{Source: "s", Provider: "aws"}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// ingestOpts ingests path into a new in-memory store with opt.
func ingestOpts(t *testing.T, path string, opt Options) (*Summary, error) {
	t.Helper()
	return Run(context.Background(), openMem(t), []string{path}, opt)
}
