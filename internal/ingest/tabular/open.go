package tabular

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format names a file format.
type Format string

// The formats a bill can come in.
const (
	FormatAuto    Format = "auto"
	FormatCSV     Format = "csv"
	FormatParquet Format = "parquet"
	FormatJSONL   Format = "jsonl"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case "", FormatAuto:
		return FormatAuto, nil
	case FormatCSV, FormatParquet, FormatJSONL:
		return f, nil
	case "json", "ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("unknown format %q (want auto, csv, parquet or jsonl)", s)
}

// FormatOf guesses a file's format from its name, ignoring a .gz suffix;
// CSV when nothing else fits.
func FormatOf(name string) Format {
	n := strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".gz"))
	switch {
	case strings.HasSuffix(n, ".parquet"):
		return FormatParquet
	case strings.HasSuffix(n, ".jsonl"), strings.HasSuffix(n, ".ndjson"), strings.HasSuffix(n, ".json"):
		return FormatJSONL
	}
	return FormatCSV
}

// countingReader counts bytes for progress reporting.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// ErrCorruptGzip marks gzip data that cannot be read; every *GzipError
// is one.
var ErrCorruptGzip = errors.New("corrupt gzip data")

// GzipError is damaged compression in File: a .gz file that is not gzip,
// a bad header, a stream cut short, corrupt deflate data or a checksum
// that does not match.
type GzipError struct {
	File string
	Err  error
}

func (e *GzipError) Error() string {
	return e.File + ": " + ErrCorruptGzip.Error() + ": " + strings.TrimPrefix(e.Err.Error(), "gzip: ")
}

// Is makes every GzipError ErrCorruptGzip for errors.Is.
func (e *GzipError) Is(target error) bool { return target == ErrCorruptGzip }

func (e *GzipError) Unwrap() error { return e.Err }

// Body is a file's content, decompressed when the file is gzip.
type Body struct {
	r      io.Reader
	close  func() error
	name   string
	gzip   bool
	src    *sourceReader
	err    error // the first *GzipError met
	closed bool
}

// sourceReader remembers the first error of the file itself, so that a
// failing disk or network read is not reported as corrupt compression.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// Decompress returns a reader of rc's content: gzip is decompressed when
// name ends in .gz or the data starts with the gzip magic number. A .gz
// file that is not gzip, and any damage found while reading, is a
// *GzipError naming the file. n, when not nil, counts the compressed
// bytes read, for progress.
func Decompress(name string, rc io.ReadCloser, n *int64) (*Body, error) {
	var r io.Reader = rc
	if n != nil {
		r = countingReader{r: rc, n: n}
	}
	src := &sourceReader{r: r}
	br := bufio.NewReaderSize(src, 1<<16)
	magic, _ := br.Peek(2)
	if src.err != nil {
		rc.Close()
		return nil, src.err
	}
	isGzip := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if !isGzip && strings.HasSuffix(strings.ToLower(name), ".gz") {
		rc.Close()
		reason := "the file does not start with the gzip magic number"
		if len(magic) == 0 {
			reason = "the file is empty"
		}
		return nil, &GzipError{File: name, Err: errors.New(reason)}
	}
	if !isGzip {
		return &Body{r: br, close: rc.Close, name: name, src: src}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		rc.Close()
		if src.err != nil {
			return nil, src.err
		}
		return nil, &GzipError{File: name, Err: err}
	}
	return &Body{r: zr, close: func() error { zr.Close(); return rc.Close() }, name: name, gzip: true, src: src}, nil
}

// Read reads decompressed data; damage in a gzip stream is a *GzipError.
func (b *Body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == nil || err == io.EOF || !b.gzip || b.src.err != nil {
		return n, err
	}
	if b.err == nil {
		b.err = &GzipError{File: b.name, Err: err}
	}
	return n, b.err
}

// Verify reads what is left of a gzip body and returns the damage it
// finds: nil for intact data and for a plain file; after Close, only the
// damage already met. Damaged deflate data often decompresses into
// garbage rows long before gzip checks its checksum at the very end, so
// a reader whose rows fail verifies the body before it blames the rows;
// that reads to the end of the file, but only for a table that failed.
func (b *Body) Verify() error {
	if b.gzip && b.err == nil && !b.closed {
		io.Copy(io.Discard, b) // records a damage in b.err
	}
	return b.err
}

// Close closes the file.
func (b *Body) Close() error {
	b.closed = true
	return b.close()
}
