package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// ErrFieldCount marks a CSV row with the wrong number of fields. The
// reader stays in step with the file after it (csv.Reader has read the
// whole record), so such a row can be skipped like a row whose cells do
// not parse; broken quoting and damaged compression cannot.
var ErrFieldCount = errors.New("wrong number of fields")

// fieldCountError is an ErrFieldCount that says the counts.
type fieldCountError struct{ error }

func (fieldCountError) Is(target error) bool { return target == ErrFieldCount }

// CSVReader reads a CSV file with a header row. It accepts a UTF-8 BOM
// and quoted fields with embedded newlines and quotes. Every data row must
// have as many fields as the first one, and no more than the header: real
// CUR files have a header one column longer than every row, which reads
// as an empty last column, while a row cut short by a truncated download
// differs from its neighbours and is an error.
type CSVReader struct {
	name   string
	r      *csv.Reader
	closer io.Closer
	header []string
	width  int // fields of the first data row
	row    Row
}

// NewCSV reads the header of rc and returns a reader positioned at the
// first data row. name is used in errors. Closing the reader closes rc.
func NewCSV(name string, rc io.ReadCloser) (*CSVReader, error) {
	cr := csv.NewReader(bufio.NewReaderSize(rc, 1<<20))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		rc.Close()
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{File: name, Line: 1, Err: errors.New("empty file: no header row")}
		}
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("reading header: %w", err)}
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = trimBOM(header[0])
	}
	return &CSVReader{name: name, r: cr, closer: rc, header: header, row: Row{File: name}}, nil
}

func trimBOM(s string) string {
	if len(s) >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf {
		return s[3:]
	}
	return s
}

// Header returns the header row.
func (c *CSVReader) Header() []string { return c.header }

// Next returns the next row or io.EOF.
func (c *CSVReader) Next() (*Row, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		line, _ := c.r.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
			err = pe.Err
		} else if line == 0 {
			line = int(c.row.Line) + 1
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("the file ends in the middle of its data (truncated download or corrupt compression): %w", err)
		}
		return nil, &ParseError{File: c.name, Line: int64(line), Err: err}
	}
	line, _ := c.r.FieldPos(0)
	c.row.Line = int64(line)
	if len(rec) > len(c.header) {
		return nil, &ParseError{File: c.name, Line: int64(line),
			Err: fieldCountError{fmt.Errorf("row has %d fields; the header has %d", len(rec), len(c.header))}}
	}
	// The first row that fits under the header sets the width, so that
	// a skipped overlong first row does not condemn every other row.
	if c.width == 0 {
		c.width = len(rec)
	}
	if len(rec) != c.width {
		return nil, &ParseError{File: c.name, Line: int64(line),
			Err: fieldCountError{fmt.Errorf("row has %d fields; the header has %d and the first row %d", len(rec), len(c.header), c.width)}}
	}
	c.row.Values = rec
	return &c.row, nil
}

// Close closes the underlying file.
func (c *CSVReader) Close() error { return c.closer.Close() }
