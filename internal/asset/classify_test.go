package asset

import (
	"testing"

	"github.com/tally-cost/tally/internal/cost"
)

// TestClassify: which assets one line item names, per provider and id
// shape, including the shapes that must name no resource.
func TestClassify(t *testing.T) {
	const sub = "/subscriptions/ABC/resourceGroups/RG1/providers/"
	tests := []struct {
		name string
		li   cost.LineItem
		want found
	}{
		{"aws bare instance", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", SubAccountName: "prod", ResourceID: "i-0abc", ServiceName: "AmazonEC2"},
			found{account: ref{AwsAccount, "111", "prod"}, resource: ref{AwsInstance, "i-0abc", "i-0abc"}}},
		{"aws instance arn", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:ec2:us-east-1:111:instance/i-055386473d0b3fc65"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsInstance, "i-055386473d0b3fc65", "i-055386473d0b3fc65"}}},
		{"aws volume", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "vol-9"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsVolume, "vol-9", "vol-9"}}},
		{"aws snapshot arn", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:ec2:us-west-2b:111:snapshot/snap-1"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsSnapshot, "snap-1", "snap-1"}}},
		{"aws s3 bare bucket", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "my-bucket", ServiceName: "AmazonS3"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsS3Bucket, "my-bucket", "my-bucket"}}},
		{"aws s3 arn, FOCUS", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:s3:::logs", ServiceName: "Amazon Simple Storage Service"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsS3Bucket, "logs", "logs"}}},
		{"aws s3 object arn is no bucket", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:s3:::logs/key"},
			found{account: ref{AwsAccount, "111", ""}}},
		{"aws rds", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:rds:us-east-1:111:db:orders"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsRdsInstance, "orders", "orders"}}},
		{"aws rds cluster is no instance", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:rds:us-east-1:111:cluster:c1"},
			found{account: ref{AwsAccount, "111", ""}}},
		{"aws alb", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:elasticloadbalancing:us-east-1:111:loadbalancer/app/web/50dc6c49"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsLoadBalancer, "app/web/50dc6c49", "web"}}},
		{"aws classic elb", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:elasticloadbalancing:us-east-1:111:loadbalancer/old"},
			found{account: ref{AwsAccount, "111", ""}, resource: ref{AwsLoadBalancer, "old", "old"}}},
		{"aws target group is no lb", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:elasticloadbalancing:us-east-1:111:targetgroup/tg/1"},
			found{account: ref{AwsAccount, "111", ""}}},
		{"aws nat gateway: account only", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ResourceID: "arn:aws:ec2:us-east-1:111:natgateway/nat-1"},
			found{account: ref{AwsAccount, "111", ""}}},
		{"aws no resource", cost.LineItem{ProviderName: "AWS", SubAccountID: "111", ServiceName: "AWSSupport"},
			found{account: ref{AwsAccount, "111", ""}}},
		{"aws no account", cost.LineItem{ProviderName: "AWS", ResourceID: "i-1"}, found{}},
		{"azure vm", cost.LineItem{ProviderName: "Microsoft", SubAccountID: "ABC", SubAccountName: "Sub", ResourceGroup: "RG1", ResourceID: sub + "Microsoft.Compute/virtualMachines/VM-1"},
			found{account: ref{AzureSubscription, "abc", "Sub"}, group: ref{AzureResourceGroup, "abc/rg1", "RG1"},
				resource: ref{AzureVm, "/subscriptions/abc/resourcegroups/rg1/providers/microsoft.compute/virtualmachines/vm-1", "VM-1"}}},
		{"azure disk, bill's name", cost.LineItem{ProviderName: "Microsoft", SubAccountID: "abc", ResourceGroup: "rg1", ResourceName: "osdisk", ResourceID: sub + "Microsoft.Compute/disks/OSDISK"},
			found{account: ref{AzureSubscription, "abc", ""}, group: ref{AzureResourceGroup, "abc/rg1", "rg1"},
				resource: ref{AzureManagedDisk, "/subscriptions/abc/resourcegroups/rg1/providers/microsoft.compute/disks/osdisk", "osdisk"}}},
		{"azure vm extension is no vm", cost.LineItem{ProviderName: "Microsoft", SubAccountID: "abc", ResourceID: sub + "Microsoft.Compute/virtualMachines/vm/extensions/x"},
			found{account: ref{AzureSubscription, "abc", ""}}},
		{"azure scale set is no vm", cost.LineItem{ProviderName: "Microsoft", SubAccountID: "abc", ResourceGroup: "g", ResourceID: sub + "Microsoft.Compute/virtualMachineScaleSets/ss"},
			found{account: ref{AzureSubscription, "abc", ""}, group: ref{AzureResourceGroup, "abc/g", "g"}}},
		{"gcp instance", cost.LineItem{ProviderName: "Google Cloud", SubAccountID: "proj", SubAccountName: "Project", ResourceName: "instance-1", ResourceID: "//compute.googleapis.com/projects/proj/zones/us-central1-a/instances/123"},
			found{account: ref{GcpComputeProject, "proj", "Project"}, resource: ref{GcpComputeInstance, "//compute.googleapis.com/projects/proj/zones/us-central1-a/instances/123", "instance-1"}}},
		{"gcp disk", cost.LineItem{ProviderName: "Google Cloud", SubAccountID: "proj", ResourceID: "//compute.googleapis.com/projects/proj/zones/z/disks/d1"},
			found{account: ref{GcpComputeProject, "proj", ""}, resource: ref{GcpComputeDisk, "//compute.googleapis.com/projects/proj/zones/z/disks/d1", "d1"}}},
		{"gcp other resource", cost.LineItem{ProviderName: "Google Cloud", SubAccountID: "proj", ResourceID: "//example"},
			found{account: ref{GcpComputeProject, "proj", ""}}},
		{"oracle: nothing", cost.LineItem{ProviderName: "Oracle", SubAccountID: "x", ResourceID: "i-1"}, found{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(&tc.li); got != tc.want {
				t.Errorf("classify = %+v\nwant       %+v", got, tc.want)
			}
		})
	}
}
