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
	// Name, when set, is what errors and summaries call the file: a
	// member of an archive is "archive.tar.gz!member.csv", read from
	// where it was unpacked.
	Name string
}

// name is what errors and summaries call f.
func (f File) name() string {
	if f.Name != "" {
		return f.Name
	}
	return f.Path
}

// resolver finds the current data files of a provider's export layout
// (manifests) under a directory, or returns nil when there is none.
type resolver func(fsys fs.FS, dir string) ([]string, error)

// Expand turns the command-line paths (files, directories, globs) into the
// files to read, in a stable order. A directory holding a provider's
// manifest-driven export yields the files of the current delivery only;
// any other directory yields every data file under it. A tar archive is
// unpacked into scratch and read as such a directory (see expandTar).
func Expand(paths []string, resolve resolver, scratch *Scratch) ([]File, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no paths given", ErrNoFiles)
	}
	var out []File
	seen := map[string]bool{}
	add := func(p string, size int64) error {
		if seen[p] {
			return nil
		}
		seen[p] = true
		if !isTar(p) {
			out = append(out, File{Path: p, Size: size})
			return nil
		}
		files, err := expandTar(p, resolve, scratch)
		out = append(out, files...)
		return err
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
				if err := add(p, fi.Size()); err != nil {
					return nil, err
				}
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
				if err := add(f.Path, f.Size); err != nil {
					return nil, err
				}
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
	for _, ext := range []string{".csv", ".parquet", ".jsonl", ".ndjson", ".json", ".zip", ".tar", ".tgz"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}
