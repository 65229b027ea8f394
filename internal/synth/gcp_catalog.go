package synth

import "strings"

// The Google Cloud side of the company: one billing account, four
// projects, and the SKUs of a GKE-based platform. Rates are list prices in
// micro-dollars per pricing unit.

const gcpBillingAccount = "01A2B3-C4D5E6-F7A8B9"

type gcpProject struct {
	id, number, name, env string
	ancestry              string
	cluster               string // GKE cluster name
	labels                string // project.labels, JSON
}

var gcpProjects = []gcpProject{
	{"acme-prod-3f9a", "482910573121", "acme-prod", "prod", "/482910573/126473829105/", "prod-cluster", ""},
	{"acme-staging-7c21", "482910573245", "acme-staging", "staging", "/482910573/126473829105/", "staging-cluster", ""},
	{"acme-analytics-2b84", "482910573377", "acme-analytics", "prod", "/482910573/338201947562/", "analytics-cluster", ""},
	{"acme-ml-9d5e", "482910573409", "acme-ml", "dev", "/482910573/338201947562/", "ml-cluster", ""},
}

var gcpProjectWeights = []int{45, 20, 25, 10}

type gcpLocation struct {
	region, country, multi string // multi: the multi-region of storage ("US", "EU")
	zones                  string // zone letters
	area                   string // "Americas" or "EMEA" in SKU names
}

var gcpLocations = []gcpLocation{
	{"us-central1", "US", "US", "abcf", "Americas"},
	{"europe-west1", "BE", "EU", "bcd", "EMEA"},
}

var gcpLocationWeights = []int{75, 25}

type gcpService struct{ id, desc string }

const (
	gsCompute = iota
	gsGKE
	gsStorage
	gsBigQuery
	gsSQL
	gsLogging
)

var gcpServices = []gcpService{
	{"6F81-5844-456A", "Compute Engine"},
	{"CCD8-9BF1-090E", "Kubernetes Engine"},
	{"95FF-2EF5-5EA1", "Cloud Storage"},
	{"24E6-581D-38E5", "BigQuery"},
	{"9662-B51E-5089", "Cloud SQL"},
	{"5490-F7B7-8DF6", "Cloud Logging"},
}

// gcpSKU prices a pricing quantity num/den (usage.amount_in_pricing_units)
// at rate micro-dollars per unit; usage.amount is num × usageMul.
type gcpSKU struct {
	service     int
	desc        string // in the Americas
	rate        int64
	den         int64
	usageMul    int64
	usageUnit   string
	pricingUnit string
	descs, ids  [2]string // sku.description and sku.id per gcpLocations entry
}

func sku(service int, desc string, rate, den, usageMul int64, usageUnit, pricingUnit string) gcpSKU {
	return gcpSKU{service: service, desc: desc, rate: rate, den: den, usageMul: usageMul, usageUnit: usageUnit, pricingUnit: pricingUnit}
}

const (
	gib        = 1 << 30
	mib        = 1 << 20
	hourSecond = 3600
)

// SKU indexes.
const (
	skuN2Core = iota
	skuN2Ram
	skuE2Core
	skuE2Ram
	skuPD
	skuEgress
	skuGKE
	skuGCS
	skuGCSOps
	skuBQ
	skuSQL
	skuLog
	skuCommitCPU
	skuCommitRAM
	skuTax
	skuRounding
)

var gcpSKUs = []gcpSKU{
	skuN2Core:    sku(gsCompute, "N2 Instance Core running in Americas", 31611, 1, hourSecond, "seconds", "hour"),
	skuN2Ram:     sku(gsCompute, "N2 Instance Ram running in Americas", 4237, 1, gib*hourSecond, "byte-seconds", "gibibyte hour"),
	skuE2Core:    sku(gsCompute, "E2 Instance Core running in Americas", 21811, 1, hourSecond, "seconds", "hour"),
	skuE2Ram:     sku(gsCompute, "E2 Instance Ram running in Americas", 2923, 1, gib*hourSecond, "byte-seconds", "gibibyte hour"),
	skuPD:        sku(gsCompute, "Balanced PD Capacity", 100000, 730, gib*hourSecond, "byte-seconds", "gibibyte month"),
	skuEgress:    sku(gsCompute, "Network Internet Egress from Americas to Americas", 120000, 1024, mib, "bytes", "gibibyte"),
	skuGKE:       sku(gsGKE, "Regional Kubernetes Clusters", 100000, 1, hourSecond, "seconds", "hour"),
	skuGCS:       sku(gsStorage, "Standard Storage US Multi-region", 26000, 730, gib*hourSecond, "byte-seconds", "gibibyte month"),
	skuGCSOps:    sku(gsStorage, "Multi-Region Standard Class A Operations", 5, 1, 1, "requests", "requests"),
	skuBQ:        sku(gsBigQuery, "Analysis", 6250000, 1<<20, mib, "bytes", "tebibyte"),
	skuSQL:       sku(gsSQL, "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas", 41300, 1, hourSecond, "seconds", "hour"),
	skuLog:       sku(gsLogging, "Log Volume", 500000, 1024, mib, "bytes", "gibibyte"),
	skuCommitCPU: sku(gsCompute, "Commitment v1: N2 Cpu in Americas for 1 Year", 19915, 1, hourSecond, "seconds", "hour"),
	skuCommitRAM: sku(gsCompute, "Commitment v1: N2 Ram in Americas for 1 Year", 2669, 1, gib*hourSecond, "byte-seconds", "gibibyte hour"),
	skuTax:       sku(-1, "Tax", 0, 1, 1, "", ""),
	skuRounding:  sku(-1, "Rounding error", 0, 1, 1, "", ""),
}

// gcpKind is what resource k is: a machine (a core row and a RAM row) or a
// single SKU.
type gcpKind struct {
	name          string
	sku           int // the SKU, or the core SKU of a machine
	ram           int // the RAM SKU of a machine, -1 otherwise
	machine       string
	vcpus, ramGiB int64
	numLo, numHi  int64 // pricing quantity numerator per hour
	elastic       bool
	gke           bool // a GKE node: labelled goog-k8s-cluster-name
	cud           bool // the N2 commitment may cover it
	steady, burst int
}

var gcpKinds = []gcpKind{
	{name: "vm", sku: skuN2Core, ram: skuN2Ram, machine: "n2-standard-4", vcpus: 4, ramGiB: 16, cud: true, steady: 6, burst: 3},
	{name: "vm", sku: skuN2Core, ram: skuN2Ram, machine: "n2-standard-8", vcpus: 8, ramGiB: 32, cud: true, steady: 3, burst: 2},
	{name: "vm", sku: skuE2Core, ram: skuE2Ram, machine: "e2-medium", vcpus: 2, ramGiB: 4, steady: 4, burst: 4},
	{name: "gke-node", sku: skuN2Core, ram: skuN2Ram, machine: "n2-standard-4", vcpus: 4, ramGiB: 16, gke: true, cud: true, steady: 6, burst: 8},
	{name: "pd", sku: skuPD, ram: -1, numLo: 50, numHi: 2000, steady: 6},
	{name: "egress", sku: skuEgress, ram: -1, numLo: 50, numHi: 20000, elastic: true, steady: 3, burst: 4},
	{name: "gke", sku: skuGKE, ram: -1, numLo: 1, numHi: 1, gke: true, steady: 1},
	{name: "bucket", sku: skuGCS, ram: -1, numLo: 100, numHi: 20000, steady: 4},
	{name: "bucket-ops", sku: skuGCSOps, ram: -1, numLo: 1000, numHi: 100000, elastic: true, steady: 2, burst: 2},
	{name: "bq", sku: skuBQ, ram: -1, numLo: 1000, numHi: 100000, elastic: true, steady: 2, burst: 3},
	{name: "sql", sku: skuSQL, ram: -1, numLo: 2, numHi: 8, steady: 3},
	{name: "log", sku: skuLog, ram: -1, numLo: 10, numHi: 500, elastic: true, steady: 2, burst: 1},
}

const (
	gcpScale      = 6  // cost and credits: micro-dollars
	gcpSUDPercent = 20 // sustained use discount of steady N2 machines without a commitment
	gcpTaxPercent = 5
	gcpCUDCap     = 4000 // vCPUs of the commitment at most
)

var gcpAnchors = anchors(len(gcpKinds), func(i int) string { return gcpKinds[i].name },
	"gke", "sql", "bucket", "bq", "log")

func init() {
	for i := range gcpProjects {
		gcpProjects[i].labels = `[{"key":"env","value":"` + gcpProjects[i].env + `"}]`
	}
	for i := range gcpSKUs {
		s := &gcpSKUs[i]
		for l, loc := range gcpLocations {
			s.descs[l] = strings.ReplaceAll(s.desc, "Americas", loc.area)
			s.descs[l] = strings.ReplaceAll(s.descs[l], "US Multi-region", loc.multi+" Multi-region")
			id := skuOf(s.descs[l])
			s.ids[l] = id[0:4] + "-" + id[4:8] + "-" + id[8:12]
		}
	}
}
