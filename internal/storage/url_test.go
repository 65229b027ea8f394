package storage

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/errkind"
)

func TestParse(t *testing.T) {
	ok := func(dsn string, want Location) {
		t.Helper()
		got, err := Parse(dsn)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", dsn, got, err, want)
		}
	}
	// bad: the error is invalid, and says what it must (wantIn) and
	// nothing it must not (notIn, the credentials of a URL).
	bad := func(dsn, wantIn, notIn string) {
		t.Helper()
		_, err := Parse(dsn)
		if !errors.Is(err, ErrInvalid) || !errors.Is(err, errkind.Invalid) {
			t.Errorf("Parse(%q) = %v; want ErrInvalid", dsn, err)
			return
		}
		if !strings.Contains(err.Error(), wantIn) {
			t.Errorf("Parse(%q) = %q; want it to say %q", dsn, err, wantIn)
		}
		if notIn != "" && strings.Contains(err.Error(), notIn) {
			t.Errorf("Parse(%q) = %q; it must not show %q", dsn, err, notIn)
		}
	}
	// Plain paths, as before URLs: taken as they are.
	ok("tally.duckdb", Location{Engine: DuckDB, Path: "tally.duckdb"})
	ok("/var/lib/tally/tally.duckdb", Location{Engine: DuckDB, Path: "/var/lib/tally/tally.duckdb"})
	ok("./my data/a%20b?.duckdb", Location{Engine: DuckDB, Path: "./my data/a%20b?.duckdb"})
	ok(`C:\tally\tally.duckdb`, Location{Engine: DuckDB, Path: `C:\tally\tally.duckdb`})
	// duckdb:// URLs: three slashes absolute, two relative.
	ok("duckdb:///var/lib/tally.duckdb", Location{Engine: DuckDB, Path: "/var/lib/tally.duckdb"})
	ok("duckdb://data/tally.duckdb", Location{Engine: DuckDB, Path: "data/tally.duckdb"})
	ok("duckdb://tally.duckdb", Location{Engine: DuckDB, Path: "tally.duckdb"})
	ok("DuckDB:///a.duckdb", Location{Engine: DuckDB, Path: "/a.duckdb"})
	ok("duckdb:///my%20data/a.duckdb", Location{Engine: DuckDB, Path: "/my data/a.duckdb"})
	ok("duckdb:///a.duckdb?memory_limit=2GB", Location{Engine: DuckDB, Path: "/a.duckdb", MemoryLimit: "2GB"})
	ok("duckdb:///a.duckdb?threads=1&memory_limit=2GB", Location{Engine: DuckDB, Path: "/a.duckdb", MemoryLimit: "2GB", Threads: 1})
	ok("duckdb:///a.duckdb?", Location{Engine: DuckDB, Path: "/a.duckdb"})

	bad("", "empty", "")
	bad("duckdb://", "needs a file path", "")
	bad("duckdb://?memory_limit=1GB", "needs a file path", "")
	bad("duckdb:///a.duckdb?access_mode=READ_WRITE", `unknown duckdb:// parameter "access_mode"`, "")
	bad("duckdb:///a.duckdb?memory_limit=", "memory_limit needs one size", "")
	bad("duckdb:///a.duckdb?memory_limit=1GB&memory_limit=2GB", "memory_limit needs one size", "")
	for _, th := range []string{"", "0", "-1", "1.5", "two", "1025", "1&threads=2"} {
		bad("duckdb:///a.duckdb?threads="+th, "threads needs one whole number", "")
	}
	bad("duckdb:///a%zz.duckdb", "duckdb:// path", "")
	bad("clickhouse://user:s3cret@ch.example.com:9000/tally", "ClickHouse cost store is not built yet", "s3cret")
	bad("postgres://user:s3cret@db.example.com/tally", `unknown scheme "postgres://"`, "s3cret")
	bad("file:///tmp/a.duckdb", "supported: a DuckDB file path", "")
}
