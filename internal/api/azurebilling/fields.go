package azurebilling

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
)

// Where the API's fields come from in a Tally line item (§10.1 of the
// spec, and ingest/azure and ingest/focus for the mapping):
//
//   - resource location: cost.DimRegion, the region id the readers fill
//     from ResourceLocation (ResourceLocationNormalized on EA 2024-08-01,
//     FOCUS RegionId), lower-cased without spaces ("westeurope"). Upstream
//     shows resourceLocation as written, which Azure writes in that form
//     for resources; RegionName would give MCA's display "EU West".
//   - pricing model: the readers keep FOCUS PricingCategory (Standard,
//     Dynamic, Committed, Other) and the commitment type rather than
//     Azure's PricingModel, so pricingModel maps them back; see there.
//   - resource group: cost.DimResourceGroup as the bill writes it,
//     rendered lower-cased and trimmed as upstream stores it.

// field is one output key of an aggregate or summary row: the dimensions
// it is read from and how their values render, with the names users gave
// (g, which may be nil).
type field struct {
	key    string
	dims   []cost.Dimension
	render func(keys []string, g *registered) any
}

// plain renders the one dimension of a field as text (null when empty).
func plain(key string, d cost.Dimension) field {
	return field{key: key, dims: []cost.Dimension{d}, render: func(k []string, _ *registered) any { return text(k[0]) }}
}

// subscriptionNameField renders a subscription's shown name: the bills'
// grouped with the subscription id, so that a name given through the
// registry replaces it; groups whose shown names are equal then merge.
func subscriptionNameField(key string) field {
	return field{key: key, dims: []cost.Dimension{cost.DimSubAccountID, cost.DimSubAccountName},
		render: func(k []string, g *registered) any { return text(g.subscriptionName(k[0], k[1])) }}
}

// resourceGroupField renders the resource group as upstream stores it:
// trimmed and lower-cased, so that "RG1" and "rg1" are one group.
func resourceGroupField(key string) field {
	return field{key: key, dims: []cost.Dimension{cost.DimResourceGroup}, render: func(k []string, _ *registered) any {
		return text(resourceGroup(k[0]))
	}}
}

// pricingModelField renders the Azure pricing model (see pricingModel).
func pricingModelField(key string) field {
	return field{key: key, dims: []cost.Dimension{cost.DimPricingCategory, cost.DimCommitmentType}, render: func(k []string, _ *registered) any {
		return text(pricingModel(k[0], k[1]))
	}}
}

func resourceGroup(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// groupByFields are the group_by names of cost-entries/aggregate/ and
// their output keys, upstream's internal field paths (§6).
var groupByFields = map[string]field{
	"resourceGroupName": resourceGroupField("resource__resource_group"),
	"subscriptionName":  subscriptionNameField("subscription__name"),
	"meterCategory":     plain("meter__category", cost.DimMeterCategory),
	"meterSubCategory":  plain("meter__subcategory", cost.DimMeterSubcategory),
	"serviceFamily":     plain("meter__service_family", cost.DimServiceFamily),
	"resourceLocation":  plain("resource__location", cost.DimRegion),
	"chargeType":        plain("charge_type", cost.DimChargeType),
	"pricingModel":      pricingModelField("pricing_model"),
	"publisherName":     plain("publisher_name", cost.DimPublisher),
	"costCenter":        plain("cost_center", cost.DimCostCenter),
}

// pricingModel turns the stored FOCUS PricingCategory back into the Azure
// PricingModel the export wrote (billing-formats.md §6.8: OnDemand →
// Standard, Spot → Dynamic, Reservation / SavingsPlan → Committed, other
// values such as Marketplace → Other). Committed is told apart by the
// commitment type the reader derives from the benefit id or PricingModel;
// a commitment row without one reads as Reservation, the older and more
// common kind. Values that are not FOCUS categories pass through.
func pricingModel(category, commitmentType string) string {
	switch category {
	case "Standard":
		return "OnDemand"
	case "Dynamic":
		return "Spot"
	case "Committed":
		if strings.EqualFold(strings.ReplaceAll(commitmentType, " ", ""), "SavingsPlan") {
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
	savingsPlan := eq(cost.DimCommitmentType, "Savings Plan", "SavingsPlan")
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

// location normalises a location filter value the way the readers
// normalise the region id ("West Europe" → "westeurope").
func location(v string) string { return strings.ToLower(strings.Join(strings.Fields(v), "")) }

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
