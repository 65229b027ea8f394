package duckdb

import (
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// completed are the snapshots whose import finished: the visible ones and
// those a later import superseded.
var completed = "snapshot_id IN (SELECT id FROM snapshots WHERE status IN ('" +
	string(store.StatusComplete) + "', '" + string(store.StatusSuperseded) + "'))"

// rowsWhere returns the conditions that choose the rows a question reads
// (on line_items or rollup_daily alike: both carry snapshot_id,
// sub_account_id and a time column) and their arguments: the snapshots
// of sel, the window w (when set), the tenant scope and the filter.
func rowsWhere(sel query.Selection, w cost.Window, scope query.Scope, f filter.Expr, timeCol string) ([]string, []any, error) {
	where, args := selectionSQL(sel, timeCol, nil)
	if !w.Start.IsZero() || !w.End.IsZero() {
		where = append(where, timeCol+" >= ?", timeCol+" < ?")
		args = append(args, w.Start.UTC(), w.End.UTC())
	}
	if scope.SubAccounts != nil {
		var in string
		in, args = inList(scope.SubAccounts, args)
		where = append(where, "sub_account_id IN "+in)
	}
	cond, err := compileFilter(f, &args)
	if err != nil {
		return nil, nil, err
	}
	return append(where, cond), args, nil
}

// selectionSQL returns the conditions that choose the snapshots of sel.
func selectionSQL(sel query.Selection, timeCol string, args []any) ([]string, []any) {
	switch {
	case !sel.Day.IsZero():
		// For each sub-account, the newest completed snapshot with rows of
		// it on that day; the rollup holds exactly that per day.
		day := sel.Day.UTC()
		next := day.AddDate(0, 0, 1)
		cond := "(snapshot_id, sub_account_id) IN (SELECT max(snapshot_id), sub_account_id FROM rollup_daily WHERE day = ? AND " +
			completed + " GROUP BY sub_account_id)"
		args = append(args, day, day, next)
		return []string{cond, timeCol + " >= ?", timeCol + " < ?"}, args
	case len(sel.Snapshots) > 0:
		ids := make([]string, len(sel.Snapshots))
		for i, id := range sel.Snapshots {
			ids[i] = strconv.FormatInt(id, 10)
		}
		return []string{"snapshot_id IN (" + strings.Join(ids, ", ") + ")", completed}, args
	}
	return []string{visible}, args
}
