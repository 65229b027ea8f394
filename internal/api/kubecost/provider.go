package kubecost

import (
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// Tally stores FOCUS ProviderName values ("AWS", "Microsoft", "Google
// Cloud"); Kubecost shows and filters its own names ("AWS", "Azure",
// "GCP", §5.3). providerNames is the mapping from the one to the other:
// a query names it for the provider dimension, so that filters compare
// Kubecost's names (provider:"Azure" finds Microsoft's items and
// provider:"Microsoft" finds nothing) and groups show them, both in the
// store. Every other name is shown as stored.
var providerNames = query.Mapping{
	Rules: []query.Rule{
		{When: providerIs("Microsoft"), Value: "Azure"},
		{When: providerIs("Google Cloud"), Value: "GCP"},
	},
	Else: cost.DimProvider,
}

func providerIs(stored string) filter.Expr {
	return filter.Cond{Dim: cost.DimProvider, Op: filter.Equals, Values: []string{stored}}
}

// shownPrefix names the derived dimension a property's key shows.
const shownPrefix = "kubecost.shown:"

// shown is the dimension a query groups by for the property of d: d as
// Kubecost shows it in keys, an empty value as __unallocated__ (§5.2) and
// a provider by Kubecost's name, so that the store orders and pages the
// items by the keys the client sees.
func shown(d cost.Dimension) cost.Dimension { return cost.Dimension(shownPrefix) + d }

// shownMapping is the mapping of shown(d). It reads d through the
// query's other mappings: the provider through providerNames, a
// sub-account name through the registered names the engine adds.
func shownMapping(d cost.Dimension) query.Mapping {
	return query.Mapping{
		Rules: []query.Rule{{When: filter.Cond{Dim: d, Op: filter.Equals, Values: []string{""}}, Value: unallocated}},
		Else:  d,
	}
}

// propertyValue is the value a property shows in a cloud cost's
// properties: the key's, without the __unallocated__ of an empty one.
func propertyValue(key string) string {
	if key == unallocated {
		return ""
	}
	return key
}
