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

// Entries implements store.Store: the line items of q, in id order,
// read back as they were stored.
func (s *Store) Entries(ctx context.Context, q store.EntryQuery, fn func(*store.Entry) error) (int64, error) {
	from, args, err := scopedRows("line_items", q.Selection, q.Window, q.Scope, q.Filter, "charge_period_start")
	if err != nil {
		return 0, err
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("counting entries: %w", err)
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
	page := ""
	if q.Limit > 0 {
		page += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	if q.Offset > 0 {
		page += fmt.Sprintf(" OFFSET %d", q.Offset)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+from+" ORDER BY 1"+page, args...)
	if err != nil {
		return total, fmt.Errorf("listing entries: %w", err)
	}
	defer rows.Close()
	var e store.Entry
	for rows.Next() {
		if err := scanEntry(rows, &e); err != nil {
			return total, err
		}
		if err := fn(&e); err != nil {
			return total, err
		}
	}
	return total, rows.Err()
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
