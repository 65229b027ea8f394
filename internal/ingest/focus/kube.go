package focus

import (
	"encoding/json"
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// The Kubecost cloud cost categories (kubecost-cloudcost.md §5.4).
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
// "AWS", "Microsoft" and "Google Cloud"; the other spellings come from
// converters.
func providerOf(name string) provider {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "aws", "amazon web services", "amazon web services, inc.":
		return providerAWS
	case "microsoft", "azure", "microsoft azure":
		return providerAzure
	case "google cloud", "google", "gcp", "google cloud platform":
		return providerGCP
	}
	return providerOther
}

// kubecostProperties sets Category, ProviderID and Kubernetes by the rules
// of OpenCost's integration for the row's cloud (kubecost-cloudcost.md
// §5.3, §5.4, §7), reading FOCUS columns where OpenCost reads the native
// export's. Other providers get Category from ServiceCategory and
// ProviderID = ResourceId.
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

// awsK8sTags are the tag keys that mark EKS resources, folded by
// awsTagKey so that the CUR 2.0 (aws_eks_cluster_name), legacy column
// (user_eks_cluster_name) and original (aws:eks:cluster-name,
// user:eks:cluster-name) spellings all match.
var awsK8sTags = map[string]bool{
	"aws_eks_cluster_name":               true,
	"eks_cluster_name":                   true,
	"alpha_eksctl_io_cluster_name":       true,
	"kubernetes_io_service_name":         true,
	"kubernetes_io_created_for_pvc_name": true,
	"kubernetes_io_created_for_pv_name":  true,
}

func awsTagKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	k = strings.TrimPrefix(k, "user:")
	k = strings.TrimPrefix(k, "user_")
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', ':', '/', '-':
			return '_'
		}
		return r
	}, k)
}

func awsProperties(li *cost.LineItem, x extraColumns) {
	code := x.serviceCode
	if code == "" {
		code = awsProductCodes[strings.ToLower(li.ServiceName)]
	}
	if code == "" {
		code = li.ServiceName
	}
	codeUpper := strings.ToUpper(code)
	id := li.ResourceID

	// Category: network usage types first, then the resource id, then the
	// product code (OpenCost SelectAWSCategory).
	switch {
	case strings.HasSuffix(li.UsageType, "Bytes"):
		li.Category = catNetwork
	case strings.HasPrefix(id, "i-") && codeUpper == "AMAZONGUARDDUTY":
		li.Category = catOther
	case strings.HasPrefix(id, "i-"):
		li.Category = catCompute
	case strings.HasPrefix(id, "vol-"):
		li.Category = catStorage
	default:
		switch codeUpper {
		case "AWSELB", "AWSGLUE", "AMAZONROUTE53":
			li.Category = catNetwork
		case "AMAZONEC2", "AWSLAMBDA", "AMAZONELASTICACHE":
			li.Category = catCompute
		case "AMAZONEKS":
			li.Category = catManagement
			if strings.Contains(id, ":pod/") { // Fargate pods
				li.Category = catCompute
			}
		case "AMAZONS3", "AMAZONATHENA", "AMAZONRDS", "AMAZONDYNAMODB", "AWSSECRETSMANAGER", "AMAZONFSX":
			li.Category = catStorage
		default:
			li.Category = catOther
		}
	}

	// ProviderID: the resource id; load balancers and FSx by the last
	// segment of their ARN; EKS compute split into CPU and RAM.
	li.ProviderID = id
	if codeUpper == "AWSELB" || codeUpper == "AMAZONFSX" {
		li.ProviderID = lastSegment(id)
	}
	if codeUpper == "AMAZONEKS" && li.Category == catCompute {
		switch {
		case strings.Contains(li.UsageType, "CPU"):
			li.ProviderID += "/CPU"
		case strings.Contains(li.UsageType, "GB"):
			li.ProviderID += "/RAM"
		}
	}

	li.Kubernetes = codeUpper == "AMAZONEKS"
	for k, v := range li.Tags {
		if v != "" && awsK8sTags[awsTagKey(k)] {
			li.Kubernetes = true
		}
	}
}

func azureProperties(li *cost.LineItem, x extraColumns) {
	// Category by meter category (x_SkuMeterCategory); exports without it
	// fall back to ServiceCategory.
	meter := strings.ToLower(li.MeterCategory)
	switch {
	case meter == "":
		li.Category = categoryOfService(li.ServiceCategory)
	case meter == "virtual machines" || meter == "virtual machines licenses":
		li.Category = catCompute
	case meter == "storage":
		li.Category = catStorage
	case meter == "load balancer" || meter == "bandwidth" || meter == "virtual network":
		li.Category = catNetwork
	default:
		li.Category = catOther
	}

	li.ProviderID = azureProviderID(li, x)

	for k := range li.Tags {
		k = strings.ToLower(k)
		if strings.HasPrefix(k, "aks-managed-") || strings.HasPrefix(k, "kubernetes.io-created-") ||
			strings.HasPrefix(k, "k8s-azure-created-") {
			li.Kubernetes = true
		}
	}
}

// azureProviderID follows OpenCost's AzureSetProviderID, with Microsoft
// FOCUS x_SkuDetails standing in for AdditionalInfo (it is that column
// renamed).
func azureProviderID(li *cost.LineItem, x extraColumns) string {
	id := li.ResourceID
	details := skuDetails(x.skuDetails)
	vm, ok := details["VMName"].(string)
	if !ok {
		vm, ok = details["VmName"].(string)
	}
	if ok && id != "" {
		return "azure://" + lowerResourceGroup(id) + vmssInstance(vm)
	}
	if ip, ok := details["IpAddress"].(string); ok && strings.EqualFold(li.MeterCategory, "Virtual Network") {
		return ip
	}
	if li.Category == catStorage {
		if src, ok := li.Tags["creationSource"]; ok {
			return strings.TrimPrefix(src, "aks-")
		}
		if src, ok := li.Tags["aks-managed-creationSource"]; ok {
			return strings.TrimPrefix(src, "vmssclient-")
		}
		return lastSegment(id)
	}
	if id == "" {
		return ""
	}
	return "azure://" + lowerResourceGroup(id)
}

// skuDetails parses the AdditionalInfo-style JSON; anything unreadable is
// ignored, since it only refines ProviderID.
func skuDetails(s string) map[string]any {
	if s == "" {
		return nil
	}
	if s[0] != '{' {
		s = "{" + s + "}"
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// lowerResourceGroup lower-cases the resource group segment of an Azure
// resource id (/subscriptions/<id>/resourceGroups/<rg>/...), which Azure
// spells inconsistently between bills and Kubernetes provider ids.
func lowerResourceGroup(id string) string {
	parts := strings.Split(id, "/")
	n := 0
	for i, p := range parts {
		if p == "" {
			continue
		}
		if n == 3 {
			parts[i] = strings.ToLower(p)
			break
		}
		n++
	}
	return strings.Join(parts, "/")
}

// vmssInstance turns a scale set VM name (aks-pool-123_4) into the
// /virtualMachines/<n> suffix of its provider id.
func vmssInstance(vm string) string {
	if parts := strings.Split(vm, "_"); len(parts) > 1 {
		return "/virtualMachines/" + parts[1]
	}
	return ""
}

func gcpProperties(li *cost.LineItem, x extraColumns) {
	// GCP FOCUS ChargeDescription is the SKU description.
	desc := x.skuDescription
	if desc == "" {
		desc = li.ChargeDescription
	}
	li.Category = gcpCategory(li.ServiceName, desc)
	// FOCUS ResourceName is resource.name, ResourceId resource.global_name.
	if li.ResourceName != "" {
		li.ProviderID = lastSegment(li.ResourceName)
	} else {
		li.ProviderID = lastSegment(li.ResourceID)
	}
	for k := range li.Tags {
		switch strings.ToLower(k) {
		case "goog-gke-volume", "goog-gke-node", "goog-k8s-cluster-name":
			li.Kubernetes = true
		}
	}
}

// gcpCategory is OpenCost's GCP SelectCategory: SKU description words
// first, then the service name.
func gcpCategory(service, description string) string {
	s, d := strings.ToLower(service), strings.ToLower(description)
	has := func(text string, words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has(d, "download", "network", "ingress", "egress", "static ip", "external ip", "load balanced"):
		return catNetwork
	case has(d, "licensing fee"):
		return catOther
	case has(d, "storage", "pd capacity", "pd iops", "pd snapshot"):
		return catStorage
	case has(s, "storage"):
		return catStorage
	case has(s, "compute"):
		return catCompute
	case has(s, "sql", "bigquery"):
		return catStorage
	case has(s, "kubernetes"):
		return catManagement
	case has(s, "pub/sub"):
		return catNetwork
	}
	return catOther
}

// lastSegment returns the text after the last slash (an ARN's or resource
// path's final segment), or s when it has none.
func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
