package duckdb

import (
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
)

// visible restricts rows to complete snapshots: the newest import of each
// (source, billing period). It is written as "not in the snapshots that
// are not complete" because that set is small (superseded, failed and
// loading imports) while the complete ones can be many: the rating
// processor commits one snapshot per scope and hour, 720,000 a month for
// 1,000 scopes, and a semi-join against all of them cost 4 times the
// sums (125 ms against 28 ms over 1.44M rollup rows). The two are equal
// because every row's snapshot has a record: it is inserted before its
// rows, and records are never removed (a deleted snapshot keeps its
// record, marked deleted, and loses its rows).
var visible = "snapshot_id NOT IN (SELECT id FROM snapshots WHERE status <> '" + string(store.StatusComplete) + "')"

// completed are the snapshots whose import finished: the visible ones and
// those a later import superseded (written as visible is, for the same
// reason).
var completed = "snapshot_id NOT IN (SELECT id FROM snapshots WHERE status NOT IN ('" +
	string(store.StatusComplete) + "', '" + string(store.StatusSuperseded) + "'))"

// conds is a conjunction of SQL conditions and their arguments, built in
// text order. Every condition is parenthesised when joined, so that no
// part, however it was written, can turn the conjunction into a
// disjunction.
type conds struct {
	parts []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.parts = append(c.parts, cond)
	c.args = append(c.args, args...)
}

// sql renders the conjunction; with no conditions it is "true".
func (c *conds) sql() string {
	if len(c.parts) == 0 {
		return "true"
	}
	return "(" + strings.Join(c.parts, ") AND (") + ")"
}

// scopedRows is the SQL that chooses the rows a question reads, from line_items
// or rollup_daily alike (both carry snapshot_id, sub_account_id and a
// time column): the text that follows a select list. Its arguments are
// appended to c's, which hold those of the select list before it.
//
// The snapshots of sel, the window w (when set) and the tenant scope sc
// are applied in a subquery; the client's filter f is applied outside
// it, to the rows the subquery gives. Whatever f is, it can only narrow
// those rows: it never sees the conditions it could otherwise escape.
func scopedRows(c *compiler, table string, sel query.Selection, w cost.Window, sc scope.Scope, f filter.Expr, timeCol string) (string, error) {
	var in conds
	selectionSQL(&in, sel, timeCol)
	if !w.Start.IsZero() || !w.End.IsZero() {
		in.add(timeCol+" >= ?", w.Start.UTC())
		in.add(timeCol+" < ?", w.End.UTC())
	}
	scopeSQL(&in, sc)
	c.args = append(c.args, in.args...)
	cond, err := c.filter(f)
	if err != nil {
		return "", err
	}
	out := conds{parts: []string{cond}}
	return " FROM (SELECT * FROM " + table + " WHERE " + in.sql() + ") AS scoped WHERE " + out.sql(), nil
}

// scopeSQL limits rows to the accounts of sc. Only All adds nothing; the
// zero scope and an empty account list match no row.
func scopeSQL(c *conds, sc scope.Scope) {
	ids, limited := sc.IDs()
	if !limited {
		return
	}
	if len(ids) == 0 {
		c.add("false")
		return
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	c.add("sub_account_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", args...)
}

// selectionSQL adds the conditions that choose the snapshots of sel.
func selectionSQL(c *conds, sel query.Selection, timeCol string) {
	switch {
	case !sel.Day.IsZero():
		// For each sub-account, the newest completed snapshot with rows of
		// it on that day; the rollup holds exactly that per day.
		day := sel.Day.UTC()
		c.add("(snapshot_id, sub_account_id) IN (SELECT max(snapshot_id), sub_account_id FROM rollup_daily WHERE day = ? AND "+
			completed+" GROUP BY sub_account_id)", day)
		c.add(timeCol+" >= ?", day)
		c.add(timeCol+" < ?", day.AddDate(0, 0, 1))
	case len(sel.Snapshots) > 0:
		ids := make([]string, len(sel.Snapshots))
		for i, id := range sel.Snapshots {
			ids[i] = strconv.FormatInt(id, 10)
		}
		c.add("snapshot_id IN (" + strings.Join(ids, ", ") + ")")
		c.add(completed)
	default:
		c.add(visible)
	}
}
