package storage

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/errkind"
)

// ErrInvalid is returned for a --db that names no store Tally can open.
var ErrInvalid = errkind.Invalid.New("invalid database")

// Engines.
const (
	DuckDB = "duckdb"
	// ClickHouse is reserved: its cost store is not built yet.
	ClickHouse = "clickhouse"
)

// supported is what an error about a --db offers instead.
const supported = "a DuckDB file path, or duckdb:///absolute/path.duckdb or duckdb://relative/path.duckdb"

// Location is a parsed --db.
type Location struct {
	Engine string // DuckDB
	// Path is the DuckDB file. The secret key (Path+".key") and the
	// cache of cloud sources (Path+".sources") live beside it.
	Path string
	// MemoryLimit is the URL's memory_limit ("2GB"); empty when not
	// given.
	MemoryLimit string
	// Threads is the URL's threads: DuckDB's worker threads, 0 (not
	// given) its default of one per core. One thread per query serves
	// more small questions at once (BENCHMARKS.md, "DuckDB threads");
	// large questions and imports then use one core each.
	Threads int
}

// schemeRE finds the scheme of a URL. A --db holding "://" is a URL;
// anything else is a file path, taken as it is, so that every path that
// worked before URLs keeps working.
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// duckdbParams are the query parameters a duckdb:// URL accepts.
var duckdbParams = []string{"memory_limit", "threads"}

// Parse reads a --db: a plain file path, or a URL whose scheme names the
// engine. For duckdb:// the file path is everything between "duckdb://"
// and "?", percent-decoded: duckdb:///var/lib/tally.duckdb (three
// slashes) is absolute, duckdb://data/tally.duckdb is relative to the
// working directory. Errors are ErrInvalid and name no credentials a URL
// may carry.
func Parse(dsn string) (Location, error) {
	if dsn == "" {
		return Location{}, fmt.Errorf("%w: the database is empty; give %s", ErrInvalid, supported)
	}
	m := schemeRE.FindStringSubmatch(dsn)
	if m == nil {
		return Location{Engine: DuckDB, Path: dsn}, nil
	}
	scheme, rest := strings.ToLower(m[1]), dsn[len(m[0]):]
	switch scheme {
	case DuckDB:
		return parseDuckDB(rest)
	case ClickHouse:
		return Location{}, fmt.Errorf("%w: the ClickHouse cost store is not built yet; use %s", ErrInvalid, supported)
	default:
		return Location{}, fmt.Errorf("%w: unknown scheme %q; supported: %s", ErrInvalid, scheme+"://", supported)
	}
}

// parseDuckDB reads what follows "duckdb://".
func parseDuckDB(rest string) (Location, error) {
	raw, query, _ := strings.Cut(rest, "?")
	path, err := url.PathUnescape(raw)
	if err != nil {
		return Location{}, fmt.Errorf("%w: duckdb:// path %q: %v", ErrInvalid, raw, err)
	}
	if path == "" {
		return Location{}, fmt.Errorf("%w: duckdb:// needs a file path: duckdb:///absolute/path.duckdb or duckdb://relative/path.duckdb", ErrInvalid)
	}
	loc := Location{Engine: DuckDB, Path: path}
	params, err := url.ParseQuery(query)
	if err != nil {
		return Location{}, fmt.Errorf("%w: duckdb:// parameters: %v", ErrInvalid, err)
	}
	for k, v := range params {
		switch k {
		case "memory_limit":
			if len(v) != 1 || v[0] == "" {
				return Location{}, fmt.Errorf("%w: duckdb:// parameter memory_limit needs one size, such as 2GB", ErrInvalid)
			}
			loc.MemoryLimit = v[0]
		case "threads":
			n, err := strconv.Atoi(strings.TrimSpace(strings.Join(v, ",")))
			if len(v) != 1 || err != nil || n < 1 || n > 1024 {
				return Location{}, fmt.Errorf("%w: duckdb:// parameter threads needs one whole number from 1 to 1024", ErrInvalid)
			}
			loc.Threads = n
		default:
			return Location{}, fmt.Errorf("%w: unknown duckdb:// parameter %q (supported: %s)", ErrInvalid, k, strings.Join(duckdbParams, ", "))
		}
	}
	return loc, nil
}
