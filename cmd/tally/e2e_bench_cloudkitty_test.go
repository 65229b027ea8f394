package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCloudKittyGen: the benchmark's generator writes the CSV for
// CloudKitty and the rated line items for Tally with the same exact
// total; missing outputs and sizes are usage errors (exit 2).
func TestBenchCloudKittyGen(t *testing.T) {
	dir := t.TempDir()
	csv, db := filepath.Join(dir, "frames.csv"), filepath.Join(dir, "t.duckdb")
	r := tally(t, "bench", "cloudkitty", "gen", "--tenants", "2", "--hours", "3", "--csv", csv, "--db", db)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"wrote 12 rows", "loaded 12 rated line items (6 snapshots)", "exact total: "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	b, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 12 {
		t.Fatalf("%d CSV lines, want 12", n)
	}
	for _, args := range [][]string{
		{"bench", "cloudkitty"},
		{"bench", "cloudkitty", "gen", "--tenants", "2", "--hours", "3"},
		{"bench", "cloudkitty", "gen", "--tenants", "0", "--csv", csv},
		{"bench", "cloudkitty", "run", "--tenants", "2", "--hours", "3"},
	} {
		if r := tally(t, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)\n%s", args, r.code, r.stderr)
		}
	}
}
