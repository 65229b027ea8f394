package synth

// The FOCUS bill covers the same company on all three clouds at once, as a
// FinOps tool's combined FOCUS export would (billing-formats.md §2).

type focusProvider struct {
	name, publisher, issuer string
	account, accountName    string
	accountType             string
	subAccountType          string
	subAccounts             [][3]string // id, name, env
	commitment              focusCommitment
}

// focusCommitment is each provider's commitment discount, bought per day
// of the period and billed on the month's Purchase row.
type focusCommitment struct {
	id, name, typ, category, unit string
	percent                       int64 // effective price, percent of contracted
}

var focusProviders = []focusProvider{
	{name: "AWS", publisher: "Amazon Web Services, Inc.", issuer: "Amazon Web Services, Inc.",
		account: awsPayer, accountName: "acme-management", accountType: "Billing Account", subAccountType: "Account",
		subAccounts: [][3]string{{"210987654321", "acme-prod", "prod"}, {"345678901234", "acme-staging", "staging"}},
		commitment: focusCommitment{id: awsSPARN, name: "Compute Savings Plan 1yr No Upfront", typ: "Savings Plan",
			category: "Spend", unit: "USD", percent: 72}},
	{name: "Microsoft", publisher: "Microsoft", issuer: "Microsoft",
		account: azBillingAccountID, accountName: azBillingAccountName, accountType: "Billing Profile", subAccountType: "Subscription",
		subAccounts: [][3]string{{azSubscriptions[0].id, azSubscriptions[0].name, "prod"}, {azSubscriptions[1].id, azSubscriptions[1].name, "dev"}},
		commitment: focusCommitment{id: azBenefitID, name: azReservationName, typ: "Reservation",
			category: "Usage", unit: "Hours", percent: 64}},
	{name: "Google Cloud", publisher: "Google Cloud", issuer: "Google",
		account: gcpBillingAccount, accountName: "Acme Billing", accountType: "Billing Account", subAccountType: "Project",
		subAccounts: [][3]string{{gcpProjects[0].id, gcpProjects[0].name, "prod"}, {gcpProjects[1].id, gcpProjects[1].name, "staging"}},
		commitment: focusCommitment{id: "projects/acme-prod-3f9a/regions/us-central1/commitments/n2-1yr", name: "n2-1yr",
			typ: "Committed Use Discount", category: "Usage", unit: "Hours", percent: 63}},
}

// focusService is one SKU. Costs are price (scale 6) × quantity (scale 4).
type focusService struct {
	provider           int
	name, category     string
	subcategory        string
	skuMeter, desc     string
	resourceType       string
	region, regionName string
	unit               string    // PricingUnit and ConsumedUnit
	list               int64     // ListUnitPrice, scale 6
	discount           int64     // negotiated percent off list: ContractedUnitPrice
	qtyLo, qtyHi       int64     // per day, scale 4
	elastic            bool      // the quantity follows the day's activity
	commit             bool      // the provider's commitment may cover it
	k8s                [2]string // a Kubernetes tag
	steady, burst      int
	skuID              string
}

const (
	focusScale    = 10
	focusQtyScale = 4
	day24         = 24_0000
)

var focusServices = []focusService{
	{provider: 0, name: "Amazon Elastic Compute Cloud", category: "Compute", subcategory: "Virtual Machines",
		skuMeter: "BoxUsage:m5.xlarge", desc: "$0.192 per On Demand Linux m5.xlarge Instance Hour", resourceType: "Instance",
		region: "us-east-1", regionName: "US East (N. Virginia)", unit: "Hours", list: 192000, discount: 3,
		qtyLo: day24, qtyHi: day24, commit: true, steady: 8, burst: 6},
	{provider: 0, name: "Amazon Elastic Compute Cloud", category: "Compute", subcategory: "Virtual Machines",
		skuMeter: "BoxUsage:m5.2xlarge", desc: "$0.384 per On Demand Linux m5.2xlarge Instance Hour", resourceType: "Instance",
		region: "us-east-1", regionName: "US East (N. Virginia)", unit: "Hours", list: 384000, discount: 3,
		qtyLo: day24, qtyHi: day24, commit: true, k8s: [2]string{"aws:eks:cluster-name", "prod-main"}, steady: 4, burst: 6},
	{provider: 0, name: "Amazon Relational Database Service", category: "Databases", subcategory: "Relational Databases",
		skuMeter: "InstanceUsage:db.r5.large", desc: "$0.25 per RDS db.r5.large instance hour (or partial hour) running MySQL",
		resourceType: "DBInstance", region: "us-east-1", regionName: "US East (N. Virginia)", unit: "Hours", list: 250000,
		discount: 3, qtyLo: day24, qtyHi: day24, steady: 4},
	{provider: 0, name: "Amazon Simple Storage Service", category: "Storage", subcategory: "Object Storage",
		skuMeter: "TimedStorage-ByteHrs", desc: "$0.023 per GB - first 50 TB / month of storage used", resourceType: "Bucket",
		region: "us-east-1", regionName: "US East (N. Virginia)", unit: "GB-Mo", list: 23000, discount: 3,
		qtyLo: 3_0000, qtyHi: 200_0000, steady: 4},
	{provider: 0, name: "Amazon Elastic Kubernetes Service", category: "Compute", subcategory: "Containers",
		skuMeter: "AmazonEKS-Hours:perCluster", desc: "Amazon EKS cluster usage in US East (N. Virginia)", resourceType: "Cluster",
		region: "us-east-1", regionName: "US East (N. Virginia)", unit: "Hours", list: 100000, discount: 3,
		qtyLo: day24, qtyHi: day24, k8s: [2]string{"aws:eks:cluster-name", "prod-main"}, steady: 1},
	{provider: 0, name: "AWS Data Transfer", category: "Networking", subcategory: "Network Connectivity",
		skuMeter: "DataTransfer-Out-Bytes", desc: "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier",
		region: "us-east-1", regionName: "US East (N. Virginia)", unit: "GB", list: 90000, discount: 3,
		qtyLo: 5_0000, qtyHi: 300_0000, elastic: true, steady: 3, burst: 4},
	{provider: 1, name: "Virtual Machines", category: "Compute", subcategory: "Virtual Machines",
		skuMeter: "D4s v5", desc: "Virtual Machines Dsv5 Series - D4s v5 - US East", resourceType: "Virtual machine",
		region: "eastus", regionName: "East US", unit: "Hours", list: 192000, discount: 5,
		qtyLo: day24, qtyHi: day24, commit: true, steady: 6, burst: 4},
	{provider: 1, name: "Virtual Machines", category: "Compute", subcategory: "Virtual Machines",
		skuMeter: "D4s v5", desc: "Virtual Machines Dsv5 Series - D4s v5 - US East", resourceType: "Virtual machine scale set",
		region: "eastus", regionName: "East US", unit: "Hours", list: 192000, discount: 5,
		qtyLo: 3 * day24, qtyHi: 6 * day24, k8s: [2]string{"aks-managed-poolName", "nodepool1"}, steady: 3, burst: 4},
	{provider: 1, name: "Storage Accounts", category: "Storage", subcategory: "Object Storage",
		skuMeter: "Hot LRS Data Stored", desc: "Tiered Block Blob - Hot LRS - US East", resourceType: "Storage account",
		region: "eastus", regionName: "East US", unit: "GB/Month", list: 18400, discount: 5,
		qtyLo: 1_0000, qtyHi: 100_0000, steady: 3},
	{provider: 1, name: "Azure Database for PostgreSQL", category: "Databases", subcategory: "Relational Databases",
		skuMeter: "vCore", desc: "Azure Database for PostgreSQL Flexible Server General Purpose Dsv4 Series Compute - US East",
		resourceType: "Azure Database for PostgreSQL flexible server", region: "eastus", regionName: "East US",
		unit: "Hours", list: 86000, discount: 5, qtyLo: 2 * day24, qtyHi: 8 * day24, steady: 2},
	{provider: 2, name: "Compute Engine", category: "Compute", subcategory: "Virtual Machines",
		skuMeter: "n2-standard-4", desc: "N2 Instance Core and Ram running in Americas", resourceType: "Instance",
		region: "us-central1", regionName: "Iowa", unit: "Hours", list: 194236, discount: 0,
		qtyLo: day24, qtyHi: day24, commit: true, steady: 4, burst: 3},
	{provider: 2, name: "Kubernetes Engine", category: "Compute", subcategory: "Containers",
		skuMeter: "Regional Kubernetes Clusters", desc: "Regional Kubernetes Clusters", resourceType: "Cluster",
		region: "us-central1", regionName: "Iowa", unit: "Hours", list: 100000, qtyLo: day24, qtyHi: day24,
		k8s: [2]string{"goog-k8s-cluster-name", "prod-cluster"}, steady: 1},
	{provider: 2, name: "Cloud Storage", category: "Storage", subcategory: "Object Storage",
		skuMeter: "Standard Storage US Multi-region", desc: "Standard Storage US Multi-region", resourceType: "Bucket",
		region: "us", regionName: "US", unit: "GiB-Mo", list: 26000, qtyLo: 1_0000, qtyHi: 60_0000, steady: 2},
	{provider: 2, name: "BigQuery", category: "Analytics", subcategory: "Data Processing",
		skuMeter: "Analysis", desc: "Analysis", region: "us", regionName: "US", unit: "TiB", list: 6250000,
		qtyLo: 100, qtyHi: 2_0000, elastic: true, steady: 2, burst: 3},
}

var focusAnchors = anchors(len(focusServices), func(i int) string { return focusServices[i].skuMeter },
	"AmazonEKS-Hours:perCluster", "Regional Kubernetes Clusters", "InstanceUsage:db.r5.large", "vCore",
	"TimedStorage-ByteHrs")

func init() {
	for i := range focusServices {
		focusServices[i].skuID = skuOf(focusServices[i].name + focusServices[i].skuMeter)
	}
}
