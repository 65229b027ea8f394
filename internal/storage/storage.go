// Package storage opens Tally's stores from one setting, the --db of
// every command: the cost store (store.Store) and the state store
// (store.StateStore) paired with it. The scheme of the URL chooses the
// engine (url.go); a plain file path is a DuckDB file, as it always was.
// DuckDB is today's only engine and serves both contracts from one file;
// a ClickHouse cost store would be paired here with a state store.
package storage

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// Options tune Open.
type Options struct {
	// MemoryLimit caps DuckDB's buffer memory ("256MB"); the URL's
	// memory_limit, when given, wins, as the more specific setting.
	// Empty leaves DuckDB's default.
	MemoryLimit string
	Logger      *slog.Logger
}

// Stores are the stores of one --db.
type Stores struct {
	Cost  store.Store
	State store.StateStore
	// Location is the parsed --db.
	Location Location
	// closers close what was opened, each once: one DuckDB store is both
	// Cost and State.
	closers []func() error
}

// Close closes every store, returning the first error.
func (s *Stores) Close() error {
	var first error
	for _, c := range s.closers {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Open parses dsn (see Parse) and opens its stores. A dsn that names no
// store Tally can open is ErrInvalid, before anything is opened.
func Open(ctx context.Context, dsn string, opt Options) (*Stores, error) {
	loc, err := Parse(dsn)
	if err != nil {
		return nil, err
	}
	switch loc.Engine {
	case DuckDB:
		mem := opt.MemoryLimit
		if loc.MemoryLimit != "" {
			mem = loc.MemoryLimit
		}
		st, err := duckdb.Open(ctx, loc.Path, duckdb.Options{MemoryLimit: mem, Threads: loc.Threads, Logger: opt.Logger})
		if err != nil {
			return nil, err
		}
		return &Stores{Cost: st, State: st, Location: loc, closers: []func() error{st.Close}}, nil
	}
	// Parse returns only engines handled above.
	return nil, fmt.Errorf("%w: no store for engine %q", ErrInvalid, loc.Engine)
}
