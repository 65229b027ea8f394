package duckdb

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/tally-cost/tally/internal/secret"
)

// privateFiles makes the database at path and its sidecars private to
// the user before DuckDB opens them: they hold every bill and, sealed,
// the sources' credentials. A missing database is created private
// (unless readOnly); an existing one, its write-ahead log and DuckDB's
// temporary folder lose any group and other permissions, with a log
// line (a warning only when they are another user's). Spool files are
// created 0600 by os.CreateTemp.
func privateFiles(path string, readOnly bool, log *slog.Logger) error {
	if path == "" {
		return nil
	}
	if !readOnly {
		if err := createPrivate(path); err != nil {
			return err
		}
	}
	err := secret.RestrictFile(path, log)
	if err == nil {
		err = secret.RestrictFile(walPath(path), log)
	}
	if err == nil {
		err = secret.RestrictTree(tmpPath(path), log)
	}
	if errors.Is(err, fs.ErrPermission) {
		// Another user's file, opened through group permissions: use it,
		// but say that it stays readable.
		log.Warn("cannot make the database private", "err", err)
		return nil
	}
	return err
}

// The files DuckDB keeps beside a database at path: its write-ahead log
// and its temporary folder (what large queries and loads spill).
func walPath(path string) string { return path + ".wal" }
func tmpPath(path string) string { return path + ".tmp" }

// RemoveFiles removes the database at path with every file kept beside
// it: DuckDB's write-ahead log and temporary folder, and the spool files
// of imports (spool.go). Removing only the database would leave a log
// that the next database made at path replays. The store must be
// closed; files already gone are no error.
func RemoveFiles(path string) error {
	if path == "" {
		return nil
	}
	var errs []error
	for _, f := range []string{path, walPath(path)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(tmpPath(path)); err != nil {
		errs = append(errs, err)
	}
	dir, prefix := spoolPlace(path)
	spools, err := filepath.Glob(filepath.Join(dir, globEscape(prefix)+"*.csv"))
	errs = append(errs, err)
	for _, f := range spools {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// createPrivate creates an empty database at path, 0600, unless a file
// is there. DuckDB refuses an empty file and creates its own with the
// umask's mode, so the database is made in a private folder beside path,
// restricted, then linked into place: no other user can open it between
// its creation and the chmod.
func createPrivate(path string) error {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil // there, or DuckDB reports why it cannot be opened
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".tally-new-")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(path))
	c, err := duckdb.NewConnector(tmp, nil)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	// Link, unlike Rename, never replaces a database another process
	// created meanwhile; Rename serves file systems without hard links.
	err = os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		if _, serr := os.Lstat(path); errors.Is(serr, fs.ErrNotExist) {
			err = os.Rename(tmp, path)
		} else {
			err = nil
		}
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	return nil
}
