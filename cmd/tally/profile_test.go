package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestIngestProfiles: --cpuprofile and --memprofile leave profiles that
// go tool pprof reads (gzip-compressed protobuf), after the import.
func TestIngestProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	path := editSample(t, func([][]string) {})
	s := ingestJSON(t, "--cpuprofile", cpu, "--memprofile", mem, "--db", filepath.Join(dir, "t.duckdb"),
		"--source", "s", "--provider", "aws", path)
	if s.Rows == 0 {
		t.Fatal("no rows imported")
	}
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			t.Errorf("%s: %d bytes, not a gzip-compressed profile", filepath.Base(p), len(b))
		}
	}
}
