package tabular

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// MaxJSONLine is the longest JSON line NewJSONL reads. BigQuery rows with
// many labels and credits stay far below it; a longer line is more likely
// a file that is not JSON lines at all (a pretty-printed array), and
// reading it whole would hold it all in memory.
const MaxJSONLine = 64 << 20

// maxDerivedDepth bounds how deep a header taken from the first object
// flattens: deeper objects become one column holding their JSON text. It
// also bounds the rescanning work per line (each flattened level decodes
// its sub-object again).
const maxDerivedDepth = 16

// maxUnknown bounds the set of unknown keys remembered for Unknown, so that
// a file with a new key on every line cannot grow memory without end.
const maxUnknown = 1000

// JSONLReader reads JSON lines: one JSON object per line, as BigQuery
// exports tables, with nested objects. Each object is flattened into the
// reader's header:
//
//   - nested objects become dotted columns ("service.description",
//     "location.region") when the header has columns below them;
//   - a key that is itself a column gets its value as text: strings
//     unquoted, numbers with their exact text (never through float64),
//     true/false, null as "", arrays and objects as compact JSON
//     ("project.labels" → `[{"key":"env","value":"prod"}]`);
//   - keys missing from a line are "".
//
// With a header given by the caller (gcp.Columns for BigQuery exports),
// keys the header does not name are not read; Unknown lists them so that
// the caller can warn. With a nil header the header is the flattened keys
// of the first object, in the order they appear there, and a later line
// with a non-null key outside it is an error naming the line and key: a
// reader that guessed its header never drops a value silently.
//
// Keys match header columns case-insensitively (BigQuery field names are
// case-insensitive). Blank lines are skipped; Row.Line is the 1-based line
// of the file.
type JSONLReader struct {
	name    string
	br      *bufio.Reader
	closer  io.Closer
	header  []string
	col     map[string]int  // lower-case column → position
	prefix  map[string]bool // lower-case proper prefixes of dotted columns
	derived bool            // header taken from the first object
	unknown map[string]struct{}
	row     Row
	line    int64 // lines read so far
	buf     []byte
	pending bool // row holds the first object, read by NewJSONL
	maxLine int
}

var _ Reader = (*JSONLReader)(nil)

// NewJSONL returns a reader of the JSON lines in rc. header, when not nil,
// is the set of flattened columns to read (see JSONLReader); when nil the
// first object is read now to take the header from it. name is used in
// errors. Closing the reader closes rc.
func NewJSONL(name string, rc io.ReadCloser, header []string) (*JSONLReader, error) {
	j := &JSONLReader{
		name:    name,
		br:      bufio.NewReaderSize(rc, 1<<16),
		closer:  rc,
		row:     Row{File: name},
		maxLine: MaxJSONLine,
		unknown: make(map[string]struct{}),
	}
	if header != nil {
		j.setHeader(append([]string(nil), header...))
		return j, nil
	}
	j.derived = true
	if err := j.deriveHeader(); err != nil {
		rc.Close()
		return nil, err
	}
	return j, nil
}

func (j *JSONLReader) setHeader(header []string) {
	j.header = header
	j.col = make(map[string]int, len(header))
	j.prefix = make(map[string]bool)
	for i, h := range header {
		k := strings.ToLower(h)
		if _, dup := j.col[k]; !dup {
			j.col[k] = i
		}
		for p := range len(k) {
			if k[p] == '.' {
				j.prefix[k[:p]] = true
			}
		}
	}
	j.row.Values = make([]string, len(header))
}

// deriveHeader reads the first object, takes the header from its keys and
// keeps the object as the first row.
func (j *JSONLReader) deriveHeader() error {
	line, err := j.nextLine()
	if errors.Is(err, io.EOF) {
		return &ParseError{File: j.name, Line: j.line + 1, Err: errors.New("empty file: no JSON object to take a header from")}
	}
	if err != nil {
		return err
	}
	var paths []string
	seen := make(map[string]bool)
	err = walkObject(line, "", func(path string, raw []byte) (bool, error) {
		if raw[0] == '{' && len(path) > 0 && strings.Count(path, ".") < maxDerivedDepth && !isEmptyObject(raw) {
			return true, nil
		}
		if k := strings.ToLower(path); !seen[k] {
			seen[k] = true
			paths = append(paths, path)
		}
		return false, nil
	})
	if err != nil {
		return j.syntaxError(err)
	}
	if len(paths) == 0 {
		return &ParseError{File: j.name, Line: j.line, Err: errors.New("the first object has no keys to take a header from")}
	}
	j.setHeader(paths)
	if err := j.fill(line); err != nil {
		return err
	}
	j.pending = true
	return nil
}

// Header returns the flattened column names.
func (j *JSONLReader) Header() []string { return j.header }

// Unknown returns, sorted, the keys seen so far that the caller's header
// does not name (at most the first 1000). It is always empty for a header
// taken from the first object, where such keys are errors.
func (j *JSONLReader) Unknown() []string {
	out := make([]string, 0, len(j.unknown))
	for k := range j.unknown {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Next returns the next row or io.EOF.
func (j *JSONLReader) Next() (*Row, error) {
	if j.pending {
		j.pending = false
		return &j.row, nil
	}
	line, err := j.nextLine()
	if err != nil {
		return nil, err
	}
	if err := j.fill(line); err != nil {
		return nil, err
	}
	return &j.row, nil
}

// Close closes the underlying file.
func (j *JSONLReader) Close() error { return j.closer.Close() }

// nextLine returns the next non-blank line, io.EOF, or a *ParseError.
func (j *JSONLReader) nextLine() ([]byte, error) {
	for {
		line, err := j.readLine()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return line, nil
		}
	}
}

// readLine returns the next line without its line ending. It holds at
// most maxLine bytes of a line: a longer line is skipped and reported.
func (j *JSONLReader) readLine() ([]byte, error) {
	j.buf = j.buf[:0]
	tooLong := false
	for {
		frag, err := j.br.ReadSlice('\n')
		if !tooLong {
			// +2 leaves room for the "\r\n" that is trimmed below.
			if len(j.buf)+len(frag) > j.maxLine+2 {
				tooLong = true
				j.buf = j.buf[:0]
			} else {
				j.buf = append(j.buf, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &ParseError{File: j.name, Line: j.line + 1, Err: fmt.Errorf("reading: %w", err)}
		}
		if errors.Is(err, io.EOF) && len(j.buf) == 0 && !tooLong {
			return nil, io.EOF
		}
		j.line++
		line := bytes.TrimSuffix(bytes.TrimSuffix(j.buf, []byte("\n")), []byte("\r"))
		if j.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if tooLong || len(line) > j.maxLine {
			return nil, &ParseError{File: j.name, Line: j.line, Err: fmt.Errorf("line is longer than %d bytes", j.maxLine)}
		}
		return line, nil
	}
}

// fill sets the row's values from one line.
func (j *JSONLReader) fill(line []byte) error {
	clear(j.row.Values)
	j.row.Line = j.line
	var keyErr error
	err := walkObject(line, "", func(path string, raw []byte) (bool, error) {
		return j.assign(path, raw, &keyErr)
	})
	if keyErr != nil {
		return &ParseError{File: j.name, Line: j.line, Err: keyErr}
	}
	if err != nil {
		return j.syntaxError(err)
	}
	return nil
}

// assign stores one value: in its column when it has one, and by
// descending into an object when the header has columns below it.
func (j *JSONLReader) assign(path string, raw []byte, keyErr *error) (bool, error) {
	k := strings.ToLower(path)
	i, isCol := j.col[k]
	if isCol {
		text, err := cellText(raw)
		if err != nil {
			return false, err
		}
		j.row.Values[i] = text
	}
	if raw[0] == '{' && j.prefix[k] {
		// Children outside the header are already kept in the JSON text of
		// this column; walk them with a callback that does not report them.
		if isCol {
			return false, walkObject(raw, path, func(p string, r []byte) (bool, error) {
				return j.assignCaptured(p, r)
			})
		}
		return true, nil
	}
	if isCol || raw[0] == 'n' { // null carries nothing to lose
		return false, nil
	}
	if j.derived {
		*keyErr = fmt.Errorf("key %q is not in the header taken from the first object; pass the full column set to read this file", path)
		return false, *keyErr
	}
	if len(j.unknown) < maxUnknown {
		j.unknown[path] = struct{}{}
	}
	return false, nil
}

// assignCaptured is assign below a column that already holds the whole
// object as JSON text: unknown keys there are not lost.
func (j *JSONLReader) assignCaptured(path string, raw []byte) (bool, error) {
	k := strings.ToLower(path)
	if i, ok := j.col[k]; ok {
		text, err := cellText(raw)
		if err != nil {
			return false, err
		}
		j.row.Values[i] = text
	}
	return raw[0] == '{' && j.prefix[k], nil
}

func (j *JSONLReader) syntaxError(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	return &ParseError{File: j.name, Line: j.line, Err: fmt.Errorf("invalid JSON object: %w", err)}
}

// walkObject calls fn for every key of the JSON object in data, in order,
// with its dotted path and raw value (never with leading space). When fn
// returns true for an object value, walkObject descends into it instead.
// It reports a line that is not exactly one JSON object.
func walkObject(data []byte, path string, fn func(path string, raw []byte) (bool, error)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	// Values are kept as raw text, so numbers never pass through float64;
	// UseNumber keeps that true for anything the decoder itself converts.
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("the line is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("object key is %v, not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		p := key
		if path != "" {
			p = path + "." + key
		}
		raw = bytes.TrimSpace(raw)
		descend, err := fn(p, raw)
		if err != nil {
			return err
		}
		if descend {
			if err := walkObject(raw, p, fn); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errors.New("text after the JSON object")
	}
	return nil
}

// cellText renders one JSON value as cell text.
func cellText(raw []byte) (string, error) {
	switch raw[0] {
	case 'n':
		return "", nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case '[', '{':
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	// Numbers keep their exact text; true and false are already text.
	return string(raw), nil
}

func isEmptyObject(raw []byte) bool {
	return len(bytes.TrimSpace(raw[1:len(raw)-1])) == 0
}
