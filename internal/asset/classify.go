package asset

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
)

// ref names one asset a line item speaks of.
type ref struct {
	typ  Type
	key  string
	name string
}

// found is what one line item says: the account-like asset it is billed
// to (always, when the bill names one), the Azure resource group, and the
// resource, each possibly empty.
type found struct {
	account, group, resource ref
}

// classify reads the assets of li. Only the line item's own columns are
// used, so that the same item always gives the same assets.
func classify(li *cost.LineItem) found {
	switch li.ProviderName {
	case "AWS":
		return classifyAWS(li)
	case "Microsoft":
		return classifyAzure(li)
	case "Google Cloud":
		return classifyGCP(li)
	}
	return found{}
}

func classifyAWS(li *cost.LineItem) found {
	var f found
	// Every asset hangs off its account; an item without one names
	// nothing (Add would drop it anyway).
	if li.SubAccountID == "" {
		return f
	}
	f.account = ref{typ: AwsAccount, key: li.SubAccountID, name: li.SubAccountName}
	id := strings.TrimSpace(li.ResourceID)
	if id == "" {
		return f
	}
	service, res := "", id
	if strings.HasPrefix(id, "arn:") {
		// arn:partition:service:region:account:resource
		parts := strings.SplitN(id, ":", 6)
		if len(parts) < 6 {
			return f
		}
		service, res = parts[2], parts[5]
	}
	switch {
	case service == "rds":
		// db:<identifier>; clusters, snapshots and the like are not
		// instances.
		if name, ok := strings.CutPrefix(res, "db:"); ok && name != "" {
			f.resource = ref{typ: AwsRdsInstance, key: name, name: name}
		}
	case service == "elasticloadbalancing":
		// loadbalancer/<name> (classic) or loadbalancer/app|net/<name>/<id>;
		// target groups and listeners are not load balancers.
		if rest, ok := strings.CutPrefix(res, "loadbalancer/"); ok && rest != "" {
			f.resource = ref{typ: AwsLoadBalancer, key: rest, name: lbName(rest)}
		}
	case service == "s3":
		if res != "" && !strings.Contains(res, "/") {
			f.resource = ref{typ: AwsS3Bucket, key: res, name: res}
		}
	case service == "" || service == "ec2":
		// EC2 ids appear bare (i-…, vol-…) or as the last segment of an
		// ARN (instance/i-…, snapshot/snap-…).
		last := res[strings.LastIndexAny(res, "/:")+1:]
		switch {
		case strings.HasPrefix(last, "i-"):
			f.resource = ref{typ: AwsInstance, key: last, name: last}
		case strings.HasPrefix(last, "vol-"):
			f.resource = ref{typ: AwsVolume, key: last, name: last}
		case strings.HasPrefix(last, "snap-"):
			f.resource = ref{typ: AwsSnapshot, key: last, name: last}
		case service == "" && isS3(li.ServiceName):
			// CUR writes a bucket's bare name as its resource id.
			f.resource = ref{typ: AwsS3Bucket, key: id, name: id}
		case service == "" && isRDS(li.ServiceName) && !strings.ContainsAny(id, "/:"):
			f.resource = ref{typ: AwsRdsInstance, key: id, name: id}
		case service == "" && isELB(li.ServiceName) && !strings.ContainsAny(id, "/:"):
			f.resource = ref{typ: AwsLoadBalancer, key: id, name: id}
		}
	}
	return f
}

// lbName is the name inside an ELB resource path: "app/web/50dc6c49…"
// names "web", a classic "web" is itself.
func lbName(rest string) string {
	parts := strings.Split(rest, "/")
	if len(parts) >= 2 {
		return parts[1]
	}
	return rest
}

// The service tests accept the CUR product code and the FOCUS ServiceName
// of the same service.
func isS3(s string) bool  { return s == "AmazonS3" || s == "Amazon Simple Storage Service" }
func isRDS(s string) bool { return s == "AmazonRDS" || s == "Amazon Relational Database Service" }
func isELB(s string) bool { return s == "AWSELB" || s == "Elastic Load Balancing" }

func classifyAzure(li *cost.LineItem) found {
	var f found
	// ARM ids and names are case-insensitive; Azure exports mix cases of
	// the same id across rows, so keys are lower-cased.
	sub := strings.ToLower(strings.TrimSpace(li.SubAccountID))
	if sub == "" {
		return f
	}
	f.account = ref{typ: AzureSubscription, key: sub, name: li.SubAccountName}
	if rg := strings.TrimSpace(li.ResourceGroup); rg != "" {
		f.group = ref{typ: AzureResourceGroup, key: sub + "/" + strings.ToLower(rg), name: rg}
	}
	id := strings.ToLower(strings.TrimSpace(li.ResourceID))
	switch armType(id) {
	case "microsoft.compute/virtualmachines":
		f.resource = ref{typ: AzureVm, key: id, name: armName(li)}
	case "microsoft.compute/disks":
		f.resource = ref{typ: AzureManagedDisk, key: id, name: armName(li)}
	}
	return f
}

// armType is "<namespace>/<type>" of a lower-cased ARM id whose last
// provider segment names a top-level resource:
// /subscriptions/s/resourcegroups/g/providers/microsoft.compute/virtualmachines/vm1.
func armType(id string) string {
	i := strings.LastIndex(id, "/providers/")
	if i < 0 {
		return ""
	}
	segs := strings.Split(strings.Trim(id[i+len("/providers/"):], "/"), "/")
	if len(segs) != 3 || segs[2] == "" {
		return "" // a child resource (extensions, …) or no name
	}
	return segs[0] + "/" + segs[1]
}

// armName is the resource's own name: the bill's ResourceName, else the
// id's last segment in the bill's case.
func armName(li *cost.LineItem) string {
	if li.ResourceName != "" {
		return li.ResourceName
	}
	id := strings.TrimRight(li.ResourceID, "/")
	return id[strings.LastIndex(id, "/")+1:]
}

func classifyGCP(li *cost.LineItem) found {
	var f found
	if li.SubAccountID == "" {
		return f
	}
	f.account = ref{typ: GcpComputeProject, key: li.SubAccountID, name: li.SubAccountName}
	// resource.global_name: //compute.googleapis.com/projects/p/zones/z/instances/n.
	id := strings.TrimSpace(li.ResourceID)
	rest, ok := strings.CutPrefix(id, "//compute.googleapis.com/")
	if !ok {
		return f
	}
	segs := strings.Split(rest, "/")
	if len(segs) < 2 || segs[len(segs)-1] == "" {
		return f
	}
	name := segs[len(segs)-1]
	if li.ResourceName != "" {
		name = li.ResourceName
	}
	switch segs[len(segs)-2] {
	case "instances":
		f.resource = ref{typ: GcpComputeInstance, key: id, name: name}
	case "disks":
		f.resource = ref{typ: GcpComputeDisk, key: id, name: name}
	}
	return f
}
