package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Coded text columns. Most text columns of a bill take few distinct
// values (services, regions, usage types, accounts, charge categories),
// and DuckDB spends most of an import storing strings: per value it
// appends, gathers statistics, hashes for distinct counts and tries three
// compressions. line_items_coded therefore keeps those columns as INTEGER
// codes into one table of texts, text_codes(code, value), and the view
// line_items decodes them, so every query reads strings as before. On a
// 122,880-row CUR chunk this halved DuckDB's load (1.24 s to 0.67 s;
// BENCHMARKS.md). Columns whose values are mostly unique (resource ids,
// descriptions) stay text: a dictionary of them would grow with the bill.
//
// Codes are 0, 1, 2, ... in the order they were first seen, with no gaps:
// the view looks a value up by position in one list (list(value ORDER BY
// code)[code + 1]), which costs an array index per row where a join
// would cost a hash probe. The importer assigns codes in Go and writes
// the new texts to text_codes before DuckDB loads the chunk that uses
// them; a failed import leaves unused texts behind, which cost nothing.
//
// Because a code is a position, a missing or repeated code would shift
// every later text onto other rows, silently: unique indexes refuse a
// repeated code or text, and Open checks that the codes are 0..n-1
// (checkCodes). Texts no row uses any more (their snapshots deleted or
// pruned) are removed by clearing their value (sweepCodes): the code
// stays, as NULL, so that no other code moves, and is not reused.

const textCodesSQL = `CREATE TABLE IF NOT EXISTS text_codes (code INTEGER NOT NULL, value VARCHAR)`

// textCodes is the store's dictionary in memory, shared by its imports.
type textCodes struct {
	mu     sync.Mutex
	loaded bool
	codes  map[string]int32
	// next is the next code; pending holds the texts of codes from
	// persisted onwards, assigned but not yet written to text_codes.
	next      int32
	persisted int32
	pending   []string
	// active counts the imports holding a coder: their codes may be in
	// use by rows not yet loaded, so sweepCodes waits for none.
	active int
}

// load reads text_codes once; mu is held.
func (tc *textCodes) load(ctx context.Context, s *Store) error {
	if tc.loaded {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT code, value FROM text_codes ORDER BY code`)
	if err != nil {
		return fmt.Errorf("reading text codes: %w", err)
	}
	defer rows.Close()
	codes := map[string]int32{}
	var n int32
	for rows.Next() {
		var code int32
		var v sql.NullString
		if err := rows.Scan(&code, &v); err != nil {
			return err
		}
		// The view indexes a list by code: a gap or a repeat would shift
		// every later text onto the wrong rows.
		if code != n {
			return fmt.Errorf("%w: code %d where %d was expected", errCodesDamaged, code, n)
		}
		if v.Valid { // NULL: a removed text, whose code stays unused
			codes[v.String] = code
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	tc.codes, tc.next, tc.persisted, tc.pending, tc.loaded = codes, n, n, nil, true
	return nil
}

// forget drops the dictionary in memory, after SQL changed text_codes.
func (tc *textCodes) forget() {
	tc.mu.Lock()
	tc.loaded = false
	tc.codes = nil
	tc.mu.Unlock()
}

// coder hands out codes to one import. It remembers the codes it has
// seen, so that the shared dictionary's lock is taken only for texts new
// to this import.
type coder struct {
	s     *Store
	local map[string]int32
}

func (s *Store) newCoder(ctx context.Context) (*coder, error) {
	tc := &s.codes
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if err := tc.load(ctx, s); err != nil {
		return nil, err
	}
	tc.active++
	return &coder{s: s, local: map[string]int32{}}, nil
}

// releaseCoder ends an import's hold on the dictionary, once its rows are
// loaded (or discarded).
func (s *Store) releaseCoder() {
	s.codes.mu.Lock()
	s.codes.active--
	s.codes.mu.Unlock()
}

// code returns the code of v, assigning one when v is new.
func (c *coder) code(v string) int32 {
	if code, ok := c.local[v]; ok {
		return code
	}
	// DuckDB refuses text that is not UTF-8; appendText stores such a
	// value with U+FFFD in place of the bad bytes, and so do codes.
	text := v
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	tc := &c.s.codes
	tc.mu.Lock()
	code, ok := tc.codes[text]
	if !ok {
		code = tc.next
		tc.next++
		tc.codes[text] = code
		tc.pending = append(tc.pending, text)
	}
	tc.mu.Unlock()
	c.local[v] = code
	return code
}

// flush writes every assigned but unwritten text to text_codes, in code
// order, so that a chunk using them can be loaded. On failure the texts
// stay pending, to be written (still in order) by the next flush.
func (s *Store) flushCodes(ctx context.Context) error {
	tc := &s.codes
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for len(tc.pending) > 0 {
		n := min(len(tc.pending), 1000)
		var q strings.Builder
		q.WriteString("INSERT INTO text_codes VALUES ")
		args := make([]any, 0, 2*n)
		for i, v := range tc.pending[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, tc.persisted+int32(i), v)
		}
		if _, err := s.db.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("writing text codes: %w", err)
		}
		tc.persisted += int32(n)
		tc.pending = tc.pending[n:]
	}
	tc.pending = nil
	return nil
}

// codedNames lists the coded columns of lineItemColumns.
func codedNames() []string {
	var out []string
	for i := range lineItemColumns {
		if c := &lineItemColumns[i]; c.coded() {
			out = append(out, c.name)
		}
	}
	return out
}

// viewSQL (re)creates the view line_items over line_items_coded, with
// every coded column decoded under its own name.
func viewSQL() string {
	return "CREATE OR REPLACE VIEW line_items AS " + decodedSQL(func(col string) string { return "t.v[c." + col + " + 1]" }) +
		" FROM line_items_coded c, (SELECT list(value ORDER BY code) AS v FROM text_codes) t"
}

// rowsSQL is a table expression shaped like the view line_items over
// the few stored rows where (a condition on line_items_coded's own
// columns, written twice, so its arguments are given twice) selects. The
// view reads every text of text_codes into one list per query, which
// costs in proportion to the texts stored (millions when every row has
// its own resource id); this reads only the texts of those rows, so that
// looking up one entry costs the same at any size.
func rowsSQL(where string) string {
	coded := codedNames()
	for i, n := range coded {
		coded[i] = "c." + n
	}
	return "(" + decodedSQL(func(col string) string { return "map_extract_value(t.m, c." + col + ")" }) +
		" FROM (SELECT rowid, * FROM line_items_coded WHERE " + where + ") c," +
		" (SELECT map(list(code), list(value)) AS m FROM text_codes WHERE code IN" +
		" (SELECT unnest([" + strings.Join(coded, ", ") + "]) FROM line_items_coded c WHERE " + where + ")) t)"
}

// decodedSQL is the select list of a table shaped like line_items over
// line_items_coded c, each coded column decoded by decode(its name).
func decodedSQL(decode func(col string) string) string {
	var b strings.Builder
	// rowid is the stored row's: Entries numbers rows without line_no by it.
	b.WriteString("SELECT c.rowid AS rowid, c.snapshot_id, c.source, c.line_no")
	for i := range lineItemColumns {
		col := &lineItemColumns[i]
		if col.coded() {
			b.WriteString(", " + decode(col.name) + " AS " + col.name)
		} else {
			b.WriteString(", c." + col.name)
		}
	}
	for _, prefix := range []string{"", "usd_"} {
		for _, m := range metricColumns {
			b.WriteString(", c." + prefix + m)
		}
	}
	b.WriteString(", c.tags")
	return b.String()
}

// encodeSQL copies the rows of a table shaped like the view (texts in
// the coded columns) from src into line_items_coded, after adding its new
// texts to text_codes. Open uses it to convert files made before coding,
// LoadSynthetic for rows made in SQL.
func encodeSQL(src string) []string {
	coded := codedNames()
	var vals []string
	for _, c := range coded {
		vals = append(vals, "s."+c)
	}
	addTexts := `INSERT INTO text_codes SELECT (SELECT count(*) FROM text_codes) + row_number() OVER (ORDER BY v) - 1, v
FROM (SELECT DISTINCT unnest([` + strings.Join(vals, ", ") + `]) AS v FROM ` + src + ` s) n
WHERE v IS NOT NULL AND v NOT IN (SELECT value FROM text_codes WHERE value IS NOT NULL)`
	names := []string{"snapshot_id", "source", "line_no"}
	// Rows without line_no (files made before it) keep the entry ids they
	// had, which came from their rowid (see entryID).
	sel := []string{"s.snapshot_id", "s.source", "coalesce(s.line_no, s.rowid)"}
	var joins strings.Builder
	for i := range lineItemColumns {
		c := &lineItemColumns[i]
		names = append(names, c.name)
		if !c.coded() {
			sel = append(sel, "s."+c.name)
			continue
		}
		alias := fmt.Sprintf("k%d", i)
		sel = append(sel, alias+".code")
		fmt.Fprintf(&joins, " LEFT JOIN text_codes %[1]s ON %[1]s.value = s.%[2]s", alias, c.name)
	}
	for _, prefix := range []string{"", "usd_"} {
		for _, m := range metricColumns {
			names = append(names, prefix+m)
			sel = append(sel, "s."+prefix+m)
		}
	}
	names = append(names, "tags")
	sel = append(sel, "s.tags")
	copyRows := "INSERT INTO line_items_coded (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") +
		" FROM " + src + " s" + joins.String()
	return []string{addTexts, copyRows}
}

// prepareLineItems creates line_items_coded, text_codes and the view
// line_items, converting a file made before coding (where line_items is
// a table of texts) in one transaction: a conversion that fails leaves
// the file as it was.
func (s *Store) prepareLineItems(ctx context.Context) error {
	var old bool
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'line_items' AND schema_name = 'main'`).Scan(&old); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmts := []string{textCodesSQL, lineItemsTableSQL()}
	if old {
		s.log.Info("converting line_items to coded text columns (once per file)")
		stmts = append(stmts, addedColumnsSQL("line_items", false)...)
		stmts = append(stmts, encodeSQL("line_items")...)
		stmts = append(stmts, `DROP TABLE line_items`)
	}
	stmts = append(stmts, addedColumnsSQL("line_items_coded", true)...)
	stmts = append(stmts, viewSQL())
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("preparing line_items: %w", err)
		}
	}
	if err := checkCodes(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// errCodesDamaged marks a text_codes table whose codes are not 0..n-1,
// each once, with distinct texts: reading through it would put texts on
// the wrong rows, so Open refuses the file.
var errCodesDamaged = errors.New("text_codes is damaged (a code or text is missing or repeated, which would put texts on the wrong rows; restore the file from a backup)")

// checkCodes makes text_codes' codes and texts unique (files made before
// the indexes: their value column also becomes nullable, for removed
// texts) and checks that the codes are 0..n-1: with codes unique, n rows
// whose codes run from 0 to n-1 have no gap.
func checkCodes(ctx context.Context, tx *sql.Tx) error {
	var nullable bool
	if err := tx.QueryRowContext(ctx, `SELECT is_nullable FROM duckdb_columns() WHERE table_name = 'text_codes' AND column_name = 'value'`).Scan(&nullable); err != nil {
		return fmt.Errorf("checking text_codes: %w", err)
	}
	if !nullable {
		// Before the indexes: DuckDB alters no table an index depends on.
		if _, err := tx.ExecContext(ctx, `ALTER TABLE text_codes ALTER COLUMN value DROP NOT NULL`); err != nil {
			return fmt.Errorf("preparing text_codes: %w", err)
		}
	}
	for _, q := range []string{
		`CREATE UNIQUE INDEX IF NOT EXISTS text_codes_code ON text_codes (code)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS text_codes_value ON text_codes (value)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%w: %w", errCodesDamaged, err)
		}
	}
	var n, lo, hi int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(code), 0), coalesce(max(code) + 1, 0) FROM text_codes`).Scan(&n, &lo, &hi); err != nil {
		return fmt.Errorf("checking text_codes: %w", err)
	}
	if lo != 0 || hi != n {
		return fmt.Errorf("%w: %d codes from %d to %d", errCodesDamaged, n, lo, hi-1)
	}
	return nil
}

// sweepCodes removes the texts no row of line_items_coded uses any more
// (after snapshots were deleted or pruned) by clearing their value; the
// codes stay, so no other text moves. It returns how many it removed.
// While an import holds a coder it removes nothing: that import may use
// a code in rows not loaded yet. Those texts go at a later sweep.
func (s *Store) sweepCodes(ctx context.Context) (int64, error) {
	tc := &s.codes
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.active > 0 {
		return 0, nil
	}
	var used []string
	for _, c := range codedNames() {
		used = append(used, "SELECT "+c+" AS code FROM line_items_coded WHERE "+c+" IS NOT NULL")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE text_codes SET value = NULL WHERE value IS NOT NULL AND code NOT IN (`+
		strings.Join(used, " UNION ")+`)`)
	if err != nil {
		return 0, fmt.Errorf("removing unused texts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if n > 0 {
		// The dictionary in memory maps the removed texts: read it again.
		// No import is running, so nothing pending is in use.
		tc.loaded, tc.codes = false, nil
	}
	return n, nil
}
