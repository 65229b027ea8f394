// Package cost holds Tally's domain: the FOCUS-aligned line item every bill
// is normalised to, the cost metrics, the dimensions queries group and
// filter by, windows, and exact decimal money.
package cost

import (
	"time"

	"github.com/shopspring/decimal"
)

// LineItem is one row of a bill, normalised to FOCUS column names where
// FOCUS has one (see ../shared/specs/billing-formats.md §2) plus the
// provider columns that dialects need. Readers fill it; the store keeps it
// at the granularity the bill gives.
type LineItem struct {
	// ProviderName is FOCUS ProviderName as the bill gives it: "AWS",
	// "Microsoft", "Google Cloud", "Oracle", ... Native readers set the
	// first three.
	ProviderName      string
	PublisherName     string
	InvoiceIssuerName string
	InvoiceID         string

	BillingAccountID   string
	BillingAccountName string
	// RootAccountID and RootAccountName are the account the billing
	// account belongs to, where the bill gives one apart from it: Azure
	// BillingAccountId / BillingAccountName (on MCA and MPA the billing
	// account above is the billing profile), FOCUS x_BillingAccountId /
	// x_BillingAccountName. Empty for other bills (AWS, GCP): readers of
	// the account hierarchy fall back to BillingAccountID.
	RootAccountID   string
	RootAccountName string
	// SubAccountID is the AWS usage account, Azure subscription or GCP
	// project: the "account" of every dialect.
	SubAccountID   string
	SubAccountName string

	BillingCurrency    string
	BillingPeriodStart time.Time // inclusive, UTC
	BillingPeriodEnd   time.Time // exclusive, UTC
	ChargePeriodStart  time.Time // inclusive, UTC
	ChargePeriodEnd    time.Time // exclusive, UTC

	ChargeCategory    string // FOCUS: Usage, Purchase, Tax, Credit, Adjustment
	ChargeClass       string // "Correction" or ""
	ChargeFrequency   string // One-Time, Recurring, Usage-Based
	ChargeDescription string
	// ChargeType is the provider's own row type: AWS lineItem/LineItemType,
	// Azure ChargeType, GCP cost_type; for FOCUS files, ChargeCategory.
	ChargeType string

	ServiceName                string
	ServiceCategory            string
	RegionID                   string
	RegionName                 string
	AvailabilityZone           string
	ResourceID                 string
	ResourceName               string
	ResourceType               string
	SkuID                      string
	SkuPriceID                 string
	PricingCategory            string
	PricingUnit                string
	PricingQuantity            decimal.NullDecimal
	ConsumedUnit               string
	ConsumedQuantity           decimal.NullDecimal
	CommitmentDiscountID       string
	CommitmentDiscountType     string
	CommitmentDiscountCategory string
	CommitmentDiscountStatus   string

	// Provider columns kept for dialects and price books.
	UsageType        string // AWS lineItem/UsageType
	Operation        string // AWS lineItem/Operation
	MeterCategory    string // Azure MeterCategory
	MeterSubcategory string // Azure MeterSubCategory
	MeterName        string // Azure MeterName
	ResourceGroup    string // Azure ResourceGroup / resourceGroupName
	// MeterID is the Azure meter GUID: MeterId / meterId; FOCUS
	// x_SkuMeterId (Microsoft's FOCUS export).
	MeterID string
	// ServiceFamily is the raw Azure ServiceFamily / serviceFamily
	// ("Compute", "Storage"); FOCUS x_SkuServiceFamily. ServiceCategory
	// holds its FOCUS mapping; this keeps the value the bill writes.
	ServiceFamily string
	// ProductOrderName is Azure ProductOrderName / productOrderName (the
	// plan or reservation order, e.g. "Azure plan"); FOCUS x_SkuOrderName.
	ProductOrderName string
	// CostCenter is Azure CostCenter / costCenter (EA, MCA, MPA); FOCUS
	// x_CostCenter.
	CostCenter string
	// CustomerID and CustomerName are the partner's customer tenant: Azure
	// MPA customerTenantId / customerName, FOCUS x_CustomerId /
	// x_CustomerName. Empty for bills without a customer (EA, MCA, PAYG,
	// AWS, GCP); dialects that need a customer fall back to the billing
	// account.
	CustomerID   string
	CustomerName string
	// UnitPrice is the negotiated unit price (Azure UnitPrice / unitPrice;
	// FOCUS ContractedUnitPrice) and ListUnitPrice the pay-as-you-go one
	// (Azure PayGPrice / payGPrice / MarketPrice; FOCUS ListUnitPrice),
	// as the bill writes them: null when the cell is empty, 0 when the
	// bill writes 0 (Azure does for the prices it does not populate,
	// billing-formats.md §6.8). Not converted: Azure MCA/MPA prices are in
	// the pricing currency (× ExchangeRatePricingToBilling for the billing
	// currency), EA and FOCUS prices in the billing currency. Azure's
	// UnitOfMeasure is PricingUnit / ConsumedUnit.
	UnitPrice     decimal.NullDecimal
	ListUnitPrice decimal.NullDecimal

	// ProviderID and Category are the Kubecost cloud cost properties
	// (kubecost-cloudcost.md §5.3 and §5.4), derived by the reader.
	ProviderID string
	Category   string // Compute, Storage, Network, Management, Other
	// Kubernetes marks items of EKS/AKS/GKE (kubecost-cloudcost.md §7).
	Kubernetes bool

	// Cost holds every metric in BillingCurrency, exactly as the bill
	// gives it (see the Metric constants for the derivations).
	Cost [NumMetrics]decimal.Decimal
	// USD holds each metric in US dollars where the bill gives it (or the
	// billing currency is USD); Valid is false otherwise.
	USD [NumMetrics]decimal.NullDecimal

	Tags map[string]string
}

// Reset clears li for reuse, keeping the tag map's storage.
func (li *LineItem) Reset() {
	tags := li.Tags
	clear(tags)
	*li = LineItem{Tags: tags}
}

// SetTag records a tag, creating the map on first use.
func (li *LineItem) SetTag(k, v string) {
	if li.Tags == nil {
		li.Tags = make(map[string]string)
	}
	li.Tags[k] = v
}
