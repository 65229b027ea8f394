// Package source reads bill files from where cloud providers export them:
// a local directory, Amazon S3 (or an S3-compatible server), Azure Blob
// Storage or Google Cloud Storage. Mirror keeps a local copy in step with
// a source so that ingestion always works on local files.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Error classes. Every error returned by Open, Check, List and Open of a
// Source wraps at most one of them, so that callers (the API, the CLI) can
// tell a typo from an outage with errors.Is.
var (
	// ErrInvalidConfig: the Config cannot work as written (bad URL,
	// conflicting or malformed fields).
	ErrInvalidConfig = errors.New("invalid source configuration")
	// ErrConnection: the service could not be reached, or refused the
	// credentials.
	ErrConnection = errors.New("cannot connect to source")
	// ErrNotFound: the bucket, container, directory or object does not
	// exist.
	ErrNotFound = errors.New("source location not found")
	// ErrUnsafeKey: an object key that cannot be mapped to a file inside
	// a directory (absolute, "..", empty segments).
	ErrUnsafeKey = errors.New("unsafe object key")
)

// Object is one file of a source.
type Object struct {
	// Key is the path below the source's prefix, '/'-separated.
	Key  string
	Size int64
	// Modified is the service's last-modified time.
	Modified time.Time
	// ETag is the service's entity tag without quotes ("" for local files).
	ETag string
}

// Source is a place bill files come from.
type Source interface {
	// List returns every object under the prefix, recursively, keys
	// relative to the prefix, sorted by key. Directory markers (keys
	// ending in "/") are left out.
	List(ctx context.Context) ([]Object, error)
	// Open streams one object; key is as List returns it.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// String describes the location without secrets.
	String() string
}

// prober is implemented by sources that can check access more cheaply
// than a full List (one page of one key).
type prober interface {
	probe(ctx context.Context) error
}

// Open returns the Source that c describes. It validates c and builds the
// SDK client, but does no network I/O: use Check for that.
func Open(ctx context.Context, c Config) (Source, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	loc, err := parseURL(c.URL)
	if err != nil {
		return nil, err
	}
	switch loc.kind {
	case KindLocal:
		return newLocal(loc)
	case KindS3:
		return newS3(ctx, c, loc)
	case KindAzure:
		return newAzure(c, loc)
	case KindGCS:
		return newGCS(ctx, c, loc)
	}
	return nil, fmt.Errorf("%w: unknown source kind %q", ErrInvalidConfig, loc.kind)
}

// CheckTimeout bounds Check.
const CheckTimeout = 15 * time.Second

// Check opens c and lists (at most one page of) the source, within
// CheckTimeout. A nil error means the location exists and the credentials
// can read it; otherwise the error wraps ErrInvalidConfig, ErrConnection
// or ErrNotFound.
func Check(ctx context.Context, c Config) error {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	src, err := Open(ctx, c)
	if err != nil {
		return err
	}
	if closer, ok := src.(io.Closer); ok {
		defer closer.Close()
	}
	if p, ok := src.(prober); ok {
		err = p.probe(ctx)
	} else {
		_, err = src.List(ctx)
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", src, err)
	}
	return nil
}

// Close releases a Source's resources (the GCS client holds connections).
func Close(src Source) error {
	if c, ok := src.(io.Closer); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("close %s: %w", src, err)
		}
	}
	return nil
}

// checkKey refuses keys that do not name a file below a directory:
// absolute, empty, with empty, "." or ".." segments, backslashes or NUL.
// Object stores allow all of these; a mirror must not follow them.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrUnsafeKey)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("%w: %q is absolute", ErrUnsafeKey, key)
	case strings.ContainsAny(key, "\\\x00"):
		return fmt.Errorf("%w: %q contains a backslash or NUL", ErrUnsafeKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q has an empty, . or .. segment", ErrUnsafeKey, key)
		}
	}
	if path.Clean(key) != key {
		return fmt.Errorf("%w: %q is not a clean path", ErrUnsafeKey, key)
	}
	return nil
}

// contextError classifies an error caused by ctx, and returns nil for
// others: a deadline in a remote call means the service did not answer in
// time, a connection problem; an explicit cancel stays a plain cancel.
func contextError(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: timed out: %w", ErrConnection, err)
	}
	return nil
}
