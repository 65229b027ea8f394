package native

import (
	"slices"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// Provider names differ by interface: the CLI says aws, azure and gcp,
// the store keeps FOCUS ProviderName ("AWS", "Microsoft", "Google Cloud")
// and Kubecost shows AWS, Azure and GCP. A native filter accepts every
// spelling, case-insensitively, so that provider:"aws" or
// provider:"Azure" does not silently match nothing; groups still show
// the stored name (the native API keeps the bill's values). The
// spellings are cost.StoredProvider's, which the FOCUS reader also uses
// to tell the cloud of a row.

// providerSpellings rewrites the provider comparisons of e: every
// comparison ignores case, and an equality also matches the stored name
// of each value that is a known spelling. Other names (Oracle, a FOCUS
// file's own) are compared as given, ignoring case.
func providerSpellings(e filter.Expr) filter.Expr {
	return filter.Rewrite(e, func(x filter.Cond) filter.Expr {
		if x.Dim != cost.DimProvider {
			return x
		}
		x.FoldCase = true
		if x.Op != filter.Equals {
			return x
		}
		vals := slices.Clone(x.Values)
		for _, v := range x.Values {
			if stored, ok := cost.StoredProvider(v); ok && !slices.Contains(vals, stored) {
				vals = append(vals, stored)
			}
		}
		x.Values = vals
		return x
	})
}
