// Package query holds the meaning of a cost question, the one model every
// dialect translates its request into and every store answers:
//
//   - query.go: the Query (window, filter, groups, metrics, scope,
//     snapshot selection, sorting, top-N, paging) and its streamed rows;
//   - step.go: how a window is cut into buckets (hours to years, with
//     multiples and an explicit week start), computed once in Cut;
//   - mapping.go: derived dimensions (ordered rules filter → value, an
//     else, an optional case fold), such as provider display names,
//     registered names and Azure billing's folded resource groups;
//   - order.go: how the rows of a bucket are ordered;
//   - plan.go: whether the daily rollup can answer exactly.
//
// A store may compute an answer however it likes, but only the meaning
// written here; store/storetest checks that any store does.
package query

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/scope"
)

// Selection chooses the snapshots that answer a query. The zero value
// reads the visible snapshots: the newest complete import of each
// (source, billing period).
type Selection struct {
	// Day, when set (midnight UTC), answers with the rows charged that day
	// from, for each sub-account, the newest snapshot (highest id) that
	// completed and holds rows of that sub-account on that day, even when
	// a later import superseded it: the Azure billing API's dated rule,
	// which returns a restated day's latest value and never adds runs.
	Day time.Time
	// Snapshots, when set, answers from exactly these snapshots, if they
	// completed (superseded ones included).
	Snapshots []int64
}

// IsZero reports whether s is the default selection.
func (s Selection) IsZero() bool { return s.Day.IsZero() && len(s.Snapshots) == 0 }

// Query asks for cost totals over a window: the line items of the
// selected snapshots within the scope and the filter, cut into the
// buckets of Step, grouped by GroupBy, summed per metric, then ordered,
// cut to the top Top rows of each bucket and paged.
type Query struct {
	Window cost.Window
	Step   Step
	Filter filter.Expr
	// GroupBy names stored dimensions or derived ones (Mappings).
	GroupBy []cost.Dimension
	// Mappings derive dimensions from rules (mapping.go). A dimension
	// named here reads its mapping wherever the query names it, in
	// GroupBy and in Filter alike.
	Mappings map[cost.Dimension]Mapping
	// Metrics to total; empty means every metric.
	Metrics []cost.Metric
	// USD totals the USD columns instead of billing currency. Rows whose
	// USD value is unknown are counted in Result.MissingUSD.
	USD bool
	// PricedOnly leaves out of a USD query the groups none of whose line
	// items has a USD value, which would otherwise show a cost of 0.
	PricedOnly bool
	// Rates convert, in a USD query, the line items whose bill gives no
	// USD value (no billed cost in USD, as MissingUSD counts): such an
	// item billed in a rate's currency and charged in its month is worth
	// Rate.Convert of its amount, every metric alike, and is not missing.
	// The bill's own USD values always win, and an item the bill prices
	// in part is never converted. The engine attaches the rates an
	// administrator set, so that stores stay stateless about them; at
	// most one rate per currency and month.
	Rates []cost.Rate
	// OwnUSD keeps a USD query to the bill's own USD values: the engine
	// attaches no exchange rates. For dialects whose upstream reports the
	// USD column as imported (the Azure billing API, whose cost entries
	// show cost_in_usd as the bill states it), so that its summaries add
	// up to its entries.
	OwnUSD bool
	// Scope limits the line items to the accounts a tenant may see. Its
	// zero value sees nothing: whoever asks says scope.All() to see
	// every account. Stores apply it so that no filter can widen it.
	Scope     scope.Scope
	Selection Selection
	// Sort orders the rows of each bucket (order.go); empty is by the
	// first metric descending. Ties are always broken by the group's keys
	// ascending, then currency.
	Sort []Order
	// Top, when positive, keeps at most Top rows per bucket: when a
	// bucket has more, its first Top-1 rows and one Other row summing the
	// rest (per currency).
	Top int
	// Limit and Offset page the rows of each bucket, in Sort order, so
	// that "the ten largest services per day" keeps ten a day. Limit 0
	// keeps every row after Offset.
	Limit  int
	Offset int
	// Spans asks for each row's Span.
	Spans bool
	// NoKubernetes says the asker does not read Row.Kubernetes (only
	// Kubecost's kubernetesPercent does), so that a store may leave the
	// shares' sums out and answer them as zero. Values never change.
	NoKubernetes bool
	// Quantity asks for each row's Quantity: the sum of the line items'
	// consumed quantities (an absent quantity counts as zero). Quantities
	// of different units add as numbers: a question that wants them
	// apart groups by the unit (CloudKitty's qty is per metric type, of
	// one unit). The daily rollup sums them too (UsesRollup); it is not
	// a spread query.
	Quantity bool
	// Spread counts a line item whose charge period [start, end) runs
	// past the end of its start day (a monthly fee, an RI fee, tax) in
	// every bucket it overlaps, in proportion to the time overlap
	// (cost.Prorate, whose parts add up to the item exactly), and the
	// window selects every such item overlapping it, counting only the
	// overlapping part: Kubecost's rule (§3.4). Other items count in the
	// bucket of their start, as without Spread. Kubernetes shares are of
	// the parts. A spread item counts in Row.Items, Row.MissingUSD and
	// Row.Span of every bucket it has a part in, and in Stats.MissingUSD
	// once per such bucket. Spread needs a window on UTC midnights and a
	// step of whole days (not hours), and no dated selection.
	Spread bool
}

// Row is one group of one step bucket. Rows of different billing
// currencies are never added: Currency is always part of the group.
type Row struct {
	// Start and End are the row's bucket.
	Start, End time.Time
	// Keys holds the values of Query.GroupBy, in order; empty strings in
	// an Other row.
	Keys     []string
	Currency string
	// Values holds the totals of Query.Metrics, in order.
	Values []decimal.Decimal
	// Kubernetes holds, per metric, the part of Values from line items
	// marked Kubernetes (for Kubecost's kubernetesPercent).
	Kubernetes []decimal.Decimal
	Items      int64 // line items summed
	// MissingUSD counts the line items of a USD query left out because
	// their bill gives no USD value.
	MissingUSD int64
	// Quantity is the sum of the consumed quantities, when the query
	// asks for it (Query.Quantity).
	Quantity decimal.Decimal
	// Other marks the row that sums the rows a Top query left out.
	Other bool
	// Span, when the query asks for it, is the part of the bucket the
	// group's line items cover, in whole days (hours for hourly steps):
	// from the start of the day of its earliest line item to the end of
	// the day of its latest, within the bucket.
	Span cost.Window
}

// Stats describes a streamed answer.
type Stats struct {
	// Total is the number of rows before Limit and Offset (after Top).
	Total int
	// MissingUSD counts, for a USD query, the line items left out of
	// every row because their bill gives no USD value.
	MissingUSD int64
	// Rollup reports whether the daily rollup answered (for diagnostics).
	Rollup bool
	// Rates are the exchange rates the engine attached to a USD query
	// (Query.Rates), for dialects that say which were used; stores leave
	// it empty.
	Rates []cost.Rate
	// Buckets are the windows of the query's buckets, every one, with
	// rows or without.
	Buckets []cost.Window
}

// Result is the answer to a Query, collected: rows ordered by bucket
// start, then as Query.Sort says.
type Result struct {
	Query Query
	Rows  []Row
	Stats
}

// Streamer answers a query row by row: a store, or the engine in front
// of one. fn is called for each row in order; an error from fn stops the
// answer and is returned.
type Streamer interface {
	Stream(ctx context.Context, q Query, fn func(Row) error) (Stats, error)
}

// Collect answers q from s into memory, for answers known to be small
// (a page, a summary); large ones are streamed.
func Collect(ctx context.Context, s Streamer, q Query) (*Result, error) {
	res := &Result{Query: q}
	st, err := s.Stream(ctx, q, func(r Row) error {
		res.Rows = append(res.Rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Stats = st
	return res, nil
}

// MetricsOrAll returns q.Metrics, or every metric when empty.
func (q Query) MetricsOrAll() []cost.Metric {
	if len(q.Metrics) == 0 {
		return cost.Metrics()
	}
	return q.Metrics
}

// Validate checks a query before a store sees it.
func (q Query) Validate() error {
	if q.Window.Start.IsZero() || q.Window.End.IsZero() || !q.Window.End.After(q.Window.Start) {
		return fmt.Errorf("%w: window must have a start before its end", cost.ErrInvalid)
	}
	if q.Limit < 0 || q.Offset < 0 || q.Top < 0 {
		return fmt.Errorf("%w: limit, offset and top must not be negative", cost.ErrInvalid)
	}
	if q.Top > 0 && (q.Limit > 0 || q.Offset > 0) {
		return fmt.Errorf("%w: a query keeps its top rows or pages them, not both", cost.ErrInvalid)
	}
	if _, err := Cut(q.Window, q.Step); err != nil {
		return err
	}
	if err := q.validateMappings(); err != nil {
		return err
	}
	if err := q.validateSort(); err != nil {
		return err
	}
	if err := q.validateRates(); err != nil {
		return err
	}
	if err := q.validateSpread(); err != nil {
		return err
	}
	if d := q.Selection.Day; !d.IsZero() {
		if !d.Equal(d.UTC().Truncate(24 * time.Hour)) {
			return fmt.Errorf("%w: a dated selection names a day at midnight UTC, not %s", cost.ErrInvalid, d)
		}
		if len(q.Selection.Snapshots) > 0 {
			return fmt.Errorf("%w: select snapshots by day or by id, not both", cost.ErrInvalid)
		}
	}
	return nil
}

// validateRates checks each rate (cost.Rate.Check: a store may splice a
// checked rate into its query text) and that no currency has two rates
// for one month.
func (q Query) validateRates() error {
	seen := make(map[string]bool, len(q.Rates))
	for _, r := range q.Rates {
		if err := r.Check(); err != nil {
			return err
		}
		k := r.Currency + r.Month.Format("2006-01")
		if seen[k] {
			return fmt.Errorf("%w: two exchange rates of %s for %s", cost.ErrInvalid, r.Currency, r.Month.Format("2006-01"))
		}
		seen[k] = true
	}
	return nil
}

// validateSpread: a spread query's buckets are whole UTC days, so that an
// item within one day is all in one bucket (it needs no spreading) and
// a store may keep answering from its daily rollup, correcting only the
// items that run past their start day.
func (q Query) validateSpread() error {
	if !q.Spread {
		return nil
	}
	if q.Quantity {
		return fmt.Errorf("%w: quantities are not spread across steps", cost.ErrInvalid)
	}
	if !midnight(q.Window.Start.UTC()) || !midnight(q.Window.End.UTC()) || q.Step.Unit == UnitHour {
		return fmt.Errorf("%w: spreading items across steps needs a window on UTC midnights and steps of whole days", cost.ErrInvalid)
	}
	if !q.Selection.Day.IsZero() {
		return fmt.Errorf("%w: a dated selection answers one day's rows, which are not spread", cost.ErrInvalid)
	}
	return nil
}
