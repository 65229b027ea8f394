package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// missingUSD counts the line items of a group that have no USD value: a
// bill in another currency that gives no exchange rate. USD totals leave
// them out, and the count tells the caller so.
var missingUSD = missingSQL(nil)

// Query answers q into memory (query.Collect over Stream).
func (s *Store) Query(ctx context.Context, q query.Query) (*query.Result, error) {
	return query.Collect(ctx, s, q)
}

// Stream answers q row by row, from the daily rollup when it can, else
// from the line items. Money is summed as DECIMAL and read back as text,
// so no digit is lost on the way; DuckDB groups, orders and pages, and
// only the rows asked for reach Go. A sum too large for DECIMAL(38, 24)
// fails before any row is read; the query then runs again with split
// sums (sums.go).
func (s *Store) Stream(ctx context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	q, err := s.idleRates(ctx, q)
	if err != nil {
		return query.Stats{}, err
	}
	rollup, tagKeys := s.rollupFor(q)
	st := query.Stats{Rollup: rollup}
	if err := q.Validate(); err != nil {
		return st, err
	}
	b, err := query.Cut(q.Window, q.Step)
	if err != nil {
		return st, err
	}
	st.Buckets = b.Windows
	if q.Spread {
		// Corrections only where they change something (spread.go).
		if q.Spread, err = s.spreads(ctx, q); err != nil {
			return st, err
		}
	}
	sp := s.sumPlanFor(rollup || tagKeys != nil)
	sp.tags = tagKeys != nil
	sp.service = rollup && tagKeys == nil && s.serviceRollupAnswers(q)
	delivered := false
	counted := func(r query.Row) error { delivered = true; return fn(r) }
	got, err := s.stream(ctx, q, b, sp, tagKeys, counted)
	if isOverflow(err) && sp.mode == fastSums && !delivered {
		sp.mode = splitSums
		got, err = s.stream(ctx, q, b, sp, tagKeys, counted)
	}
	switch {
	case isOverflow(err):
		err = cost.TooLarge()
	case len(q.Rates) > 0 && isProductOverflow(err):
		err = fmt.Errorf("%w: a line item converted at an exchange rate reaches 10^14 USD, more than one item may hold; check the rates", cost.ErrTooLarge)
	}
	got.Buckets = st.Buckets
	return got, err
}

// stream runs q with its sums rendered by sp.
func (s *Store) stream(ctx context.Context, q query.Query, b query.Buckets, sp sumPlan, tagKeys []string, fn func(query.Row) error) (query.Stats, error) {
	var st query.Stats
	var db interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = s.db
	if sp.tags {
		// The tag rollup answers only if every visible snapshot has it:
		// checked in the transaction that reads it (tagrollup.go).
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return st, fmt.Errorf("querying costs: %w", err)
		}
		defer tx.Rollback() // it only read
		ok, err := tagRollupAnswers(ctx, tx, tagKeys)
		if err != nil {
			return st, err
		}
		if !ok {
			sp.rollup, sp.tags = false, false
		}
		db = tx
	}
	st.Rollup = sp.rollup
	p, err := plan(q, b, sp)
	if err != nil {
		return st, err
	}
	rows, err := db.QueryContext(ctx, p.sql, p.args...)
	if err != nil {
		return st, fmt.Errorf("querying costs: %w", err)
	}
	defer rows.Close()
	nm := len(q.MetricsOrAll())
	w := sp.width()
	nk := len(q.GroupBy)
	// One set of scan targets for every row; what a row keeps (its keys,
	// values and shares) is made anew for it.
	var (
		stats       bool
		grn         int64
		bucket      int64
		r           query.Row
		first, last *time.Time
		qty         sql.NullString
	)
	cells := make([]sumCell, 2*w*nm) // per metric: value, Kubernetes part
	dest := make([]any, 0, 10+nk+len(cells))
	dest = append(dest, &stats)
	if p.windowed {
		dest = append(dest, &grn)
	}
	dest = append(dest, &bucket)
	keyAt := len(dest)
	dest = append(dest, make([]any, nk)...)
	dest = append(dest, &r.Currency)
	for i := range cells {
		dest = append(dest, &cells[i])
	}
	dest = append(dest, &r.Items, &r.MissingUSD, &first, &last)
	if q.Quantity {
		dest = append(dest, &qty)
	}
	dest = append(dest, &r.Other)
	for rows.Next() {
		r = query.Row{}
		keys := make([]string, nk)
		for i := range keys {
			dest[keyAt+i] = &keys[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return st, fmt.Errorf("reading query result: %w", err)
		}
		if stats {
			// The last row of a windowed answer: its totals.
			st.Total, st.MissingUSD = int(r.Items), r.MissingUSD
			continue
		}
		if !p.windowed {
			st.MissingUSD += r.MissingUSD
			if q.USD && q.PricedOnly && r.Items <= r.MissingUSD {
				// Left out, as windowedSQL's priced does.
				continue
			}
			st.Total++
		}
		if bucket < 0 || int(bucket) >= len(b.Windows) {
			return st, fmt.Errorf("querying costs: bucket %d outside the %d buckets of %s", bucket, len(b.Windows), q.Window)
		}
		bw := b.Windows[bucket]
		r.Start, r.End, r.Keys = bw.Start, bw.End, keys
		if q.Spans && first != nil && last != nil {
			r.Span = span(bw, *first, *last, q.Step)
		}
		vals := make([]decimal.Decimal, 2*nm) // one allocation for both
		r.Values, r.Kubernetes = vals[:nm:nm], vals[nm:]
		for i := range nm {
			if r.Values[i], err = sp.read(cells[2*w*i : 2*w*i+w]); err != nil {
				return st, err
			}
			if r.Kubernetes[i], err = sp.read(cells[2*w*i+w : 2*w*(i+1)]); err != nil {
				return st, err
			}
		}
		if q.Quantity && qty.Valid {
			if r.Quantity, err = decimal.NewFromString(qty.String); err != nil {
				return st, fmt.Errorf("reading a quantity: %w", err)
			}
		}
		if err := fn(r); err != nil {
			return st, err
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("querying costs: %w", err)
	}
	return st, nil
}

// span is the part of bucket w from the start of the granule (day, or
// hour for hourly steps) of first to the end of that of last.
func span(w cost.Window, first, last time.Time, step query.Step) cost.Window {
	g := 24 * time.Hour
	if step.Unit == query.UnitHour {
		g = time.Hour
	}
	out := cost.Window{Start: first.UTC(), End: last.UTC().Add(g)}
	if out.Start.Before(w.Start) {
		out.Start = w.Start
	}
	if out.End.After(w.End) {
		out.End = w.End
	}
	return out
}

// planned is the SQL of a query and its arguments.
type planned struct {
	sql  string
	args []any
	// windowed: the rows carry their number (grn) and a last stats row
	// (windowedSQL).
	windowed bool
}

// bucketSQL puts a row's time t into its bucket by the integer
// arithmetic of query.Buckets, with the anchor and length as parameters.
func bucketSQL(c *compiler, b query.Buckets, t string) string {
	switch {
	case len(b.Windows) <= 1:
		return "0::BIGINT"
	case b.Months > 0:
		c.args = append(c.args, int64(query.MonthIndex(b.Anchor)), int64(b.Months))
		return "(((year(" + t + ") * 12 + month(" + t + ") - 1) - ?) // ?)::BIGINT"
	}
	c.args = append(c.args, b.Anchor.UnixMicro(), b.Length.Microseconds())
	return "((epoch_us(" + t + ") - ?) // ?)::BIGINT"
}

// plan renders q, its sums as sp says. The grouped sums are computed in
// g; a query that pages or keeps its top rows numbers them per bucket in
// r and cuts them outside, so that only the rows asked for leave DuckDB.
func plan(q query.Query, b query.Buckets, sp sumPlan) (planned, error) {
	rollup := sp.rollup
	table, timeCol := "line_items", "charge_period_start"
	if rollup {
		table, timeCol = "rollup_daily", "day"
	}
	if sp.tags {
		table = tagRollupTable
	}
	if sp.service {
		table = serviceRollupTable
	}
	c := &compiler{maps: q.Mappings, rates: q.Rates}
	sel := []string{bucketSQL(c, b, timeCol) + " AS bucket"}
	keys := make([]string, len(q.GroupBy))
	for i := range q.GroupBy {
		keys[i] = "k" + strconv.Itoa(i)
	}
	// Mapped groups are computed over rows already grouped by the stored
	// dimensions they read (two levels), so that a mapping of hundreds of
	// rules runs once per group of stored values, not once per line item
	// (except small mappings over a rollup: preGrouped).
	pre, twoLevel := preGrouped(q, rollup)
	outer := &compiler{maps: q.Mappings, cols: map[cost.Dimension]string{}, rates: q.Rates}
	var outerKeys []string
	if twoLevel {
		for j, d := range pre {
			e, err := c.stored(d)
			if err != nil {
				return planned{}, err
			}
			col := "s" + strconv.Itoa(j)
			sel = append(sel, e+" AS "+col)
			outer.cols[d] = col
		}
		for i, d := range q.GroupBy {
			e, err := outer.dim(d)
			if err != nil {
				return planned{}, err
			}
			outerKeys = append(outerKeys, e+" AS "+keys[i])
		}
	} else {
		for i, d := range q.GroupBy {
			e, err := c.dim(d)
			if err != nil {
				return planned{}, err
			}
			sel = append(sel, e+" AS "+keys[i])
		}
	}
	prefix := ""
	if q.USD {
		prefix = "usd_"
		sel = append(sel, "'USD' AS currency")
	} else {
		sel = append(sel, "billing_currency AS currency")
	}
	metrics := q.MetricsOrAll()
	amount := func(m cost.Metric) string {
		switch {
		case rollup:
			return prefix + metricColumns[m]
		case q.USD:
			return usdAmount(metricColumns[m], q.Rates)
		}
		return metricColumns[m]
	}
	// The Kubernetes shares are left out where the query says it does
	// not read them and nothing else does (spread corrections, a second
	// grouping level, Other rows and share orders sum them): a third of
	// the work of a CloudKitty summary over 1.44M rated items.
	skipK8s := q.NoKubernetes && !q.Spread && !twoLevel && q.Top == 0 && !slices.ContainsFunc(q.Orders(), func(o query.Order) bool { return o.By == query.ByShare })
	var sums []string  // m0, x0, m1, x1, ... (each sp.width() columns) as grouped
	var shown []string // the same as the answer reads them (sumCell)
	for i, m := range metrics {
		col := amount(m)
		k8s := "CASE WHEN kubernetes THEN " + col + " ELSE 0 END"
		if rollup {
			k8s = prefix + "k8s_" + metricColumns[m]
		}
		mi, xi := "m"+strconv.Itoa(i), "x"+strconv.Itoa(i)
		sel = append(sel, sp.item(col, rollup, mi)...)
		sums = append(sums, sp.names(mi)...)
		shown = append(shown, sp.names(mi)...)
		for _, n := range sp.names(xi) {
			if skipK8s {
				shown = append(shown, "0")
			} else {
				shown = append(shown, n)
			}
		}
		if !skipK8s {
			sel = append(sel, sp.item(k8s, rollup, xi)...)
			sums = append(sums, sp.names(xi)...)
		}
	}
	items, missing := "count(*)", missingSQL(q.Rates)
	if rollup {
		items, missing = "sum(items)", "sum(usd_missing)"
	}
	if !q.USD {
		missing = "0"
	}
	sel = append(sel, items+"::BIGINT AS items", missing+"::BIGINT AS missing")
	spanCol := timeCol
	switch {
	case !q.Spans:
		spanCol = "NULL::TIMESTAMP"
	case q.Step.Unit == query.UnitHour:
		spanCol = "date_trunc('hour', " + timeCol + ")"
	case !rollup:
		spanCol = "date_trunc('day', " + timeCol + ")"
	}
	sel = append(sel, "min("+spanCol+") AS first", "max("+spanCol+") AS last")
	if q.Quantity {
		// Last, after the columns a spread query's parts line up with
		// (Validate keeps quantities out of spread queries).
		sel = append(sel, "coalesce(sum(consumed_quantity), 0) AS qty")
	}
	from, err := scopedRows(c, table, q.Selection, q.Window, q.Scope, q.Filter, timeCol)
	if err != nil {
		return planned{}, err
	}
	// HAVING: when every grouping column is a constant (one bucket, no
	// groups, USD), GROUP BY ALL is a plain aggregate, which answers one
	// row of NULLs over no rows; a group exists only where rows are.
	g := "SELECT " + strings.Join(sel, ", ") + from + " GROUP BY ALL HAVING count(*) > 0"
	if q.Spread {
		cols, key := spreadGroups(q, twoLevel, pre, keys)
		if g, c.args, err = spreadSQL(q, b, sp, g, c.args, cols, key, sums); err != nil {
			return planned{}, err
		}
	}
	args := c.args
	if twoLevel {
		osel := append([]string{"bucket"}, outerKeys...)
		osel = append(osel, "currency")
		osel = append(osel, sp.outer(sums)...)
		osel = append(osel, "sum(items)::BIGINT AS items", "sum(missing)::BIGINT AS missing", "min(first) AS first", "max(last) AS last")
		if q.Quantity {
			osel = append(osel, "sum(qty) AS qty")
		}
		g = "SELECT " + strings.Join(osel, ", ") + " FROM (" + g + ") AS pre GROUP BY ALL"
		args = append(outer.args, c.args...)
	}
	c.args = args

	order := orderSQL(q, keys, sp)
	cols := "bucket, " + strings.Join(append(append([]string{}, keys...), "currency"), ", ")
	for _, s := range shown {
		cols += ", " + s
	}
	cols += ", items, missing, first, last"
	if q.Quantity {
		cols += ", qty::VARCHAR"
	}
	if q.Top == 0 && q.Limit == 0 && q.Offset == 0 {
		// Every group leaves DuckDB; Stream leaves out those PricedOnly
		// does, counting their missing items. Numbering rows in SQL for
		// nothing costs a sixth of a Kubecost answer.
		return planned{
			sql:  "SELECT false AS stats, " + cols + ", false AS other FROM (" + g + ") AS g ORDER BY bucket, " + order,
			args: c.args,
		}, nil
	}
	return planned{sql: windowedSQL(q, g, order, cols, keys, sums, len(shown)), args: c.args, windowed: true}, nil
}

// windowedSQL numbers the grouped rows g per bucket in the order asked
// for, keeps the top ones and sums the rest into Other rows, or cuts a
// page, so that only the rows asked for leave DuckDB. A last row (stats)
// carries the answer's totals in its items and missing columns: the
// number of rows before paging, and the line items without USD value of
// every group, those PricedOnly leaves out included.
// shown is the number of sum columns the answer reads (sums holds those
// that were summed: fewer when the Kubernetes shares are left out).
func windowedSQL(q query.Query, g, order, cols string, keys, sums []string, shown int) string {
	priced := "true"
	if q.USD && q.PricedOnly {
		priced = "items > missing"
	}
	r := "SELECT *, row_number() OVER (PARTITION BY bucket ORDER BY " + order + ") AS rn, count(*) OVER (PARTITION BY bucket) AS n FROM g WHERE " + priced
	t := "SELECT *, false AS other FROM r"
	inPage := "true"
	if q.Top > 0 {
		top := strconv.Itoa(q.Top)
		otherCols := []string{"bucket"}
		for range keys {
			otherCols = append(otherCols, "''")
		}
		otherCols = append(otherCols, "currency")
		for _, s := range sums {
			otherCols = append(otherCols, "sum("+s+")")
		}
		otherCols = append(otherCols, "sum(items)::BIGINT", "sum(missing)::BIGINT", "min(first)", "max(last)")
		if q.Quantity {
			otherCols = append(otherCols, "sum(qty)")
		}
		otherCols = append(otherCols, top+" AS rn", "0 AS n", "true AS other")
		t += " WHERE n <= " + top + " OR rn < " + top +
			" UNION ALL SELECT " + strings.Join(otherCols, ", ") + " FROM r WHERE n > " + top + " AND rn >= " + top + " GROUP BY bucket, currency"
	} else {
		inPage = "rn > " + strconv.Itoa(q.Offset)
		if q.Limit > 0 {
			inPage += " AND rn <= " + strconv.Itoa(q.Offset+q.Limit)
		}
	}
	stats := []string{"true", "0::BIGINT", "0::BIGINT"}
	for range keys {
		stats = append(stats, "''")
	}
	stats = append(stats, "''")
	for range shown {
		stats = append(stats, "0")
	}
	stats = append(stats, "(SELECT count(*) FROM p)::BIGINT", "(SELECT coalesce(sum(missing), 0) FROM g)::BIGINT", "NULL", "NULL")
	if q.Quantity {
		stats = append(stats, "NULL")
	}
	stats = append(stats, "false")
	// g and p are read twice (rows and stats): MATERIALIZED computes them
	// once.
	return "WITH g AS MATERIALIZED (" + g + "), r AS (" + r + "), t AS (" + t + ")," +
		" p AS MATERIALIZED (SELECT *, row_number() OVER (ORDER BY bucket, other, rn, currency) AS grn FROM t)" +
		" SELECT false AS stats, grn, " + cols + ", other FROM p WHERE " + inPage +
		" UNION ALL SELECT " + strings.Join(stats, ", ") +
		" ORDER BY stats, grn"
}

// orderSQL is the order of the rows of a bucket: q's orders, then the
// keys ascending and the currency, so that the order is total.
func orderSQL(q query.Query, keys []string, sp sumPlan) string {
	var parts []string
	for _, o := range q.Orders() {
		var e string
		switch o.By {
		case query.ByKey:
			e = keys[o.Index]
			if o.Desc {
				e += " DESC"
			}
		case query.ByShare:
			m, x := "m"+strconv.Itoa(o.Index), "x"+strconv.Itoa(o.Index)
			e = "CASE WHEN " + sp.positive(m) + " THEN " + sp.double(x) + " / " + sp.double(m) + " ELSE 0 END"
			if o.Desc {
				e += " DESC"
			}
		default:
			e = sp.order("m"+strconv.Itoa(o.Index), o.Desc)
		}
		parts = append(parts, e)
	}
	parts = append(parts, keys...)
	return strings.Join(append(parts, "currency"), ", ")
}

// preGrouped returns the stored dimensions the mapped groups of q read,
// and whether q's mapped groups are computed over rows grouped by them
// (two levels): every group is computed from stored dimensions a GROUP
// BY can hold (a test of tag keys reads the whole tag map, which
// cannot). Over a rollup (rollup), small mappings are computed on its
// rows in one level: it holds a few hundred rows a day, a mapping of a
// few rules costs little on each, and the second level cost more than
// the mapping saved (a fifth of the time of Kubecost's 30 days by
// service, whose service is such a mapping; BENCHMARKS.md).
func preGrouped(q query.Query, rollup bool) ([]cost.Dimension, bool) {
	mapped, rules := false, 0
	for _, d := range q.GroupBy {
		if _, ok := q.Mappings[d]; ok {
			mapped = true
			rules += mappingRules(q.Mappings, d, nil)
		}
	}
	if !mapped || rollup && !q.Spread && rules <= oneLevelRules {
		return nil, false
	}
	var out []cost.Dimension
	for _, d := range (query.Query{GroupBy: q.GroupBy, Mappings: q.Mappings}).StoredDimensions() {
		if key, ok := d.TagKey(); ok && key == "" {
			return nil, false
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, true
}

// oneLevelRules is the most rules the mapped groups of a rollup question
// may have for preGrouped to compute them in one level.
const oneLevelRules = 4

// mappingRules counts the rules that computing the dimension d runs,
// those of the mappings its rules read through included, as compiler.dim
// inlines them: a dimension within its own mapping (within) reads the
// stored value. Past oneLevelRules it stops counting.
func mappingRules(ms map[cost.Dimension]query.Mapping, d cost.Dimension, within []cost.Dimension) int {
	m, ok := ms[d]
	if !ok || slices.Contains(within, d) {
		return 0
	}
	within = append(slices.Clip(within), d)
	n := len(m.Rules)
	for _, from := range m.Dimensions() {
		if n > oneLevelRules {
			break
		}
		n += mappingRules(ms, from, within)
	}
	return n
}
