package aws

import "strings"

// Kubecost categories (kubecost-cloudcost.md §5.4).
const (
	categoryCompute    = "Compute"
	categoryStorage    = "Storage"
	categoryNetwork    = "Network"
	categoryManagement = "Management"
	categoryOther      = "Other"
)

// category is OpenCost's AWS rule (kubecost-cloudcost.md §5.4): a usage
// type ending in "Bytes" is data transfer → Network; a resource id "i-…"
// is an instance → Compute, except GuardDuty's findings about instances →
// Other; "vol-…" → Storage; else by product code.
func category(resourceID, usageType, productCode string) string {
	if strings.HasSuffix(usageType, "Bytes") {
		return categoryNetwork
	}
	if strings.HasPrefix(resourceID, "i-") {
		if strings.EqualFold(productCode, "AmazonGuardDuty") {
			return categoryOther
		}
		return categoryCompute
	}
	if strings.HasPrefix(resourceID, "vol-") {
		return categoryStorage
	}
	switch strings.ToUpper(productCode) {
	case "AWSELB", "AWSGLUE", "AMAZONROUTE53":
		return categoryNetwork
	case "AMAZONEC2", "AWSLAMBDA", "AMAZONELASTICACHE":
		return categoryCompute
	case "AMAZONEKS":
		// Fargate pods carry ":pod/" in their resource id.
		if strings.Contains(resourceID, ":pod/") {
			return categoryCompute
		}
		return categoryManagement
	case "AMAZONS3", "AMAZONATHENA", "AMAZONRDS", "AMAZONDYNAMODB", "AWSSECRETSMANAGER", "AMAZONFSX":
		return categoryStorage
	}
	return categoryOther
}

// providerID is OpenCost's AWS providerID (kubecost-cloudcost.md §5.3):
// lineItem/ResourceId, except that load balancers and FSx keep only the
// last path segment of their ARN, and EKS compute rows (Fargate pods) get a
// "/CPU" or "/RAM" suffix by usage type, so that a pod's vCPU and memory
// rows stay apart.
func providerID(resourceID, usageType, productCode, category string) string {
	id := resourceID
	if strings.EqualFold(productCode, "AWSELB") || strings.EqualFold(productCode, "AmazonFSx") {
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			id = id[i+1:]
		}
	}
	if strings.EqualFold(productCode, "AmazonEKS") && category == categoryCompute {
		switch {
		case strings.Contains(usageType, "CPU"):
			id += "/CPU"
		case strings.Contains(usageType, "GB"):
			id += "/RAM"
		}
	}
	return id
}

// resourceTypeAndName splits an ARN's resource part into FOCUS
// ResourceType and ResourceName (§5.2: "parsed from the ARN's
// `:`-separated segments"): "arn:aws:ec2:us-east-1:123:instance/i-0ab" →
// ("instance", "i-0ab"); "arn:aws:lambda:…:function:my-fn" → ("function",
// "my-fn"); "arn:aws:s3:::bucket" → ("", "bucket"). A resource id that is
// not an ARN ("i-0ab", a bucket name) is its own name.
func resourceTypeAndName(id string) (typ, name string) {
	if !strings.HasPrefix(id, "arn:") {
		return "", id
	}
	parts := strings.SplitN(id, ":", 6)
	if len(parts) < 6 {
		return "", id
	}
	res := parts[5]
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		return res[:i], res[i+1:]
	}
	return "", res
}

// serviceCategoryCodes lists product codes by FOCUS ServiceCategory (§2.2,
// the 1.2 list; §5.2 "lookup table keyed by product code"). Codes not
// listed (Marketplace products among them) are "Other".
var serviceCategoryCodes = map[string][]string{
	"Compute": {"AmazonEC2", "AWSLambda", "AmazonECS", "AmazonEKS", "AmazonLightsail", "AWSBatch",
		"AmazonECR", "AWSOutposts"},
	"Analytics": {"ElasticMapReduce", "AmazonAthena", "AWSGlue", "AmazonKinesis", "AmazonKinesisFirehose",
		"AmazonKinesisAnalytics", "AmazonES", "AmazonOpenSearchService", "AmazonQuickSight", "AmazonMSK",
		"AWSLakeFormation", "AmazonRedshift"},
	"Storage": {"AmazonS3", "AmazonEFS", "AmazonFSx", "AmazonS3GlacierDeepArchive", "AmazonGlacier",
		"AWSBackup", "AWSStorageGateway"},
	"Databases": {"AmazonRDS", "AmazonDynamoDB", "AmazonElastiCache", "AmazonDocDB", "AmazonNeptune",
		"AmazonMemoryDB", "AmazonTimestream", "AmazonKeyspaces"},
	"Networking": {"AmazonVPC", "AWSDataTransfer", "AWSELB", "AmazonCloudFront", "AmazonRoute53",
		"AmazonApiGateway", "AWSDirectConnect", "AWSGlobalAccelerator", "AWSTransitGateway"},
	"Management and Governance": {"AmazonCloudWatch", "AWSCloudTrail", "AWSConfig", "AWSSystemsManager",
		"AWSCloudFormation", "AWSServiceCatalog", "AWSCostExplorer", "AWSBudgets", "AWSXRay"},
	"Security": {"AmazonGuardDuty", "AWSSecurityHub", "awskms", "AWSSecretsManager", "awswaf", "AWSShield",
		"AmazonInspector", "AmazonInspectorV2", "AmazonMacie", "AmazonDetective", "AWSCertificateManager"},
	"Identity":    {"AmazonCognito", "AWSDirectoryService", "AWSIAM"},
	"Integration": {"AmazonSNS", "AWSQueueService", "AmazonMQ", "AWSEvents", "AmazonStates", "AWSAppSync"},
	"Developer Tools": {"AWSCodeBuild", "AWSCodePipeline", "AWSCodeCommit", "AWSCodeArtifact",
		"AWSCodeDeploy", "AWSCloud9"},
	"AI and Machine Learning": {"AmazonSageMaker", "AmazonBedrock", "AmazonRekognition", "AmazonComprehend",
		"AmazonTextract", "AmazonTranscribe", "AmazonPolly", "AmazonTranslate", "AmazonLex"},
	"Internet of Things": {"AWSIoT", "AWSIoTCore", "AWSGreengrass"},
	"Media":              {"AWSElementalMediaConvert", "AmazonIVS"},
	"Migration":          {"AWSDMS", "AWSMigrationHub", "AWSDataSync", "AWSTransfer"},
	"Business Applications": {"AmazonSES", "AmazonWorkSpaces", "AmazonConnect", "AmazonChime",
		"AmazonWorkMail"},
	"Web": {"AWSAmplify", "AmazonAppStream"},
}

// serviceCategories is serviceCategoryCodes by lower-case product code.
var serviceCategories = func() map[string]string {
	m := map[string]string{}
	for cat, codes := range serviceCategoryCodes {
		for _, c := range codes {
			m[strings.ToLower(c)] = cat
		}
	}
	return m
}()

// serviceCategory looks a product code up, case-insensitively.
func serviceCategory(productCode string) string {
	if c, ok := serviceCategories[strings.ToLower(productCode)]; ok {
		return c
	}
	return "Other"
}
