package ingest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/testfiles"
)

// TestRename: with Options.Rename, snapshots and errors call a file by
// the name the caller gives (an upload's own name), never by the
// temporary path it was read from.
func TestRename(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "cur.csv")
	if err := os.WriteFile(good, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	rename := func(name string) string { return "upload:" + strings.TrimPrefix(name, dir+string(filepath.Separator)) }
	st := openMem(t)
	sum, err := Run(context.Background(), st, []string{good}, Options{Source: "up", Provider: "aws", Rename: rename})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum.Files, []string{"upload:cur.csv"}) {
		t.Errorf("summary files = %q", sum.Files)
	}
	for _, sn := range sum.Snapshots {
		if !slices.Equal(sn.Files, []string{"upload:cur.csv"}) {
			t.Errorf("snapshot %d files = %q", sn.ID, sn.Files)
		}
	}

	// A cost that is not a number on the third line of the file.
	lines := strings.SplitN(string(raw), "\n", 4)
	cells := strings.Split(lines[2], ",")
	col := slices.Index(strings.Split(lines[0], ","), "lineItem/UnblendedCost")
	cells[col] = "twelve"
	lines[2] = strings.Join(cells, ",")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), st, []string{bad}, Options{Source: "up", Provider: "aws", Rename: rename})
	if err == nil || !strings.Contains(err.Error(), `upload:bad.csv:3: column "lineItem/UnblendedCost"`) || strings.Contains(err.Error(), dir) {
		t.Fatalf("error = %v, want it to name upload:bad.csv, line 3 and the column, not %s", err, dir)
	}
}
