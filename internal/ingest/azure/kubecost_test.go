package azure

import "testing"

func TestCategory(t *testing.T) {
	f := func(meter, want string) {
		t.Helper()
		check(t, meter, Category(meter), want)
	}
	f("Virtual Machines", "Compute")
	f("Virtual Machines Licenses", "Compute")
	f("virtual machines", "Compute")
	f("Storage", "Storage")
	f("Load Balancer", "Network")
	f("Bandwidth", "Network")
	f("Virtual Network", "Network")
	f("SQL Managed Instance", "Other")
	f("", "Other")
}

func TestIsKubernetes(t *testing.T) {
	f := func(want bool, keys ...string) {
		t.Helper()
		tags := map[string]string{}
		for _, k := range keys {
			tags[k] = "x"
		}
		if got := IsKubernetes(tags); got != want {
			t.Errorf("IsKubernetes(%v) = %v, want %v", keys, got, want)
		}
	}
	f(true, "env", "aks-managed-poolName")
	f(true, "kubernetes.io-created-for-pvc-name")
	f(true, "k8s-azure-created-by")
	f(true, "AKS-Managed-orchestrator")
	f(false, "env", "orchestrator", "poolName")
	f(false, "my-aks-managed-thing")
	f(false)
}

func TestProviderID(t *testing.T) {
	const vmss = "/subscriptions/s1/resourceGroups/MC_RG_AKS_EASTUS/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-1-vmss"
	f := func(resourceID, meter, info string, tags map[string]string, want string) {
		t.Helper()
		check(t, meter+" "+resourceID, ProviderID(resourceID, meter, Category(meter), info, tags), want)
	}
	f(vmss, "Virtual Machines", `{"VMName":"aks-pool-1-vmss_3","VCPUs":2}`, nil,
		"azure:///subscriptions/s1/resourceGroups/mc_rg_aks_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-1-vmss/virtualMachines/3")
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm1", "Virtual Machines", `"VmName": "vm1"`, nil,
		"azure:///subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")
	f(vmss, "Virtual Machines", `{"VMName": null}`, nil,
		"azure:///subscriptions/s1/resourceGroups/mc_rg_aks_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-1-vmss")
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Network/publicIPAddresses/ip1", "Virtual Network", `{"IpAddress":"20.1.2.3"}`, nil, "20.1.2.3")
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Compute/disks/pvc-1", "Storage", "", map[string]string{"creationSource": "aks-pool-1-vmss"}, "pool-1-vmss")
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Compute/disks/pvc-1", "Storage", "", map[string]string{"aks-managed-creationSource": "vmssclient-aks-pool-1-vmss"}, "aks-pool-1-vmss")
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Compute/disks/pvc-1", "Storage", "", nil, "pvc-1")
	f(vmss, "Bandwidth", `{"DataTransferDirection":"DataTrOut"}`, nil, "aks-pool-1-vmss")
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Sql/servers/db", "SQL Database", `not json`, nil,
		"azure:///subscriptions/s1/resourceGroups/rg/providers/Microsoft.Sql/servers/db")
	// A VMName in text that is not JSON is ignored.
	f("/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Sql/servers/db", "SQL Database", `VMName=x`, nil,
		"azure:///subscriptions/s1/resourceGroups/rg/providers/Microsoft.Sql/servers/db")
	f("", "Log Analytics", "", nil, "")
}
