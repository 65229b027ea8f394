package focus

import "testing"

func TestKubecostProperties(t *testing.T) {
	type want struct {
		category, providerID string
		k8s                  bool
	}
	f := func(cells map[string]string, w want) {
		t.Helper()
		li := mustMap(t, cells)
		if li.Category != w.category || li.ProviderID != w.providerID || li.Kubernetes != w.k8s {
			t.Fatalf("%v\n→ category %q providerID %q kubernetes %v\nwant %q %q %v",
				cells, li.Category, li.ProviderID, li.Kubernetes, w.category, w.providerID, w.k8s)
		}
	}
	const ec2 = "Amazon Elastic Compute Cloud"
	aws := func(kv ...string) map[string]string {
		m := map[string]string{"ProviderName": "AWS"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	// AWS, by usage type, resource id, then product code (from
	// x_ServiceCode or the service name).
	f(aws("ServiceName", ec2, "ResourceId", "i-0abc"), want{"Compute", "i-0abc", false})
	f(aws("ServiceName", ec2, "ResourceId", "vol-0abc"), want{"Storage", "vol-0abc", false})
	f(aws("ServiceName", ec2, "ResourceId", "i-0abc", "x_UsageType", "USE1-DataTransfer-Out-Bytes"), want{"Network", "i-0abc", false})
	f(aws("x_ServiceCode", "AmazonGuardDuty", "ResourceId", "i-0abc"), want{"Other", "i-0abc", false})
	f(aws("ServiceName", ec2, "ResourceId", "eipalloc-1"), want{"Compute", "eipalloc-1", false})
	f(aws("ServiceName", "Elastic Load Balancing",
		"ResourceId", "arn:aws:elasticloadbalancing:us-east-1:123:loadbalancer/app/web/50dc6c495c0c9188"),
		want{"Network", "50dc6c495c0c9188", false})
	f(aws("x_ServiceCode", "AmazonFSx", "ResourceId", "arn:aws:fsx:us-east-1:123:file-system/fs-0123"), want{"Storage", "fs-0123", false})
	f(aws("x_ServiceCode", "AmazonEKS", "ResourceId", "arn:aws:eks:us-east-1:123:pod/prod/default/web-1",
		"x_UsageType", "USE1-Fargate-vCPU-Hours:perCPU"),
		want{"Compute", "arn:aws:eks:us-east-1:123:pod/prod/default/web-1/CPU", true})
	f(aws("x_ServiceCode", "AmazonEKS", "ResourceId", "arn:aws:eks:us-east-1:123:pod/prod/default/web-1",
		"x_UsageType", "USE1-Fargate-GB-Hours"),
		want{"Compute", "arn:aws:eks:us-east-1:123:pod/prod/default/web-1/RAM", true})
	f(aws("ServiceName", "Amazon Elastic Container Service for Kubernetes", "ResourceId", "arn:aws:eks:us-east-1:123:cluster/prod"),
		want{"Management", "arn:aws:eks:us-east-1:123:cluster/prod", true})
	f(aws("ServiceName", "Amazon Simple Storage Service", "ResourceId", "my-bucket"), want{"Storage", "my-bucket", false})
	f(aws("ServiceName", "AmazonCloudWatch", "ResourceId", "NULL"), want{"Other", "", false})
	f(aws("ServiceName", ec2, "ResourceId", "i-1", "Tags", `{"aws:eks:cluster-name": "prod"}`), want{"Compute", "i-1", true})
	f(aws("ServiceName", ec2, "ResourceId", "i-1", "Tags", `{"user:eks:cluster-name": ""}`), want{"Compute", "i-1", false})
	f(aws("ServiceName", ec2, "ResourceId", "vol-1", "Tags", `{"kubernetes.io/created-for/pvc/name": "data"}`), want{"Storage", "vol-1", true})
	f(aws("ServiceName", ec2, "ResourceId", "i-1", "Tags", `{"user_alpha_eksctl_io_cluster_name": "x"}`), want{"Compute", "i-1", true})
	f(aws("ServiceName", ec2, "ResourceId", "i-1", "Tags", `{"team": "eks"}`), want{"Compute", "i-1", false})
	// The CUR reader's rule (aws.IsKubernetes): every character but a
	// letter or digit counts as "_", cost categories never match.
	f(aws("ServiceName", ec2, "ResourceId", "i-1", "Tags", `{"eks cluster name": "prod"}`), want{"Compute", "i-1", true})
	f(aws("ServiceName", ec2, "ResourceId", "i-1", "Tags", `{"costCategory/eks:cluster-name": "prod"}`), want{"Compute", "i-1", false})

	azure := func(kv ...string) map[string]string {
		m := aws(kv...)
		m["ProviderName"] = "Microsoft"
		return m
	}
	const vmss = "/subscriptions/S/resourceGroups/MC_RG_Prod/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-123-vmss"
	f(azure("x_SkuMeterCategory", "Virtual Machines", "ResourceId", vmss,
		"x_SkuDetails", `{"VMName": "aks-pool-123-vmss_4", "ServiceType": "Standard_D4s_v5"}`,
		"Tags", `{"aks-managed-poolName": "pool"}`),
		want{"Compute", "azure:///subscriptions/S/resourceGroups/mc_rg_prod/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-123-vmss/virtualMachines/4", true})
	f(azure("x_SkuMeterCategory", "Virtual Machines Licenses", "ResourceId", vmss),
		want{"Compute", "azure:///subscriptions/S/resourceGroups/mc_rg_prod/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-123-vmss", false})
	f(azure("x_SkuMeterCategory", "Storage", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/disks/pvc-1",
		"Tags", `{"kubernetes.io-created-for-pvc-name": "data"}`), want{"Storage", "pvc-1", true})
	f(azure("x_SkuMeterCategory", "Storage", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/disks/d",
		"Tags", `{"creationSource": "aks-aks-pool-123-vmss"}`), want{"Storage", "aks-pool-123-vmss", false})
	f(azure("x_SkuMeterCategory", "Virtual Network", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/publicIPAddresses/ip",
		"x_SkuDetails", `"IpAddress": "20.1.2.3"`), want{"Network", "20.1.2.3", false})
	// Bandwidth rows are named like Storage rows (kubecost-cloudcost.md
	// §5.3 "storage/bandwidth via creationSource tags"; azure.ProviderID):
	// the creationSource tags, else the last segment of the resource id.
	f(azure("x_SkuMeterCategory", "Bandwidth", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/x"),
		want{"Network", "x", false})
	f(azure("x_SkuMeterCategory", "Bandwidth", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/x",
		"Tags", `{"aks-managed-creationSource": "vmssclient-aks-pool-123-vmss"}`), want{"Network", "aks-pool-123-vmss", true})
	f(azure("x_SkuMeterCategory", "Azure Monitor", "ResourceId", "NULL", "Tags", `{"k8s-azure-created-by": "kubernetes"}`),
		want{"Other", "", true})
	// Without meter columns (Microsoft's sample): ServiceCategory decides.
	f(azure("ServiceCategory", "Storage", "ResourceId", "/subscriptions/S/resourcegroups/rg/providers/microsoft.storage/storageaccounts/acct"),
		want{"Storage", "acct", false})
	f(azure("ServiceCategory", "Compute", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm1",
		"x_SkuDetails", "not json"),
		want{"Compute", "azure:///subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", false})
	// The same rules as the cost export reader (azure.ProviderID):
	// AdditionalInfo keys in any case; a VMName of any JSON type, null
	// included, makes an azure:// id as in OpenCost; only segments that
	// follow a slash count, as OpenCost's "(/[^/]+)" matcher reads them.
	f(azure("x_SkuMeterCategory", "Virtual Machines", "ResourceId", vmss, "x_SkuDetails", `{"vmname": "aks-pool-123-vmss_7"}`),
		want{"Compute", "azure:///subscriptions/S/resourceGroups/mc_rg_prod/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-123-vmss/virtualMachines/7", false})
	f(azure("x_SkuMeterCategory", "Storage", "ResourceId", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/disks/d",
		"x_SkuDetails", `{"VMName": null}`),
		want{"Storage", "azure:///subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/disks/d", false})
	f(azure("x_SkuMeterCategory", "Load Balancer", "ResourceId", "subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/lb"),
		want{"Network", "azure:///S/resourceGroups/RG/providers/Microsoft.Network/lb", false})

	gcp := func(kv ...string) map[string]string {
		m := aws(kv...)
		m["ProviderName"] = "Google Cloud"
		return m
	}
	f(gcp("ServiceName", "Compute Engine", "ChargeDescription", "N2 Instance Core running in Americas",
		"ResourceName", "projects/p/zones/us-central1-a/instances/gke-prod-pool-1234",
		"ResourceId", "//compute.googleapis.com/projects/p/zones/us-central1-a/instances/8712",
		"Tags", `{"goog-k8s-cluster-name": "prod"}`), want{"Compute", "gke-prod-pool-1234", true})
	f(gcp("ServiceName", "Compute Engine", "ChargeDescription", "Network Internet Egress from Americas to EMEA"), want{"Network", "", false})
	f(gcp("ServiceName", "Compute Engine", "ChargeDescription", "Storage PD Capacity",
		"ResourceId", "//compute.googleapis.com/projects/p/zones/z/disks/d1", "Tags", `{"goog-gke-volume": ""}`),
		want{"Storage", "d1", true})
	f(gcp("ServiceName", "Kubernetes Engine", "ChargeDescription", "Autopilot Pod mCPU Requests"), want{"Management", "", false})
	f(gcp("ServiceName", "BigQuery", "ChargeDescription", "Analysis"), want{"Storage", "", false})
	f(gcp("ServiceName", "Cloud Pub/Sub", "ChargeDescription", "Message Delivery Basic"), want{"Network", "", false})
	f(gcp("ServiceName", "Cloud Run", "ChargeDescription", "CPU Allocation Time"), want{"Other", "", false})
	f(gcp("ServiceName", "Compute Engine", "ChargeDescription", "Storage", "x_SkuDescription", "Licensing Fee for Windows"),
		want{"Other", "", false})
	// As in the billing export reader: a trailing slash is ignored, label
	// keys are compared exactly.
	f(gcp("ServiceName", "Cloud Storage", "ChargeDescription", "Standard Storage US Multi-region",
		"ResourceId", "//storage.googleapis.com/projects/_/buckets/b1/", "Tags", `{"GOOG-GKE-NODE": "x"}`),
		want{"Storage", "b1", false})

	other := func(kv ...string) map[string]string {
		m := aws(kv...)
		m["ProviderName"] = "Oracle"
		return m
	}
	f(other("ServiceCategory", "Networking", "ResourceId", "ocid1.vnic.oc1"), want{"Network", "ocid1.vnic.oc1", false})
	f(other("ServiceCategory", "compute"), want{"Compute", "", false})
	f(other("ServiceCategory", "Storage"), want{"Storage", "", false})
	f(other("ServiceCategory", "Management and Governance"), want{"Management", "", false})
	f(other("ServiceCategory", "Databases", "Tags", `{"aks-managed-x": "1"}`), want{"Other", "", false})
}
