package synth

// The AWS company the generator bills: one payer (management) account
// with four usage accounts, three regions, and a price list of the usage
// types a typical SaaS bill is made of. Prices are real on-demand prices
// (us-east-1) so that generated bills look like real ones.

type awsAccount struct {
	id       string
	name     string
	env      string   // resourceTags/user:env of its resources
	clusters []string // EKS cluster names
}

// awsPayer is bill/PayerAccountId; it owns the support plan.
const awsPayer = "123456789012"

var awsAccounts = []awsAccount{
	{"210987654321", "acme-prod", "prod", []string{"prod-main", "prod-batch"}},
	{"345678901234", "acme-staging", "staging", []string{"staging-main"}},
	{"456789012345", "acme-data", "prod", []string{"data-spark"}},
	{"567890123456", "acme-sandbox", "dev", []string{"sandbox"}},
}

var awsAccountWeights = []int{50, 20, 20, 10}

// awsSandbox receives the monthly promotional credit.
const awsSandbox = 3

type awsRegion struct {
	code, location, prefix string // prefix of usage types: "USW2-"
}

var awsRegions = []awsRegion{
	{"us-east-1", "US East (N. Virginia)", ""},
	{"us-west-2", "US West (Oregon)", "USW2-"},
	{"eu-west-1", "EU (Ireland)", "EU-"},
}

var awsRegionWeights = []int{65, 20, 15}

var teams = []string{"platform", "payments", "search", "data", "web", "ml"}

// awsProduct is a lineItem/ProductCode. Taxes and discounts are per
// account and product, indexed by position here.
type awsProduct struct {
	code, name, family string
}

const (
	pEC2 = iota
	pRDS
	pS3
	pEKS
	pLambda
	pCloudWatch
	pDataTransfer
	numAWSProducts
)

var awsProducts = [numAWSProducts]awsProduct{
	{"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute Instance"},
	{"AmazonRDS", "Amazon Relational Database Service", "Database Instance"},
	{"AmazonS3", "Amazon Simple Storage Service", "Storage"},
	{"AmazonEKS", "Amazon Elastic Container Service for Kubernetes", "Compute"},
	{"AWSLambda", "AWS Lambda", "Serverless"},
	{"AmazonCloudWatch", "AmazonCloudWatch", "Metric"},
	{"AWSDataTransfer", "AWS Data Transfer", "Data Transfer"},
}

// resKind says how a resource id is spelled.
type resKind uint8

const (
	resNone resKind = iota
	resInstance
	resVolume
	resSnapshot
	resNAT
	resDB
	resBucket
	resCluster
	resFunction
	resLogGroup
)

// awsItem is one usage type. rate × amount is the unblended cost: the
// rate has rateScale decimals and the amount amtScale, and they add up to
// awsScale so that cost is an exact integer of 1e-10 USD.
type awsItem struct {
	prod         int
	usageType    string // without the region prefix
	operation    string
	family       string // product/productFamily
	instanceType string
	unit         string // pricing/unit
	rate         int64
	rateScale    int
	amtScale     int
	amtLo, amtHi int64 // amount per hour, in amtScale units: the resource's size
	elastic      bool  // the amount follows the day's activity (transfer, requests)
	growing      bool  // the amount grows slowly (stored data)
	desc         string
	sku          string
	res          resKind
	norm         int64 // lineItem/NormalizationFactor, 0 when none
	eks          bool  // an EKS worker node or cluster: tagged aws:eks:cluster-name
	ri           int   // index in awsRIs of a reservation that may cover it, or -1
	sp           bool  // the Compute Savings Plan may cover it
	steady       int   // weight among always-running resources
	burst        int   // weight among autoscaled resources
}

// awsScale is the number of decimals of every AWS cost amount.
const awsScale = 10

func ec2(typ string, rate int64, norm int64, eks bool, ri int, steady, burst int) awsItem {
	return awsItem{prod: pEC2, usageType: "BoxUsage:" + typ, operation: "RunInstances", family: "Compute Instance",
		instanceType: typ, unit: "Hrs", rate: rate, rateScale: 6, amtScale: 4, amtLo: 10000, amtHi: 10000,
		desc: "$" + string(appendDec(nil, rate, 6)) + " per On Demand Linux " + typ + " Instance Hour",
		res:  resInstance, norm: norm, eks: eks, ri: ri, sp: true, steady: steady, burst: burst}
}

var awsItems = []awsItem{
	ec2("t3.medium", 41600, 2, false, -1, 6, 6),
	ec2("m5.large", 96000, 4, false, -1, 6, 8),
	ec2("m5.xlarge", 192000, 8, false, 0, 9, 5),
	ec2("m5.2xlarge", 384000, 16, true, -1, 5, 8),
	ec2("c5.2xlarge", 340000, 16, false, -1, 3, 6),
	ec2("r5.xlarge", 252000, 8, false, -1, 3, 2),
	ec2("g4dn.xlarge", 526000, 8, false, -1, 1, 1),
	ec2("m6g.large", 77000, 4, true, -1, 3, 6),
	{prod: pEC2, usageType: "EBS:VolumeUsage.gp3", operation: "CreateVolume-Gp3", family: "Storage", unit: "GB-Mo",
		rate: 80000, rateScale: 6, amtScale: 4, amtLo: 685, amtHi: 27397, growing: true,
		desc: "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US East (Northern Virginia)",
		res:  resVolume, ri: -1, steady: 10},
	{prod: pEC2, usageType: "EBS:SnapshotUsage", operation: "CreateSnapshot", family: "Storage Snapshot", unit: "GB-Mo",
		rate: 50000, rateScale: 6, amtScale: 4, amtLo: 1000, amtHi: 50000, growing: true,
		desc: "$0.05 per GB-Month of snapshot data stored - US East (Northern Virginia)",
		res:  resSnapshot, ri: -1, steady: 3},
	{prod: pEC2, usageType: "NatGateway-Hours", operation: "NatGateway", family: "NAT Gateway", unit: "Hrs",
		rate: 45000, rateScale: 6, amtScale: 4, amtLo: 10000, amtHi: 10000,
		desc: "$0.045 per NAT Gateway Hour", res: resNAT, ri: -1, steady: 2},
	{prod: pEC2, usageType: "NatGateway-Bytes", operation: "NatGateway", family: "NAT Gateway", unit: "GB",
		rate: 45000, rateScale: 6, amtScale: 4, amtLo: 1000, amtHi: 50000, elastic: true,
		desc: "$0.045 per GB Data Processed by NAT Gateways", res: resNAT, ri: -1, steady: 2, burst: 2},
	{prod: pRDS, usageType: "InstanceUsage:db.r5.large", operation: "CreateDBInstance:0002", family: "Database Instance",
		instanceType: "db.r5.large", unit: "Hrs", rate: 250000, rateScale: 6, amtScale: 4, amtLo: 10000, amtHi: 10000,
		desc: "$0.25 per RDS db.r5.large instance hour (or partial hour) running MySQL",
		res:  resDB, norm: 4, ri: 1, steady: 4},
	{prod: pRDS, usageType: "Multi-AZUsage:db.m5.large", operation: "CreateDBInstance:0014", family: "Database Instance",
		instanceType: "db.m5.large", unit: "Hrs", rate: 356000, rateScale: 6, amtScale: 4, amtLo: 10000, amtHi: 10000,
		desc: "$0.356 per RDS db.m5.large Multi-AZ instance hour (or partial hour) running PostgreSQL",
		res:  resDB, norm: 8, ri: -1, steady: 3},
	{prod: pRDS, usageType: "RDS:GP2-Storage", operation: "CreateDBInstance:0002", family: "Database Storage", unit: "GB-Mo",
		rate: 115000, rateScale: 6, amtScale: 4, amtLo: 1370, amtHi: 13699, growing: true,
		desc: "$0.115 per GB-month of provisioned GP2 storage running MySQL", res: resDB, ri: -1, steady: 4},
	{prod: pS3, usageType: "TimedStorage-ByteHrs", operation: "StandardStorage", family: "Storage", unit: "GB-Mo",
		rate: 23000, rateScale: 6, amtScale: 4, amtLo: 1370, amtHi: 68493, growing: true,
		desc: "$0.023 per GB - first 50 TB / month of storage used", res: resBucket, ri: -1, steady: 6},
	{prod: pS3, usageType: "Requests-Tier1", operation: "PutObject", family: "API Request", unit: "Requests",
		rate: 50000, rateScale: 10, amtScale: 0, amtLo: 100, amtHi: 20000, elastic: true,
		desc: "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", res: resBucket, ri: -1, steady: 3, burst: 2},
	{prod: pS3, usageType: "Requests-Tier2", operation: "GetObject", family: "API Request", unit: "Requests",
		rate: 4000, rateScale: 10, amtScale: 0, amtLo: 1000, amtHi: 200000, elastic: true,
		desc: "$0.0004 per 1,000 GET and all other requests", res: resBucket, ri: -1, steady: 3, burst: 2},
	{prod: pEKS, usageType: "AmazonEKS-Hours:perCluster", operation: "CreateOperation", family: "Compute", unit: "Hours",
		rate: 100000, rateScale: 6, amtScale: 4, amtLo: 10000, amtHi: 10000,
		desc: "Amazon EKS cluster usage in US East (N. Virginia)", res: resCluster, eks: true, ri: -1, steady: 1},
	{prod: pLambda, usageType: "Lambda-GB-Second", operation: "Invoke", family: "Serverless", unit: "Lambda-GB-Second",
		rate: 166667, rateScale: 10, amtScale: 0, amtLo: 500, amtHi: 40000, elastic: true,
		desc: "AWS Lambda - Total Compute - US East (Northern Virginia)", res: resFunction, ri: -1, steady: 3, burst: 4},
	{prod: pLambda, usageType: "Request", operation: "Invoke", family: "Serverless", unit: "Requests",
		rate: 2000, rateScale: 10, amtScale: 0, amtLo: 1000, amtHi: 500000, elastic: true,
		desc: "AWS Lambda - Total Requests - US East (Northern Virginia)", res: resFunction, ri: -1, steady: 3, burst: 4},
	{prod: pCloudWatch, usageType: "CW:MetricMonitorUsage", operation: "MetricStorage", family: "Metric", unit: "Metrics",
		rate: 300000, rateScale: 6, amtScale: 4, amtLo: 137, amtHi: 1370,
		desc: "$0.30 per metric-month - first 10,000 metrics", res: resNone, ri: -1, steady: 3},
	{prod: pCloudWatch, usageType: "DataProcessing-Bytes", operation: "PutLogEvents", family: "Data Payload", unit: "GB",
		rate: 500000, rateScale: 6, amtScale: 4, amtLo: 100, amtHi: 20000, elastic: true,
		desc: "$0.50 per GB custom log data ingested", res: resLogGroup, ri: -1, steady: 3, burst: 2},
	{prod: pDataTransfer, usageType: "DataTransfer-Out-Bytes", operation: "RunInstances", family: "Data Transfer", unit: "GB",
		rate: 90000, rateScale: 6, amtScale: 4, amtLo: 500, amtHi: 40000, elastic: true,
		desc: "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier",
		res:  resInstance, ri: -1, steady: 4, burst: 6},
	{prod: pDataTransfer, usageType: "DataTransfer-Regional-Bytes", operation: "InterZone-In", family: "Data Transfer", unit: "GB",
		rate: 10000, rateScale: 6, amtScale: 4, amtLo: 1000, amtHi: 200000, elastic: true,
		desc: "$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB",
		res:  resInstance, ri: -1, steady: 3, burst: 4},
}

// awsRI is a reserved instance (1 year, partial upfront, standard) bought
// on the first day of the range. Its hourly effective rate is the
// amortized upfront fee plus the recurring fee, both per hour (scale 6).
type awsRI struct {
	item          int // index in awsItems of the usage type it covers
	account       int // owner
	id            string
	upfrontPerHr  int64
	recurringPerH int64
	usageDesc     string
}

// awsRIHours is the term of a one-year reservation in hours: the upfront
// fee is upfrontPerHr × awsRIHours, exactly.
const awsRIHours = 8760

var awsRIs = []awsRI{
	{item: 2, account: 0, id: "arn:aws:ec2:us-east-1:210987654321:reserved-instances/7f3c2a9e-41d8-4b6e-9c1a-2d5e8f0b3a71",
		upfrontPerHr: 56000, recurringPerH: 56000, usageDesc: "USD 0.056 hourly fee per Linux/UNIX (Amazon VPC), m5.xlarge instance"},
	{item: 12, account: 0, id: "arn:aws:rds:us-east-1:210987654321:ri:acme-prod-mysql-r5",
		upfrontPerHr: 73000, recurringPerH: 73000, usageDesc: "USD 0.073 hourly fee per MySQL, db.r5.large instance"},
}

// awsRICap bounds the units of each reservation: companies buy a fixed
// number, and beyond it the same instance types run on demand.
const awsRICap = 400

// The Compute Savings Plan: 1 year, no upfront, 28 % below on-demand.
const (
	awsSPARN      = "arn:aws:savingsplans::210987654321:savingsplan/0b8e6c1d-5f2a-4e97-b3c4-8a1d9e7f6c25"
	awsSPPercent  = 72
	awsSPOffering = "ComputeSavingsPlans"
)

// awsEDPPercent is the enterprise discount on usage; awsTaxPercent the
// sales tax on each account and product.
const (
	awsEDPPercent = 3
	awsTaxPercent = 6
)

var awsAnchors = anchors(len(awsItems), func(i int) string { return awsItems[i].usageType },
	"AmazonEKS-Hours:perCluster", "InstanceUsage:db.r5.large", "TimedStorage-ByteHrs", "NatGateway-Hours",
	"BoxUsage:m5.xlarge", "Lambda-GB-Second", "CW:MetricMonitorUsage")

func init() {
	for i := range awsItems {
		awsItems[i].sku = skuOf(awsItems[i].usageType)
	}
}
