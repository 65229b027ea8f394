package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
)

// The tag rollup.
//
// Questions by tag (Kubecost's label aggregations, CloudHealth's and the
// native API's tag groups) read line items, whose tags no daily rollup
// keeps: 30 days by label over 20M items took over a second (issue 23).
// The tag rollup is the daily rollup grouped also by the item's tags,
// those of them worth keeping: a key is kept when an import's items give
// it at most tagValuesMax values (team, environment, application), and
// left out when they give more (names, ids), which would make a row per
// item. An import's tag rollup is kept only when it has at most one row
// for tagRollupShrink items; else the question reads the line items.
//
// Its rows answer every question that the daily rollup would answer but
// for the tag keys it reads, exactly, when every visible snapshot has a
// tag rollup and kept each of those keys or had no item with it: an item
// without the key reads "" in both. Each snapshot records whether it has
// a tag rollup (tag_rollup) and the keys its items had that it left out
// (tag_keys_left), written in the transaction that commits it. A
// question checks the visible snapshots, and reads the rows, in one
// transaction (tagRollupAnswers), so that an import committing between
// the two cannot make it read a snapshot it did not check.

// tagRollupTable is the tag rollup's table (rollupTableSQL).
const tagRollupTable = "rollup_tags_daily"

// tagValuesMax is the most values a key may have in an import's items
// for the tag rollup to keep it (approximately counted). A variable for
// tests.
var tagValuesMax int64 = 1000

// tagRollupShrink is the fewest items an import's tag rollup row must
// stand for on average. Its rows are wide (20 money columns, stored
// uncompressed as the daily rollup's are, and their c_hi): at one row
// for 16 items it takes at most about a quarter of the line items' room,
// and a question reads a sixteenth of their rows or fewer. The synthetic
// bills make one row for 143 (CUR, 5M) to 185 (20M) items. A variable
// for tests.
var tagRollupShrink int64 = 16

// listSQL renders keys as a VARCHAR[] of one parameter each: this
// driver crashes binding a Go slice to a list there.
func listSQL(keys []string) (string, []any) {
	if len(keys) == 0 {
		return "[]::VARCHAR[]", nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return "[?" + strings.Repeat(", ?", len(keys)-1) + "]::VARCHAR[]", args
}

// buildTagRollup sums the line items of the snapshots in (a list of ids)
// into the tag rollup, in tx, records what it holds of them, and reports
// whether it kept it. The keys are chosen over all of those snapshots
// together: a key's values there are at least its values in any one of
// them.
func buildTagRollup(ctx context.Context, tx *sql.Tx, in string, mode sumMode) (bool, error) {
	// Tags are stored as they are, not coded: the table, not its view.
	rows, err := tx.QueryContext(ctx, `SELECT key, approx_count_distinct(value) FROM (
  SELECT unnest(map_keys(tags)) AS key, unnest(map_values(tags)) AS value FROM line_items_coded WHERE snapshot_id IN `+in+`)
GROUP BY key ORDER BY key`)
	if err != nil {
		return false, fmt.Errorf("counting tag values: %w", err)
	}
	kept, left := []string{}, []string{}
	for rows.Next() {
		var key string
		var n int64
		if err := rows.Scan(&key, &n); err != nil {
			rows.Close()
			return false, fmt.Errorf("counting tag values: %w", err)
		}
		if n <= tagValuesMax {
			kept = append(kept, key)
		} else {
			left = append(left, key)
		}
	}
	if err := rows.Close(); err != nil {
		return false, fmt.Errorf("counting tag values: %w", err)
	}
	var items int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM line_items_coded WHERE snapshot_id IN `+in).Scan(&items); err != nil {
		return false, fmt.Errorf("counting items: %w", err)
	}
	args := make([]any, 0, 2*len(kept))
	for range 2 {
		for _, k := range kept {
			args = append(args, k)
		}
	}
	res, err := tx.ExecContext(ctx, sumsInsertSQL(tagRollupTable, in, mode, len(kept)), args...)
	if err != nil {
		return false, fmt.Errorf("building the tag rollup: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("building the tag rollup: %w", err)
	}
	built := n*tagRollupShrink <= items
	if !built {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+tagRollupTable+` WHERE snapshot_id IN `+in); err != nil {
			return false, fmt.Errorf("building the tag rollup: %w", err)
		}
	}
	list, args := listSQL(left)
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET tag_rollup = ?, tag_keys_left = `+list+` WHERE id IN `+in, append([]any{built}, args...)...); err != nil {
		return false, fmt.Errorf("recording the tag rollup: %w", err)
	}
	return built, nil
}

// rollupFor is which rollup may answer q: the daily rollup (rollup), or
// the tag rollup when every visible snapshot allows it (tagKeys, the keys
// q reads, checked by tagRollupAnswers), or neither (the line items). A
// question of quantities reads the line items while some rollup row
// lacks them (rollupqty.go).
func (s *Store) rollupFor(q query.Query) (rollup bool, tagKeys []string) {
	keys, ok := query.RollupTags(q)
	if !ok || q.Quantity && !s.rollupQty {
		return false, nil
	}
	if len(keys) == 0 {
		return true, nil
	}
	if !s.tagRollup {
		return false, nil
	}
	for _, k := range keys {
		if checkText("tag key", k) != nil {
			// Refused as the line items' plan refuses it.
			return false, nil
		}
	}
	return false, keys
}

// tagRollupAnswers reports whether every visible snapshot with items has
// a tag rollup that kept each of keys or had no item with it. Asked in
// the transaction that then reads the rows.
func tagRollupAnswers(ctx context.Context, tx *sql.Tx, keys []string) (bool, error) {
	var gap bool
	list, args := listSQL(keys)
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM snapshots WHERE status = ? AND row_count > 0
  AND (tag_rollup IS DISTINCT FROM true OR list_has_any(tag_keys_left, `+list+`)))`,
		append([]any{string(store.StatusComplete)}, args...)...).Scan(&gap)
	if err != nil {
		return false, fmt.Errorf("checking the tag rollup: %w", err)
	}
	return !gap, nil
}

// addTagRollups builds, in one transaction, the tag rollup of the
// snapshots made before it (tag_rollup NULL) that a question may read:
// the visible ones and those a deletion could make visible again. A
// failed or killed build leaves them as they were, read from their line
// items, to be built at the next open.
func (s *Store) addTagRollups(ctx context.Context) error {
	ids, err := s.int64s(ctx, `SELECT id FROM snapshots WHERE tag_rollup IS NULL AND status IN (?, ?) ORDER BY id`,
		string(store.StatusComplete), string(store.StatusSuperseded))
	if err != nil {
		return fmt.Errorf("finding snapshots without a tag rollup: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	s.log.Info("building the tag rollup of a file made by an older version (once)", "snapshots", len(ids))
	in := "(" + int64List(ids) + ")"
	err = fastThenSplit(func(mode sumMode) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := buildTagRollup(ctx, tx, in, mode); err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		return fmt.Errorf("adding the tag rollup: %w", err)
	}
	return nil
}

// loadTagRollup reads whether a file opened read only has the tag rollup.
func (s *Store) loadTagRollup(ctx context.Context) error {
	var err error
	s.tagRollup, err = s.hasColumn(ctx, "snapshots", "tag_keys_left")
	return err
}

// rollupFromTagsSQL sums the tag rollup rows of the snapshots in (a list
// of ids) into the daily rollup: the same rows as rollupInsertSQL's from
// the line items (sums of sums are exact), from far fewer rows. fastSums
// fails as rollupInsertSQL's does (tooLargeForFast) on a sum of foldBound
// or more; splitSums adds the rows' integer parts, c_hi included, and
// fractional parts apart and folds them.
func rollupFromTagsSQL(in string, mode sumMode) string {
	return resumSQL(tagRollupTable, "rollup_daily", rollupDims, in, mode)
}

// resumSQL sums the rows of the rollup table from of the snapshots in
// into the rollup table to, grouped by day and dims: sums of sums, as
// rollupFromTagsSQL says.
func resumSQL(from, to string, dims []cost.Dimension, in string, mode sumMode) string {
	narrow := fmt.Sprintf("DECIMAL(%d,%d)", cost.Precision-1, cost.Scale)
	names := []string{"snapshot_id", "day"}
	for _, d := range dims {
		names = append(names, dimColumns[d])
	}
	inner := append([]string{}, names...)
	outer := append([]string{}, names...)
	for _, c := range rollupMoneyColumns() {
		if mode == fastSums {
			inner = append(inner, "sum("+c+")::"+narrow)
			names = append(names, c)
			continue
		}
		w, f := "w_"+c, "f_"+c
		inner = append(inner, storedPartsSQL(c, w, f)...)
		fc, hi := foldSQL(w, f)
		names = append(names, c, c+hiSuffix)
		outer = append(outer, fc, hi)
	}
	names = append(names, "items", "usd_missing", "consumed_quantity")
	inner = append(inner, "sum(items) AS items", "sum(usd_missing) AS usd_missing", "sum(consumed_quantity) AS consumed_quantity")
	outer = append(outer, "items", "usd_missing", "consumed_quantity")
	sel := "SELECT " + strings.Join(inner, ", ") + " FROM " + from + " WHERE snapshot_id IN " + in + " GROUP BY ALL"
	if mode == splitSums {
		sel = "SELECT " + strings.Join(outer, ", ") + " FROM (" + sel + ")"
	}
	return "INSERT INTO " + to + " (" + strings.Join(names, ", ") + ") " + sel
}
