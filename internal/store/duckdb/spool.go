package duckdb

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tally-cost/tally/internal/cost"
)

// spool feeds line items to DuckDB through temporary CSV files instead of
// an appender. The appender costs a cgo call per value (about 60 a row)
// and a big.Int per large decimal, all on one goroutine; writing text
// costs no cgo, and DuckDB's own CSV reader then parses and stores the
// rows on all its threads. Rows go to a file of chunkRows rows; a full
// file is handed to a loader goroutine that runs one INSERT ... SELECT
// FROM read_csv on the import's own connection and removes the file,
// while the caller writes the next one. The unbuffered hand-over bounds
// the disk used to two chunks (one loading, one being written). Before a
// file is handed over, the texts its coded columns introduced are written
// to text_codes (codes.go).
type spool struct {
	ctx    context.Context
	store  *Store
	coder  *coder
	dir    string
	prefix string // file names start with it; see removeStaleSpools
	source string

	f    *os.File
	w    *bufio.Writer
	rows int
	// lineNo counts the rows of the whole import: each row's line_no.
	lineNo int64
	// longest is the longest line of the current file: DuckDB's reader
	// refuses lines over max_line_size (2 MB by default), which the
	// appender never limited.
	longest int

	chunks chan chunk
	wg     sync.WaitGroup
	errMu  sync.Mutex
	err    error // first error of writing or loading
	closed bool
}

// chunkRows is the number of rows per spool file: one DuckDB row group,
// about 80 MB of CSV for a CUR. On a 500k-row CUR (2 cores), chunks of
// one row group loaded fastest: two (245,760) took 30% longer, half of
// one (61,440) twice as long, as DuckDB then writes partial row groups
// through its WAL. Tests lower it to cover several chunks.
var chunkRows = 122_880

func (s *Store) newSpool(ctx context.Context, source string) (*spool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// Without insertion order DuckDB's threads insert into row groups of
	// their own instead of merging them in file order afterwards (on a
	// 250k-row chunk, 3.0 s of CPU instead of 3.9; a whole 500k-row CUR
	// import measured 10 s of CPU instead of 17). Row order in line_items
	// means nothing (every query sorts or aggregates), and SET SESSION
	// keeps the setting to this connection.
	if _, err := conn.ExecContext(ctx, `SET SESSION preserve_insertion_order = false`); err != nil {
		conn.Close()
		return nil, err
	}
	cd, err := s.newCoder(ctx)
	if err != nil {
		conn.Close()
		return nil, err
	}
	sp := &spool{ctx: ctx, store: s, coder: cd, dir: s.spoolDir, prefix: s.spoolPrefix, source: source, chunks: make(chan chunk)}
	sp.wg.Add(1)
	go sp.load(conn)
	return sp, nil
}

// write appends one row. It fails without side effects when an amount
// cannot be stored exactly.
func (sp *spool) write(snapshot int64, li *cost.LineItem) error {
	if err := sp.firstErr(); err != nil {
		return err
	}
	if sp.f == nil {
		f, err := os.CreateTemp(sp.dir, sp.prefix+"*.csv")
		if err != nil {
			return fmt.Errorf("spooling line items: %w", err)
		}
		sp.f = f
		if sp.w == nil {
			sp.w = bufio.NewWriterSize(f, 1<<20)
		} else {
			sp.w.Reset(f)
		}
	}
	// The row is built in the writer's own free space, so a row that
	// fits is not copied again.
	row, err := appendRow(sp.w.AvailableBuffer(), snapshot, sp.lineNo+1, li, sp.coder)
	if err != nil {
		return err
	}
	if _, err := sp.w.Write(row); err != nil {
		sp.setErr(fmt.Errorf("spooling line items: %w", err))
		return sp.firstErr()
	}
	sp.rows++
	sp.lineNo++
	sp.longest = max(sp.longest, len(row))
	if sp.rows == chunkRows {
		return sp.handOver()
	}
	return nil
}

// handOver closes the current file and gives it to the loader, waiting
// while the loader is busy with the previous one.
func (sp *spool) handOver() error {
	f, longest := sp.f, sp.longest
	sp.f, sp.rows, sp.longest = nil, 0, 0
	err := sp.w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// The chunk's new texts must be in text_codes before it loads.
		err = sp.store.flushCodes(sp.ctx)
	}
	if err != nil {
		os.Remove(f.Name())
		sp.setErr(fmt.Errorf("spooling line items: %w", err))
		return sp.firstErr()
	}
	sp.chunks <- chunk{name: f.Name(), longest: longest}
	return nil
}

// load runs in its own goroutine: it loads every file it is given and
// removes it. After a failure it only removes them.
func (sp *spool) load(conn *sql.Conn) {
	defer sp.wg.Done()
	defer conn.Close()
	for c := range sp.chunks {
		if sp.firstErr() == nil {
			if _, err := conn.ExecContext(sp.ctx, loadSQL(c.longest), sp.source, c.name); err != nil {
				sp.setErr(fmt.Errorf("loading line items: %w", err))
			}
		}
		os.Remove(c.name)
	}
}

// close loads the rows written since the last full chunk when load is
// set (or discards them), waits for the loader and releases the
// connection. It returns the first error of the spool's life.
func (sp *spool) close(load bool) error {
	if sp.closed {
		return sp.firstErr()
	}
	sp.closed = true
	if sp.f != nil {
		if load && sp.firstErr() == nil {
			sp.handOver()
		} else {
			sp.f.Close()
			os.Remove(sp.f.Name())
			sp.f = nil
		}
	}
	close(sp.chunks)
	sp.wg.Wait()
	sp.store.releaseCoder() // the rows are loaded or dropped
	return sp.firstErr()
}

func (sp *spool) setErr(err error) {
	sp.errMu.Lock()
	if sp.err == nil {
		sp.err = err
	}
	sp.errMu.Unlock()
}

func (sp *spool) firstErr() error {
	sp.errMu.Lock()
	defer sp.errMu.Unlock()
	return sp.err
}

type chunk struct {
	name    string
	longest int
}

// loadSQL inserts one spool file (second parameter) whose longest line
// has longest bytes into line_items for a source (first parameter). The
// reader's options are all given, so DuckDB does not sniff; see
// rowtext.go for the format.
func loadSQL(longest int) string {
	names := []string{"snapshot_id", "line_no", "source"}
	types := []string{"'snapshot_id': 'BIGINT'", "'line_no': 'BIGINT'"}
	sel := []string{"snapshot_id", "line_no", "?"}
	for i := range lineItemColumns {
		c := &lineItemColumns[i]
		names = append(names, c.name)
		typ := c.storedType()
		expr := c.name
		if c.time != nil {
			typ, expr = "BIGINT", "make_timestamp("+c.name+")"
		}
		if c.qty != nil {
			types = append(types, decimalPair(c.name, quantityShortScale, typ))
			sel = append(sel, "coalesce(CAST("+c.name+"_s AS "+typ+"), "+c.name+"_b)")
			continue
		}
		types = append(types, "'"+c.name+"': '"+typ+"'")
		sel = append(sel, expr)
	}
	for _, prefix := range []string{"", "usd_"} {
		for _, m := range metricColumns {
			names = append(names, prefix+m)
			types = append(types, decimalPair(prefix+m, moneyShortScale, money))
			sel = append(sel, "coalesce(CAST("+prefix+m+"_s AS "+money+"), "+prefix+m+"_b)")
		}
	}
	names = append(names, "tags")
	types = append(types, "'tags': 'VARCHAR'")
	sel = append(sel, "CAST(CAST(tags AS JSON) AS MAP(VARCHAR, VARCHAR))")
	return "INSERT INTO line_items_coded (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") +
		" FROM read_csv(?, columns = {" + strings.Join(types, ", ") + "}, header = false, auto_detect = false," +
		" delim = ',', quote = '\"', escape = '\"', new_line = '\\n', allow_quoted_nulls = false" + lineSize(longest) + ")"
}

// lineSize raises DuckDB's line limit for a file with longer lines, with
// a buffer that holds them.
func lineSize(longest int) string {
	const defaultMax = 2_000_000
	if longest < defaultMax {
		return ""
	}
	return fmt.Sprintf(", max_line_size = %d, buffer_size = %d", longest+1, 2*(longest+1))
}

// decimalPair declares the two fields of an amount: see appendMoney.
func decimalPair(name string, shortScale int, typ string) string {
	return fmt.Sprintf("'%[1]s_s': 'DECIMAL(%[2]d,%[3]d)', '%[1]s_b': '%[4]s'", name, shortPrecision, shortScale, typ)
}

// spoolPlace is where a store at path writes its spool files: beside the
// database (os.TempDir may be a RAM disk, which would count the chunks
// against memory), named after it so that removeStaleSpools can tell its
// own leftovers from another database's.
func spoolPlace(path string) (dir, prefix string) {
	if path == "" {
		return os.TempDir(), fmt.Sprintf(".tally-mem-%d.import-", os.Getpid())
	}
	return filepath.Dir(path), "." + filepath.Base(path) + ".import-"
}

// removeStaleSpools removes spool files left by a process that died
// while importing into this database. Only the process holding the
// database's write lock spools beside it, so at open they are all stale.
func (s *Store) removeStaleSpools() error {
	stale, err := filepath.Glob(filepath.Join(s.spoolDir, globEscape(s.spoolPrefix)+"*.csv"))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// globEscape quotes the pattern characters of a file name.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
