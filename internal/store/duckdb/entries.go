package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

// entryID is the stable id of a stored row: its snapshot times 2^32 plus
// its position in the import. Rows of files made before line_no existed
// fall back to DuckDB's rowid, unique but not stable across rewrites.
const entryID = "(snapshot_id * 4294967296 + coalesce(line_no, rowid))"

// entryChunk is how many ids one ordered query of Entries covers: the
// most rows DuckDB sorts at a time. A variable for the tests, which make
// it small to cross its boundaries.
var entryChunk int64 = 20_000

// entrySnapshot is one snapshot of an Entries answer: its row count and
// the range of its rows' positions (the low bits of their ids).
type entrySnapshot struct {
	id, rows, lo, hi int64
	// numbered says every row has its line_no, so the position is
	// line_no and DuckDB can skip the row groups outside a range.
	numbered bool
}

// Entries implements store.Store: the line items of q, in id order,
// read back as they were stored.
//
// A single query ordered by id would have DuckDB sort the whole answer,
// every column of every row, before the first row comes back: the
// server's memory would grow with the answer (issue 18). Ids are a
// snapshot's id times 2^32 plus the row's position in its import, so the
// answer is read snapshot by snapshot, in ranges of entryChunk positions,
// each range ordered on its own: DuckDB sorts a chunk at a time, and the
// order and the ids are those of the single query. The reads share one
// transaction, so they see the same data, as the single query did.
func (s *Store) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	table := "line_items"
	var tableArgs []any
	if q.ID != 0 {
		// The id's snapshot and position, read from the stored rows and
		// only their texts (rowsSQL). Every row imported since line_no
		// exists has it, and a test of line_no itself lets the zone maps
		// keep DuckDB to one row group; rows of older files (no line_no)
		// are numbered by their rowid.
		table = rowsSQL("snapshot_id = ? AND coalesce(line_no, rowid) = ? AND (line_no = ? OR line_no IS NULL)")
		sn, pos := q.ID>>32, q.ID&(1<<32-1)
		tableArgs = []any{sn, pos, pos, sn, pos, pos}
	}
	c := &compiler{maps: q.Mappings}
	from, err := scopedRows(c, table, q.Selection, q.Window, q.Scope, q.Filter, "charge_period_start")
	if err != nil {
		return 0, err
	}
	args := append(tableArgs, c.args...)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("listing entries: %w", err)
	}
	defer tx.Rollback() // read only: nothing to commit
	snaps, total, err := entrySnapshots(ctx, tx, from, args)
	if err != nil {
		return 0, err
	}
	cols := []string{entryID, "snapshot_id", "source"}
	for _, c := range lineItemColumns {
		switch {
		case c.text != nil:
			cols = append(cols, "coalesce("+c.name+", '')")
		case c.qty != nil:
			cols = append(cols, c.name+"::VARCHAR")
		default:
			cols = append(cols, c.name)
		}
	}
	for _, prefix := range []string{"", "usd_"} {
		for _, m := range metricColumns {
			col := prefix + m
			if prefix != "" {
				col = usdExpr(m) // a NULL USD amount of a dollar bill is the amount
			}
			cols = append(cols, col+"::VARCHAR")
		}
	}
	cols = append(cols, "coalesce(to_json(tags)::VARCHAR, '{}')")
	list := "SELECT " + strings.Join(cols, ", ") + from
	skip, left := int64(q.Offset), int64(q.Limit)
	var e store.Entry
	for i := 0; i < len(snaps); i++ {
		sn := snaps[i]
		if skip >= sn.rows {
			skip -= sn.rows
			continue
		}
		if skip == 0 {
			// Small snapshots that follow one another are read together,
			// ordered by id, as long as they hold at most entryChunk
			// rows: the rating processor writes one snapshot per scope
			// and hour, and a query per snapshot cost 12 ms each (25 s
			// for two hours of 1,000 scopes).
			j, rows := i, sn.rows
			for j+1 < len(snaps) && rows+snaps[j+1].rows <= entryChunk {
				j++
				rows += snaps[j].rows
			}
			if j > i {
				err := entryRange(ctx, tx, list+" AND snapshot_id BETWEEN ? AND ? ORDER BY 1",
					append(args[:len(args):len(args)], sn.id, snaps[j].id), &e, q.Limit > 0, &left, fn)
				if err != nil {
					return total, err
				}
				if q.Limit > 0 && left == 0 {
					return total, nil
				}
				i = j
				continue
			}
		}
		key := "coalesce(line_no, rowid)"
		if sn.numbered {
			key = "line_no"
		}
		lo := sn.lo
		if skip > 0 {
			// The position of the first row wanted: a sort of positions
			// only, not of whole rows.
			err := tx.QueryRowContext(ctx, "SELECT "+key+from+" AND snapshot_id = ? ORDER BY 1 LIMIT 1 OFFSET ?",
				append(args[:len(args):len(args)], sn.id, skip)...).Scan(&lo)
			if err != nil {
				return total, fmt.Errorf("listing entries: %w", err)
			}
			skip = 0
		}
		for ; lo <= sn.hi; lo += entryChunk {
			err := entryRange(ctx, tx, list+" AND snapshot_id = ? AND "+key+" >= ? AND "+key+" < ? ORDER BY 1",
				append(args[:len(args):len(args)], sn.id, lo, lo+entryChunk), &e, q.Limit > 0, &left, fn)
			if err != nil {
				return total, err
			}
			if q.Limit > 0 && left == 0 {
				return total, nil
			}
		}
	}
	return total, nil
}

// entrySnapshots lists the snapshots of the rows from selects, in id
// order, and counts the rows.
func entrySnapshots(ctx context.Context, tx *sql.Tx, from string, args []any) ([]entrySnapshot, int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT snapshot_id, count(*), min(coalesce(line_no, rowid)), max(coalesce(line_no, rowid)), "+
		"count(line_no) = count(*)"+from+" GROUP BY 1 ORDER BY 1", args...)
	if err != nil {
		return nil, 0, fmt.Errorf("counting entries: %w", err)
	}
	defer rows.Close()
	var snaps []entrySnapshot
	var total int64
	for rows.Next() {
		var sn entrySnapshot
		if err := rows.Scan(&sn.id, &sn.rows, &sn.lo, &sn.hi, &sn.numbered); err != nil {
			return nil, 0, fmt.Errorf("counting entries: %w", err)
		}
		total += sn.rows
		snaps = append(snaps, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("counting entries: %w", err)
	}
	return snaps, total, nil
}

// entryRange passes the rows of one ordered range query to fn, at most
// *left of them when limited.
func entryRange(ctx context.Context, tx *sql.Tx, query string, args []any, e *store.Entry, limited bool, left *int64, fn func(*store.Entry) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("listing entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if limited && *left == 0 {
			break
		}
		if err := scanEntry(rows, e); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		if limited {
			*left--
		}
	}
	return rows.Err()
}

// scanEntry reads one row of Entries' select list into e.
func scanEntry(rows *sql.Rows, e *store.Entry) error {
	n := len(lineItemColumns)
	texts := make([]string, n)
	times := make([]sql.NullTime, n)
	qtys := make([]sql.NullString, n)
	flags := make([]sql.NullBool, n)
	amounts := make([]sql.NullString, 2*len(metricColumns))
	var tags string
	dest := []any{&e.ID, &e.SnapshotID, &e.Source}
	for i, c := range lineItemColumns {
		switch {
		case c.text != nil:
			dest = append(dest, &texts[i])
		case c.time != nil:
			dest = append(dest, &times[i])
		case c.qty != nil:
			dest = append(dest, &qtys[i])
		default:
			dest = append(dest, &flags[i])
		}
	}
	for i := range amounts {
		dest = append(dest, &amounts[i])
	}
	dest = append(dest, &tags)
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("reading entry: %w", err)
	}
	e.Item.Reset()
	li := &e.Item
	for i, c := range lineItemColumns {
		switch {
		case c.text != nil:
			*c.text(li) = texts[i]
		case c.time != nil:
			if times[i].Valid {
				*c.time(li) = times[i].Time.UTC()
			}
		case c.qty != nil:
			if qtys[i].Valid {
				d, err := decimal.NewFromString(qtys[i].String)
				if err != nil {
					return fmt.Errorf("entry %d: %s: %w", e.ID, c.name, err)
				}
				*c.qty(li) = decimal.NewNullDecimal(d)
			}
		default:
			*c.flag(li) = flags[i].Bool
		}
	}
	for m := range cost.NumMetrics {
		if v := amounts[m]; v.Valid {
			d, err := decimal.NewFromString(v.String)
			if err != nil {
				return fmt.Errorf("entry %d: %s: %w", e.ID, metricColumns[m], err)
			}
			li.Cost[m] = d
		}
		if v := amounts[int(cost.NumMetrics)+m]; v.Valid {
			d, err := decimal.NewFromString(v.String)
			if err != nil {
				return fmt.Errorf("entry %d: usd %s: %w", e.ID, metricColumns[m], err)
			}
			li.USD[m] = decimal.NewNullDecimal(d)
		}
	}
	if tags != "{}" && tags != "null" {
		m := map[string]string{}
		if err := json.Unmarshal([]byte(tags), &m); err != nil {
			return fmt.Errorf("entry %d: tags: %w", e.ID, err)
		}
		for k, v := range m {
			li.SetTag(k, v)
		}
	}
	return nil
}
