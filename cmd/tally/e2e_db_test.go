package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDBURL: every command takes the same --db, a URL or a plain path
// naming the same file; a --db naming no store Tally can open is a usage
// error (exit 2) that says what is supported, for every command.
func TestDBURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.duckdb")
	url := "duckdb://" + path + "?memory_limit=128MB"
	s := ingestJSON(t, "--db", url, "--source", "aws", "--provider", "aws", testdata("aws", "cur-legacy-slash-columns.csv"))
	if s.Rows == 0 {
		t.Fatal("nothing ingested through a duckdb:// URL")
	}
	create := tally(t, "keys", "create", "--db", url, "--role", "viewer", "--name", "alice")
	if create.code != 0 {
		t.Fatalf("keys create through a URL: exit %d\n%s", create.code, create.stderr)
	}
	// The plain path opens the same file: the key and the costs are there.
	list := tally(t, "keys", "list", "--db", path)
	if list.code != 0 || !strings.Contains(list.stdout, "alice") {
		t.Fatalf("keys list by plain path: exit %d\n%s\n%s", list.code, list.stdout, list.stderr)
	}
	again := ingestJSON(t, "--db", path, "--source", "aws", "--provider", "aws", testdata("aws", "cur-legacy-slash-columns.csv"))
	if again.Snapshots[0].ID <= s.Snapshots[len(s.Snapshots)-1].ID {
		t.Fatalf("the second import by plain path started its snapshots at %d, after %d: another file?", again.Snapshots[0].ID, s.Snapshots[len(s.Snapshots)-1].ID)
	}

	for _, c := range []struct{ db, want string }{
		{"postgres://u:pw@localhost/tally", `unknown scheme "postgres://"`},
		{"clickhouse://localhost:9000/tally", "ClickHouse cost store is not built yet"},
		{"duckdb://", "needs a file path"},
		{"", "the database is empty"},
	} {
		for _, args := range [][]string{
			{"ingest", "--source", "s", "--provider", "aws", testdata("aws", "cur-legacy-slash-columns.csv")},
			{"keys", "list"},
			{"serve", "--addr", "127.0.0.1:0"},
			{"demo", "--no-serve"},
			{"bench", "duckdb-csv", testdata("aws", "cur-legacy-slash-columns.csv")},
		} {
			args = append(args[:len(args):len(args)], "--db", c.db)
			res := tally(t, args...)
			if res.code != 2 || !strings.Contains(res.stderr, c.want) || strings.Contains(res.stderr, "pw@") {
				t.Errorf("tally %v: exit %d, stderr %q; want exit 2 saying %q", args, res.code, res.stderr, c.want)
			}
		}
	}
}
