package ingest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// File is one input file of an import.
type File struct {
	Path string // on disk
	Size int64
}

// resolver finds the current data files of a provider's export layout
// (manifests) under a directory, or returns nil when there is none.
type resolver func(fsys fs.FS, dir string) ([]string, error)

// Expand turns the command-line paths (files, directories, globs) into the
// files to read, in a stable order. A directory holding a provider's
// manifest-driven export yields the files of the current delivery only;
// any other directory yields every data file under it.
func Expand(paths []string, resolve resolver) ([]File, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no paths given", ErrNoFiles)
	}
	var out []File
	seen := map[string]bool{}
	add := func(p string, size int64) {
		if !seen[p] {
			seen[p] = true
			out = append(out, File{Path: p, Size: size})
		}
	}
	for _, arg := range paths {
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", arg, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: %w: no files match", arg, ErrNoFiles)
			}
			matches = m
		}
		for _, p := range matches {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() {
				add(p, fi.Size())
				continue
			}
			files, err := expandDir(p, resolve)
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: %w in directory", p, ErrNoFiles)
			}
			for _, f := range files {
				add(f.Path, f.Size)
			}
		}
	}
	return out, nil
}

// ErrNoFiles is returned when the paths name no bill file: an empty
// folder, a glob that matches nothing.
var ErrNoFiles = errors.New("no data files")

func expandDir(dir string, resolve resolver) ([]File, error) {
	fsys := os.DirFS(dir)
	var rel []string
	if resolve != nil {
		r, err := resolve(fsys, ".")
		if err != nil {
			return nil, fmt.Errorf("%s: reading export manifest: %w", dir, err)
		}
		rel = r
	}
	if rel == nil {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isDataFile(p) {
				rel = append(rel, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(rel)
	}
	out := make([]File, 0, len(rel))
	for _, r := range rel {
		p := filepath.Join(dir, filepath.FromSlash(r))
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("file named by the export manifest: %w", err)
		}
		out = append(out, File{Path: p, Size: fi.Size()})
	}
	return out, nil
}

// isDataFile tells bill files from manifests and other files in a
// delivery folder.
func isDataFile(p string) bool {
	base := strings.ToLower(path.Base(p))
	if strings.HasPrefix(base, ".") || strings.Contains(base, "manifest") {
		return false
	}
	base = strings.TrimSuffix(base, ".gz")
	for _, ext := range []string{".csv", ".parquet", ".jsonl", ".ndjson", ".json", ".zip"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}
