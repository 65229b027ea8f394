package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tally-cost/tally/internal/storage"
)

// dbFlag adds --db, the one setting that names a command's stores.
func dbFlag(fs *flag.FlagSet, def, what string) *string {
	return fs.String("db", def, what+": a file path, or a URL (duckdb:///abs/path.duckdb, duckdb://relative/path.duckdb)")
}

// dbLocation parses --db for the files that live beside the database
// (its secret key, its source cache) before anything is opened.
func dbLocation(db string) (storage.Location, error) {
	loc, err := storage.Parse(db)
	if err != nil {
		return loc, usageDB(err)
	}
	return loc, nil
}

// openDB opens the stores of --db. Every command opens its stores here,
// so that every command accepts the same --db.
func openDB(ctx context.Context, db string, opt storage.Options) (*storage.Stores, error) {
	st, err := storage.Open(ctx, db, opt)
	if err != nil {
		return nil, usageDB(err)
	}
	return st, nil
}

// usageDB makes a --db that names no store a usage mistake (exit status
// 2); other errors of opening pass as they are.
func usageDB(err error) error {
	if errors.Is(err, storage.ErrInvalid) {
		return fmt.Errorf("%w: --db: %w", errUsage, err)
	}
	return err
}
