// Package tabular is the row source every bill reader consumes: a header
// and rows of cell text, read from CSV, Parquet or JSON lines, with the
// file name and line number of each row so that errors can point at it.
// Provider packages turn rows into cost.LineItem through a Mapper.
package tabular

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// ErrUnknownLayout is returned by a provider's NewMapper when a header is
// not one of the layouts it reads.
var ErrUnknownLayout = errors.New("unknown header layout")

// Row is one data row. Values are aligned with the reader's header; a
// reader reuses the Row between calls to Next.
type Row struct {
	File   string
	Line   int64 // 1-based line (CSV, JSON lines) or row number (Parquet)
	Values []string
}

// Get returns cell i, or "" when i is negative or past the row's end, so
// that mappers can look up optional columns found with Index.Find.
func (r *Row) Get(i int) string {
	if i < 0 || i >= len(r.Values) {
		return ""
	}
	return r.Values[i]
}

// Reader streams rows of one file.
type Reader interface {
	Header() []string
	// Next returns the next row, or io.EOF after the last one. The row is
	// valid until the next call.
	Next() (*Row, error)
	Close() error
}

// Mapper turns one row into a line item. It is built by a provider's
// NewMapper for one header and called for every row of the file.
type Mapper interface {
	Map(r *Row, li *cost.LineItem) error
}

// ParseError points at the cell (or row, when Column is empty) that could
// not be read.
type ParseError struct {
	File   string
	Line   int64
	Column string
	Value  string
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d", e.File, e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// CellError wraps err as a ParseError for the given column of r.
func CellError(r *Row, column string, err error) error {
	return &ParseError{File: r.File, Line: r.Line, Column: column, Err: err}
}

// Index finds columns by name the way bills need it: case-insensitively,
// ignoring a UTF-8 BOM and surrounding spaces, and reading localized Azure
// headers such as "Name der Abteilung (DepartmentName)" by the English name
// in their last parentheses.
type Index struct {
	header []string
	pos    map[string]int
}

// NewIndex indexes header. When two columns canonicalise to the same name
// the first wins.
func NewIndex(header []string) *Index {
	ix := &Index{header: header, pos: make(map[string]int, len(header))}
	for i, h := range header {
		k := CanonicalName(h)
		if _, dup := ix.pos[k]; !dup {
			ix.pos[k] = i
		}
	}
	return ix
}

// CanonicalName is the lookup key of a header cell.
func CanonicalName(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	h = strings.TrimSpace(h)
	if strings.HasSuffix(h, ")") {
		if open := strings.LastIndex(h, "("); open > 0 {
			h = strings.TrimSpace(h[open+1 : len(h)-1])
		}
	}
	return strings.ToLower(h)
}

// Find returns the position of the first of names present, or -1.
func (ix *Index) Find(names ...string) int {
	for _, n := range names {
		if i, ok := ix.pos[strings.ToLower(n)]; ok {
			return i
		}
	}
	return -1
}

// Name returns the header cell at i as the file spells it (BOM removed).
func (ix *Index) Name(i int) string {
	if i < 0 || i >= len(ix.header) {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(ix.header[i], "\ufeff"))
}

// Header returns the indexed header.
func (ix *Index) Header() []string { return ix.header }
