package ingest

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// namedReader lets the pipeline tell mappers which file they read (Azure
// guesses actual or amortized from the name).
type namedReader struct {
	tabular.Reader
	name string
}

func (n namedReader) Name() string { return n.name }

// openTables opens f and calls fn with a row reader for each table in it:
// one for a plain or gzipped file, one per data member of a zip archive
// (tar archives are unpacked before, by Expand).
// read counts the input bytes consumed, for progress.
func openTables(f File, format tabular.Format, jsonlHeader []string, fn func(tabular.Reader, *int64) error) error {
	if strings.HasSuffix(strings.ToLower(f.Path), ".zip") {
		return openZip(f, format, jsonlHeader, fn)
	}
	file, err := os.Open(f.Path)
	if err != nil {
		return err
	}
	var read int64
	tr, err := newReader(f.name(), file, f.Size, format, jsonlHeader, &read)
	if err != nil {
		return err
	}
	defer tr.Close()
	return tr.blame(fn(namedReader{tr, f.name()}, &read))
}

func openZip(f File, format tabular.Format, jsonlHeader []string, fn func(tabular.Reader, *int64) error) error {
	zr, err := zip.OpenReader(f.Path)
	if err != nil {
		return fmt.Errorf("%s: %w", f.name(), err)
	}
	defer zr.Close()
	var read int64
	for _, member := range zr.File {
		if member.FileInfo().IsDir() || !isDataFile(member.Name) {
			continue
		}
		name := f.name() + "!" + member.Name
		if tabular.FormatOf(member.Name) == tabular.FormatParquet {
			return fmt.Errorf("%s: Parquet inside a zip archive is not supported; unzip it first", name)
		}
		rc, err := member.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		tr, err := newStreamReader(name, rc, format, jsonlHeader, &read)
		if err != nil {
			return err
		}
		err = tr.blame(fn(namedReader{tr, name}, &read))
		tr.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// table is a row reader with the body it reads (nil for Parquet), so that
// an error can be traced to damaged compression.
type table struct {
	tabular.Reader
	body *tabular.Body
}

// blame returns err, or the corrupt gzip data it is a symptom of: a row
// with the wrong number of fields or an unreadable cell is what damaged
// deflate data looks like until gzip's checksum fails at the end.
func (t table) blame(err error) error {
	if err == nil || t.body == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if gerr := t.body.Verify(); gerr != nil {
		return gerr
	}
	return err
}

// newReader opens a row reader for one file on disk.
func newReader(name string, file *os.File, size int64, format tabular.Format, jsonlHeader []string, read *int64) (table, error) {
	if format == tabular.FormatAuto {
		format = tabular.FormatOf(name)
	}
	if format == tabular.FormatParquet {
		pr, err := tabular.NewParquet(name, file, size)
		if err != nil {
			file.Close()
			return table{}, err
		}
		*read = size
		return table{Reader: closeBoth{pr, file}}, nil
	}
	return newStreamReader(name, file, format, jsonlHeader, read)
}

func newStreamReader(name string, rc io.ReadCloser, format tabular.Format, jsonlHeader []string, read *int64) (table, error) {
	if format == tabular.FormatAuto {
		format = tabular.FormatOf(strings.TrimSuffix(path.Base(name), ".gz"))
	}
	body, err := tabular.Decompress(name, rc, read)
	if errors.Is(err, tabular.ErrCorruptGzip) {
		return table{}, err
	}
	if err != nil {
		return table{}, &tabular.ParseError{File: name, Line: 1, Err: err}
	}
	var tr tabular.Reader
	switch format {
	case tabular.FormatJSONL:
		tr, err = tabular.NewJSONL(name, body, jsonlHeader)
	case tabular.FormatParquet:
		body.Close()
		return table{}, fmt.Errorf("%s: Parquet must be a plain file (not compressed or in an archive)", name)
	default:
		tr, err = tabular.NewCSV(name, body)
	}
	if err != nil {
		// The readers close the body when the header fails; a gzip error
		// met on the way is still known.
		return table{}, table{body: body}.blame(err)
	}
	return table{Reader: tr, body: body}, nil
}

type closeBoth struct {
	tabular.Reader
	f *os.File
}

func (c closeBoth) Close() error {
	err := c.Reader.Close()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}
