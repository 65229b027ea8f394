package duckdb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

// Exact sums past DECIMAL(38, 24).
//
// An amount is a DECIMAL(38, 24), below 10^14, and DuckDB sums a DECIMAL
// in its own type (a HUGEINT of 10^-24 units): past about 1.7·10^14 a sum
// fails with "Overflow in HUGEINT addition", and no wider exact decimal
// exists. Below that it is exact, even between 10^14 and 1.7·10^14, where
// the result no longer fits its declared width but still its HUGEINT.
//
// So a query first sums as it always did (fastSums): exact or an error.
// Only on that error is it run again with every sum split in two
// (splitSums): the integer parts as HUGEINT (up to 1.7·10^38) and the
// fractional parts as DECIMAL(38, 24) (each below 1, so exact for 10^14
// items); Go joins them (cost.SumParts) and refuses a total past
// cost.MaxTotal. Splitting costs a trunc per amount, which is why the
// common path does not.
//
// The daily rollup and the snapshot totals store sums, which may be
// large. Each money column c has a HUGEINT c_hi beside it, NULL in every
// row whose value fits c (|value| < foldBound): the value is c +
// coalesce(c_hi, 0). Rows with c_hi set exist only where a day's group
// (or a snapshot) summed past foldBound; while the rollup has none,
// rollup queries read c alone, as before; once it has some, they split
// from the start (Store.wide).

// hiSuffix names the HUGEINT column beside each money column of the
// rollup and the snapshot totals.
const hiSuffix = "_hi"

// foldBound is the magnitude from which a stored sum keeps its integer
// part in c_hi: far enough below 10^14 that c, the rest, always fits
// DECIMAL(38, 24), and the bound of DECIMAL(37, 24), which checks it.
const foldBound = "10000000000000" // 10^13

type sumMode int

const (
	// fastSums: one DECIMAL(38, 24) sum per amount, exact or an error.
	fastSums sumMode = iota
	// splitSums: two sums per amount, its integer and fractional parts.
	splitSums
)

// sumPlan is how plan renders sums: the mode, and whether the rollup has
// the c_hi columns (a file opened read-only may be older than them).
type sumPlan struct {
	mode sumMode
	hi   bool
	// rollup: the query reads rollup_daily (Store.rollupFor), or the
	// tag rollup, which has the same columns and tags, when tags, or the
	// service rollup, which has the same columns but fewer dimensions,
	// when service (Store.serviceRollupAnswers).
	rollup, tags, service bool
}

// width is the number of result columns of one sum.
func (p sumPlan) width() int {
	if p.mode == splitSums {
		return 2
	}
	return 1
}

// item renders the select items of the sum of the amount x named name
// (name, and name+"f" for the fractional part in split mode). x is a
// line-item expression, or a rollup money column when rollup.
func (p sumPlan) item(x string, rollup bool, name string) []string {
	if p.mode == fastSums {
		return []string{"coalesce(sum(" + x + "), 0) AS " + name}
	}
	whole := "trunc(" + x + ")::HUGEINT"
	if rollup && p.hi {
		whole = "coalesce(" + x + hiSuffix + ", 0) + " + whole
	}
	return pairSQL("coalesce(sum("+whole+"), 0)", "coalesce(sum("+x+" - trunc("+x+")), 0)", name)
}

// names are the result columns of the sum named name.
func (p sumPlan) names(name string) []string {
	if p.mode == fastSums {
		return []string{name}
	}
	return []string{name, name + "f"}
}

// outer renders the sums, over rows of an inner grouping, of the sum
// columns cols (names of its items).
func (p sumPlan) outer(cols []string) []string {
	var out []string
	for i := 0; i < len(cols); i += p.width() {
		if p.mode == fastSums {
			out = append(out, "sum("+cols[i]+") AS "+cols[i])
			continue
		}
		out = append(out, pairSQL("sum("+cols[i]+")", "sum("+cols[i+1]+")", cols[i])...)
	}
	return out
}

// order renders ordering by the sum named m (desc: largest first).
func (p sumPlan) order(m string, desc bool) string {
	dir := ""
	if desc {
		dir = " DESC"
	}
	if p.mode == fastSums {
		return m + dir
	}
	// (m, mf) is m + mf with mf in [0, 1): ordered by m, then mf.
	return m + dir + ", " + m + "f" + dir
}

// positive renders whether the sum named m is above zero.
func (p sumPlan) positive(m string) string {
	if p.mode == fastSums {
		return m + " > 0"
	}
	return "(" + m + " > 0 OR (" + m + " = 0 AND " + m + "f > 0))"
}

// double renders the sum named m as a DOUBLE (for shares).
func (p sumPlan) double(m string) string {
	if p.mode == fastSums {
		return m + "::DOUBLE"
	}
	return "(" + m + "::DOUBLE + " + m + "f::DOUBLE)"
}

// read joins the cells of one sum (p.width() of them).
func (p sumPlan) read(cells []sumCell) (decimal.Decimal, error) {
	if p.mode == fastSums {
		return cells[0].decimal()
	}
	// The parts as cost.SumParts joins them, without the text between.
	whole, err := cells[0].decimal()
	if err != nil {
		return decimal.Decimal{}, err
	}
	frac, err := cells[1].decimal()
	if err != nil {
		return decimal.Decimal{}, err
	}
	return cost.CheckTotal(whole.Add(frac))
}

// pairSQL renders the select items of a sum whose integer part is the
// aggregate w and fractional part the aggregate f, named name and
// name+"f", normalized so that the fractional part is in [0, 1):
// ordering by (name, name+"f") is then ordering by the sum, exactly.
func pairSQL(w, f, name string) []string {
	fl := "floor(" + f + ")"
	return []string{w + " + " + fl + "::HUGEINT AS " + name, f + " - " + fl + " AS " + name + "f"}
}

// storedPartsSQL renders the select items that sum the stored column c
// (with its c_hi) split: its integer parts as w, its fractional parts as
// f, for foldSQL to store again.
func storedPartsSQL(c, w, f string) []string {
	return []string{"sum(coalesce(" + c + hiSuffix + ", 0) + trunc(" + c + ")::HUGEINT) AS " + w, "sum(" + c + " - trunc(" + c + ")) AS " + f}
}

// foldSQL renders the two stored columns (c, c_hi) of the sum whose
// integer part is the HUGEINT w and fractional part f: the whole sum in
// c while it is below foldBound, else f in c and w in c_hi.
func foldSQL(w, f string) (c, hi string) {
	small := "abs(" + w + ") < " + foldBound
	return "CASE WHEN " + small + " THEN " + w + "::" + money + " + " + f + " ELSE " + f + " END",
		"CASE WHEN " + small + " THEN NULL ELSE " + w + " END"
}

// isOverflow reports whether err is DuckDB failing a sum it cannot hold.
func isOverflow(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfRange && strings.Contains(de.Msg, "Overflow in HUGEINT")
}

// isProductOverflow reports whether err is DuckDB failing a product of
// DECIMALs (an amount times an exchange rate) too large for its type.
func isProductOverflow(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfRange && strings.Contains(de.Msg, "Overflow in multiplication of DECIMAL")
}

// fastThenSplit runs build with fast sums and, when a sum was too large
// for them (tooLargeForFast), once more with split sums: how every
// rollup is built (commit, addRollupQuantities, addTagRollups). build
// runs in a transaction of its own, which the failed try rolled back.
func fastThenSplit(build func(sumMode) error) error {
	err := build(fastSums)
	if tooLargeForFast(err) {
		err = build(splitSums)
	}
	return err
}

// tooLargeForFast reports whether err is DuckDB failing a fast rollup
// build: a sum it cannot hold, or one of foldBound or more.
func tooLargeForFast(err error) bool {
	var de *duckdb.Error
	return isOverflow(err) || errors.As(err, &de) && de.Type == duckdb.ErrorTypeConversion && strings.Contains(de.Msg, "out of range")
}

// rollupMoneyColumns are the money columns of rollup_daily, each with a
// c_hi beside it.
func rollupMoneyColumns() []string {
	out := make([]string, 0, 4*len(metricColumns))
	for _, m := range metricColumns {
		out = append(out, m, "k8s_"+m, "usd_"+m, "usd_k8s_"+m)
	}
	return out
}

// hiColumnsSQL adds the c_hi columns to the rollup and the totals of
// files made before them. Their rows all hold values that fit c (a larger
// sum could not be stored then), so NULL is right for every one of them.
func hiColumnsSQL() []string {
	var out []string
	for _, c := range rollupMoneyColumns() {
		out = append(out, "ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS "+c+hiSuffix+" HUGEINT")
	}
	for _, m := range metricColumns {
		out = append(out, "ALTER TABLE snapshot_totals ADD COLUMN IF NOT EXISTS "+m+hiSuffix+" HUGEINT")
	}
	return out
}

// loadSumState reads whether the rollup has c_hi columns and whether any
// row uses them (Store.hi, Store.wide).
func (s *Store) loadSumState(ctx context.Context) error {
	var err error
	if s.hi, err = s.hasColumn(ctx, "rollup_daily", metricColumns[0]+hiSuffix); err != nil {
		return err
	}
	if !s.hi {
		s.wide.Store(false)
		return nil
	}
	wide, err := s.anyWide(ctx, "true")
	if err != nil {
		return err
	}
	s.wide.Store(wide)
	return nil
}

// hasColumn reports whether table has column: files made by older
// versions lack the later ones until opened for writing.
func (s *Store) hasColumn(ctx context.Context, table, column string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?`, table, column).Scan(&n); err != nil {
		return false, fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	return n > 0, nil
}

// anyWide reports whether a rollup row where cond holds, in the daily
// rollup, the tag rollup or the service rollup, keeps an integer part in
// a c_hi column.
func (s *Store) anyWide(ctx context.Context, cond string) (bool, error) {
	var used []string
	for _, c := range rollupMoneyColumns() {
		used = append(used, c+hiSuffix+" IS NOT NULL")
	}
	tables := []string{"rollup_daily"}
	if s.tagRollup {
		tables = append(tables, tagRollupTable)
	}
	if s.serviceRollup {
		tables = append(tables, serviceRollupTable)
	}
	for _, t := range tables {
		var wide bool
		err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+` WHERE (`+cond+`) AND (`+
			strings.Join(used, " OR ")+`))`).Scan(&wide)
		if err != nil {
			return false, fmt.Errorf("reading the rollup's sums: %w", err)
		}
		if wide {
			return true, nil
		}
	}
	return false, nil
}

// sumPlanFor is the plan of a query's first run: split from the start
// when it reads a rollup that holds integer parts, else fast.
func (s *Store) sumPlanFor(rollup bool) sumPlan {
	p := sumPlan{mode: fastSums, hi: s.hi, rollup: rollup}
	if rollup && s.wide.Load() {
		p.mode = splitSums
	}
	return p
}

// rollupInsertSQL sums the line items of the snapshots in (a list of ids)
// into the daily rollup. fastSums sums each amount as is and fails
// (tooLargeForFast) on a sum of foldBound or more: the cast to one digit
// less than the column checks what the sum itself would not below
// 1.7·10^14. splitSums sums integer and fractional parts apart and folds
// them (foldSQL). Columns are named: files made before c_hi have columns
// in another order.
func rollupInsertSQL(in string, mode sumMode) string {
	return sumsInsertSQL("rollup_daily", in, mode, -1)
}

// sumsInsertSQL is rollupInsertSQL into table, and with tagKeys of 0 or
// more, into the tag rollup, grouping also by the values of that many
// kept tag keys: its parameters are the keys, twice.
func sumsInsertSQL(table, in string, mode sumMode, tagKeys int) string {
	narrow := fmt.Sprintf("DECIMAL(%d,%d)", cost.Precision-1, cost.Scale) // below foldBound
	// Every rollup dimension, wherever its column is in the table.
	dims := make([]string, len(rollupDims))
	for i, d := range rollupDims {
		dims[i] = dimColumns[d]
	}
	names := append([]string{"snapshot_id", "day"}, dims...)
	inner := append([]string{"snapshot_id", "date_trunc('day', charge_period_start) AS day"}, dims...)
	outer := append([]string{}, names...)
	wrap := mode == splitSums
	if tagKeys >= 0 {
		// One text column per key, which DuckDB groups by far faster
		// than by the map they make again outside (a third of the time
		// over 5M items).
		entries := make([]string, tagKeys)
		for i := range tagKeys {
			t := "t" + strconv.Itoa(i)
			inner = append(inner, "tags[?::VARCHAR] AS "+t)
			entries[i] = "{'key': ?::VARCHAR, 'value': " + t + "}"
		}
		tags := "NULL::MAP(VARCHAR, VARCHAR)"
		if tagKeys > 0 {
			tags = "map_from_entries(list_filter([" + strings.Join(entries, ", ") + "], e -> e.value IS NOT NULL))"
		}
		names = append(names, "tags")
		outer = append(outer, tags)
		wrap = true
	}
	for _, m := range metricColumns {
		usd := usdExpr(m)
		xs := []string{m, "CASE WHEN kubernetes THEN " + m + " ELSE 0 END", usd, "CASE WHEN kubernetes THEN " + usd + " ELSE 0 END"}
		cols := []string{m, "k8s_" + m, "usd_" + m, "usd_k8s_" + m}
		for i, x := range xs {
			if mode == fastSums {
				names = append(names, cols[i])
				inner = append(inner, "sum("+x+")::"+narrow+" AS "+cols[i])
				outer = append(outer, cols[i])
				continue
			}
			w, f := "w_"+cols[i], "f_"+cols[i]
			inner = append(inner, "sum(trunc("+x+")::HUGEINT) AS "+w, "sum("+x+" - trunc("+x+")) AS "+f)
			c, hi := foldSQL(w, f)
			names = append(names, cols[i], cols[i]+hiSuffix)
			outer = append(outer, c, hi)
		}
	}
	names = append(names, "items", "usd_missing", "consumed_quantity")
	inner = append(inner, "count(*) AS items", missingUSD+" AS usd_missing", "coalesce(sum(consumed_quantity), 0) AS consumed_quantity")
	outer = append(outer, "items", "usd_missing", "consumed_quantity")
	sel := "SELECT " + strings.Join(inner, ", ") + " FROM line_items WHERE snapshot_id IN " + in + " GROUP BY ALL"
	if wrap {
		sel = "SELECT " + strings.Join(outer, ", ") + " FROM (" + sel + ")"
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") " + sel
}

// totalsInsertSQL sums the rollup rows of the snapshots in into
// snapshot_totals, split (a snapshot is where sums get largest; the
// rollup is small) and folded.
func totalsInsertSQL(in string) string {
	names := []string{"snapshot_id", "currency"}
	inner := []string{"snapshot_id", "billing_currency"}
	outer := []string{"snapshot_id", "billing_currency"}
	for _, m := range metricColumns {
		w, f := "w_"+m, "f_"+m
		inner = append(inner, storedPartsSQL(m, w, f)...)
		c, hi := foldSQL(w, f)
		names = append(names, m, m+hiSuffix)
		outer = append(outer, c, hi)
	}
	return "INSERT INTO snapshot_totals (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(outer, ", ") +
		" FROM (SELECT " + strings.Join(inner, ", ") + " FROM rollup_daily WHERE snapshot_id IN " + in + " GROUP BY ALL)"
}

// totalsSQL renders the (integer, fractional) text pairs of the metrics
// of snapshot_totals.
func (s *Store) totalsSQL() string {
	parts := make([]string, 0, 2*len(metricColumns))
	for _, m := range metricColumns {
		hi := "'0'"
		if s.hi {
			hi = "coalesce(" + m + hiSuffix + ", 0)::VARCHAR"
		}
		parts = append(parts, hi, m+"::VARCHAR")
	}
	return strings.Join(parts, ", ")
}

// scopedTotalsSQL renders the (integer, fractional) text pairs of the
// metrics summed over rollup rows, split (snapshot-wide sums are the
// largest).
func (s *Store) scopedTotalsSQL() string {
	parts := make([]string, 0, 2*len(metricColumns))
	for _, m := range metricColumns {
		whole := "trunc(" + m + ")::HUGEINT"
		if s.hi {
			whole = "coalesce(" + m + hiSuffix + ", 0) + " + whole
		}
		parts = append(parts, "sum("+whole+")::VARCHAR", "sum("+m+" - trunc("+m+"))::VARCHAR")
	}
	return strings.Join(parts, ", ")
}
