package azure

import (
	"strings"
)

// The Kubecost cloud cost properties of an Azure line item
// (kubecost-cloudcost.md §5.3, §5.4, §7), derived the way OpenCost's Azure
// integration does so that Tally's Kubecost API groups items the same way.
// Category, ProviderID and IsKubernetes serve both the cost export reader
// of this package and the FOCUS reader (package focus), which passes
// x_SkuMeterCategory as the meter category and x_SkuDetails (AdditionalInfo
// renamed) as the additional info.

// Category maps MeterCategory to the Kubecost category (§5.4): Virtual
// Machines (and their licenses) → Compute; Storage → Storage; Load
// Balancer, Bandwidth, Virtual Network → Network; else Other. Compared
// case-insensitively.
func Category(meterCategory string) string {
	switch strings.ToLower(meterCategory) {
	case "virtual machines", "virtual machines licenses":
		return "Compute"
	case "storage":
		return "Storage"
	case "load balancer", "bandwidth", "virtual network":
		return "Network"
	}
	return "Other"
}

// k8sTagPrefixes mark resources created by AKS or the Kubernetes cloud
// provider (§7).
var k8sTagPrefixes = []string{"aks-managed-", "kubernetes.io-created-", "k8s-azure-created-"}

// IsKubernetes applies the Azure Kubernetes marker of
// kubecost-cloudcost.md §7: a tag key starting with aks-managed-,
// kubernetes.io-created- or k8s-azure-created-. OpenCost compares
// case-sensitively; Azure tag keys are case-insensitive, so this does not.
func IsKubernetes(tags map[string]string) bool {
	for k := range tags {
		lk := strings.ToLower(k)
		for _, p := range k8sTagPrefixes {
			if strings.HasPrefix(lk, p) {
				return true
			}
		}
	}
	return false
}

// ProviderID derives the Kubecost providerID (§5.3), as OpenCost does:
//   - a row whose AdditionalInfo names a VM (VMName / VmName):
//     "azure://" + resource id (resource group lower-cased) +
//     "/virtualMachines/<n>" for a scale-set instance "<vmss>_<n>", so it
//     matches the node's Kubernetes providerID;
//   - a Virtual Network row with an AdditionalInfo IpAddress: the address;
//   - Storage and Bandwidth rows: the AKS creationSource tag without its
//     "aks-" prefix, else aks-managed-creationSource without
//     "vmssclient-", else the last segment of the resource id (the disk
//     or volume name Kubernetes knows). Bandwidth is included as §5.3
//     says ("storage/bandwidth via creationSource tags"), though some
//     OpenCost releases apply this to Storage rows only;
//   - else "azure://" + resource id (resource group lower-cased).
//
// cat is the row's Kubecost category (Category of the meter category, or
// whatever the caller derived it from when there is none); additionalInfo
// is the AdditionalInfo cell (a JSON object, braces optional). Unlike
// OpenCost, a row without a resource id gets "" rather than a bare
// "azure://", so that it groups as unallocated; AdditionalInfo keys are
// matched case-insensitively (OpenCost accepts VMName and VmName).
func ProviderID(resourceID, meterCategory, cat, additionalInfo string, tags map[string]string) string {
	if vm, ok := infoValue(additionalInfo, "VMName"); ok {
		return azureID(resourceID, vmssInstance(vm))
	}
	if strings.EqualFold(meterCategory, "Virtual Network") {
		if ip, ok := infoValue(additionalInfo, "IpAddress"); ok {
			return ip
		}
	}
	if cat == "Storage" || strings.EqualFold(meterCategory, "Bandwidth") {
		if v, ok := tags["creationSource"]; ok {
			return strings.TrimPrefix(v, "aks-")
		}
		if v, ok := tags["aks-managed-creationSource"]; ok {
			return strings.TrimPrefix(v, "vmssclient-")
		}
		return lastSegment(resourceID)
	}
	return azureID(resourceID, "")
}

// azureID is "azure://" + the resource id with its resource group (the
// fourth path segment) lower-cased, as AKS writes node providerIDs; AKS
// node resource groups appear upper-case in bills (§6.11).
func azureID(resourceID, suffix string) string {
	var b strings.Builder
	n := 0
	for i, seg := range strings.Split(resourceID, "/") {
		// Like OpenCost's "(/[^/]+)" matcher: only segments after a
		// slash count, empty ones are skipped.
		if i == 0 || seg == "" {
			continue
		}
		b.WriteByte('/')
		if n == 3 {
			seg = strings.ToLower(seg)
		}
		b.WriteString(seg)
		n++
	}
	if b.Len() == 0 {
		return ""
	}
	return "azure://" + b.String() + suffix
}

// vmssInstance turns a scale-set VM name "aks-pool-123-vmss_4" into
// "/virtualMachines/4"; a plain VM name adds nothing.
func vmssInstance(vmName string) string {
	parts := strings.Split(vmName, "_")
	if len(parts) > 1 {
		return "/virtualMachines/" + parts[1]
	}
	return ""
}

// infoValue returns member key of an AdditionalInfo cell (a JSON object,
// sometimes without braces, §6.11), compared case-insensitively (OpenCost
// accepts "VMName" and "VmName"). The cell is parsed only when it
// mentions the key, which few rows do.
func infoValue(additionalInfo, key string) (string, bool) {
	if !strings.Contains(strings.ToLower(additionalInfo), strings.ToLower(key)) {
		return "", false
	}
	pairs, err := parseObject(additionalInfo)
	if err != nil {
		return "", false
	}
	for _, p := range pairs {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}
