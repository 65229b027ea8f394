package tabular

import (
	"bufio"
	"compress/gzip"
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

// Decompress returns rc itself, or a reader of its content when it starts
// with the gzip magic number. n, when not nil, counts the compressed bytes
// read, for progress. A truncated gzip stream surfaces as
// io.ErrUnexpectedEOF from Read.
func Decompress(rc io.ReadCloser, n *int64) (io.ReadCloser, error) {
	var r io.Reader = rc
	if n != nil {
		r = countingReader{r: rc, n: n}
	}
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return readCloser{Reader: zr, close: func() error { zr.Close(); return rc.Close() }}, nil
	}
	return readCloser{Reader: br, close: rc.Close}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }
