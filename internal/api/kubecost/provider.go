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

// Derived dimensions of the name properties: layouts without name
// columns (a CUR, GCP's billing account) leave the name empty, and
// OpenCost then shows the id (§5.3: accountName = accountID on AWS), where
// grouping by the empty name would put every account under
// __unallocated__.
const (
	dimAccountName       cost.Dimension = "kubecost.accountName"
	dimInvoiceEntityName cost.Dimension = "kubecost.invoiceEntityName"
	dimInvoiceEntityID   cost.Dimension = "kubecost.invoiceEntityID"
)

// orID is the mapping of a name that falls back to its id. The name is
// read through the query's mappings, so a registered sub-account name
// (which the engine maps for DimSubAccountName) wins over both.
func orID(name, id cost.Dimension) query.Mapping {
	return query.Mapping{
		Rules: []query.Rule{{When: filter.Cond{Dim: name, Op: filter.Equals, Values: []string{""}}, From: id}},
		Else:  name,
	}
}

// The invoice entity is the bill's billing account (§5.3: Azure
// BillingAccountId), which Tally keeps as the root account where it
// differs from the FOCUS billing account (Azure MCA/MPA, whose FOCUS
// billing account is the billing profile). Items without a root account
// (AWS, GCP, files imported before it was stored) show the billing
// account, as before; the name falls back to the id of the account it
// names.
var (
	rootEmpty     = filter.Cond{Dim: cost.DimRootAccountID, Op: filter.Equals, Values: []string{""}}
	invoiceEntity = query.Mapping{
		Rules: []query.Rule{{When: rootEmpty, From: cost.DimBillingAccountID}},
		Else:  cost.DimRootAccountID,
	}
	invoiceEntityName = query.Mapping{
		Rules: []query.Rule{
			{When: filter.And{Xs: []filter.Expr{rootEmpty, filter.Cond{Dim: cost.DimBillingAccountName, Op: filter.Equals, Values: []string{""}}}}, From: cost.DimBillingAccountID},
			{When: rootEmpty, From: cost.DimBillingAccountName},
			{When: filter.Cond{Dim: cost.DimRootAccountName, Op: filter.Equals, Values: []string{""}}, From: cost.DimRootAccountID},
		},
		Else: cost.DimRootAccountName,
	}
)

// fieldDims are the properties whose dimension is derived rather than
// stored, and fieldMappings their mappings.
var (
	fieldDims = map[string]cost.Dimension{
		"accountName":       dimAccountName,
		"invoiceEntityName": dimInvoiceEntityName,
		"invoiceEntityID":   dimInvoiceEntityID,
	}
	fieldMappings = map[cost.Dimension]query.Mapping{
		cost.DimProvider:     providerNames,
		dimAccountName:       orID(cost.DimSubAccountName, cost.DimSubAccountID),
		dimInvoiceEntityName: invoiceEntityName,
		dimInvoiceEntityID:   invoiceEntity,
	}
)

// fields resolves the filter fields of §6.1 as the dialect shows them:
// the stored dimension of filter.KubecostFields, or the derived one, so
// that filtering and aggregating by a property read the same value.
func fields(field string) (cost.Dimension, bool) {
	if d, ok := fieldDims[field]; ok {
		return d, true
	}
	return filter.KubecostFields(field)
}
