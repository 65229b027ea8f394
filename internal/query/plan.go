package query

import (
	"slices"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// RollupDimensions are the dimensions the daily rollup keeps. A query
// whose groups and filters use only these, over whole days, is answered
// from the rollup instead of the line items.
var RollupDimensions = []cost.Dimension{
	cost.DimSource, cost.DimProvider, cost.DimBillingAccountID, cost.DimBillingAccountName,
	cost.DimSubAccountID, cost.DimSubAccountName, cost.DimService, cost.DimServiceCategory,
	cost.DimRegion, cost.DimChargeCategory, cost.DimChargeType, cost.DimCategory,
	cost.DimCurrency, cost.DimKubernetes,
	// Kubecost's invoiceEntityID and invoiceEntityName read them.
	cost.DimRootAccountID, cost.DimRootAccountName,
}

var inRollup = func() map[cost.Dimension]bool {
	m := make(map[cost.Dimension]bool, len(RollupDimensions))
	for _, d := range RollupDimensions {
		m[d] = true
	}
	return m
}()

// UsesRollup reports whether the daily rollup can answer q exactly: every
// stored dimension it groups or filters by, mappings included, is kept
// by the rollup, the window starts and ends on UTC midnights and the
// step is a whole number of days. A USD query with exchange rates reads
// the line items: the rollup keeps each group's USD sums and how many
// items had no USD value, but not those items' own amounts, which a rate
// converts. A store may first ask its rollup whether any rate applies
// and drop the rates when none does (store/duckdb does), so that only
// the questions rates change, a rare mix, pay for it. The rollup sums
// consumed quantities too (Query.Quantity); a store whose rollup
// predates them may still send such a question to its line items.
func UsesRollup(q Query) bool {
	keys, ok := RollupTags(q)
	return ok && len(keys) == 0
}

// RollupTags reports whether a daily rollup that also keeps tags could
// answer q exactly, as UsesRollup says of the daily rollup, with the tag
// keys q reads (groups, filters and mappings; each once, in the order
// met). Tests on tag keys themselves (a tag dimension without a key)
// read every key of an item, which no rollup keeps: they read the line
// items. Whether a store's tag rollup keeps those keys is the store's
// to know.
func RollupTags(q Query) ([]string, bool) {
	if q.USD && len(q.Rates) > 0 {
		return nil, false
	}
	if !midnight(q.Window.Start) || !midnight(q.Window.End) || filter.HasAmount(q.Filter) || q.Step.Unit == UnitHour {
		return nil, false
	}
	var keys []string
	for _, d := range q.StoredDimensions() {
		if inRollup[d] {
			continue
		}
		key, isTag := d.TagKey()
		if !isTag || key == "" {
			return nil, false
		}
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys, true
}

func midnight(t interface {
	Hour() int
	Minute() int
	Second() int
	Nanosecond() int
}) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}
