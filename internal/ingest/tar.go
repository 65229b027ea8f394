package ingest

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// isTar tells a tar archive (plain or gzipped) by its name.
func isTar(p string) bool {
	n := strings.ToLower(p)
	return strings.HasSuffix(n, ".tar") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz")
}

// Scratch is a temporary directory an import unpacks archives into,
// made when first needed; Remove deletes it with its content.
type Scratch struct {
	dir string
	n   int
}

// next returns a new empty directory inside the scratch directory.
func (s *Scratch) next() (string, error) {
	if s.dir == "" {
		d, err := os.MkdirTemp("", "tally-archive-")
		if err != nil {
			return "", fmt.Errorf("unpacking an archive: %w", err)
		}
		s.dir = d
	}
	s.n++
	d := filepath.Join(s.dir, fmt.Sprint(s.n))
	return d, os.Mkdir(d, 0o700)
}

// Remove deletes what was unpacked.
func (s *Scratch) Remove() error {
	if s.dir == "" {
		return nil
	}
	return os.RemoveAll(s.dir)
}

// expandTar unpacks the tar archive p (CUR buckets are shipped as
// tarballs) into scratch and reads it as a directory: a provider's
// manifests pick the current delivery, as they do in a folder; without
// one, every data file in name order, each read as its own file, gzip
// and Parquet members included. Unpacking, rather than streaming the
// archive, is what gives name order and the random access Parquet
// needs. Files are named "archive!member" in errors and summaries.
func expandTar(p string, resolve resolver, scratch *Scratch) ([]File, error) {
	dir, err := unpack(p, scratch)
	if err != nil {
		return nil, err
	}
	return tarFiles(p, dir, resolve)
}

// unpack writes the archive p into a new scratch directory and returns it.
func unpack(p string, scratch *Scratch) (string, error) {
	if scratch == nil {
		return "", fmt.Errorf("%s: tar archives are read only by an import", p)
	}
	dir, err := scratch.next()
	if err != nil {
		return "", err
	}
	return dir, untar(p, dir)
}

// tarFiles lists the files to read of archive p unpacked into dir, as
// expandDir does for a folder, named after their member.
func tarFiles(p, dir string, resolve resolver) ([]File, error) {
	files, err := expandDir(dir, resolve)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w in the archive", p, ErrNoFiles)
	}
	return memberNames(p, dir, files)
}

// memberNames names files unpacked from archive p into dir
// "archive!member", for errors and summaries.
func memberNames(p, dir string, files []File) ([]File, error) {
	for i := range files {
		rel, err := filepath.Rel(dir, files[i].Path)
		if err != nil {
			return nil, err
		}
		files[i].Name = p + "!" + filepath.ToSlash(rel)
	}
	return files, nil
}

// untar writes the regular files of the archive p under dir. Members
// whose names would leave dir are refused; links and devices are left
// out (a bill is a regular file); a name that comes twice keeps its last
// member, as tar does when it extracts.
func untar(p, dir string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	body, err := tabular.Decompress(p, f, nil)
	if err != nil {
		return err
	}
	defer body.Close()
	tr := tar.NewReader(body)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return archiveError(p, body, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return fmt.Errorf("%s: member %q: a path outside the archive's folder", p, h.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("%s: member %q: %w", p, h.Name, err)
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return archiveError(p, body, fmt.Errorf("member %q: %w", h.Name, err))
		}
	}
}

// archiveError names the archive in err, or reports the damaged gzip
// data that err is a symptom of.
func archiveError(p string, body *tabular.Body, err error) error {
	if gerr := body.Verify(); gerr != nil {
		return gerr
	}
	var gz *tabular.GzipError
	if errors.As(err, &gz) {
		return err
	}
	return fmt.Errorf("%s: not a readable tar archive: %w", p, err)
}
