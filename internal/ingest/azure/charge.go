package azure

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// charge fills the charge, pricing and commitment columns.
func (m *mapper) charge(r *tabular.Row, li *cost.LineItem) {
	// ChargeType as the bill writes it. Pay-as-you-go and legacy layouts
	// have no ChargeType column: they are "usage only" (§6.6), so Usage.
	// A layout with the column but an empty cell keeps "" and becomes an
	// Adjustment, like any other charge type we do not know.
	if m.l.has(colChargeType) {
		li.ChargeType = m.get(r, colChargeType)
	} else {
		li.ChargeType = "Usage"
	}
	li.ChargeCategory, li.ChargeClass, li.CommitmentDiscountStatus = chargeCategory(li.ChargeType)

	pm := m.get(r, colPricingModel)
	li.PricingCategory = pricingCategory(pm)

	// ChargeFrequency from Frequency (OneTime, Recurring, UsageBased);
	// layouts without it are usage only.
	if m.l.has(colFrequency) {
		li.ChargeFrequency = chargeFrequency(m.get(r, colFrequency))
	} else if li.ChargeCategory == "Usage" {
		li.ChargeFrequency = "Usage-Based"
	}

	// CommitmentDiscountId: benefitId (the ARM id of the reservation or
	// savings plan), else ReservationId. Type and category from the id
	// (§6.9): /microsoft.capacity/ → Reservation (Usage),
	// /microsoft.billingbenefits/ → Savings Plan (Spend); else from
	// PricingModel.
	benefit := m.get(r, colBenefitID)
	li.CommitmentDiscountID = firstNonEmpty(benefit, m.get(r, colReservationID))
	if li.CommitmentDiscountID == "" {
		li.CommitmentDiscountStatus = ""
		return
	}
	lb := strings.ToLower(benefit)
	switch {
	case strings.Contains(lb, "/microsoft.capacity/"):
		li.CommitmentDiscountType, li.CommitmentDiscountCategory = "Reservation", "Usage"
	case strings.Contains(lb, "/microsoft.billingbenefits/"):
		li.CommitmentDiscountType, li.CommitmentDiscountCategory = "Savings Plan", "Spend"
	default:
		switch normalize(pm) {
		case "reservation":
			li.CommitmentDiscountType, li.CommitmentDiscountCategory = "Reservation", "Usage"
		case "savingsplan":
			li.CommitmentDiscountType, li.CommitmentDiscountCategory = "Savings Plan", "Spend"
		}
	}
	if li.ChargeCategory == "Usage" && li.CommitmentDiscountStatus == "" {
		li.CommitmentDiscountStatus = "Used"
	}
}

// normalize lower-cases s and removes spaces, so that the documented
// spellings ("On Demand", "Savings Plan") and the ones files contain
// ("OnDemand", "SavingsPlan") compare equal.
func normalize(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

// chargeCategory maps an Azure ChargeType to FOCUS ChargeCategory,
// ChargeClass and CommitmentDiscountStatus (§6.8): Usage, Purchase,
// Credit, Tax unchanged; UnusedReservation / UnusedSavingsPlan → Usage
// with status Unused; Refund → Purchase with ChargeClass Correction;
// anything else (RoundingAdjustment, unknown, empty) → Adjustment.
func chargeCategory(chargeType string) (category, class, status string) {
	switch normalize(chargeType) {
	case "usage":
		return "Usage", "", ""
	case "purchase":
		return "Purchase", "", ""
	case "credit":
		return "Credit", "", ""
	case "tax":
		return "Tax", "", ""
	case "unusedreservation", "unusedsavingsplan":
		return "Usage", "", "Unused"
	case "refund":
		return "Purchase", "Correction", ""
	}
	return "Adjustment", "", ""
}

// pricingCategory maps PricingModel to FOCUS PricingCategory (§6.8):
// OnDemand → Standard, Spot → Dynamic, Reservation / SavingsPlan →
// Committed; other values (Marketplace) → Other; empty stays empty.
func pricingCategory(pm string) string {
	switch normalize(pm) {
	case "":
		return ""
	case "ondemand":
		return "Standard"
	case "spot":
		return "Dynamic"
	case "reservation", "savingsplan":
		return "Committed"
	}
	return "Other"
}

// chargeFrequency maps Frequency to FOCUS ChargeFrequency; a value FOCUS
// has no name for is kept as written.
func chargeFrequency(f string) string {
	switch normalize(f) {
	case "onetime":
		return "One-Time"
	case "recurring":
		return "Recurring"
	case "usagebased":
		return "Usage-Based"
	}
	return f
}

// isCommitment reports a row whose price comes from a reservation or a
// savings plan: PricingModel Reservation / SavingsPlan, or an unused
// commitment row (which is one by definition, whatever PricingModel says).
func isCommitment(pricingModel, chargeType string) bool {
	switch normalize(pricingModel) {
	case "reservation", "savingsplan":
		return true
	}
	switch normalize(chargeType) {
	case "unusedreservation", "unusedsavingsplan":
		return true
	}
	return false
}

// serviceFamilies maps Azure ServiceFamily to FOCUS ServiceCategory where
// the names correspond; other families are Other. It is a coarse guess:
// Microsoft's own conversion uses a table by resource type.
var serviceFamilies = map[string]string{
	"compute":                 "Compute",
	"containers":              "Compute",
	"storage":                 "Storage",
	"networking":              "Networking",
	"databases":               "Databases",
	"analytics":               "Analytics",
	"ai+machinelearning":      "AI and Machine Learning",
	"aiandmachinelearning":    "AI and Machine Learning",
	"security":                "Security",
	"identity":                "Identity",
	"managementandgovernance": "Management and Governance",
	"management+governance":   "Management and Governance",
	"web":                     "Web",
	"developertools":          "Developer Tools",
	"integration":             "Integration",
	"internetofthings":        "Internet of Things",
	"iot":                     "Internet of Things",
	"media":                   "Media",
	"migration":               "Migration",
	"mobile":                  "Mobile",
	"multicloud":              "Multicloud",
	"businessapplications":    "Business Applications",
}

// serviceCategory returns the FOCUS ServiceCategory of a ServiceFamily;
// "" when the layout has no ServiceFamily column.
func serviceCategory(family string, layoutHas bool) string {
	if !layoutHas {
		return ""
	}
	if c, ok := serviceFamilies[normalize(family)]; ok {
		return c
	}
	return "Other"
}
