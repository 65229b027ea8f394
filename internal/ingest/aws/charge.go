package aws

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// lineType is a lineItem/LineItemType value (billing-formats.md §3.3).
type lineType int

const (
	typeUnknown lineType = iota
	typeUsage
	typeDiscountedUsage
	typeSPCoveredUsage
	typeSPNegation
	typeSPUpfrontFee
	typeSPRecurringFee
	typeFee
	typeRIFee
	typeCredit
	typeRefund
	typeTax
	// typeDiscount is every negotiated discount row: BundledDiscount,
	// EdpDiscount, PrivateRateDiscount, RiVolumeDiscount, Discount.
	typeDiscount
)

var lineTypes = map[string]lineType{
	"usage":                   typeUsage,
	"discountedusage":         typeDiscountedUsage,
	"savingsplancoveredusage": typeSPCoveredUsage,
	"savingsplannegation":     typeSPNegation,
	"savingsplanupfrontfee":   typeSPUpfrontFee,
	"savingsplanrecurringfee": typeSPRecurringFee,
	"fee":                     typeFee,
	"rifee":                   typeRIFee,
	"credit":                  typeCredit,
	"refund":                  typeRefund,
	"tax":                     typeTax,
	"bundleddiscount":         typeDiscount,
	"edpdiscount":             typeDiscount,
	"privateratediscount":     typeDiscount,
	"rivolumediscount":        typeDiscount,
	"discount":                typeDiscount,
}

// lineTypeOf reads a line item type case-insensitively; anything not in
// §3.3 is typeUnknown, kept and classified as an adjustment.
func lineTypeOf(s string) lineType {
	return lineTypes[strings.ToLower(strings.TrimSpace(s))]
}

// FOCUS commitment discount labels of the FOCUS converters (§5.2).
const (
	commitmentSavingsPlan = "Savings Plan"
	commitmentRI          = "Reserved Instances (RI)"
)

// classify fills the FOCUS charge, pricing and commitment columns.
func (x *rowCtx) classify(t lineType, li *cost.LineItem) {
	// ChargeCategory by line item type (§5.2, FOCUS converters with the
	// pre-1.0 names corrected); unknown types are adjustments (§3.3).
	switch t {
	case typeTax:
		li.ChargeCategory = "Tax"
	case typeFee, typeSPUpfrontFee, typeRIFee, typeSPRecurringFee:
		li.ChargeCategory = "Purchase"
	case typeUsage, typeSPCoveredUsage, typeSPNegation, typeDiscountedUsage, typeDiscount:
		li.ChargeCategory = "Usage"
	case typeCredit:
		li.ChargeCategory = "Credit"
	default: // Refund and unknown types
		li.ChargeCategory = "Adjustment"
	}
	// Recommendation (§5.2): a refund corrects an earlier charge.
	if t == typeRefund {
		li.ChargeClass = "Correction"
	}
	li.ChargeFrequency = x.frequency(t)

	// ConsumedQuantity/Unit = lineItem/UsageAmount / pricing/unit, for
	// usage rows only (FOCUS: the quantity of a resource consumed).
	if li.ChargeCategory == "Usage" {
		li.ConsumedQuantity = li.PricingQuantity
		li.ConsumedUnit = li.PricingUnit
	}

	// CommitmentDiscountId = savingsPlan/SavingsPlanARN, else
	// reservation/ReservationARN (§5.2); category Spend for Savings Plans,
	// Usage for Reserved Instances.
	if arn := x.cell(colSavingsPlanARN); arn != "" {
		li.CommitmentDiscountID = arn
		li.CommitmentDiscountType = commitmentSavingsPlan
		li.CommitmentDiscountCategory = "Spend"
	} else if arn := x.cell(colReservationARN); arn != "" {
		li.CommitmentDiscountID = arn
		li.CommitmentDiscountType = commitmentRI
		li.CommitmentDiscountCategory = "Usage"
	}
	// Covered usage used its commitment. The unused part of a commitment
	// has no row of its own in the CUR (it is inside RIFee and
	// SavingsPlanRecurringFee), so no row is marked "Unused".
	if (t == typeDiscountedUsage || t == typeSPCoveredUsage) && li.CommitmentDiscountID != "" {
		li.CommitmentDiscountStatus = "Used"
	}

	li.PricingCategory = pricingCategory(t, x.cell(colPricingTerm), li.UsageType)
}

// frequency follows the Recommendation of §5.2: usage rows are
// Usage-Based, the recurring commitment fees Recurring, upfront fees,
// credits and refunds One-Time. Rows the recommendation does not name
// (Tax, unknown types) use the converters' rule on bill/BillType
// (Anniversary → Recurring; Purchase, Refund → One-Time). A Fee without a
// reservation ARN on the monthly (Anniversary) bill is a support or
// subscription fee charged every month, so it is Recurring; every other
// Fee (RI upfront, Marketplace purchase) is One-Time.
func (x *rowCtx) frequency(t lineType) string {
	switch t {
	case typeUsage, typeDiscountedUsage, typeSPCoveredUsage, typeSPNegation, typeDiscount:
		return "Usage-Based"
	case typeRIFee, typeSPRecurringFee:
		return "Recurring"
	case typeSPUpfrontFee, typeCredit, typeRefund:
		return "One-Time"
	case typeFee:
		if x.cell(colReservationARN) == "" && strings.EqualFold(x.cell(colBillType), "Anniversary") {
			return "Recurring"
		}
		return "One-Time"
	}
	switch strings.ToLower(x.cell(colBillType)) {
	case "anniversary":
		return "Recurring"
	case "purchase", "refund":
		return "One-Time"
	}
	return ""
}

// pricingCategory maps a row to FOCUS PricingCategory: commitment-covered
// rows are Committed, Spot usage (usage type "…SpotUsage…" or pricing/term
// Spot) Dynamic, pricing/term OnDemand Standard, Reserved Committed.
// Rows with no price term (tax, credits, fees) have none.
func pricingCategory(t lineType, term, usageType string) string {
	switch t {
	case typeDiscountedUsage, typeSPCoveredUsage, typeSPNegation:
		return "Committed"
	}
	if strings.Contains(strings.ToLower(usageType), "spotusage") || strings.EqualFold(term, "Spot") {
		return "Dynamic"
	}
	switch strings.ToLower(term) {
	case "ondemand":
		return "Standard"
	case "reserved":
		return "Committed"
	}
	return ""
}
