package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// localSource reads a directory. All access goes through os.Root, so a
// key or a symlink cannot reach outside the directory.
type localSource struct {
	dir string
}

func newLocal(loc location) (*localSource, error) {
	return &localSource{dir: loc.path}, nil
}

func (l *localSource) String() string { return "file://" + l.dir }

func (l *localSource) openRoot() (*os.Root, error) {
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: directory %s: %w", ErrNotFound, l.dir, err)
		}
		return nil, fmt.Errorf("%w: directory %s: %w", ErrConnection, l.dir, err)
	}
	return root, nil
}

func (l *localSource) probe(ctx context.Context) error {
	root, err := l.openRoot()
	if err != nil {
		return err
	}
	return root.Close()
}

// isMirrorFile reports Tally's own bookkeeping files, so that a mirror
// directory can itself be a local source.
func isMirrorFile(key string) bool {
	return key == stateFile || strings.HasPrefix(key, tempPrefix)
}

func (l *localSource) List(ctx context.Context) ([]Object, error) {
	root, err := l.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fsys := root.FS()
	var objs []Object
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || isMirrorFile(p) {
			return nil
		}
		// Stat follows symlinks (inside the root only); links to
		// directories are skipped rather than walked, which avoids cycles.
		info, err := fs.Stat(fsys, p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrPermission) || isEscape(err) {
				return nil // dangling or escaping symlink, or a file removed meanwhile
			}
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		objs = append(objs, Object{Key: p, Size: info.Size(), Modified: info.ModTime()})
		return nil
	})
	if err != nil {
		if e := contextError(ctx, err); e != nil {
			return nil, e
		}
		return nil, fmt.Errorf("%w: list %s: %w", ErrConnection, l.dir, err)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return objs, nil
}

// isEscape reports os.Root's refusal of a path that leaves the root.
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

func (l *localSource) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	root, err := l.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(key)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, key, err)
		case isEscape(err):
			return nil, fmt.Errorf("%w: %s: %w", ErrUnsafeKey, key, err)
		}
		return nil, fmt.Errorf("%w: open %s: %w", ErrConnection, key, err)
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrNotFound, key)
	}
	return &ctxReader{ctx: ctx, rc: f}, nil
}

// ctxReader makes a file read stop when ctx is done, as network bodies do.
type ctxReader struct {
	ctx context.Context
	rc  io.ReadCloser
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.rc.Read(p)
}

func (r *ctxReader) Close() error { return r.rc.Close() }
