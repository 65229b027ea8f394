// Package collect holds the collectors of usage to rate: the Collector
// contract (this file), Prometheus (prometheus.go) and Tally's own line
// items (lineitems.go: re-rating public cloud usage with private
// prices). A collector answers for one metric of the metrics
// configuration, one scope and one period; the processor rates what it
// returns.
package collect

import (
	"context"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/metrics"
)

// Collector gathers usage.
type Collector interface {
	// Collect returns the points of metric m for the scope over period
	// (half-open), unrated (price 0): quantities already transformed by
	// the metric's factor, offset and mutate (metrics.Metric.Quantity),
	// groupby holding the metric's groupby attributes and the scope key,
	// metadata its metadata attributes, unit the metric's unit.
	Collect(ctx context.Context, m *metrics.Metric, scopeKey, scopeID string, period cost.Window) ([]frames.Point, error)
	// Scopes lists the scope ids that have usage of any configured
	// metric in period (scope discovery from the source's label values).
	Scopes(ctx context.Context, cfg *metrics.Config, scopeKey string, period cost.Window) ([]string, error)
}

// RangeCollector is a Collector that can also collect several periods
// (sorted, not overlapping) in one read; the processor uses it when
// catching up. Its answer for each period must equal Collect's.
type RangeCollector interface {
	Collector
	CollectRange(ctx context.Context, m *metrics.Metric, scopeKey, scopeID string, periods []cost.Window) ([][]frames.Point, error)
}
