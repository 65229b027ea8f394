package registry

import (
	"slices"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// nameDims are, per kind, the dimension holding an entry's key in the
// bills and the dimension showing its name.
var nameDims = map[Kind][2]cost.Dimension{
	SubAccount: {cost.DimSubAccountID, cost.DimSubAccountName},
	Customer:   {cost.DimCustomerID, cost.DimCustomerName},
}

// NameDimension returns the dimension that shows the names of kind.
func NameDimension(kind Kind) cost.Dimension { return nameDims[kind][1] }

// Names is the mapping that shows the names users gave to entries of
// kind, wherever a query groups or filters by the name dimension: an
// entry's name where the key dimension is its key, else the bill's own
// name. Every dialect that shows a sub-account or customer name asks for
// the name dimension, and the engine applies this mapping, so all show
// the same name. It reports false when no entry has a name.
func Names(kind Kind, entries []Entry) (query.Mapping, bool) {
	dims, ok := nameDims[kind]
	if !ok {
		return query.Mapping{}, false
	}
	named := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.Kind == kind && e.Name != nil {
			named = append(named, e)
		}
	}
	if len(named) == 0 {
		return query.Mapping{}, false
	}
	// Ordered by key, so that the same registry compiles to the same
	// query; keys are unique, so no rule shadows another.
	slices.SortFunc(named, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	m := query.Mapping{Else: dims[1], Rules: make([]query.Rule, len(named))}
	for i, e := range named {
		m.Rules[i] = query.Rule{When: filter.Cond{Dim: dims[0], Op: filter.Equals, Values: []string{e.Key}}, Value: *e.Name}
	}
	return m, true
}
