package synth

// The CUR columns the generator writes (legacy CSV spelling,
// billing-formats.md §3.2), in file order. Every row is a curRow written
// column by column from this one list, so the header and the cells cannot
// drift apart.

type curCol uint8

const (
	cLineItemID curCol = iota
	cTimeInterval
	cInvoiceID
	cInvoicingEntity
	cBillingEntity
	cBillType
	cPayer
	cBillStart
	cBillEnd
	cAccount
	cType
	cStart
	cEnd
	cProductCode
	cUsageType
	cOperation
	cAZ
	cResourceID
	cAmount
	cNormFactor
	cNormAmount
	cCurrency
	cRate
	cCost
	cBlendedRate
	cBlendedCost
	cNetRate
	cNetCost
	cDescription
	cTaxType
	cLegalEntity
	cProductName
	cFamily
	cServiceCode
	cSKU
	cRegion
	cRegionCode
	cLocation
	cInstanceType
	cProductUsageType
	cProductOperation
	cPublicCost
	cPublicRate
	cTerm
	cUnit
	cLease
	cOfferingClass
	cPurchaseOption
	cRIARN
	cRIEffective
	cRINetEffective
	cRIUpfrontForUsage
	cRIRecurringForUsage
	cRIUpfrontPeriod
	cRIUnusedUpfront
	cRIUnusedRecurring
	cRIUnusedQty
	cRITotalUnits
	cSPARN
	cSPRate
	cSPEffective
	cSPNetEffective
	cSPTotal
	cSPUsed
	cSPOffering
	cTagTeam
	cTagEnv
	cTagCluster
	numCurCols
)

var curHeader = [numCurCols]string{
	"identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/InvoicingEntity", "bill/BillingEntity",
	"bill/BillType", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
	"lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
	"lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/AvailabilityZone",
	"lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/NormalizationFactor", "lineItem/NormalizedUsageAmount",
	"lineItem/CurrencyCode", "lineItem/UnblendedRate", "lineItem/UnblendedCost", "lineItem/BlendedRate",
	"lineItem/BlendedCost", "lineItem/NetUnblendedRate", "lineItem/NetUnblendedCost", "lineItem/LineItemDescription",
	"lineItem/TaxType", "lineItem/LegalEntity", "product/ProductName", "product/productFamily", "product/servicecode",
	"product/sku", "product/region", "product/regionCode", "product/location", "product/instanceType",
	"product/usagetype", "product/operation", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate",
	"pricing/term", "pricing/unit", "pricing/LeaseContractLength", "pricing/OfferingClass", "pricing/PurchaseOption",
	"reservation/ReservationARN", "reservation/EffectiveCost", "reservation/NetEffectiveCost",
	"reservation/AmortizedUpfrontCostForUsage", "reservation/RecurringFeeForUsage",
	"reservation/AmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
	"reservation/UnusedRecurringFee", "reservation/UnusedQuantity", "reservation/TotalReservedUnits",
	"savingsPlan/SavingsPlanARN", "savingsPlan/SavingsPlanRate", "savingsPlan/SavingsPlanEffectiveCost",
	"savingsPlan/NetSavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment",
	"savingsPlan/OfferingType", "resourceTags/user:team", "resourceTags/user:env", "resourceTags/aws:eks:cluster-name",
}

// netScale is the scale of the net columns: unblended (1e-10) × 97 %.
const netScale = awsScale + 2

// curRow is one CUR line before it is written. Empty strings and unset
// nums are empty cells.
type curRow struct {
	idKey      uint64 // identity/LineItemId is derived from it
	typ        string
	interval   []byte
	start, end []byte
	account    string
	prod       *awsProduct
	region     *awsRegion
	item       *awsItem // nil for rows that are not a usage type
	usageType  string   // set when item is nil
	operation  string
	az         []byte
	resource   []byte
	amount     num
	norm       int64
	rate       num
	cost       int64 // lineItem/UnblendedCost, scale awsScale
	noBlended  bool  // discount rows leave BlendedCost empty (§3.3)
	net        num
	netRate    num
	desc       [4]string
	taxType    string
	pubCost    num
	pubRate    num
	term, unit string
	ri         *awsRI
	riEff      num
	riNetEff   num
	riUpUse    num
	riRecUse   num
	riUpPeriod num
	riUnusedUp num
	riUnusedRc num
	riUnusedQ  num
	riTotalQ   num
	sp         bool
	spRate     num
	spEff      num
	spNetEff   num
	spTotal    num
	spUsed     num
	team, env  string
	cluster    string
}

// appendCur writes r as one CSV line (without the newline). b is the
// month's invariant cells: billing period, invoice.
func appendCur(b []byte, r *curRow, m *curMonth) []byte {
	for c := curCol(0); c < numCurCols; c++ {
		if c > 0 {
			b = append(b, ',')
		}
		switch c {
		case cLineItemID:
			b = appendHex(b, mix(r.idKey), 16)
			b = appendHex(b, mix(r.idKey^golden), 16)
			b = appendHex(b, mix(r.idKey+golden), 8)
		case cTimeInterval:
			b = append(b, r.interval...)
		case cInvoiceID:
			b = append(b, m.invoice...)
		case cInvoicingEntity, cLegalEntity:
			b = append(b, `"Amazon Web Services, Inc."`...) // quoted: it holds a comma
		case cBillingEntity:
			b = append(b, "AWS"...)
		case cBillType:
			b = append(b, "Anniversary"...)
		case cPayer:
			b = append(b, awsPayer...)
		case cBillStart:
			b = append(b, m.billStart...)
		case cBillEnd:
			b = append(b, m.billEnd...)
		case cAccount:
			b = append(b, r.account...)
		case cType:
			b = append(b, r.typ...)
		case cStart:
			b = append(b, r.start...)
		case cEnd:
			b = append(b, r.end...)
		case cProductCode:
			if r.prod != nil {
				b = append(b, r.prod.code...)
			}
		case cUsageType, cProductUsageType:
			b = appendUsageType(b, r)
		case cOperation, cProductOperation:
			b = append(b, r.operation...)
		case cAZ:
			b = append(b, r.az...)
		case cResourceID:
			b = append(b, r.resource...)
		case cAmount:
			b = appendNum(b, r.amount)
		case cNormFactor:
			if r.norm > 0 {
				b = appendDec(b, r.norm, 0)
			}
		case cNormAmount:
			if r.norm > 0 {
				b = appendDec(b, r.amount.v*r.norm, int(r.amount.scale))
			}
		case cCurrency:
			b = append(b, "USD"...)
		case cRate, cBlendedRate:
			b = appendNum(b, r.rate)
		case cCost:
			b = appendDec(b, r.cost, awsScale)
		case cBlendedCost:
			if !r.noBlended {
				b = appendDec(b, r.cost, awsScale)
			}
		case cNetRate:
			b = appendNum(b, r.netRate)
		case cNetCost:
			b = appendNum(b, r.net)
		case cDescription:
			b = appendDescription(b, r)
		case cTaxType:
			b = append(b, r.taxType...)
		case cProductName:
			if r.prod != nil {
				b = append(b, r.prod.name...)
			}
		case cFamily:
			if r.item != nil {
				b = append(b, r.item.family...)
			}
		case cServiceCode:
			if r.prod != nil {
				b = append(b, r.prod.code...)
			}
		case cSKU:
			if r.item != nil {
				b = append(b, r.item.sku...)
			}
		case cRegion, cRegionCode:
			if r.region != nil {
				b = append(b, r.region.code...)
			}
		case cLocation:
			if r.region != nil {
				b = append(b, r.region.location...)
			}
		case cInstanceType:
			if r.item != nil {
				b = append(b, r.item.instanceType...)
			}
		case cPublicCost:
			b = appendNum(b, r.pubCost)
		case cPublicRate:
			b = appendNum(b, r.pubRate)
		case cTerm:
			b = append(b, r.term...)
		case cUnit:
			b = append(b, r.unit...)
		case cLease:
			if r.ri != nil {
				b = append(b, "1yr"...)
			}
		case cOfferingClass:
			if r.ri != nil {
				b = append(b, "standard"...)
			}
		case cPurchaseOption:
			if r.ri != nil {
				b = append(b, "Partial Upfront"...)
			} else if r.sp {
				b = append(b, "No Upfront"...)
			}
		case cRIARN:
			if r.ri != nil {
				b = append(b, r.ri.id...)
			}
		case cRIEffective:
			b = appendNum(b, r.riEff)
		case cRINetEffective:
			b = appendNum(b, r.riNetEff)
		case cRIUpfrontForUsage:
			b = appendNum(b, r.riUpUse)
		case cRIRecurringForUsage:
			b = appendNum(b, r.riRecUse)
		case cRIUpfrontPeriod:
			b = appendNum(b, r.riUpPeriod)
		case cRIUnusedUpfront:
			b = appendNum(b, r.riUnusedUp)
		case cRIUnusedRecurring:
			b = appendNum(b, r.riUnusedRc)
		case cRIUnusedQty:
			b = appendNum(b, r.riUnusedQ)
		case cRITotalUnits:
			b = appendNum(b, r.riTotalQ)
		case cSPARN:
			if r.sp {
				b = append(b, awsSPARN...)
			}
		case cSPRate:
			b = appendNum(b, r.spRate)
		case cSPEffective:
			b = appendNum(b, r.spEff)
		case cSPNetEffective:
			b = appendNum(b, r.spNetEff)
		case cSPTotal:
			b = appendNum(b, r.spTotal)
		case cSPUsed:
			b = appendNum(b, r.spUsed)
		case cSPOffering:
			if r.sp {
				b = append(b, awsSPOffering...)
			}
		case cTagTeam:
			b = append(b, r.team...)
		case cTagEnv:
			b = append(b, r.env...)
		case cTagCluster:
			b = append(b, r.cluster...)
		}
	}
	return b
}

func appendUsageType(b []byte, r *curRow) []byte {
	if r.item == nil {
		return append(b, r.usageType...)
	}
	if r.region != nil {
		b = append(b, r.region.prefix...)
	}
	return append(b, r.item.usageType...)
}

// appendDescription writes the description pieces; only the catalogue's
// descriptions can hold a comma, so the field is quoted when one does.
func appendDescription(b []byte, r *curRow) []byte {
	for _, s := range r.desc {
		for i := 0; i < len(s); i++ {
			if s[i] == ',' || s[i] == '"' {
				b = append(b, '"')
				for _, s := range r.desc {
					for i := 0; i < len(s); i++ {
						if s[i] == '"' {
							b = append(b, '"')
						}
						b = append(b, s[i])
					}
				}
				return append(b, '"')
			}
		}
	}
	for _, s := range r.desc {
		b = append(b, s...)
	}
	return b
}
