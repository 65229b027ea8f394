package synth

// The Azure side of the company: one EA enrollment with three
// subscriptions in two regions, and the meters a typical bill holds.
// Prices are pay-as-you-go list prices (PayGPrice); the EA price
// (UnitPrice, EffectivePrice) is 5 % below.

type azSubscription struct {
	id, name, env string
	cluster       string // AKS cluster name
}

var azSubscriptions = []azSubscription{
	{"c2a8f3e1-6b4d-4f7a-9e2c-1d5b8a7f3e90", "contoso-prod", "prod", "aks-prod"},
	{"7d1e4b9a-2c3f-4a8e-b6d5-9f0a1c2e3b47", "contoso-dev", "dev", "aks-dev"},
	{"4f9b2d6e-8a1c-4e3b-a7f5-2c6d9e0b1a38", "contoso-data", "prod", "aks-data"},
}

var azSubscriptionWeights = []int{55, 25, 20}

type azRegion struct {
	location   string // ResourceLocation
	meter      string // MeterRegion
	normalized string // ResourceLocationNormalized
}

var azRegions = []azRegion{
	{"eastus", "US East", "East US"},
	{"westeurope", "EU West", "West Europe"},
}

var azRegionWeights = []int{70, 30}

// Enrollment-level cells, the same on every row.
const (
	azBillingAccountID   = "73461298"
	azBillingAccountName = "Contoso Ltd"
	azAccountName        = "Cloud Platform"
	azAccountOwner       = "cloudops@contoso.com"
	azAccountID          = "4021987"
	azInvoiceSection     = "Engineering"
	azInvoiceSectionID   = "312458"
	azCostCenter         = "CC-4410"
	azOfferID            = "MS-AZR-0017P"
)

// azKind says how a meter's resource is named.
type azKind uint8

const (
	azVM azKind = iota
	azAKSNodes
	azAKSCluster
	azAKSDisk
	azDisk
	azStorage
	azPostgres
	azLogs
	azLB
	azAppService
)

// azMeter is one meter. Cost = EffectivePrice × Quantity, both with 6
// decimals, so costs are exact at azScale.
type azMeter struct {
	kind          azKind
	category      string // MeterCategory
	subCategory   string
	name          string // MeterName
	product       string // ProductName without the region
	family        string // ServiceFamily
	service       string // ConsumedService
	unit          string // UnitOfMeasure
	partNumber    string
	serviceType   string // AdditionalInfo ServiceType for VMs
	vcpus         int
	payg          int64 // PayGPrice, scale 6
	qtyLo, qtyHi  int64 // quantity per day, scale 6: the resource's size
	elastic       bool  // the quantity follows the day's activity
	growing       bool  // the quantity grows slowly (stored data)
	reservable    bool  // the VM reservation may cover it
	steady, burst int
	meterID       string
}

const (
	azScale        = 12
	azQtyScale     = 6
	azPriceScale   = 6
	azEADiscount   = 5 // percent below PayGPrice
	azReservedCap  = 300
	azReservedRate = 123600 // $/hour per reserved D4s v5, scale 6 (36 % below PayG)
	azHoursPerDay  = 24_000000
)

func azVMMeter(sub, name, typ, part string, vcpus int, payg int64, steady, burst int) azMeter {
	return azMeter{kind: azVM, category: "Virtual Machines", subCategory: sub, name: name,
		product: "Virtual Machines " + sub + " - " + name, family: "Compute", service: "Microsoft.Compute",
		unit: "1 Hour", partNumber: part, serviceType: typ, vcpus: vcpus, payg: payg,
		qtyLo: azHoursPerDay, qtyHi: azHoursPerDay, steady: steady, burst: burst}
}

var azMeters = []azMeter{
	func() azMeter {
		m := azVMMeter("Dsv5 Series", "D4s v5", "Standard_D4s_v5", "AAH-63012", 4, 192000, 8, 6)
		m.reservable = true
		return m
	}(),
	azVMMeter("Dsv5 Series", "D8s v5", "Standard_D8s_v5", "AAH-63016", 8, 384000, 3, 4),
	azVMMeter("BS Series", "B2s", "Standard_B2s", "AAA-88142", 2, 41600, 5, 5),
	azVMMeter("Esv5 Series", "E4s v5", "Standard_E4s_v5", "AAH-63288", 4, 252000, 2, 1),
	{kind: azAKSNodes, category: "Virtual Machines", subCategory: "Dsv5 Series", name: "D4s v5",
		product: "Virtual Machines Dsv5 Series - D4s v5", family: "Compute", service: "Microsoft.Compute",
		unit: "1 Hour", partNumber: "AAH-63012", serviceType: "Standard_D4s_v5", vcpus: 4, payg: 192000,
		qtyLo: 3 * azHoursPerDay, qtyHi: 8 * azHoursPerDay, steady: 4, burst: 6},
	{kind: azAKSCluster, category: "Azure Kubernetes Service", subCategory: "Standard", name: "Standard Uptime SLA",
		product: "Azure Kubernetes Service - Standard Uptime SLA", family: "Compute", service: "Microsoft.ContainerService",
		unit: "1 Hour", partNumber: "AAK-00112", payg: 100000, qtyLo: azHoursPerDay, qtyHi: azHoursPerDay, steady: 1},
	{kind: azAKSDisk, category: "Storage", subCategory: "Premium SSD Managed Disks", name: "P10 LRS Disk",
		product: "Premium SSD Managed Disks - P10 LRS", family: "Storage", service: "Microsoft.Compute",
		unit: "1/Month", partNumber: "AAD-18140", payg: 19710000, qtyLo: 32258, qtyHi: 32258, steady: 3},
	{kind: azDisk, category: "Storage", subCategory: "Premium SSD Managed Disks", name: "P20 LRS Disk",
		product: "Premium SSD Managed Disks - P20 LRS", family: "Storage", service: "Microsoft.Compute",
		unit: "1/Month", partNumber: "AAD-18144", payg: 38020000, qtyLo: 32258, qtyHi: 32258, steady: 5},
	{kind: azStorage, category: "Storage", subCategory: "Tiered Block Blob", name: "Hot LRS Data Stored",
		product: "Tiered Block Blob - Hot LRS", family: "Storage", service: "Microsoft.Storage",
		unit: "1 GB/Month", partNumber: "AAD-37085", payg: 18400, qtyLo: 3_000000, qtyHi: 150_000000, growing: true, steady: 5},
	{kind: azStorage, category: "Storage", subCategory: "Tiered Block Blob", name: "Hot Write Operations",
		product: "Tiered Block Blob - Hot - Write Operations", family: "Storage", service: "Microsoft.Storage",
		unit: "10K", partNumber: "AAD-37089", payg: 65000, qtyLo: 500000, qtyHi: 60_000000, elastic: true, steady: 3, burst: 2},
	{kind: azVM, category: "Bandwidth", subCategory: "Rtn Preference: MGN", name: "Standard Data Transfer Out",
		product: "Rtn Preference: MGN - Standard Data Transfer Out", family: "Networking", service: "Microsoft.Compute",
		unit: "1 GB", partNumber: "AAF-26544", payg: 87000, qtyLo: 1_000000, qtyHi: 60_000000, elastic: true, steady: 3, burst: 4},
	{kind: azPostgres, category: "Azure Database for PostgreSQL", subCategory: "Flexible Server General Purpose Dsv4 Series Compute",
		name: "vCore", product: "Azure Database for PostgreSQL Flexible Server General Purpose Dsv4 Series Compute",
		family: "Databases", service: "Microsoft.DBforPostgreSQL", unit: "1 Hour", partNumber: "AAQ-41212",
		payg: 86000, qtyLo: 2 * azHoursPerDay, qtyHi: 8 * azHoursPerDay, steady: 3},
	{kind: azLogs, category: "Log Analytics", subCategory: "", name: "Analytics Logs Data Ingestion",
		product: "Log Analytics - Analytics Logs - Data Ingestion", family: "Management and Governance",
		service: "Microsoft.OperationalInsights", unit: "1 GB", partNumber: "AAH-16934", payg: 2760000,
		qtyLo: 200000, qtyHi: 6_000000, elastic: true, steady: 2, burst: 1},
	{kind: azLB, category: "Load Balancer", subCategory: "Standard", name: "Standard Included LB Rules and Outbound Rules",
		product: "Load Balancer - Standard", family: "Networking", service: "Microsoft.Network", unit: "1 Hour",
		partNumber: "AAF-55103", payg: 25000, qtyLo: azHoursPerDay, qtyHi: azHoursPerDay, steady: 2},
	{kind: azAppService, category: "Azure App Service", subCategory: "Premium v3 Plan", name: "P1 v3 App",
		product: "Azure App Service Premium v3 Plan - P1 v3", family: "Compute", service: "Microsoft.Web",
		unit: "1 Hour", partNumber: "AAG-94861", payg: 200000, qtyLo: azHoursPerDay, qtyHi: 3 * azHoursPerDay, steady: 2, burst: 1},
}

// The VM reservation: D4s v5 in East US, one year, paid monthly.
const (
	azReservationOrder = "6c2e9a1f-3b7d-4e58-a0c4-9d1f2e8b7a63"
	azReservationID    = "b4e1c7d2-9a3f-4c65-8e0b-1f7d3a9c2e58"
	azReservationName  = "VM_RI_D4sv5_EastUS"
	azReservationOrdNm = "Reserved VM Instance, Standard_D4s_v5, US East, 1 Year"
	azBenefitID        = "/providers/Microsoft.Capacity/reservationOrders/" + azReservationOrder + "/reservations/" + azReservationID
)

var azAnchors = anchors(len(azMeters), func(i int) string { return azMeters[i].name },
	"Standard Uptime SLA", "vCore", "Hot LRS Data Stored", "Standard Included LB Rules and Outbound Rules",
	"Analytics Logs Data Ingestion")

func init() {
	for i := range azMeters {
		azMeters[i].meterID = guidOf(azMeters[i].product + azMeters[i].name)
	}
}
