package gcp

import "strings"

// The Kubecost cloud cost properties of a GCP line item
// (kubecost-cloudcost.md §5.3, §5.4, §7), derived the way OpenCost's GCP
// integration does. Category, ProviderID and IsKubernetes serve both the
// billing export reader of this package and the FOCUS reader (package
// focus), which passes x_SkuDescription (else ChargeDescription) as the SKU
// description and ResourceName / ResourceId as resource.name /
// resource.global_name.

// Category is the Kubecost cloud cost category of a row
// (kubecost-cloudcost.md §5.4, OpenCost's GCP SelectCategory): first by
// words of sku.description (download, network, ingress, egress, static ip,
// external ip, load balanced → Network; licensing fee → Other; storage, pd
// capacity, pd iops, pd snapshot → Storage), then by service.description
// (storage → Storage, compute → Compute, sql, bigquery → Storage,
// kubernetes → Management, pub/sub → Network), else Other. Both are
// compared case-insensitively.
func Category(service, skuDescription string) string {
	s := strings.ToLower(skuDescription)
	switch {
	case containsAny(s, "download", "network", "ingress", "egress", "static ip", "external ip", "load balanced"):
		return "Network"
	case strings.Contains(s, "licensing fee"):
		return "Other"
	case containsAny(s, "storage", "pd capacity", "pd iops", "pd snapshot"):
		return "Storage"
	}
	svc := strings.ToLower(service)
	switch {
	case strings.Contains(svc, "storage"):
		return "Storage"
	case strings.Contains(svc, "compute"):
		return "Compute"
	case strings.Contains(svc, "sql"), strings.Contains(svc, "bigquery"):
		return "Storage"
	case strings.Contains(svc, "kubernetes"):
		return "Management"
	case strings.Contains(svc, "pub/sub"):
		return "Network"
	}
	return "Other"
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// ProviderID is the Kubecost providerID of a row (kubecost-cloudcost.md
// §5.3): the last path segment of resource.name, else of
// resource.global_name ("//compute.googleapis.com/projects/p/zones/z/
// instances/gke-node-1" → "gke-node-1"). Trailing slashes are ignored
// (OpenCost's pattern would give ""). Rows of the standard export have
// neither and get "".
func ProviderID(name, globalName string) string {
	id := name
	if id == "" {
		id = globalName
	}
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return id
}

// kubernetesLabels are the labels GKE puts on the resources it creates
// (kubecost-cloudcost.md §7).
var kubernetesLabels = []string{"goog-gke-volume", "goog-gke-node", "goog-k8s-cluster-name"}

// IsKubernetes applies the GCP Kubernetes marker of kubecost-cloudcost.md
// §7: a label goog-gke-volume, goog-gke-node or goog-k8s-cluster-name, with
// any value, even empty. Keys are compared exactly, as OpenCost does (GCP
// label keys are lower case).
func IsKubernetes(labels map[string]string) bool {
	for _, k := range kubernetesLabels {
		if _, ok := labels[k]; ok {
			return true
		}
	}
	return false
}

// serviceCategories maps service.description (lower case) to a FOCUS 1.0
// ServiceCategory, for the services most bills carry. The export has no
// such column; others are "Other".
var serviceCategories = map[string]string{
	"compute engine":                     "Compute",
	"kubernetes engine":                  "Compute",
	"cloud run":                          "Compute",
	"cloud run functions":                "Compute",
	"cloud functions":                    "Compute",
	"app engine":                         "Compute",
	"vmware engine":                      "Compute",
	"batch":                              "Compute",
	"cloud storage":                      "Storage",
	"filestore":                          "Storage",
	"backup and dr service":              "Storage",
	"bigquery":                           "Analytics",
	"bigquery reservation api":           "Analytics",
	"bigquery storage api":               "Analytics",
	"bigquery bi engine":                 "Analytics",
	"dataflow":                           "Analytics",
	"cloud dataflow":                     "Analytics",
	"dataproc":                           "Analytics",
	"cloud dataproc":                     "Analytics",
	"looker":                             "Analytics",
	"cloud composer":                     "Analytics",
	"cloud sql":                          "Databases",
	"cloud spanner":                      "Databases",
	"cloud bigtable":                     "Databases",
	"cloud firestore":                    "Databases",
	"firestore":                          "Databases",
	"cloud memorystore for redis":        "Databases",
	"memorystore for redis":              "Databases",
	"alloydb":                            "Databases",
	"networking":                         "Networking",
	"cloud dns":                          "Networking",
	"cloud cdn":                          "Networking",
	"network intelligence center":        "Networking",
	"cloud nat":                          "Networking",
	"cloud pub/sub":                      "Integration",
	"pub/sub":                            "Integration",
	"cloud tasks":                        "Integration",
	"cloud scheduler":                    "Integration",
	"eventarc":                           "Integration",
	"workflows":                          "Integration",
	"vertex ai":                          "AI and Machine Learning",
	"cloud vision api":                   "AI and Machine Learning",
	"cloud natural language api":         "AI and Machine Learning",
	"cloud speech api":                   "AI and Machine Learning",
	"cloud translation api":              "AI and Machine Learning",
	"gemini api":                         "AI and Machine Learning",
	"cloud logging":                      "Management and Governance",
	"stackdriver logging":                "Management and Governance",
	"cloud monitoring":                   "Management and Governance",
	"stackdriver monitoring":             "Management and Governance",
	"cloud trace":                        "Management and Governance",
	"stackdriver trace":                  "Management and Governance",
	"security command center":            "Security",
	"secret manager":                     "Security",
	"cloud key management service (kms)": "Security",
	"cloud armor":                        "Security",
	"identity platform":                  "Identity",
	"cloud build":                        "Developer Tools",
	"artifact registry":                  "Developer Tools",
	"container registry vulnerability scanning": "Developer Tools",
	"cloud source repositories":                 "Developer Tools",
	"support":                                   "Other",
}

// serviceCategory looks service.description up in serviceCategories.
func serviceCategory(service string) string {
	if c, ok := serviceCategories[strings.ToLower(strings.TrimSpace(service))]; ok {
		return c
	}
	return "Other"
}
