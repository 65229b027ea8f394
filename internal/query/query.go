// Package query holds the engine's query model: what every dialect
// translates its request into, and the result it renders back. Stores
// answer a Query; Plan decides whether the daily rollup can.
package query

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/scope"
)

// Step splits a window into buckets.
type Step string

// The steps. StepNone returns one bucket for the whole window.
const (
	StepNone  Step = ""
	StepDay   Step = "day"
	StepWeek  Step = "week"
	StepMonth Step = "month"
)

// ParseStep reads a step name; "" and "none"/"window" mean one bucket.
func ParseStep(s string) (Step, error) {
	switch s {
	case "", "none", "window", "all":
		return StepNone, nil
	case "day", "daily", "1d":
		return StepDay, nil
	case "week", "weekly", "1w":
		return StepWeek, nil
	case "month", "monthly":
		return StepMonth, nil
	}
	return "", fmt.Errorf("%w: unknown step %q (want day, week or month)", cost.ErrInvalid, s)
}

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

// Query asks for cost totals over a window.
type Query struct {
	Window  cost.Window
	Step    Step
	Filter  filter.Expr
	GroupBy []cost.Dimension
	// Metrics to total; empty means every metric.
	Metrics []cost.Metric
	// USD totals the USD columns instead of billing currency. Rows whose
	// USD value is unknown are counted in Result.MissingUSD.
	USD bool
	// Scope limits the line items to the accounts a tenant may see. Its
	// zero value sees nothing: whoever asks says scope.All() to see
	// every account. Stores apply it so that no filter can widen it.
	Scope     scope.Scope
	Selection Selection
	Limit     int // 0: no limit
	Offset    int
}

// Row is one group of one step bucket. Rows of different billing
// currencies are never added: Currency is always part of the group.
type Row struct {
	Start, End time.Time
	// Keys holds the values of Query.GroupBy, in order.
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
}

// Result is the answer to a Query, ordered by bucket start, then by the
// first metric descending, then by keys.
type Result struct {
	Query Query
	Rows  []Row
	// Total is the number of rows before Limit/Offset.
	Total int
	// MissingUSD counts, for a USD query, the line items left out of
	// every row because their bill gives no USD value.
	MissingUSD int64
	// Rollup reports whether the daily rollup answered (for diagnostics).
	Rollup bool
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
	if q.Limit < 0 || q.Offset < 0 {
		return fmt.Errorf("%w: limit and offset must not be negative", cost.ErrInvalid)
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
