package synth

// The FOCUS 1.2 columns of billing-formats.md §2.1, in the spec's order.

type focusCol uint8

const (
	fAvailabilityZone focusCol = iota
	fBilledCost
	fBillingAccountID
	fBillingAccountName
	fBillingAccountType
	fBillingCurrency
	fBillingPeriodStart
	fBillingPeriodEnd
	fCapacityReservationID
	fCapacityReservationStatus
	fChargeCategory
	fChargeClass
	fChargeDescription
	fChargeFrequency
	fChargePeriodStart
	fChargePeriodEnd
	fCommitmentDiscountCategory
	fCommitmentDiscountID
	fCommitmentDiscountName
	fCommitmentDiscountQuantity
	fCommitmentDiscountStatus
	fCommitmentDiscountType
	fCommitmentDiscountUnit
	fConsumedQuantity
	fConsumedUnit
	fContractedCost
	fContractedUnitPrice
	fEffectiveCost
	fInvoiceID
	fInvoiceIssuerName
	fListCost
	fListUnitPrice
	fPricingCategory
	fPricingCurrency
	fPricingCurrencyContractedUnitPrice
	fPricingCurrencyEffectiveCost
	fPricingCurrencyListUnitPrice
	fPricingQuantity
	fPricingUnit
	fProviderName
	fPublisherName
	fRegionID
	fRegionName
	fResourceID
	fResourceName
	fResourceType
	fServiceCategory
	fServiceName
	fServiceSubcategory
	fSkuID
	fSkuMeter
	fSkuPriceDetails
	fSkuPriceID
	fSubAccountID
	fSubAccountName
	fSubAccountType
	fTags
	numFocusCols
)

var focusHeader = [numFocusCols]string{
	"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
	"BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "CapacityReservationId",
	"CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"ChargePeriodStart", "ChargePeriodEnd", "CommitmentDiscountCategory", "CommitmentDiscountId",
	"CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
	"CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
	"EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
	"PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
	"PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
	"RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
	"ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
	"SubAccountType", "Tags",
}

// focusRow is one FOCUS row before it is written. svc is nil for
// month-level rows (purchases, tax, credit), which carry no SKU.
type focusRow struct {
	svc            *focusService
	prov           *focusProvider
	sub            [3]string // id, name, env
	commitment     *focusCommitment
	status         string
	category       string
	frequency      string
	pricing        string
	desc           string
	start, end     []byte
	qty            num
	list           int64 // unit prices, scale 6
	contracted     int64
	listCost       int64 // costs, focusScale
	contractedCost int64
	billed         int64
	effective      int64
	zone           byte
}

func appendFocus(b []byte, r *focusRow, g *focusGen) []byte {
	s := r.svc
	for c := focusCol(0); c < numFocusCols; c++ {
		if c > 0 {
			b = append(b, ',')
		}
		switch c {
		case fAvailabilityZone:
			if r.zone != 0 {
				b = append(append(b, s.region...), r.zone)
			}
		case fBilledCost:
			b = appendDec(b, r.billed, focusScale)
		case fBillingAccountID:
			b = append(b, r.prov.account...)
		case fBillingAccountName:
			b = append(b, r.prov.accountName...)
		case fBillingAccountType:
			b = append(b, r.prov.accountType...)
		case fBillingCurrency, fPricingCurrency:
			b = append(b, "USD"...)
		case fBillingPeriodStart:
			b = append(b, g.billStart...)
		case fBillingPeriodEnd:
			b = append(b, g.billEnd...)
		case fChargeCategory:
			b = append(b, r.category...)
		case fChargeDescription:
			if s != nil {
				b = appendCSV(b, s.desc)
			} else {
				b = appendCSV(b, r.desc)
			}
		case fChargeFrequency:
			b = append(b, r.frequency...)
		case fChargePeriodStart:
			b = append(b, r.start...)
		case fChargePeriodEnd:
			b = append(b, r.end...)
		case fCommitmentDiscountCategory:
			if r.commitment != nil {
				b = append(b, r.commitment.category...)
			}
		case fCommitmentDiscountID:
			if r.commitment != nil {
				b = append(b, r.commitment.id...)
			}
		case fCommitmentDiscountName:
			if r.commitment != nil {
				b = append(b, r.commitment.name...)
			}
		case fCommitmentDiscountQuantity:
			if r.commitment != nil && r.status == "Used" {
				if r.commitment.unit == "USD" {
					b = appendDec(b, r.effective, focusScale)
				} else {
					b = appendNum(b, r.qty)
				}
			}
		case fCommitmentDiscountStatus:
			b = append(b, r.status...)
		case fCommitmentDiscountType:
			if r.commitment != nil {
				b = append(b, r.commitment.typ...)
			}
		case fCommitmentDiscountUnit:
			if r.commitment != nil && r.status == "Used" {
				b = append(b, r.commitment.unit...)
			}
		case fConsumedQuantity, fPricingQuantity:
			b = appendNum(b, r.qty)
		case fConsumedUnit, fPricingUnit:
			if s != nil {
				b = append(b, s.unit...)
			}
		case fContractedCost:
			b = appendDec(b, r.contractedCost, focusScale)
		case fContractedUnitPrice, fPricingCurrencyContractedUnitPrice:
			if s != nil {
				b = appendDec(b, r.contracted, 6)
			}
		case fEffectiveCost, fPricingCurrencyEffectiveCost:
			b = appendDec(b, r.effective, focusScale)
		case fInvoiceID:
			b = append(b, g.invoice...)
		case fInvoiceIssuerName:
			b = appendCSV(b, r.prov.issuer)
		case fListCost:
			b = appendDec(b, r.listCost, focusScale)
		case fListUnitPrice, fPricingCurrencyListUnitPrice:
			if s != nil {
				b = appendDec(b, r.list, 6)
			}
		case fPricingCategory:
			b = append(b, r.pricing...)
		case fProviderName:
			b = append(b, r.prov.name...)
		case fPublisherName:
			b = appendCSV(b, r.prov.publisher)
		case fRegionID:
			if s != nil {
				b = append(b, s.region...)
			}
		case fRegionName:
			if s != nil {
				b = appendCSV(b, s.regionName)
			}
		case fResourceID:
			b = appendCSV(b, g.rid)
		case fResourceName:
			b = append(b, resourceName(g.rid)...)
		case fResourceType:
			if s != nil && len(g.rid) > 0 {
				b = append(b, s.resourceType...)
			}
		case fServiceCategory:
			if s != nil {
				b = append(b, s.category...)
			} else {
				b = append(b, "Other"...)
			}
		case fServiceName:
			if s != nil {
				b = append(b, s.name...)
			} else if r.commitment != nil {
				b = append(b, r.commitment.typ...)
			} else {
				b = append(b, r.category...)
			}
		case fServiceSubcategory:
			if s != nil {
				b = append(b, s.subcategory...)
			}
		case fSkuID:
			if s != nil {
				b = append(b, s.skuID...)
			}
		case fSkuMeter:
			if s != nil {
				b = append(b, s.skuMeter...)
			}
		case fSkuPriceID:
			if s != nil {
				b = append(append(b, s.skuID...), ".OnDemand"...)
			}
		case fSubAccountID:
			b = append(b, r.sub[0]...)
		case fSubAccountName:
			b = append(b, r.sub[1]...)
		case fSubAccountType:
			b = append(b, r.prov.subAccountType...)
		case fTags:
			if len(g.tags) > 0 {
				b = appendQuoted(b, g.tags)
			}
		}
	}
	return b
}

// resourceName is the last segment of a resource id.
func resourceName(id []byte) []byte {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '/' || id[i] == ':' {
			return id[i+1:]
		}
	}
	return id
}

// fillFocusResource sets the resource id and the Tags JSON object of
// resource r's row. Kubernetes resources carry their provider's cluster
// tag (kubecost spec §7).
func (g *focusGen) fillFocusResource(row *focusRow, r *focusRes) {
	s := r.svc
	x := mix(r.h ^ 0xf0c5)
	team := "shared"
	if r.team >= 0 {
		team = teams[r.team]
	}
	b := g.rid[:0]
	switch s.provider {
	case 0:
		switch s.resourceType {
		case "Instance":
			b = appendHex(appendAll(b, "arn:aws:ec2:us-east-1:", row.sub[0], ":instance/i-0"), x, 16)
			row.zone = byte('a' + x>>40%3)
		case "DBInstance":
			b = appendHex(appendAll(b, "arn:aws:rds:us-east-1:", row.sub[0], ":db:", team, "-db-"), x, 4)
		case "Bucket":
			b = appendHex(appendAll(b, "arn:aws:s3:::acme-", team, "-"), x, 6)
		case "Cluster":
			b = appendAll(b, "arn:aws:eks:us-east-1:", row.sub[0], ":cluster/prod-main")
		}
	case 1:
		b = appendAll(b, "/subscriptions/", row.sub[0], "/resourceGroups/")
		switch s.resourceType {
		case "Virtual machine":
			b = appendHex(appendAll(b, "rg-", team, "/providers/Microsoft.Compute/virtualMachines/vm-", team, "-"), x, 4)
		case "Virtual machine scale set":
			b = appendDec(append(b, "MC_rg-aks_aks-prod_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-"...), between(x, 10000000, 99999999), 0)
			b = append(b, "-vmss"...)
		case "Storage account":
			b = appendHex(appendAll(b, "rg-", team, "/providers/Microsoft.Storage/storageAccounts/st", team), x, 8)
		default:
			b = appendHex(appendAll(b, "rg-", team, "/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-", team, "-"), x, 4)
		}
	case 2:
		switch s.resourceType {
		case "Instance":
			b = appendAll(b, "//compute.googleapis.com/projects/", row.sub[0], "/zones/us-central1-a/instances/vm-", team, "-")
			b = appendHex(b, x, 4)
		case "Cluster":
			b = appendAll(b, "//container.googleapis.com/projects/", row.sub[0], "/locations/us-central1/clusters/prod-cluster")
		case "Bucket":
			b = appendHex(appendAll(b, "//storage.googleapis.com/projects/_/buckets/acme-", team, "-"), x, 6)
		}
	}
	g.rid = b
	t := g.tags[:0]
	switch {
	case s.k8s[0] != "":
		t = appendAll(t, `{"`, s.k8s[0], `": "`, s.k8s[1], `"}`)
	case r.team >= 0:
		t = appendAll(t, `{"env": "`, row.sub[2], `", "team": "`, team, `"}`)
	}
	g.tags = t
}
