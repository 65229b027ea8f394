package azurebilling

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// Where the API's fields come from in a Tally line item (§10.1 of the
// spec, and ingest/azure and ingest/focus for the mapping):
//
//   - resource location: cost.DimRegion, the region id the readers fill
//     from ResourceLocation (FOCUS RegionId) as the bill writes it
//     ("westeurope", "EastUS2", legacy "US East 2"), as upstream shows
//     resourceLocation; the location filter compares case-insensitively,
//     as upstream's does, and without rewriting the value.
//   - pricing model: the readers keep FOCUS PricingCategory (Standard,
//     Dynamic, Committed, Other) and the commitment type rather than
//     Azure's PricingModel, so dimPricingModel maps them back.
//   - resource group: cost.DimResourceGroup as the bill writes it,
//     grouped lower-cased and trimmed as upstream stores it
//     (dimResourceGroup).
//   - subscription and customer names: the engine shows registered names
//     in place of the bills' for every dialect (registry.Names).

// field is one output key of an aggregate or summary row: the dimension
// it is grouped by (a stored one, or one of fieldMappings) and how its
// value renders. Each field's rendering is one-to-one, so the store's
// groups are the rows of the answer: nothing is merged afterwards.
type field struct {
	key    string
	dim    cost.Dimension
	render func(v string) any
}

// plain renders a dimension of a field as text, "" when empty: upstream
// stores the export's cell, empty or not (§6).
func plain(key string, d cost.Dimension) field { return field{key: key, dim: d, render: asText} }

// nullable renders a dimension of a field as text, null when empty: the
// resource group, which upstream's importer stores as NULL when empty.
func nullable(key string, d cost.Dimension) field { return field{key: key, dim: d, render: text} }

func asText(v string) any { return v }

// The dialect's derived dimensions, compiled by the store (fieldMappings).
const (
	// dimResourceGroup is the resource group as upstream stores it:
	// trimmed and lower-cased, so that "RG1" and "rg1" are one group.
	dimResourceGroup cost.Dimension = "azurebilling.resourceGroup"
	// dimPricingModel is the Azure pricing model (see pricingModel).
	dimPricingModel cost.Dimension = "azurebilling.pricingModel"
	// dimResourceName is upstream's resource_name: the last non-empty
	// "/" segment of the resource id, which the store cannot cut, so the
	// mapping keeps the bill's resource name only where there is no id
	// and resourceName finishes it.
	dimResourceName cost.Dimension = "azurebilling.resourceNameWithoutID"
)

// savingsPlan matches the commitment types of savings plans, as the
// readers and Azure write them.
var savingsPlan = filter.Cond{Dim: cost.DimCommitmentType, Op: filter.Equals, Values: []string{"Savings Plan", "SavingsPlan"}, FoldCase: true}

// fieldMappings define the derived dimensions; every cost query of the
// dialect carries them.
var fieldMappings = map[cost.Dimension]query.Mapping{
	dimResourceGroup: {Else: cost.DimResourceGroup, Fold: true},
	dimPricingModel:  {Rules: pricingModelRules(), Else: cost.DimPricingCategory},
	dimResourceName: {Rules: []query.Rule{
		{When: filter.Not{X: filter.Cond{Dim: cost.DimResourceID, Op: filter.Equals, Values: []string{""}}}, Value: ""},
	}, Else: cost.DimResourceName},
}

// pricingModelRules turn the stored FOCUS PricingCategory back into the
// Azure PricingModel the export wrote (billing-formats.md §6.8: OnDemand
// → Standard, Spot → Dynamic, Reservation / SavingsPlan → Committed,
// other values such as Marketplace → Other). Committed is told apart by
// the commitment type the reader derives from the benefit id or
// PricingModel; a commitment row without one reads as Reservation, the
// older and more common kind. Values that are not FOCUS categories pass
// through (the mapping's else).
func pricingModelRules() []query.Rule {
	category := func(v string) filter.Cond {
		return filter.Cond{Dim: cost.DimPricingCategory, Op: filter.Equals, Values: []string{v}}
	}
	return []query.Rule{
		{When: category("Standard"), Value: "OnDemand"},
		{When: category("Dynamic"), Value: "Spot"},
		{When: filter.And{Xs: []filter.Expr{category("Committed"), savingsPlan}}, Value: "SavingsPlan"},
		{When: category("Committed"), Value: "Reservation"},
		{When: category("Other"), Value: "Marketplace"},
	}
}

// groupByFields are the group_by names of cost-entries/aggregate/ and
// their output keys, upstream's internal field paths (§6).
var groupByFields = map[string]field{
	"resourceGroupName": nullable("resource__resource_group", dimResourceGroup),
	"subscriptionName":  plain("subscription__name", cost.DimSubAccountName),
	"meterCategory":     plain("meter__category", cost.DimMeterCategory),
	"meterSubCategory":  plain("meter__subcategory", cost.DimMeterSubcategory),
	"serviceFamily":     plain("meter__service_family", cost.DimServiceFamily),
	"resourceLocation":  plain("resource__location", cost.DimRegion),
	"chargeType":        plain("charge_type", cost.DimChargeType),
	"pricingModel":      plain("pricing_model", dimPricingModel),
	"publisherName":     plain("publisher_name", cost.DimPublisher),
	"costCenter":        plain("cost_center", cost.DimCostCenter),
}

// pricingModel is the pricing model of one line item, as
// pricingModelRules derive it, for cost entries, which are rendered item
// by item; TestPricingModelRules keeps the two agreeing.
func pricingModel(category, commitmentType string) string {
	switch category {
	case "Standard":
		return "OnDemand"
	case "Dynamic":
		return "Spot"
	case "Committed":
		switch strings.ToLower(commitmentType) {
		case "savings plan", "savingsplan":
			return "SavingsPlan"
		}
		return "Reservation"
	case "Other":
		return "Marketplace"
	}
	return category
}

// pricingModelFilter matches the line items whose pricingModel is v,
// case-insensitively; the FOCUS category names are accepted too. Other
// values compare with the stored category as they are, the inverse of
// pricingModel's pass-through.
func pricingModelFilter(v string) filter.Expr {
	eq := func(d cost.Dimension, vals ...string) filter.Cond {
		return filter.Cond{Dim: d, Op: filter.Equals, Values: vals, FoldCase: true}
	}
	switch strings.ToLower(strings.ReplaceAll(v, " ", "")) {
	case "ondemand", "standard":
		return eq(cost.DimPricingCategory, "Standard")
	case "spot", "dynamic":
		return eq(cost.DimPricingCategory, "Dynamic")
	case "reservation":
		return filter.And{Xs: []filter.Expr{eq(cost.DimPricingCategory, "Committed"), filter.Not{X: savingsPlan}}}
	case "savingsplan":
		return filter.And{Xs: []filter.Expr{eq(cost.DimPricingCategory, "Committed"), savingsPlan}}
	case "committed":
		return eq(cost.DimPricingCategory, "Committed")
	case "marketplace", "other":
		return eq(cost.DimPricingCategory, "Other")
	}
	return eq(cost.DimPricingCategory, v)
}

// resourceName is upstream's resource_name: the last non-empty "/"
// segment of the resource id, else the bill's resource name.
func resourceName(id, name string) string {
	parts := strings.Split(id, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] != "" {
			return parts[i]
		}
	}
	return name
}

// microsoft restricts line items to Microsoft's: Azure exports and
// Microsoft's FOCUS exports alike set ProviderName "Microsoft". Every
// query of the dialect carries it, so other clouds' bills never show.
var microsoft = filter.Cond{Dim: cost.DimProvider, Op: filter.Equals, Values: []string{"Microsoft"}, FoldCase: true}
