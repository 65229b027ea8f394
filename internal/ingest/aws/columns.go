package aws

import "github.com/tally-cost/tally/internal/ingest/tabular"

// col names one logical CUR column. Each has its legacy CSV spelling
// (`lineItem/UnblendedCost`) and its snake_case spellings (legacy Parquet
// and Athena, CUR 2.0 Data Exports), billing-formats.md §3.1 and §4.
// tabular.Index matches them case-insensitively, so `lineitem/unblendedcost`
// and `LINE_ITEM_UNBLENDED_COST` land on the same column.
type col int

const (
	// Required: without these a file is not a CUR.
	colUsageAccountID col = iota
	colLineItemType
	colUsageStart
	colUnblendedCost

	colUsageAccountName
	colPayerAccountID
	colPayerAccountName
	colBillingPeriodStart
	colBillingPeriodEnd
	colInvoiceID
	colInvoicingEntity
	colBillType
	colTimeInterval
	colUsageEnd
	colProductCode
	colUsageType
	colOperation
	colAvailabilityZone
	colResourceID
	colUsageAmount
	colCurrency
	colDescription
	colLegalEntity
	colNetUnblendedCost

	colRegionCode
	colRegion
	colLocation
	colSku

	colPublicOnDemandCost
	colPublicOnDemandRate
	colPricingTerm
	colPricingUnit
	colRateCode
	colRateID

	colReservationARN
	colRIEffectiveCost
	colRINetEffectiveCost
	colRIUnusedUpfront
	colRINetUnusedUpfront
	colRIUnusedRecurring
	colRINetUnusedRecurring

	colSavingsPlanARN
	colSPEffectiveCost
	colSPNetEffectiveCost
	colSPTotalCommitment
	colSPUsedCommitment

	colTotalDiscount

	// CUR 2.0 map columns, JSON object text in a cell.
	colProductMap
	colResourceTagsMap
	colCostCategoryMap
	colDiscountMap

	numCols
)

// colNames holds the spellings of each column, tried in order. The first
// is the one error messages name when a required column is missing.
var colNames = [numCols][]string{
	colUsageAccountID: {"lineItem/UsageAccountId", "line_item_usage_account_id"},
	colLineItemType:   {"lineItem/LineItemType", "line_item_line_item_type"},
	colUsageStart:     {"lineItem/UsageStartDate", "line_item_usage_start_date"},
	colUnblendedCost:  {"lineItem/UnblendedCost", "line_item_unblended_cost"},

	colUsageAccountName:   {"lineItem/UsageAccountName", "line_item_usage_account_name"},
	colPayerAccountID:     {"bill/PayerAccountId", "bill_payer_account_id"},
	colPayerAccountName:   {"bill/PayerAccountName", "bill_payer_account_name"},
	colBillingPeriodStart: {"bill/BillingPeriodStartDate", "bill_billing_period_start_date"},
	colBillingPeriodEnd:   {"bill/BillingPeriodEndDate", "bill_billing_period_end_date"},
	colInvoiceID:          {"bill/InvoiceId", "bill_invoice_id"},
	colInvoicingEntity:    {"bill/InvoicingEntity", "bill_invoicing_entity"},
	colBillType:           {"bill/BillType", "bill_bill_type"},
	colTimeInterval:       {"identity/TimeInterval", "identity_time_interval"},
	colUsageEnd:           {"lineItem/UsageEndDate", "line_item_usage_end_date"},
	colProductCode:        {"lineItem/ProductCode", "line_item_product_code"},
	colUsageType:          {"lineItem/UsageType", "line_item_usage_type"},
	colOperation:          {"lineItem/Operation", "line_item_operation"},
	colAvailabilityZone:   {"lineItem/AvailabilityZone", "line_item_availability_zone"},
	colResourceID:         {"lineItem/ResourceId", "line_item_resource_id"},
	colUsageAmount:        {"lineItem/UsageAmount", "line_item_usage_amount"},
	colCurrency:           {"lineItem/CurrencyCode", "line_item_currency_code"},
	colDescription:        {"lineItem/LineItemDescription", "line_item_line_item_description"},
	colLegalEntity:        {"lineItem/LegalEntity", "line_item_legal_entity"},
	colNetUnblendedCost:   {"lineItem/NetUnblendedCost", "line_item_net_unblended_cost"},

	colRegionCode: {"product/regionCode", "product_region_code"},
	colRegion:     {"product/region", "product_region"},
	colLocation:   {"product/location", "product_location"},
	colSku:        {"product/sku", "product_sku"},

	colPublicOnDemandCost: {"pricing/publicOnDemandCost", "pricing_public_on_demand_cost"},
	colPublicOnDemandRate: {"pricing/publicOnDemandRate", "pricing_public_on_demand_rate"},
	colPricingTerm:        {"pricing/term", "pricing_term"},
	colPricingUnit:        {"pricing/unit", "pricing_unit"},
	colRateCode:           {"pricing/RateCode", "pricing_rate_code"},
	colRateID:             {"pricing/RateId", "pricing_rate_id"},

	// Athena splits every capital: ReservationARN → reservation_reservation_a_r_n;
	// CUR 2.0 writes reservation_reservation_arn (§3.1).
	colReservationARN:       {"reservation/ReservationARN", "reservation_reservation_arn", "reservation_reservation_a_r_n"},
	colRIEffectiveCost:      {"reservation/EffectiveCost", "reservation_effective_cost"},
	colRINetEffectiveCost:   {"reservation/NetEffectiveCost", "reservation_net_effective_cost"},
	colRIUnusedUpfront:      {"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation_unused_amortized_upfront_fee_for_billing_period"},
	colRINetUnusedUpfront:   {"reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod", "reservation_net_unused_amortized_upfront_fee_for_billing_period"},
	colRIUnusedRecurring:    {"reservation/UnusedRecurringFee", "reservation_unused_recurring_fee"},
	colRINetUnusedRecurring: {"reservation/NetUnusedRecurringFee", "reservation_net_unused_recurring_fee"},

	colSavingsPlanARN:     {"savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_arn", "savings_plan_savings_plan_a_r_n"},
	colSPEffectiveCost:    {"savingsPlan/SavingsPlanEffectiveCost", "savings_plan_savings_plan_effective_cost"},
	colSPNetEffectiveCost: {"savingsPlan/NetSavingsPlanEffectiveCost", "savings_plan_net_savings_plan_effective_cost"},
	colSPTotalCommitment:  {"savingsPlan/TotalCommitmentToDate", "savings_plan_total_commitment_to_date"},
	colSPUsedCommitment:   {"savingsPlan/UsedCommitment", "savings_plan_used_commitment"},

	colTotalDiscount: {"discount/TotalDiscount", "discount_total_discount"},

	colProductMap:      {"product"},
	colResourceTagsMap: {"resource_tags"},
	colCostCategoryMap: {"cost_category"},
	colDiscountMap:     {"discount"},
}

// requiredCols are the columns NewMapper insists on (the task brief):
// who used it, what kind of row it is, when, and what it cost.
var requiredCols = []col{colUsageAccountID, colLineItemType, colUsageStart, colUnblendedCost}

// layout is where each logical column sits in one header, and the header
// cell's own spelling for error messages.
type layout struct {
	pos  [numCols]int
	name [numCols]string
}

func newLayout(ix *tabular.Index) *layout {
	l := &layout{}
	for c := range numCols {
		l.pos[c] = ix.Find(colNames[c]...)
		l.name[c] = ix.Name(l.pos[c])
	}
	return l
}

func (l *layout) has(c col) bool { return l.pos[c] >= 0 }

// missing lists the first spelling of each required column not found.
func (l *layout) missing() []string {
	var out []string
	for _, c := range requiredCols {
		if !l.has(c) {
			out = append(out, colNames[c][0]+" (or "+colNames[c][1]+")")
		}
	}
	return out
}
