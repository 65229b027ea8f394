package cost

import (
	"fmt"
	"sort"
	"strings"
)

// Dimension is a property of a line item that queries group and filter
// by. Tag dimensions are written "tag:<key>".
type Dimension string

// The dimensions of a line item. Names are the native API's; dialects map
// their own names onto these.
const (
	DimProvider           Dimension = "provider"
	DimPublisher          Dimension = "publisher"
	DimInvoiceIssuer      Dimension = "invoiceIssuer"
	DimInvoiceID          Dimension = "invoiceId"
	DimBillingAccountID   Dimension = "billingAccountId"
	DimBillingAccountName Dimension = "billingAccountName"
	DimSubAccountID       Dimension = "subAccountId"
	DimSubAccountName     Dimension = "subAccountName"
	DimService            Dimension = "service"
	DimServiceCategory    Dimension = "serviceCategory"
	DimRegion             Dimension = "region"
	DimRegionName         Dimension = "regionName"
	DimAvailabilityZone   Dimension = "availabilityZone"
	DimResourceID         Dimension = "resourceId"
	DimResourceName       Dimension = "resourceName"
	DimResourceType       Dimension = "resourceType"
	DimResourceGroup      Dimension = "resourceGroup"
	DimSku                Dimension = "sku"
	DimChargeCategory     Dimension = "chargeCategory"
	DimChargeClass        Dimension = "chargeClass"
	DimChargeType         Dimension = "chargeType"
	DimChargeFrequency    Dimension = "chargeFrequency"
	DimPricingCategory    Dimension = "pricingCategory"
	DimUsageType          Dimension = "usageType"
	DimOperation          Dimension = "operation"
	DimMeterCategory      Dimension = "meterCategory"
	DimMeterSubcategory   Dimension = "meterSubcategory"
	DimMeterName          Dimension = "meterName"
	DimMeterID            Dimension = "meterId"
	DimServiceFamily      Dimension = "serviceFamily"
	DimProductOrderName   Dimension = "productOrderName"
	DimCostCenter         Dimension = "costCenter"
	DimCustomerID         Dimension = "customerId"
	DimCustomerName       Dimension = "customerName"
	// DimPricingUnit is the unit prices are quoted in (FOCUS PricingUnit;
	// Azure UnitOfMeasure).
	DimPricingUnit    Dimension = "pricingUnit"
	DimCommitmentID   Dimension = "commitmentDiscountId"
	DimCommitmentType Dimension = "commitmentDiscountType"
	DimProviderID     Dimension = "providerId"
	DimCategory       Dimension = "category"
	DimCurrency       Dimension = "currency"
	DimKubernetes     Dimension = "kubernetes" // "true" or "false"
	DimSource         Dimension = "source"     // the ingest source name

	// DimRootAccountID and DimRootAccountName are the account above the
	// billing account, where the bill names one: Azure MCA/MPA
	// BillingAccountId, whose billing profile is the FOCUS billing
	// account (Microsoft's FOCUS export: x_BillingAccountId). Kubecost's
	// invoiceEntityID is this account (kubecost-cloudcost.md §5.3).
	DimRootAccountID   Dimension = "rootAccountId"
	DimRootAccountName Dimension = "rootAccountName"
)

// TagPrefix starts a tag dimension: "tag:team".
const TagPrefix = "tag:"

var dimensions = []Dimension{
	DimProvider, DimPublisher, DimInvoiceIssuer, DimInvoiceID,
	DimBillingAccountID, DimBillingAccountName, DimRootAccountID, DimRootAccountName, DimSubAccountID, DimSubAccountName,
	DimService, DimServiceCategory, DimRegion, DimRegionName, DimAvailabilityZone,
	DimResourceID, DimResourceName, DimResourceType, DimResourceGroup, DimSku,
	DimChargeCategory, DimChargeClass, DimChargeType, DimChargeFrequency, DimPricingCategory,
	DimUsageType, DimOperation, DimMeterCategory, DimMeterSubcategory, DimMeterName,
	DimMeterID, DimServiceFamily, DimProductOrderName, DimCostCenter, DimCustomerID, DimCustomerName,
	DimPricingUnit, DimCommitmentID, DimCommitmentType, DimProviderID, DimCategory, DimCurrency,
	DimKubernetes, DimSource,
}

var dimensionByLower = func() map[string]Dimension {
	m := make(map[string]Dimension, len(dimensions)+6)
	for _, d := range dimensions {
		m[strings.ToLower(string(d))] = d
	}
	// Friendly synonyms.
	m["account"] = DimSubAccountID
	m["accountid"] = DimSubAccountID
	m["accountname"] = DimSubAccountName
	m["servicename"] = DimService
	m["regionid"] = DimRegion
	// The Azure partner export's name of the customer id.
	m["customertenantid"] = DimCustomerID
	return m
}()

// Dimensions lists the built-in (non-tag) dimensions.
func Dimensions() []Dimension { return append([]Dimension(nil), dimensions...) }

// TagDimension returns the dimension of tag key.
func TagDimension(key string) Dimension { return Dimension(TagPrefix + key) }

// TagKey returns the tag key of a tag dimension and true, or "" and false.
func (d Dimension) TagKey() (string, bool) {
	if strings.HasPrefix(string(d), TagPrefix) {
		return string(d)[len(TagPrefix):], true
	}
	return "", false
}

// PerspectivePrefix starts a perspective dimension: "perspective:1001"
// reads the name of the group the perspective puts a line item in. It is
// never stored: the engine attaches the perspective's mapping (a
// query.Mapping built by internal/perspective) to every question that
// names it, so that a perspective groups and filters alike in every
// dialect and a changed perspective changes every answer at once.
const PerspectivePrefix = "perspective:"

// PerspectiveDimension returns the dimension of perspective id.
func PerspectiveDimension(id string) Dimension { return Dimension(PerspectivePrefix + id) }

// PerspectiveID returns the perspective id of a perspective dimension and
// true, or "" and false.
func (d Dimension) PerspectiveID() (string, bool) {
	return strings.CutPrefix(string(d), PerspectivePrefix)
}

// ParseDimension reads a dimension name case-insensitively; tag dimensions
// keep their key's case ("tag:Team" and "tag:team" differ), and
// "perspective:<id>" names a perspective's groups.
func ParseDimension(s string) (Dimension, error) {
	s = strings.TrimSpace(s)
	if len(s) > len(TagPrefix) && strings.EqualFold(s[:len(TagPrefix)], TagPrefix) {
		return TagDimension(s[len(TagPrefix):]), nil
	}
	if len(s) > len(PerspectivePrefix) && strings.EqualFold(s[:len(PerspectivePrefix)], PerspectivePrefix) {
		id := strings.TrimSpace(s[len(PerspectivePrefix):])
		if id == "" {
			return "", fmt.Errorf("%w: %q names no perspective", ErrInvalid, s)
		}
		return PerspectiveDimension(id), nil
	}
	if d, ok := dimensionByLower[strings.ToLower(s)]; ok {
		return d, nil
	}
	names := make([]string, len(dimensions))
	for i, d := range dimensions {
		names[i] = string(d)
	}
	sort.Strings(names)
	return "", fmt.Errorf("%w: unknown dimension %q (want tag:<key>, perspective:<id> or one of %s)", ErrInvalid, s, strings.Join(names, ", "))
}
