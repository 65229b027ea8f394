package focus

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/aws"
	"github.com/tally-cost/tally/internal/ingest/azure"
	"github.com/tally-cost/tally/internal/ingest/gcp"
)

// The Kubecost cloud cost categories (kubecost-cloudcost.md §5.4), for
// rows that the provider rules do not classify.
const (
	catCompute    = "Compute"
	catStorage    = "Storage"
	catNetwork    = "Network"
	catManagement = "Management"
	catOther      = "Other"
)

// extraColumns are provider columns the Kubecost rules read that have no
// LineItem field.
type extraColumns struct {
	serviceCode    string // AWS x_ServiceCode (the CUR product code)
	skuDetails     string // Microsoft x_SkuDetails (the AdditionalInfo JSON)
	skuDescription string // x_SkuDescription
}

type provider int

const (
	providerOther provider = iota
	providerAWS
	providerAzure
	providerGCP
)

// providerOf tells the cloud from FOCUS ProviderName. Native exports write
// "AWS", "Microsoft" and "Google Cloud"; converters write other spellings
// (cost.StoredProvider knows them).
func providerOf(name string) provider {
	stored, _ := cost.StoredProvider(name)
	switch stored {
	case cost.ProviderAWS:
		return providerAWS
	case cost.ProviderMicrosoft:
		return providerAzure
	case cost.ProviderGoogle:
		return providerGCP
	}
	return providerOther
}

// kubecostProperties sets Category, ProviderID and Kubernetes by the rules
// of OpenCost's integration for the row's cloud (kubecost-cloudcost.md
// §5.3, §5.4, §7), which live with the native readers (packages aws, azure
// and gcp) so that a FOCUS file and a native export of the same bill agree;
// this file only maps FOCUS columns onto what those rules read. Other
// providers get Category from ServiceCategory and ProviderID = ResourceId.
func kubecostProperties(li *cost.LineItem, x extraColumns) {
	switch providerOf(li.ProviderName) {
	case providerAWS:
		awsProperties(li, x)
	case providerAzure:
		azureProperties(li, x)
	case providerGCP:
		gcpProperties(li, x)
	default:
		li.Category = categoryOfService(li.ServiceCategory)
		li.ProviderID = li.ResourceID
	}
}

// categoryOfService maps a FOCUS ServiceCategory onto the Kubecost
// categories.
func categoryOfService(serviceCategory string) string {
	switch normEnum(serviceCategories, serviceCategory) {
	case "Compute":
		return catCompute
	case "Storage":
		return catStorage
	case "Networking":
		return catNetwork
	case "Management and Governance":
		return catManagement
	}
	return catOther
}

// awsProductCodes maps the FOCUS ServiceName of AWS (the CUR product
// name) to the product code OpenCost's rules are written in, for exports
// without x_ServiceCode. Only codes the rules name are listed.
var awsProductCodes = map[string]string{
	"amazon elastic compute cloud": "AmazonEC2",
	"elastic load balancing":       "AWSELB",
	"aws glue":                     "AWSGlue",
	"amazon route 53":              "AmazonRoute53",
	"aws lambda":                   "AWSLambda",
	"amazon elasticache":           "AmazonElastiCache",
	"amazon elastic container service for kubernetes": "AmazonEKS",
	"amazon elastic kubernetes service":               "AmazonEKS",
	"amazon simple storage service":                   "AmazonS3",
	"amazon athena":                                   "AmazonAthena",
	"amazon relational database service":              "AmazonRDS",
	"amazon dynamodb":                                 "AmazonDynamoDB",
	"aws secrets manager":                             "AWSSecretsManager",
	"amazon fsx":                                      "AmazonFSx",
	"amazon guardduty":                                "AmazonGuardDuty",
}

// awsProperties applies the rules of package aws (aws.Category,
// aws.ProviderID, aws.IsKubernetes) to the CUR product code of the row:
// x_ServiceCode, else the code of the ServiceName product name, else the
// ServiceName itself.
func awsProperties(li *cost.LineItem, x extraColumns) {
	code := x.serviceCode
	if code == "" {
		code = awsProductCodes[strings.ToLower(li.ServiceName)]
	}
	if code == "" {
		code = li.ServiceName
	}
	li.Category = aws.Category(li.ResourceID, li.UsageType, code)
	li.ProviderID = aws.ProviderID(li.ResourceID, li.UsageType, code, li.Category)
	li.Kubernetes = aws.IsKubernetes(code, li.Tags)
}

// azureProperties applies the rules of package azure to the meter
// category (x_SkuMeterCategory), with Microsoft FOCUS x_SkuDetails
// standing in for AdditionalInfo (it is that column renamed). Exports
// without a meter category get Category from ServiceCategory instead.
func azureProperties(li *cost.LineItem, x extraColumns) {
	if li.MeterCategory == "" {
		li.Category = categoryOfService(li.ServiceCategory)
	} else {
		li.Category = azure.Category(li.MeterCategory)
	}
	li.ProviderID = azure.ProviderID(li.ResourceID, li.MeterCategory, li.Category, x.skuDetails, li.Tags)
	li.Kubernetes = azure.IsKubernetes(li.Tags)
}

// gcpProperties applies the rules of package gcp. The SKU description is
// x_SkuDescription, else ChargeDescription (which GCP FOCUS fills with
// it); FOCUS ResourceName is resource.name and ResourceId
// resource.global_name.
func gcpProperties(li *cost.LineItem, x extraColumns) {
	desc := x.skuDescription
	if desc == "" {
		desc = li.ChargeDescription
	}
	li.Category = gcp.Category(li.ServiceName, desc)
	li.ProviderID = gcp.ProviderID(li.ResourceName, li.ResourceID)
	li.Kubernetes = gcp.IsKubernetes(li.Tags)
}
