package kubecost

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// Tally stores FOCUS ProviderName values ("AWS", "Microsoft", "Google
// Cloud"); Kubecost shows and filters its own names ("AWS", "Azure",
// "GCP", §5.3). renamedProviders maps each stored name that Kubecost
// spells differently to Kubecost's spelling; every other name is shown as
// stored.
var renamedProviders = map[string]string{
	"Microsoft":    "Azure",
	"Google Cloud": "GCP",
}

// renamedStored lists the keys of renamedProviders in a fixed order, so
// that translated filters are deterministic.
var renamedStored = []string{"Google Cloud", "Microsoft"}

// providerName returns the name Kubecost shows for a stored provider name.
func providerName(stored string) string {
	if k, ok := renamedProviders[stored]; ok {
		return k
	}
	return stored
}

// translateProviderFilter rewrites the provider comparisons of e, written
// against the names Kubecost shows, into comparisons of the stored names,
// so that provider:"Azure" finds Microsoft's items and provider:"Microsoft"
// finds nothing, exactly as if the filter ran on the shown names.
func translateProviderFilter(e filter.Expr) filter.Expr {
	switch x := e.(type) {
	case filter.Cond:
		if x.Dim == cost.DimProvider {
			return translateProviderCond(x)
		}
	case filter.Not:
		return filter.Not{X: translateProviderFilter(x.X)}
	case filter.And:
		return filter.And{Xs: translateAll(x.Xs)}
	case filter.Or:
		return filter.Or{Xs: translateAll(x.Xs)}
	}
	return e
}

func translateAll(xs []filter.Expr) []filter.Expr {
	out := make([]filter.Expr, len(xs))
	for i, x := range xs {
		out[i] = translateProviderFilter(x)
	}
	return out
}

// translateProviderCond splits the stored names in two: a renamed name
// matches when its Kubecost name compares true (decided here, once), any
// other name when it compares true itself (decided by the store).
func translateProviderCond(c filter.Cond) filter.Expr {
	var renamedMatch []string
	for _, stored := range renamedStored {
		if condMatches(c, renamedProviders[stored]) {
			renamedMatch = append(renamedMatch, stored)
		}
	}
	if c.Op == filter.Equals {
		// Equality needs no guard: a stored renamed name is simply not a
		// value to look for.
		values := renamedMatch
		for _, v := range c.Values {
			if _, renamed := renamedProviders[v]; !renamed {
				values = append(values, v)
			}
		}
		return filter.Cond{Dim: c.Dim, Op: filter.Equals, Values: values, FoldCase: c.FoldCase}
	}
	others := filter.And{Xs: []filter.Expr{
		c,
		filter.Not{X: filter.Cond{Dim: cost.DimProvider, Op: filter.Equals, Values: renamedStored}},
	}}
	if len(renamedMatch) == 0 {
		return others
	}
	return filter.Or{Xs: []filter.Expr{
		filter.Cond{Dim: cost.DimProvider, Op: filter.Equals, Values: renamedMatch},
		others,
	}}
}

// condMatches evaluates c on the value s, as the store would.
func condMatches(c filter.Cond, s string) bool {
	for _, v := range c.Values {
		a, b := s, v
		if c.FoldCase {
			a, b = strings.ToLower(a), strings.ToLower(b)
		}
		var ok bool
		switch c.Op {
		case filter.Contains:
			ok = strings.Contains(a, b)
		case filter.Prefix:
			ok = strings.HasPrefix(a, b)
		case filter.Suffix:
			ok = strings.HasSuffix(a, b)
		default:
			ok = a == b
		}
		if ok {
			return true
		}
	}
	return false
}
