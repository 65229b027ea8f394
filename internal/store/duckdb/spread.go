package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// Spread (query.Query.Spread) counts an item that runs past its start day
// in every bucket it overlaps, in proportion to time. Such items are few
// (monthly fees, RI fees, tax, support), so the answer keeps coming from
// whatever plan chose, the daily rollup included, where every item counts
// in the bucket of its start, and correction rows computed from the line
// items that run past their start day are added before the groups are
// summed: minus the whole item in its start bucket (when the window holds
// its start) and plus its part in each bucket it overlaps within the
// window. The buckets are whole days (query.Validate), so an item within
// one day needs no correction.
//
// The parts are cost.Prorate's, digit for digit: C(t) = amount·t/d in
// units of 10^-24, rounded half to even, with t and d in microseconds
// from the item's start. amount·t would overflow HUGEINT (10^38 · 10^13),
// so the scaled amount n is split as n = q·d + r: n·t/d = q·t + r·t/d,
// where q·t ≤ n and r·t < d² stay below 1.7·10^38 for any period
// shorter than 100,000 years. DuckDB's DECIMAL division gives DOUBLE
// and is never used.

// multiDay selects the line items whose charge period runs past the end of
// their start day: those a spread query corrects.
const multiDay = "charge_period_end > date_trunc('day', charge_period_start) + INTERVAL 1 DAY"

// spreads reports whether the snapshots and scope of q hold an item
// running past its start day that overlaps q's window. Most answers have
// none, and the corrections cost DuckDB's planner several times a plain
// query's time (30-40 ms against 6 on a small test store, executing in
// under a millisecond), so plan adds them only where they change
// something. q's scope and filter are left out: they can only narrow,
// and reading the stored rows rather than the decoding view keeps this
// probe to the snapshot and time columns (it cost a Kubecost answer a
// fifth of its time through the view).
func (s *Store) spreads(ctx context.Context, q query.Query) (bool, error) {
	var sel conds
	if s.noted {
		// First the snapshots' notes (noteSpreads): most stores hold no
		// such item in the window, and this reads a few rows.
		// The snapshots of q's selection, chosen as its rows are
		// (selectionSQL), each snapshot standing for its rows.
		selectionSQL(&sel, q.Selection, "spread_from")
		sel.add("spread_items IS NULL OR (spread_items > 0 AND spread_from < ? AND spread_to > ?)", q.Window.End.UTC(), q.Window.Start.UTC())
	}
	var in conds
	selectionSQL(&in, q.Selection, "charge_period_start")
	in.add("charge_period_start < ?", q.Window.End.UTC())
	in.add("charge_period_end > ?", q.Window.Start.UTC())
	in.add(multiDay)
	// The answer depends only on the stored rows and these two probes.
	gen, err := s.Generation(ctx)
	if err != nil {
		return false, err
	}
	key := fmt.Sprint(sel.sql(), sel.args, in.sql(), in.args)
	if found, ok := s.spreadsSeen.get(gen, key); ok {
		return found, nil
	}
	found, err := s.probeSpreads(ctx, sel, in)
	if err != nil {
		return false, err
	}
	s.spreadsSeen.put(gen, key, found)
	return found, nil
}

// probeSpreads runs spreads' probes: sel over the snapshots' notes, when
// it has conditions, then in over the line items.
func (s *Store) probeSpreads(ctx context.Context, sel, in conds) (bool, error) {
	if len(sel.parts) > 0 {
		var maybe bool
		err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM (SELECT id AS snapshot_id, spread_items, spread_from, spread_to FROM snapshots) AS noted WHERE "+
			sel.sql()+")", sel.args...).Scan(&maybe)
		if err != nil {
			return false, fmt.Errorf("finding items charged for several days: %w", err)
		}
		if !maybe {
			return false, nil
		}
	}
	var found bool
	if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM line_items_coded WHERE "+in.sql()+")", in.args...).Scan(&found); err != nil {
		return false, fmt.Errorf("finding items charged for several days: %w", err)
	}
	return found, nil
}

// spreadMemo remembers spreads' answers for one data generation
// (generation.go): the probes cost an uncached Kubecost answer about a
// sixteenth of its CPU (BENCHMARKS.md), and a dashboard asks the same
// windows again and again. The generation is read before the probes and
// moves after every write commits, so an answer is never kept past the
// write that could change it. This adds no race the probes did not have:
// they never ran in the transaction of the question they plan.
type spreadMemo struct {
	mu   sync.Mutex
	gen  uint64
	seen map[string]bool
}

// spreadMemoMax bounds the answers kept for one generation: windows and
// scopes are few on a dashboard, and past this the memo starts again.
const spreadMemoMax = 4096

func (m *spreadMemo) get(gen uint64, key string) (found, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen != gen {
		return false, false
	}
	found, ok = m.seen[key]
	return found, ok
}

func (m *spreadMemo) put(gen uint64, key string, found bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen < m.gen {
		return // a newer generation's answers are kept
	}
	if m.gen != gen || m.seen == nil || len(m.seen) >= spreadMemoMax {
		m.gen, m.seen = gen, map[string]bool{}
	}
	m.seen[key] = found
}

// noteSpreads records, in each snapshot that cond (a condition on the
// snapshots table) chooses, how many of its items run past their start
// day and the time they cover, from the first start to the last end, so
// that spreads can tell from the snapshots alone that a window needs no
// correction. Run when an import commits, and when a file is opened for
// the snapshots of versions that did not note them.
func (s *Store) noteSpreads(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, cond string) error {
	for _, stmt := range []string{
		"UPDATE snapshots SET spread_items = x.n, spread_from = x.f, spread_to = x.t FROM (SELECT snapshot_id, count(*) AS n," +
			" min(charge_period_start) AS f, max(charge_period_end) AS t FROM line_items_coded" +
			" WHERE snapshot_id IN (SELECT id FROM snapshots WHERE " + cond + ") AND " + multiDay + " GROUP BY snapshot_id) AS x" +
			" WHERE snapshots.id = x.snapshot_id",
		"UPDATE snapshots SET spread_items = 0 WHERE " + cond + " AND spread_items IS NULL",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("noting the items charged for several days: %w", err)
		}
	}
	return nil
}

// spreadGroups are the group columns of plan's inner query: the stored
// dimensions of pre (s0, s1, ...) when plan groups in two levels, else
// q's groups (k0, k1, ...); and the SQL of each.
func spreadGroups(q query.Query, twoLevel bool, pre []cost.Dimension, keys []string) ([]string, func(*compiler, int) (string, error)) {
	if !twoLevel {
		return keys, func(c *compiler, i int) (string, error) { return c.dim(q.GroupBy[i]) }
	}
	cols := make([]string, len(pre))
	for j := range pre {
		cols[j] = "s" + strconv.Itoa(j)
	}
	return cols, func(c *compiler, j int) (string, error) { return c.stored(pre[j]) }
}

// spreadSQL returns g (plan's inner grouped query, whose args are args)
// with the corrections of q's items that run past their start day, as
// one query of the same columns, and its args. cols are the names of
// g's group columns between bucket and currency; keyExpr renders each
// over line_items. sums are g's sum columns, rendered by sp.
func spreadSQL(q query.Query, b query.Buckets, sp sumPlan, g string, args []any, cols []string, keyExpr func(*compiler, int) (string, error), sums []string) (string, []any, error) {
	metrics := q.MetricsOrAll()
	// si: the line items of the query that run past their start day and
	// overlap the window, with their groups and amounts.
	sc := &compiler{maps: q.Mappings, rates: q.Rates}
	sel := make([]string, 0, len(cols)+2*len(metrics)+6)
	for i, col := range cols {
		e, err := keyExpr(sc, i)
		if err != nil {
			return "", nil, err
		}
		sel = append(sel, e+" AS "+col)
	}
	currency, missing := "billing_currency", "0"
	if q.USD {
		currency, missing = "'USD'", "CASE WHEN "+missingCond(q.Rates)+" THEN 1 ELSE 0 END"
	}
	sel = append(sel, currency+" AS currency", "kubernetes AS sp_k8s", missing+"::BIGINT AS sp_missing",
		"charge_period_start AS sp_start", "epoch_us(charge_period_start) AS sp_s", "epoch_us(charge_period_end) AS sp_e")
	for i, m := range metrics {
		col := metricColumns[m]
		if q.USD {
			// As plan sums it, so that the minus rows cancel it exactly.
			col = usdAmount(col, q.Rates)
		}
		sel = append(sel, "("+col+")::DECIMAL(38,24) AS a"+strconv.Itoa(i))
	}
	from, err := scopedRows(sc, "line_items", q.Selection, cost.Window{}, q.Scope, q.Filter, "charge_period_start")
	if err != nil {
		return "", nil, err
	}
	sc.args = append(sc.args, q.Window.End.UTC(), q.Window.Start.UTC())
	si := "SELECT " + strings.Join(sel, ", ") + from +
		" AND charge_period_start < ? AND charge_period_end > ?" +
		" AND " + multiDay

	// minus: each item that starts in the window, out of its start bucket.
	mc := &compiler{}
	minus := []string{bucketSQL(mc, b, "sp_start") + " AS bucket"}
	minus = append(minus, cols...)
	minus = append(minus, "currency")
	for i := range metrics {
		a := "a" + strconv.Itoa(i)
		minus = append(minus, spreadValue(sp, "-"+a)...)
		minus = append(minus, spreadValue(sp, "CASE WHEN sp_k8s THEN -"+a+" ELSE 0 END")...)
	}
	minus = append(minus, "-1", "-sp_missing", "NULL::TIMESTAMP", "NULL::TIMESTAMP")
	mc.args = append(mc.args, q.Window.Start.UTC(), q.Window.End.UTC())
	minusSQL := "SELECT " + strings.Join(minus, ", ") + " FROM si WHERE sp_start >= ? AND sp_start < ?"

	// plus: each item's part in each bucket it overlaps, ta and tb the
	// bucket's overlap in microseconds from the item's start.
	var bk []string
	for i, w := range b.Windows {
		bk = append(bk, "("+strconv.Itoa(i)+", "+strconv.FormatInt(w.Start.UnixMicro(), 10)+", "+strconv.FormatInt(w.End.UnixMicro(), 10)+")")
	}
	// Each level computes one step of cost.Prorate per metric, so that
	// no expression repeats another: the scaled amount n; its sign and the quotient and
	// remainder of |n| by d; C's whole part and twice its remainder at ta
	// and tb; the part; the part as a DECIMAL.
	l2 := []string{"si.*", "bk.i AS sp_bucket", "greatest(bk.bs, sp_s) - sp_s AS ta", "least(bk.be, sp_e) - sp_s AS tb",
		"(sp_e - sp_s)::HUGEINT AS d"}
	l3, l4, l5, l6 := []string{"*"}, []string{"*"}, []string{"*"}, []string{"*"}
	plus := []string{"sp_bucket AS bucket"}
	plus = append(plus, cols...)
	plus = append(plus, "currency")
	for i := range metrics {
		n := strconv.Itoa(i)
		// The DECIMAL's digits as an integer: DuckDB writes every one of
		// its 24 fractional digits.
		l2 = append(l2, "replace(a"+n+"::VARCHAR, '.', '')::HUGEINT AS n"+n)
		l3 = append(l3, "sign(n"+n+") AS g"+n, "abs(n"+n+") // d AS q"+n, "abs(n"+n+") % d AS r"+n)
		for _, at := range []string{"a", "b"} {
			t := "t" + at
			l4 = append(l4, "q"+n+" * "+t+" + (r"+n+" * "+t+") // d AS w"+at+n, "2 * ((r"+n+" * "+t+") % d) AS e"+at+n)
		}
		l5 = append(l5, "g"+n+" * ("+roundedSQL("wb"+n, "eb"+n)+" - "+roundedSQL("wa"+n, "ea"+n)+") AS p"+n)
		l6 = append(l6, fromScaledSQL("p"+n)+" AS v"+n)
		plus = append(plus, spreadValue(sp, "v"+n)...)
		plus = append(plus, spreadValue(sp, "CASE WHEN sp_k8s THEN v"+n+" ELSE 0 END")...)
	}
	first, last := "NULL::TIMESTAMP", "NULL::TIMESTAMP"
	if q.Spans {
		first = "date_trunc('day', make_timestamp(sp_s + ta))::TIMESTAMP"
		last = "date_trunc('day', make_timestamp(sp_s + tb - 1))::TIMESTAMP"
	}
	plus = append(plus, "1", "sp_missing", first, last)
	src := "si JOIN (VALUES " + strings.Join(bk, ", ") + ") AS bk(i, bs, be) ON bk.bs < sp_e AND bk.be > sp_s"
	for j, l := range [][]string{l2, l3, l4, l5, l6} {
		src = "(SELECT " + strings.Join(l, ", ") + " FROM " + src + ") AS l" + strconv.Itoa(j+2)
	}
	plusSQL := "SELECT " + strings.Join(plus, ", ") + " FROM " + src

	out := []string{"bucket"}
	out = append(out, cols...)
	out = append(out, "currency")
	out = append(out, sp.outer(sums)...)
	out = append(out, "sum(items)::BIGINT AS items", "sum(missing)::BIGINT AS missing", "min(first) AS first", "max(last) AS last")
	// A group whose items all moved out of the bucket has a count of 0
	// and is no group.
	sql := "SELECT " + strings.Join(out, ", ") + " FROM (WITH si AS MATERIALIZED (" + si + ") " +
		g + " UNION ALL " + minusSQL + " UNION ALL " + plusSQL + ") AS spread GROUP BY ALL HAVING sum(items) > 0"
	return sql, append(append(sc.args, args...), mc.args...), nil
}

// spreadValue renders one amount of a correction row as the columns of
// one of plan's sums (sumPlan): the amount, or its integer and fractional
// parts. NULL (no USD value) is 0 here, so that a group only corrections
// make still sums to a number; sum leaves NULLs out, which is the same.
func spreadValue(sp sumPlan, v string) []string {
	v = "coalesce(" + v + ", 0)"
	if sp.mode == fastSums {
		return []string{v}
	}
	return []string{"trunc(" + v + ")::HUGEINT", v + " - trunc(" + v + ")"}
}

// roundedSQL is C(t) of cost.Prorate for |n|, from the whole part w of
// |n|·t/d and twice its remainder e: rounded half to even.
func roundedSQL(w, e string) string {
	return "(" + w + " + CASE WHEN " + e + " > d OR (" + e + " = d AND " + w + " % 2 = 1) THEN 1 ELSE 0 END)"
}

// fromScaledSQL is the DECIMAL(38,24) whose digits are the integer p,
// written as text: a HUGEINT cannot be divided into a DECIMAL exactly.
func fromScaledSQL(p string) string {
	unit := "1000000000000000000000000::HUGEINT"
	return "(CASE WHEN " + p + " < 0 THEN '-' ELSE '' END || (abs(" + p + ") // " + unit + ")::VARCHAR || '.' || lpad((abs(" +
		p + ") % " + unit + ")::VARCHAR, 24, '0'))::DECIMAL(38,24)"
}
