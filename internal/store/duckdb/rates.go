package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

// Exchange rates (query.Query.Rates) in SQL. A rate is spliced into the
// query text as literals: query.Validate has checked each (cost.Rate.Check:
// a three-capital-letter currency, a month, a positive decimal), so no
// client text reaches SQL this way, and a few rates cost less as a CASE
// than as a joined table.

// rateCond is the condition under which rate r applies to a row of
// line_items or rollup_daily: its currency, its time column t within r's
// month.
func rateCond(r cost.Rate, t string) string {
	return "(billing_currency = '" + r.Currency + "' AND " + t + " >= TIMESTAMP '" + r.Month.Format("2006-01-02") +
		"' AND " + t + " < TIMESTAMP '" + r.Month.AddDate(0, 1, 0).Format("2006-01-02") + "')"
}

// convertSQL is amount a (a DECIMAL(38,24) expression) in USD at rate r,
// as cost.Rate.Convert computes it: a rounded half to even at 12
// fractional digits, times the rate, exactly, as DECIMAL(38,24). DuckDB's
// cast rounds half away from zero, so a tie it rounded to an odd last
// digit goes back one unit towards zero. The product of DECIMAL(38,12)
// and DECIMAL(18,12) is DECIMAL(38,24), computed on 128-bit integers: one
// too large is DuckDB's overflow error, never a wrong number.
func convertSQL(a string, r cost.Rate) string {
	away := "CAST(" + a + " AS DECIMAL(38,12))"
	even := "CASE WHEN abs(" + a + " - CAST(" + away + " AS DECIMAL(38,24))) = 0.0000000000005" +
		" AND CAST(" + away + " * 1000000000000 AS HUGEINT) % 2 <> 0" +
		" THEN CAST(" + away + " - sign(" + a + ") * 0.000000000001 AS DECIMAL(38,12)) ELSE " + away + " END"
	return "CAST(" + even + " * CAST(" + r.USD.String() + " AS DECIMAL(18,12)) AS " + money + ")"
}

// usdAmount is the USD amount of metric column m of line_items: the
// bill's USD value, else the amount of a bill in dollars (usdExpr), else,
// for an item without any USD value (no billed cost in USD, as
// missingUSD counts), the amount converted at the rate of its currency
// and month, else NULL (an item the USD sums leave out and missingSQL
// counts). An item the bill prices in part keeps its own values only: a
// rate converts whole items, never one metric beside the bill's others.
func usdAmount(m string, rates []cost.Rate) string {
	if len(rates) == 0 {
		return usdExpr(m)
	}
	var b strings.Builder
	b.WriteString("coalesce(usd_" + m + ", CASE WHEN billing_currency = 'USD' THEN " + m)
	for _, r := range rates {
		b.WriteString(" WHEN usd_billed_cost IS NULL AND " + rateCond(r, "charge_period_start") + " THEN " + convertSQL(m, r))
	}
	b.WriteString(" END)")
	return b.String()
}

// missingSQL counts the line items of a group that have no USD value and
// no rate that converts them.
func missingSQL(rates []cost.Rate) string {
	return "count(*) FILTER (WHERE " + missingCond(rates) + ")"
}

// missingCond holds for a line item that has no USD value and no rate
// that converts it: what missingSQL counts, and what a spread query's
// correction rows take out again (spread.go), which must be the same.
func missingCond(rates []cost.Rate) string {
	c := "usd_billed_cost IS NULL AND billing_currency <> 'USD'"
	if len(rates) > 0 {
		c += " AND NOT " + anyRate(rates, "charge_period_start")
	}
	return c
}

// anyRate is the condition under which one of rates applies to a row
// whose time column is t.
func anyRate(rates []cost.Rate, t string) string {
	conds := make([]string, len(rates))
	for i, r := range rates {
		conds[i] = rateCond(r, t)
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// idleRates returns q without its rates when they would convert nothing
// and the rollup can then answer: no row of the rollup that q reads
// counts items without a USD value (usd_missing) in a rate's currency
// and month. Rates are attached to every USD question over their
// months, and this keeps the questions they change nothing in, the
// common case, on the rollup (query.UsesRollup sends a question with
// rates to the line items). A cheap probe of the rollup, only made when
// the rollup could answer.
//
// A question the tag rollup may answer is probed over the daily rollup
// too, which has no tags, so without its filter: every row of its window
// and scope, more than it reads, so that rates dropped there convert
// nothing the question reads either.
func (s *Store) idleRates(ctx context.Context, q query.Query) (query.Query, error) {
	bare := q
	bare.Rates = nil
	if !q.USD || len(q.Rates) == 0 || q.Spread {
		// A spread question also reads items charged before its window,
		// which this probe of the window's days does not see.
		return q, nil
	}
	probe := q.Filter
	if !query.UsesRollup(bare) {
		if _, tagKeys := s.rollupFor(bare); tagKeys == nil {
			return q, nil
		}
		probe = nil
	}
	if err := q.Validate(); err != nil {
		return q, err
	}
	c := &compiler{maps: q.Mappings}
	from, err := scopedRows(c, "rollup_daily", q.Selection, q.Window, q.Scope, probe, "day")
	if err != nil {
		return q, err
	}
	var needed bool
	err = s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1"+from+" AND usd_missing > 0 AND "+anyRate(q.Rates, "day")+")", c.args...).Scan(&needed)
	if err != nil {
		return q, fmt.Errorf("finding items to convert at exchange rates: %w", err)
	}
	if needed {
		return q, nil
	}
	return bare, nil
}
