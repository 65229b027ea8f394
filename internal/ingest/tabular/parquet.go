package tabular

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetBatch is how many rows are decoded at a time. Together with the
// library reading one page per column at a time, it bounds memory however
// large the file or its row groups are.
const parquetBatch = 256

// ParquetReader streams the rows of a Parquet file as text cells, one row
// group and one bounded batch of rows at a time.
//
// Cells are rendered so that no digit is lost: DECIMAL as its exact decimal
// text, integers in base 10, FLOAT/DOUBLE as the shortest text that reads
// back as the stored value (strconv 'g', -1), TIMESTAMP and DATE (and the
// legacy INT96 timestamps of Spark and Athena) as RFC 3339 in UTC, TIME as
// 15:04:05.999999999, strings and untyped binary as they are, null as "".
// Top-level STRUCT columns are flattened into dotted names
// (service.description); MAP columns become a compact JSON object, LIST
// and other repeated columns a JSON array, so that CUR 2.0 product and
// resource_tags and GCP credits reach mappers as text they can parse.
//
// Line is the 1-based row number in the file. The caller owns the
// io.ReaderAt: Close releases the reader's own state and never closes it.
type ParquetReader struct {
	name   string
	file   *parquet.File
	header []string
	cols   []outColumn
	leaves int

	group int          // next row group to open
	rows  parquet.Rows // rows of the current row group, nil between groups
	// groupDone is set when rows returned its last batch.
	groupDone bool
	buf       []parquet.Row
	n, pos    int // rows in buf and the next one to hand out
	byLeaf    [][]parquet.Value
	text      []byte
	ends      []int
	row       Row
	err       error // sticky: once reading failed, every Next returns it
}

// outColumn is one column of the header: a leaf (possibly inside flattened
// structs) or a nested subtree rendered as JSON.
type outColumn struct {
	node *pnode
	leaf int // index of the first leaf column it reads
	json bool
	// For a leaf, the definition level at which its value is present; for
	// JSON, the definition and repetition levels of its parent.
	def, rep int
}

// NewParquet opens a Parquet file of the given size. name is used in
// errors. Only the footer is read here; rows are decoded by Next.
func NewParquet(name string, f io.ReaderAt, size int64) (r *ParquetReader, err error) {
	// The decoder trusts the footer's structure; a crafted or truncated
	// file must surface as an error naming the file, not as a panic.
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%s: not a readable Parquet file: %v", name, p)
		}
	}()
	if err := checkFooter(f, size); err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", name, err)
	}
	pf, err := parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", name, err)
	}
	if err := checkChunks(pf.Metadata(), size); err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", name, err)
	}
	r = &ParquetReader{name: name, file: pf, row: Row{File: name}}
	leaf := 0
	r.flatten(compileNode(pf.Root()), "", 0, 0, &leaf)
	r.leaves = leaf
	r.header = make([]string, len(r.cols))
	for i, c := range r.cols {
		r.header[i] = c.node.path
	}
	r.byLeaf = make([][]parquet.Value, r.leaves)
	r.ends = make([]int, len(r.cols))
	r.row.Values = make([]string, len(r.cols))
	return r, nil
}

// checkFooter validates the trailer before the library sizes buffers
// from it: a damaged length would otherwise make it allocate up to 4 GiB.
func checkFooter(f io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short", size)
	}
	var tail [8]byte
	if n, err := f.ReadAt(tail[:], size-8); n < len(tail) {
		return fmt.Errorf("reading footer: %w", err)
	}
	if string(tail[4:]) != "PAR1" {
		return fmt.Errorf("no PAR1 magic at the end (encrypted or truncated file)")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("footer length %d exceeds the file size %d", n, size)
	}
	return nil
}

// checkChunks rejects column chunks that claim bytes outside the file, for
// the same reason as checkFooter.
func checkChunks(md *format.FileMetaData, size int64) error {
	for i, rg := range md.RowGroups {
		if rg.NumRows < 0 {
			return fmt.Errorf("row group %d: negative row count", i)
		}
		for _, c := range rg.Columns {
			m := &c.MetaData
			bad := func(off int64) bool { return off < 0 || off >= size }
			if m.TotalCompressedSize < 0 || m.TotalCompressedSize > size || bad(m.DataPageOffset) ||
				(m.DictionaryPageOffset != 0 && bad(m.DictionaryPageOffset)) {
				return fmt.Errorf("row group %d: column chunk lies outside the file", i)
			}
		}
	}
	return nil
}

// flatten adds the header columns of g's fields: plain leaves and structs
// are walked into, anything repeated (LIST, MAP, repeated fields) becomes
// one JSON column.
func (r *ParquetReader) flatten(g *pnode, prefix string, def, rep int, leaf *int) {
	for _, f := range g.children {
		f.path = prefix + f.name
		d := def
		if f.optional {
			d++
		}
		switch {
		case f.nleaves == 0:
			// An empty group has no values to show.
		case f.kind == kindLeaf && !f.repeated:
			r.cols = append(r.cols, outColumn{node: f, leaf: *leaf, def: d})
			*leaf++
		case f.kind == kindGroup && !f.repeated:
			r.flatten(f, f.path+".", d, rep, leaf)
		default:
			r.cols = append(r.cols, outColumn{node: f, leaf: *leaf, json: true, def: def, rep: rep})
			*leaf += f.nleaves
		}
	}
}

// Header returns the column names: top-level names, dotted paths for
// struct members.
func (r *ParquetReader) Header() []string { return r.header }

// Next returns the next row or io.EOF.
func (r *ParquetReader) Next() (row *Row, err error) {
	if r.err != nil {
		return nil, r.err
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = &ParseError{File: r.name, Line: r.row.Line + 1, Err: fmt.Errorf("corrupt Parquet data: %v", p)}
			row, err = nil, r.err
		}
	}()
	for r.pos >= r.n {
		if err := r.fill(); err != nil {
			if !errors.Is(err, io.EOF) {
				r.err = &ParseError{File: r.name, Line: r.row.Line + 1, Err: err}
				return nil, r.err
			}
			return nil, io.EOF
		}
	}
	pr := r.buf[r.pos]
	r.pos++
	r.row.Line++
	r.render(pr)
	return &r.row, nil
}

// fill reads the next batch of rows, moving to the next row group when the
// current one is exhausted. It returns io.EOF after the last row group.
func (r *ParquetReader) fill() error {
	groups := r.file.RowGroups()
	for {
		if r.rows != nil && r.groupDone {
			// Closed only now, after every row of the last batch was
			// rendered: closing releases the pages their values point into.
			err := r.rows.Close()
			r.rows = nil
			if err != nil {
				return fmt.Errorf("row group %d: %w", r.group-1, err)
			}
		}
		if r.rows == nil {
			if r.group >= len(groups) {
				return io.EOF
			}
			r.rows = groups[r.group].Rows()
			r.group++
			r.groupDone = false
		}
		if r.buf == nil {
			r.buf = make([]parquet.Row, parquetBatch)
		}
		n, err := r.rows.ReadRows(r.buf)
		r.n, r.pos = n, 0
		switch {
		case errors.Is(err, io.EOF) || (err == nil && n == 0):
			r.groupDone = true
		case err != nil:
			return fmt.Errorf("row group %d: %w", r.group-1, err)
		}
		if n > 0 {
			return nil
		}
	}
}

// render turns one Parquet row into the text cells of r.row.
func (r *ParquetReader) render(pr parquet.Row) {
	clear(r.byLeaf)
	pr.Range(func(i int, vals []parquet.Value) bool {
		if i < len(r.byLeaf) {
			r.byLeaf[i] = vals
		}
		return true
	})
	b := r.text[:0]
	for i, c := range r.cols {
		vals := r.byLeaf[c.leaf : c.leaf+c.node.nleaves]
		if c.json {
			// A null column is an empty cell like any null; nulls inside
			// the JSON are written as null.
			if len(vals[0]) > 0 && !(c.node.optional && vals[0][0].DefinitionLevel() <= c.def) {
				b = writeJSON(b, c.node, c.def, c.rep, vals)
			}
		} else if len(vals[0]) > 0 && vals[0][0].DefinitionLevel() >= c.def && !vals[0][0].IsNull() {
			b = c.node.text(b, vals[0][0])
		}
		r.ends[i] = len(b)
	}
	r.text = b
	// One string per row: the cells are substrings of it.
	s := string(b)
	start := 0
	for i, end := range r.ends {
		r.row.Values[i] = s[start:end]
		start = end
	}
}

// Close releases the current row group. It does not close the io.ReaderAt
// given to NewParquet: the caller opened it and closes it.
func (r *ParquetReader) Close() error {
	if r.rows != nil {
		err := r.rows.Close()
		r.rows = nil
		return err
	}
	return nil
}

type nodeKind int

const (
	kindLeaf nodeKind = iota
	kindGroup
	kindList
	kindMap
)

// pnode is the part of a Parquet schema node that rendering needs,
// computed once per file.
type pnode struct {
	name, path         string
	kind               nodeKind
	optional, repeated bool
	children           []*pnode
	nleaves            int
	// Leaves: how to render a value as text, and whether JSON must quote
	// that text.
	text   func([]byte, parquet.Value) []byte
	quoted bool
}

func compileNode(n parquet.Node) *pnode {
	p := &pnode{optional: n.Optional(), repeated: n.Repeated()}
	if n.Leaf() {
		p.kind, p.nleaves = kindLeaf, 1
		p.text, p.quoted = leafRenderer(n.Type())
		return p
	}
	for _, f := range n.Fields() {
		c := compileNode(f)
		c.name = f.Name()
		p.children = append(p.children, c)
		p.nleaves += c.nleaves
	}
	p.kind = kindGroup
	lt := n.Type().LogicalType()
	switch {
	case lt != nil && isLogical[*format.ListType](lt) && len(p.children) == 1 && p.children[0].repeated:
		p.kind = kindList
	case lt != nil && isLogical[*format.MapType](lt) && len(p.children) == 1 && p.children[0].repeated &&
		p.children[0].kind == kindGroup && len(p.children[0].children) == 2:
		p.kind = kindMap
	}
	return p
}

func isLogical[T format.LogicalTypeValue](lt *format.LogicalType) bool {
	_, ok := lt.Value.(T)
	return ok
}

// writeJSON appends n's value as JSON. def and rep are the levels of n's
// parent; cols holds the values of n's leaves for this one instance.
func writeJSON(b []byte, n *pnode, def, rep int, cols [][]parquet.Value) []byte {
	if len(cols) == 0 || len(cols[0]) == 0 {
		return append(b, "null"...)
	}
	if n.optional {
		if def++; cols[0][0].DefinitionLevel() < def {
			return append(b, "null"...)
		}
	}
	if n.repeated {
		return writeRepeated(b, '[', ']', def, rep, cols, func(b []byte, def, rep int, inst [][]parquet.Value) []byte {
			return writeBody(b, n, def, rep, inst)
		})
	}
	return writeBody(b, n, def, rep, cols)
}

// writeRepeated writes the instances of a repeated node between open and
// close, each with elem. def and rep are the levels of its parent.
func writeRepeated(b []byte, open, close byte, def, rep int, cols [][]parquet.Value,
	elem func(b []byte, def, rep int, inst [][]parquet.Value) []byte) []byte {
	def++
	rep++
	b = append(b, open)
	if cols[0][0].DefinitionLevel() >= def { // else: no instance at all
		// A value whose repetition level is at most rep starts an
		// instance; every leaf has at least one value per instance.
		rest := append([][]parquet.Value(nil), cols...)
		inst := make([][]parquet.Value, len(cols))
		for first := true; len(rest[0]) > 0; first = false {
			for j, c := range rest {
				k := min(1, len(c))
				for k < len(c) && c[k].RepetitionLevel() > rep {
					k++
				}
				inst[j], rest[j] = c[:k], c[k:]
			}
			if !first {
				b = append(b, ',')
			}
			b = elem(b, def, rep, inst)
		}
	}
	return append(b, close)
}

// writeBody writes a present value of n, ignoring its own repetition.
func writeBody(b []byte, n *pnode, def, rep int, cols [][]parquet.Value) []byte {
	switch n.kind {
	case kindLeaf:
		v := cols[0][0]
		if v.IsNull() {
			return append(b, "null"...)
		}
		start := len(b)
		if b = n.text(b, v); !n.quoted && jsonLiteral(b[start:]) {
			return b
		}
		// Strings, times, and NaN or infinite floats (not JSON numbers).
		return appendJSONString(b[:start], string(b[start:]))
	case kindList:
		// Three-level lists (LIST { repeated group list { element } })
		// show their elements, legacy two-level lists their repeated child.
		rl := n.children[0]
		return writeRepeated(b, '[', ']', def, rep, cols, func(b []byte, def, rep int, inst [][]parquet.Value) []byte {
			if rl.kind == kindGroup && len(rl.children) == 1 {
				return writeJSON(b, rl.children[0], def, rep, inst)
			}
			return writeBody(b, rl, def, rep, inst)
		})
	case kindMap:
		// An object in file order; keys are shown as text whatever their
		// type.
		key, val := n.children[0].children[0], n.children[0].children[1]
		return writeRepeated(b, '{', '}', def, rep, cols, func(b []byte, def, rep int, inst [][]parquet.Value) []byte {
			k := inst[0]
			if key.kind == kindLeaf && len(k) > 0 && !k[0].IsNull() {
				b = appendJSONString(b, string(key.text(nil, k[0])))
			} else {
				b = appendJSONString(b, string(writeJSON(nil, key, def, rep, inst[:key.nleaves])))
			}
			return writeJSON(append(b, ':'), val, def, rep, inst[key.nleaves:])
		})
	}
	b = append(b, '{')
	off := 0
	for i, c := range n.children {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, c.name), ':')
		b = writeJSON(b, c, def, rep, cols[off:off+c.nleaves])
		off += c.nleaves
	}
	return append(b, '}')
}

type renderFunc func([]byte, parquet.Value) []byte

// leafRenderer returns how a leaf of type t is rendered and whether JSON
// needs its text quoted.
func leafRenderer(t parquet.Type) (renderFunc, bool) {
	if lt := t.LogicalType(); lt != nil {
		switch l := lt.Value.(type) {
		case *format.DecimalType:
			return func(b []byte, v parquet.Value) []byte { return appendDecimal(b, v, int(l.Scale)) }, false
		case *format.DateType:
			return func(b []byte, v parquet.Value) []byte {
				return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(b, time.RFC3339)
			}, true
		case *format.TimestampType:
			// Timestamps not adjusted to UTC are wall-clock times without a
			// zone; bills mean UTC by them, so they are shown as UTC.
			return func(b []byte, v parquet.Value) []byte {
				return timeOf(v.Int64(), l.Unit).AppendFormat(b, time.RFC3339Nano)
			}, true
		case *format.TimeType:
			return func(b []byte, v parquet.Value) []byte {
				n := v.Int64()
				if v.Kind() == parquet.Int32 {
					n = int64(v.Int32())
				}
				return timeOf(n, l.Unit).AppendFormat(b, "15:04:05.999999999")
			}, true
		case *format.IntType:
			if !l.IsSigned && t.Kind() == parquet.Int32 {
				return func(b []byte, v parquet.Value) []byte { return strconv.AppendUint(b, uint64(v.Uint32()), 10) }, false
			} else if !l.IsSigned {
				return func(b []byte, v parquet.Value) []byte { return strconv.AppendUint(b, v.Uint64(), 10) }, false
			}
		case *format.UUIDType:
			return func(b []byte, v parquet.Value) []byte {
				h := hex.EncodeToString(v.ByteArray())
				if len(h) != 32 {
					return append(b, h...)
				}
				return append(b, h[0:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:]...)
			}, true
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendBool(b, v.Boolean()) }, false
	case parquet.Int32:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendInt(b, int64(v.Int32()), 10) }, false
	case parquet.Int64:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendInt(b, v.Int64(), 10) }, false
	case parquet.Int96:
		// INT96 is the legacy Impala/Spark timestamp: nanoseconds of the
		// day, then the Julian day number (2440588 is 1970-01-01).
		return func(b []byte, v parquet.Value) []byte {
			i := v.Int96()
			nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
			return time.Unix((int64(i[2])-2440588)*86400, nanos).UTC().AppendFormat(b, time.RFC3339Nano)
		}, true
	case parquet.Float:
		// The shortest text that reads back as the stored value ("1e-06",
		// "0.1"): exactly what the writer stored, without float noise.
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendFloat(b, float64(v.Float()), 'g', -1, 32) }, false
	case parquet.Double:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendFloat(b, v.Double(), 'g', -1, 64) }, false
	}
	return func(b []byte, v parquet.Value) []byte { return append(b, v.ByteArray()...) }, true
}

func timeOf(n int64, u format.TimeUnit) time.Time {
	switch u.Value.(type) {
	case *format.MicroSeconds:
		return time.UnixMicro(n).UTC()
	case *format.NanoSeconds:
		return time.Unix(0, n).UTC()
	}
	return time.UnixMilli(n).UTC()
}

// appendDecimal writes the unscaled integer of v with scale fractional
// digits, exactly: INT32 and INT64 hold it directly, byte arrays as
// big-endian two's complement.
func appendDecimal(b []byte, v parquet.Value, scale int) []byte {
	var u *big.Int
	switch v.Kind() {
	case parquet.Int32:
		u = big.NewInt(int64(v.Int32()))
	case parquet.Int64:
		u = big.NewInt(v.Int64())
	default:
		raw := v.ByteArray()
		if u = new(big.Int).SetBytes(raw); len(raw) > 0 && raw[0]&0x80 != 0 {
			u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(raw)))) // negative
		}
	}
	if u.Sign() < 0 {
		b = append(b, '-')
	}
	digits := u.Abs(u).Append(nil, 10)
	if scale <= 0 {
		return append(append(b, digits...), strings.Repeat("0", -scale)...)
	}
	if len(digits) <= scale {
		return append(append(append(b, '0', '.'), strings.Repeat("0", scale-len(digits))...), digits...)
	}
	b = append(append(b, digits[:len(digits)-scale]...), '.')
	return append(b, digits[len(digits)-scale:]...)
}

// jsonLiteral reports whether text rendered for an unquoted leaf (a
// number or boolean) is valid JSON as it is.
func jsonLiteral(t []byte) bool {
	if s := string(t); s == "true" || s == "false" {
		return true
	}
	return len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9') && t[len(t)-1] >= '0' && t[len(t)-1] <= '9'
}

// appendJSONString writes s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}
