package aws

import "strings"

// The Kubecost cloud cost properties of an AWS line item
// (kubecost-cloudcost.md §5.3, §5.4, §7), derived the way OpenCost's AWS
// integration does. Category, ProviderID and IsKubernetes serve both the
// CUR reader of this package and the FOCUS reader (package focus), which
// passes the CUR product code it finds in x_ServiceCode or derives from
// ServiceName.

// Kubecost categories (kubecost-cloudcost.md §5.4).
const (
	categoryCompute    = "Compute"
	categoryStorage    = "Storage"
	categoryNetwork    = "Network"
	categoryManagement = "Management"
	categoryOther      = "Other"
)

// Category is OpenCost's AWS category rule (kubecost-cloudcost.md §5.4): a
// usage type ending in "Bytes" is data transfer → Network; a resource id
// "i-…" is an instance → Compute, except GuardDuty's findings about
// instances → Other; "vol-…" → Storage; else by product code (compared
// case-insensitively): AWSELB, AWSGlue, AmazonRoute53 → Network; AmazonEC2,
// AWSLambda, AmazonElastiCache → Compute; AmazonEKS → Compute for Fargate
// pods (":pod/" in the resource id), else Management; AmazonS3,
// AmazonAthena, AmazonRDS, AmazonDynamoDB, AWSSecretsManager, AmazonFSx →
// Storage; anything else → Other.
func Category(resourceID, usageType, productCode string) string {
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

// ProviderID is OpenCost's AWS providerID (kubecost-cloudcost.md §5.3):
// lineItem/ResourceId, except that load balancers and FSx keep only the
// last path segment of their ARN, and EKS compute rows (Fargate pods) get a
// "/CPU" or "/RAM" suffix by usage type, so that a pod's vCPU and memory
// rows stay apart. category is the row's Category.
func ProviderID(resourceID, usageType, productCode, category string) string {
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

// kubernetesTags are the tag keys that mark EKS resources
// (kubecost-cloudcost.md §7) in the snake_case spelling of CUR 2.0 and
// Athena (snakeKey), without the user namespace: aws:eks:cluster-name is
// AWS's own tag; the others are user tags, which the CUR writes as
// `user:eks:cluster-name` / `resource_tags_user_eks_cluster_name` and
// FOCUS Tags without a prefix.
var kubernetesTags = map[string]bool{
	"aws_eks_cluster_name":               true,
	"eks_cluster_name":                   true,
	"alpha_eksctl_io_cluster_name":       true,
	"kubernetes_io_service_name":         true,
	"kubernetes_io_created_for_pvc_name": true,
	"kubernetes_io_created_for_pv_name":  true,
}

// snakeKey writes a tag key the way AWS writes it in snake_case column
// names: lower case, every other character than a letter or digit an
// underscore.
func snakeKey(k string) string {
	b := []byte(strings.ToLower(k))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// IsKubernetes applies the AWS Kubernetes markers of kubecost-cloudcost.md
// §7: the product code AmazonEKS, or a non-empty tag aws:eks:cluster-name,
// eks:cluster-name, alpha.eksctl.io/cluster-name, kubernetes.io/service-name,
// kubernetes.io/created-for/pvc/name or kubernetes.io/created-for/pv/name.
// A key matches in every spelling the bills use: legacy CSV
// (`user:eks:cluster-name`), snake_case columns and CUR 2.0 map keys
// (`user_eks_cluster_name`, `aws_eks_cluster_name`) and FOCUS Tags, where
// user tags carry no prefix (`eks:cluster-name`). Keys are compared after
// snakeKey with a leading "user_" removed; cost categories (tags under
// costCategory/) never match.
func IsKubernetes(productCode string, tags map[string]string) bool {
	if strings.EqualFold(productCode, "AmazonEKS") {
		return true
	}
	for k, v := range tags {
		if v == "" || strings.HasPrefix(k, costCategoryPrefix) {
			continue
		}
		if kubernetesTags[strings.TrimPrefix(snakeKey(k), "user_")] {
			return true
		}
	}
	return false
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
