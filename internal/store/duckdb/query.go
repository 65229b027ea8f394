package duckdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// missingUSD counts the line items of a group that have no USD value: a
// bill in another currency that gives no exchange rate. USD totals leave
// them out, and the count tells the caller so.
const missingUSD = "count(*) FILTER (WHERE usd_billed_cost IS NULL AND billing_currency <> 'USD')"

// Query answers q from the daily rollup when it can, else from the line
// items. Money is summed as DECIMAL and read back as text, so no digit is
// lost on the way.
func (s *Store) Query(ctx context.Context, q query.Query) (*query.Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	sqlText, args, err := buildQuery(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("querying costs: %w", err)
	}
	defer rows.Close()
	metrics := q.MetricsOrAll()
	res := &query.Result{Query: q, Rollup: query.UsesRollup(q)}
	nk := len(q.GroupBy)
	for rows.Next() {
		var bucket *time.Time
		keys := make([]string, nk)
		texts := make([]string, 2*len(metrics))
		var r query.Row
		dest := make([]any, 0, 3+nk+len(texts))
		dest = append(dest, &bucket)
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &r.Currency)
		for i := range texts {
			dest = append(dest, &texts[i])
		}
		dest = append(dest, &r.Items, &r.MissingUSD)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("reading query result: %w", err)
		}
		r.Keys = keys
		r.Start, r.End = bucketBounds(q, bucket)
		r.Values = make([]decimal.Decimal, len(metrics))
		r.Kubernetes = make([]decimal.Decimal, len(metrics))
		for i := range metrics {
			if r.Values[i], err = parseDecimal(texts[2*i]); err != nil {
				return nil, err
			}
			if r.Kubernetes[i], err = parseDecimal(texts[2*i+1]); err != nil {
				return nil, err
			}
		}
		res.Rows = append(res.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("querying costs: %w", err)
	}
	res.Total = len(res.Rows)
	for _, r := range res.Rows {
		res.MissingUSD += r.MissingUSD
	}
	res.Rows = query.Page(res.Rows, q.Limit, q.Offset)
	return res, nil
}

func bucketBounds(q query.Query, b *time.Time) (time.Time, time.Time) {
	w := q.Window
	if b == nil || q.Step == query.StepNone {
		return w.Start, w.End
	}
	start := b.UTC()
	var end time.Time
	switch q.Step {
	case query.StepDay:
		end = start.AddDate(0, 0, 1)
	case query.StepWeek:
		end = start.AddDate(0, 0, 7)
	default:
		end = start.AddDate(0, 1, 0)
	}
	if start.Before(w.Start) {
		start = w.Start
	}
	if end.After(w.End) {
		end = w.End
	}
	return start, end
}

func buildQuery(q query.Query) (string, []any, error) {
	rollup := query.UsesRollup(q)
	table, timeCol := "line_items", "charge_period_start"
	if rollup {
		table, timeCol = "rollup_daily", "day"
	}
	var sel []string
	switch q.Step {
	case query.StepNone:
		sel = append(sel, "NULL::TIMESTAMP AS bucket")
	case query.StepDay:
		sel = append(sel, "date_trunc('day', "+timeCol+") AS bucket")
	case query.StepWeek:
		sel = append(sel, "date_trunc('week', "+timeCol+") AS bucket")
	case query.StepMonth:
		sel = append(sel, "date_trunc('month', "+timeCol+") AS bucket")
	default:
		return "", nil, fmt.Errorf("%w: unknown step %q", cost.ErrInvalid, q.Step)
	}
	for i, d := range q.GroupBy {
		e, err := dimExpr(d)
		if err != nil {
			return "", nil, err
		}
		sel = append(sel, fmt.Sprintf("%s AS k%d", e, i))
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
			return usdExpr(metricColumns[m])
		}
		return metricColumns[m]
	}
	for _, m := range metrics {
		col := amount(m)
		k8s := "CASE WHEN kubernetes THEN " + col + " ELSE 0 END"
		if rollup {
			k8s = prefix + "k8s_" + metricColumns[m]
		}
		sel = append(sel, fmt.Sprintf("coalesce(sum(%s), 0)::VARCHAR, coalesce(sum(%s), 0)::VARCHAR", col, k8s))
	}
	items, missing := "count(*)", missingUSD
	if rollup {
		items, missing = "sum(items)", "sum(usd_missing)"
	}
	if !q.USD {
		missing = "0"
	}
	sel = append(sel, items+"::BIGINT", missing+"::BIGINT")
	from, args, err := scopedRows(table, q.Selection, q.Window, q.Scope, q.Filter, timeCol)
	if err != nil {
		return "", nil, err
	}

	order := []string{"bucket"}
	if len(metrics) > 0 {
		order = append(order, fmt.Sprintf("sum(%s) DESC", amount(metrics[0])))
	}
	for i := range q.GroupBy {
		order = append(order, fmt.Sprintf("k%d", i))
	}
	order = append(order, "currency")
	// HAVING: when every grouping column is a constant (one bucket, no
	// groups, USD), GROUP BY ALL is a plain aggregate, which answers one
	// row of NULLs over no rows; a group exists only where rows are.
	return "SELECT " + strings.Join(sel, ", ") + from +
		" GROUP BY ALL HAVING count(*) > 0 ORDER BY " + strings.Join(order, ", "), args, nil
}
