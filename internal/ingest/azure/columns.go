package azure

import "github.com/tally-cost/tally/internal/ingest/tabular"

// col names one logical column of an Azure cost export. Each has the
// spellings of every layout (billing-formats.md §6.2–§6.7); tabular.Index
// matches them case-insensitively, strips a BOM and reads localized
// headers by the English name in their last parentheses, so PascalCase,
// camelCase and "Kosten (Cost)" all land on the same column.
type col int

const (
	colCost col = iota
	colDate
	colSubscriptionID
	colSubscriptionName
	colCurrency
	colCostUSD
	colPaygCost
	colPaygCostUSD
	colPricingCurrency
	colExchangeRate
	colQuantity
	colUnitPrice
	colPayGPrice
	colUnit
	colResourceID
	colResourceName
	colResourceType
	colResourceGroup
	colRegionNormalized
	colResourceLocation
	colMeterRegion
	colLocation
	colAvailabilityZone
	colProduct
	colProductID
	colPartNumber
	colMeterCategory
	colMeterSubcategory
	colMeterName
	colServiceFamily
	colConsumedService
	colChargeType
	colPricingModel
	colFrequency
	colTags
	colAdditionalInfo
	colReservationID
	colBenefitID
	colBillingAccountID
	colBillingAccountName
	colBillingProfileID
	colBillingProfileName
	colBillingPeriodStart
	colBillingPeriodEnd
	colInvoiceID
	colPublisherName
	colPartnerName
	colPartnerCreditApplied
	colPartnerCreditRate
	colMeterID
	colProductOrderName
	colCostCenter
	colCustomerTenantID
	colCustomerName

	numCols
)

// aliases lists the header spellings of each column, preferred first: when
// a file has two of them (it should not), the first wins. Case does not
// matter. Sources: billing-formats.md §6.2 (EA exports, 2019-10-01 legacy
// names), §6.3 (portal / Cost Details API and Microsoft's old → new
// renames), §6.4 (MCA), §6.5 (MPA), §6.6 (pay-as-you-go), §6.7 (aliases).
var aliases = [numCols][]string{
	colCost:                 {"CostInBillingCurrency", "Cost", "PreTaxCost"},
	colDate:                 {"Date", "UsageDateTime", "UsageDate", "UsageStart"},
	colSubscriptionID:       {"SubscriptionId", "SubscriptionGuid"},
	colSubscriptionName:     {"SubscriptionName"},
	colCurrency:             {"BillingCurrencyCode", "BillingCurrency", "Currency"},
	colCostUSD:              {"CostInUsd"},
	colPaygCost:             {"PaygCostInBillingCurrency"},
	colPaygCostUSD:          {"PaygCostInUsd"},
	colPricingCurrency:      {"PricingCurrency", "PricingCurrencyCode"},
	colExchangeRate:         {"ExchangeRatePricingToBilling", "ExchangeRate"},
	colQuantity:             {"Quantity", "UsageQuantity", "ConsumedQuantity"},
	colUnitPrice:            {"UnitPrice"},
	colPayGPrice:            {"PayGPrice", "MarketPrice"},
	colUnit:                 {"UnitOfMeasure", "Unit"},
	colResourceID:           {"ResourceId", "InstanceName", "InstanceId"},
	colResourceName:         {"ResourceName"},
	colResourceType:         {"ResourceType"},
	colResourceGroup:        {"ResourceGroup", "ResourceGroupName"},
	colRegionNormalized:     {"ResourceLocationNormalized"},
	colResourceLocation:     {"ResourceLocation"},
	colMeterRegion:          {"MeterRegion"},
	colLocation:             {"Location"},
	colAvailabilityZone:     {"AvailabilityZone"},
	colProduct:              {"ProductName", "Product"},
	colProductID:            {"ProductId"},
	colPartNumber:           {"PartNumber"},
	colMeterCategory:        {"MeterCategory"},
	colMeterSubcategory:     {"MeterSubCategory"},
	colMeterName:            {"MeterName"},
	colServiceFamily:        {"ServiceFamily"},
	colConsumedService:      {"ConsumedService"},
	colChargeType:           {"ChargeType"},
	colPricingModel:         {"PricingModel"},
	colFrequency:            {"Frequency"},
	colTags:                 {"Tags"},
	colAdditionalInfo:       {"AdditionalInfo"},
	colReservationID:        {"ReservationId"},
	colBenefitID:            {"BenefitId"},
	colBillingAccountID:     {"BillingAccountId"},
	colBillingAccountName:   {"BillingAccountName"},
	colBillingProfileID:     {"BillingProfileId"},
	colBillingProfileName:   {"BillingProfileName"},
	colBillingPeriodStart:   {"BillingPeriodStartDate"},
	colBillingPeriodEnd:     {"BillingPeriodEndDate"},
	colInvoiceID:            {"InvoiceId"},
	colPublisherName:        {"PublisherName"},
	colPartnerName:          {"PartnerName"},
	colPartnerCreditApplied: {"PartnerEarnedCreditApplied"},
	colPartnerCreditRate:    {"PartnerEarnedCreditRate"},
	colMeterID:              {"MeterId"},
	colProductOrderName:     {"ProductOrderName"},
	colCostCenter:           {"CostCenter"},
	colCustomerTenantID:     {"CustomerTenantId"}, // MPA only (§6.5)
	colCustomerName:         {"CustomerName"},     // MPA only (§6.5)
}

// layout is where each column sits in one file's header (-1 when absent).
type layout struct {
	ix  *tabular.Index
	pos [numCols]int
}

func newLayout(header []string) *layout {
	l := &layout{ix: tabular.NewIndex(header)}
	for c := range numCols {
		l.pos[c] = l.ix.Find(aliases[c]...)
	}
	return l
}

func (l *layout) has(c col) bool { return l.pos[c] >= 0 }

// name is the column's header as the file spells it, for error messages.
func (l *layout) name(c col) string { return l.ix.Name(l.pos[c]) }

// isMCA reports a Microsoft Customer or Partner Agreement layout. Only
// MCA/MPA exports carry USD, pricing-currency or invoice columns ("EA has
// no USD and no pricing-currency columns", §6.2); EA portal files also
// have a BillingProfileId, so its presence alone says nothing.
func (l *layout) isMCA() bool {
	return l.has(colCostUSD) || l.has(colPricingCurrency) || l.has(colPaygCost) || l.has(colInvoiceID)
}
