package synth

// The Azure EA 2024-08-01 columns (billing-formats.md §6.2), in order.

type azCol uint8

const (
	aInvoiceSectionName azCol = iota
	aAccountName
	aAccountOwnerID
	aSubscriptionID
	aSubscriptionName
	aResourceGroup
	aResourceLocation
	aDate
	aProductName
	aMeterCategory
	aMeterSubCategory
	aMeterID
	aMeterName
	aMeterRegion
	aUnitOfMeasure
	aQuantity
	aEffectivePrice
	aCost
	aCostCenter
	aConsumedService
	aResourceID
	aTags
	aOfferID
	aAdditionalInfo
	aServiceInfo1
	aServiceInfo2
	aResourceName
	aReservationID
	aReservationName
	aUnitPrice
	aProductOrderID
	aProductOrderName
	aTerm
	aPublisherType
	aPublisherName
	aChargeType
	aFrequency
	aPricingModel
	aAvailabilityZone
	aBillingAccountID
	aBillingAccountName
	aBillingCurrencyCode
	aBillingPeriodStartDate
	aBillingPeriodEndDate
	aBillingProfileID
	aBillingProfileName
	aInvoiceSectionID
	aIsAzureCreditEligible
	aPartNumber
	aPayGPrice
	aPlanName
	aServiceFamily
	aCostAllocationRuleName
	aBenefitID
	aBenefitName
	aAccountID
	aResourceLocationNormalized
	numAzCols
)

var azHeader = [numAzCols]string{
	"InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName", "ResourceGroup",
	"ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubCategory", "MeterId", "MeterName",
	"MeterRegion", "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "CostCenter",
	"ConsumedService", "ResourceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
	"ResourceName", "ReservationId", "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term",
	"PublisherType", "PublisherName", "ChargeType", "Frequency", "PricingModel", "AvailabilityZone",
	"BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
	"BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId", "IsAzureCreditEligible",
	"PartNumber", "PayGPrice", "PlanName", "ServiceFamily", "CostAllocationRuleName", "benefitId", "benefitName",
	"AccountId", "ResourceLocationNormalized",
}

// azRow is one EA row before it is written.
type azRow struct {
	sub                 *azSubscription
	region              *azRegion
	meter               *azMeter
	purchase            bool
	reserved            bool
	qty                 int64 // scale 6
	effPrice, unitPrice int64 // scale 6
	payg                int64 // scale 6
	cost                int64 // azScale
	chargeType          string
	frequency           string
	pricing             string
	publisherType       string
	resource            []byte
	name, group         []byte // parts of resource
	tags, info          []byte // CSV-ready cells
	zone                byte
}

func appendAzure(b []byte, r *azRow, g *azureGen) []byte {
	m := r.meter
	for c := azCol(0); c < numAzCols; c++ {
		if c > 0 {
			b = append(b, ',')
		}
		switch c {
		case aInvoiceSectionName:
			b = append(b, azInvoiceSection...)
		case aAccountName:
			b = append(b, azAccountName...)
		case aAccountOwnerID:
			b = append(b, azAccountOwner...)
		case aSubscriptionID:
			b = append(b, r.sub.id...)
		case aSubscriptionName:
			b = append(b, r.sub.name...)
		case aResourceGroup:
			b = append(b, r.group...)
		case aResourceLocation:
			b = append(b, r.region.location...)
		case aDate:
			if r.purchase {
				b = append(b, g.periodFrom...)
			} else {
				b = append(b, g.date...)
			}
		case aProductName:
			b = append(b, m.product...)
			b = append(b, " - "...)
			b = append(b, r.region.meter...)
		case aMeterCategory:
			b = append(b, m.category...)
		case aMeterSubCategory:
			b = appendCSV(b, m.subCategory)
		case aMeterID:
			b = append(b, m.meterID...)
		case aMeterName:
			b = append(b, m.name...)
		case aMeterRegion:
			b = append(b, r.region.meter...)
		case aUnitOfMeasure:
			b = append(b, m.unit...)
		case aQuantity:
			b = appendDec(b, r.qty, azQtyScale)
		case aEffectivePrice:
			b = appendDec(b, r.effPrice, azPriceScale)
		case aCost:
			b = appendDec(b, r.cost, azScale)
		case aCostCenter:
			b = append(b, azCostCenter...)
		case aConsumedService:
			if r.purchase {
				b = append(b, "Microsoft.Capacity"...)
			} else {
				b = append(b, m.service...)
			}
		case aResourceID:
			b = append(b, r.resource...)
		case aTags:
			b = append(b, r.tags...)
		case aOfferID:
			b = append(b, azOfferID...)
		case aAdditionalInfo:
			b = append(b, r.info...)
		case aResourceName:
			b = append(b, r.name...)
		case aReservationID:
			if r.reserved {
				b = append(b, azReservationID...)
			}
		case aProductOrderID:
			if r.reserved {
				b = append(b, azReservationOrder...)
			}
		case aReservationName:
			if r.reserved {
				b = append(b, azReservationName...)
			}
		case aUnitPrice:
			b = appendDec(b, r.unitPrice, azPriceScale)
		case aProductOrderName:
			if r.reserved {
				b = appendQuoted(b, azReservationOrdNm)
			}
		case aTerm:
			if r.reserved {
				b = append(b, "12"...)
			}
		case aPublisherType:
			b = append(b, r.publisherType...)
		case aPublisherName:
			b = append(b, "Microsoft"...)
		case aChargeType:
			b = append(b, r.chargeType...)
		case aFrequency:
			b = append(b, r.frequency...)
		case aPricingModel:
			b = append(b, r.pricing...)
		case aAvailabilityZone:
			if r.zone != 0 {
				b = append(b, r.zone)
			}
		case aBillingAccountID, aBillingProfileID:
			b = append(b, azBillingAccountID...)
		case aBillingAccountName, aBillingProfileName:
			b = append(b, azBillingAccountName...)
		case aBillingCurrencyCode:
			b = append(b, "USD"...)
		case aBillingPeriodStartDate:
			b = append(b, g.billStart...)
		case aBillingPeriodEndDate:
			b = append(b, g.billEnd...)
		case aInvoiceSectionID:
			b = append(b, azInvoiceSectionID...)
		case aIsAzureCreditEligible:
			b = append(b, "True"...)
		case aPartNumber:
			b = append(b, m.partNumber...)
		case aPayGPrice:
			b = appendDec(b, r.payg, azPriceScale)
		case aPlanName:
			if !r.purchase && m.serviceType != "" {
				b = append(b, m.name...)
			}
		case aServiceFamily:
			b = append(b, m.family...)
		case aBenefitID:
			if r.reserved {
				b = append(b, azBenefitID...)
			}
		case aBenefitName:
			if r.reserved {
				b = append(b, azReservationName...)
			}
		case aAccountID:
			b = append(b, azAccountID...)
		case aResourceLocationNormalized:
			b = append(b, r.region.normalized...)
		}
	}
	return b
}

// fillAzResource sets the resource id, name, group, tags and
// AdditionalInfo of resource r's row, the way Azure spells them for its
// kind of resource. AKS-managed resources carry the aks-managed- and
// kubernetes.io-created- tags that mark Kubernetes cost (kubecost spec §7).
func (g *azureGen) fillAzResource(row *azRow, r *azRes) {
	sub := row.sub
	team := "shared"
	if r.team >= 0 {
		team = teams[r.team]
	}
	x := mix(r.h ^ 0xa2e)
	b := append(g.rid[:0], "/subscriptions/"...)
	b = append(b, sub.id...)
	b = append(b, "/resourceGroups/"...)
	g0 := len(b)
	aks := r.m.kind == azAKSNodes || r.m.kind == azAKSDisk
	switch {
	case aks:
		b = append(b, "MC_rg-aks-"...)
		b = append(b, sub.env...)
		b = append(b, '_')
		b = append(b, sub.cluster...)
		b = append(b, '_')
		b = append(b, row.region.location...)
	case r.m.kind == azAKSCluster:
		b = append(append(b, "rg-aks-"...), sub.env...)
	default:
		b = append(append(append(append(b, "rg-"...), team...), '-'), sub.env...)
	}
	g1 := len(b)
	b = append(b, "/providers/"...)
	var n0 int
	name := func(provider, prefix string) {
		b = append(b, provider...)
		b = append(b, '/')
		n0 = len(b)
		b = append(b, prefix...)
	}
	switch r.m.kind {
	case azVM:
		name("Microsoft.Compute/virtualMachines", "vm-")
		b = appendHex(append(append(b, team...), '-'), x, 4)
	case azAKSNodes:
		name("Microsoft.Compute/virtualMachineScaleSets", "aks-nodepool")
		b = append(b, byte('1'+x%2), '-')
		b = appendDec(b, between(x>>8, 10000000, 99999999), 0)
		b = append(b, "-vmss"...)
	case azAKSCluster:
		name("Microsoft.ContainerService/managedClusters", sub.cluster)
	case azAKSDisk:
		name("Microsoft.Compute/disks", "pvc-")
		b = appendGUID(b, x, mix(x))
	case azDisk:
		name("Microsoft.Compute/disks", "vm-")
		b = appendHex(append(append(b, team...), '-'), x, 4)
		b = appendHex(append(b, "_OsDisk_1_"...), mix(x), 16)
	case azStorage:
		name("Microsoft.Storage/storageAccounts", "st")
		b = appendHex(append(b, team...), x, 8)
	case azPostgres:
		name("Microsoft.DBforPostgreSQL/flexibleServers", "psql-")
		b = appendHex(append(append(b, team...), '-'), x, 4)
	case azLogs:
		name("Microsoft.OperationalInsights/workspaces", "log-")
		b = appendHex(append(append(b, sub.env...), '-'), x, 4)
	case azLB:
		name("Microsoft.Network/loadBalancers", "lb-")
		b = appendHex(append(append(b, team...), '-'), x, 4)
	case azAppService:
		name("Microsoft.Web/serverFarms", "asp-")
		b = appendHex(append(append(b, team...), '-'), x, 4)
	}
	g.rid = b
	row.resource, row.group, row.name = b, b[g0:g1], b[n0:]

	// EA CSV exports write tags without outer braces (§6.11):
	// "env": "prod","team": "payments", CSV-quoted.
	t := g.raw[:0]
	switch {
	case r.m.kind == azAKSNodes:
		t = append(t, `"aks-managed-createOperationID": "`...)
		t = appendGUID(t, mix(x+1), mix(x+2))
		t = append(t, `","aks-managed-orchestrator": "Kubernetes:1.29.4","aks-managed-poolName": "nodepool`...)
		t = append(t, byte('1'+x%2), '"')
	case r.m.kind == azAKSDisk:
		t = append(t, `"k8s-azure-created-by": "kubernetes-azure-dd","kubernetes.io-created-for-pvc-name": "data-`...)
		t = append(t, team...)
		t = append(t, `-0","kubernetes.io-created-for-pvc-namespace": "`...)
		t = append(t, team...)
		t = append(t, '"')
	case r.team >= 0:
		t = append(t, `"env": "`...)
		t = append(t, sub.env...)
		t = append(t, `","team": "`...)
		t = append(t, team...)
		t = append(t, '"')
	}
	g.raw = t
	g.tags = g.tags[:0]
	if len(t) > 0 {
		g.tags = appendQuoted(g.tags, t)
	}
	row.tags = g.tags

	i := g.info[:0]
	if r.m.serviceType != "" {
		i = append(i, `"{""UsageType"":""ComputeHR"",""ImageType"":""Canonical"",""ServiceType"":""`...)
		i = append(i, r.m.serviceType...)
		i = append(i, `"",""VMName"":null,""VMProperties"":null,""VCPUs"":`...)
		i = appendDec(i, int64(r.m.vcpus), 0)
		i = append(i, `,""CPUs"":0}"`...)
		row.zone = byte('1' + x>>40%3)
	}
	g.info = i
	row.info = i
}
