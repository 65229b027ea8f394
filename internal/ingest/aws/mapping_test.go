package aws

import (
	"maps"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
)

func TestFOCUSColumns(t *testing.T) {
	li, err := mapCells(t, cells{
		"lineItem/LineItemType":        "DiscountedUsage",
		"lineItem/UsageAccountId":      "111122223333",
		"lineItem/UsageStartDate":      "2023-06-01 00:00:00",
		"lineItem/UsageEndDate":        "2023-06-01 01:00:00",
		"bill/BillingPeriodStartDate":  "2023-06-01T00:00:00Z",
		"bill/BillingPeriodEndDate":    "2023-07-01T00:00:00Z",
		"bill/InvoiceId":               "EUINGB23-1",
		"bill/InvoicingEntity":         "Amazon Web Services EMEA SARL",
		"lineItem/LegalEntity":         "Amazon Web Services EMEA SARL",
		"lineItem/LineItemDescription": "USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance",
		"lineItem/UsageType":           "EUW1-BoxUsage:m5.large",
		"lineItem/Operation":           "RunInstances",
		"lineItem/AvailabilityZone":    "eu-west-1a",
		"lineItem/ResourceId":          "i-0abc",
		"lineItem/UsageAmount":         "1",
		"pricing/unit":                 "Hrs",
		"pricing/term":                 "Reserved",
		"pricing/RateId":               "123456",
		"product/regionCode":           "eu-west-1",
		"product/region":               "ignored-when-regionCode-is-set",
		"product/location":             "EU (Ireland)",
		"product/sku":                  "SKU1",
		"reservation/ReservationARN":   "arn:aws:ec2:eu-west-1:999988887777:reserved-instances/ri-9",
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	check("ProviderName", li.ProviderName, "AWS")
	check("SubAccountID", li.SubAccountID, "111122223333")
	check("BillingAccountID", li.BillingAccountID, "999988887777")
	check("InvoiceID", li.InvoiceID, "EUINGB23-1")
	check("InvoiceIssuerName", li.InvoiceIssuerName, "Amazon Web Services EMEA SARL")
	check("PublisherName", li.PublisherName, "Amazon Web Services EMEA SARL")
	check("ServiceName", li.ServiceName, "AmazonEC2")
	check("ServiceCategory", li.ServiceCategory, "Compute")
	check("RegionID", li.RegionID, "eu-west-1")
	check("RegionName", li.RegionName, "EU (Ireland)")
	check("AvailabilityZone", li.AvailabilityZone, "eu-west-1a")
	check("SkuID", li.SkuID, "SKU1")
	check("SkuPriceID", li.SkuPriceID, "123456")
	check("UsageType", li.UsageType, "EUW1-BoxUsage:m5.large")
	check("Operation", li.Operation, "RunInstances")
	check("ChargeType", li.ChargeType, "DiscountedUsage")
	check("ChargeCategory", li.ChargeCategory, "Usage")
	check("ChargeClass", li.ChargeClass, "")
	check("ChargeFrequency", li.ChargeFrequency, "Usage-Based")
	check("PricingCategory", li.PricingCategory, "Committed")
	check("PricingUnit", li.PricingUnit, "Hrs")
	check("ConsumedUnit", li.ConsumedUnit, "Hrs")
	check("CommitmentDiscountID", li.CommitmentDiscountID, "arn:aws:ec2:eu-west-1:999988887777:reserved-instances/ri-9")
	check("CommitmentDiscountType", li.CommitmentDiscountType, "Reserved Instances (RI)")
	check("CommitmentDiscountCategory", li.CommitmentDiscountCategory, "Usage")
	check("CommitmentDiscountStatus", li.CommitmentDiscountStatus, "Used")
	check("Category", li.Category, "Compute")
	check("ProviderID", li.ProviderID, "i-0abc")
	check("ResourceName", li.ResourceName, "i-0abc")
	if !li.PricingQuantity.Valid || li.PricingQuantity.Decimal.String() != "1" || li.ConsumedQuantity != li.PricingQuantity {
		t.Errorf("quantities %v %v", li.PricingQuantity, li.ConsumedQuantity)
	}
	tm := func(s string) time.Time {
		v, _ := time.Parse(time.RFC3339, s)
		return v
	}
	if !li.ChargePeriodStart.Equal(tm("2023-06-01T00:00:00Z")) || !li.ChargePeriodEnd.Equal(tm("2023-06-01T01:00:00Z")) ||
		!li.BillingPeriodStart.Equal(tm("2023-06-01T00:00:00Z")) || !li.BillingPeriodEnd.Equal(tm("2023-07-01T00:00:00Z")) {
		t.Errorf("periods %s–%s, %s–%s", li.ChargePeriodStart, li.ChargePeriodEnd, li.BillingPeriodStart, li.BillingPeriodEnd)
	}
}

// TestPeriodFallbacks: no bill period columns → the usage start's month;
// no UsageEndDate → the end of identity/TimeInterval; a legacy CUR
// without regionCode → product/region.
func TestPeriodFallbacks(t *testing.T) {
	li, err := mapCells(t, cells{
		"lineItem/UsageStartDate":   "2024-02-29T23:00:00Z",
		"lineItem/UsageEndDate":     "-",
		"bill/BillingPeriodEndDate": "-",
		"identity/TimeInterval":     "2024-02-29T23:00:00Z/2024-03-01T00:00:00Z",
		"product/region":            "us-east-2",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := func(name string, got time.Time, s string) {
		t.Helper()
		if w, _ := time.Parse(time.RFC3339, s); !got.Equal(w) {
			t.Errorf("%s = %s, want %s", name, got, s)
		}
	}
	want("ChargePeriodEnd", li.ChargePeriodEnd, "2024-03-01T00:00:00Z")
	want("BillingPeriodStart", li.BillingPeriodStart, "2024-02-01T00:00:00Z")
	want("BillingPeriodEnd", li.BillingPeriodEnd, "2024-03-01T00:00:00Z")
	if li.RegionID != "us-east-2" {
		t.Errorf("RegionID = %q, want product/region", li.RegionID)
	}

	// A blank usage start date is read from identity/TimeInterval.
	li, err = mapCells(t, cells{
		"lineItem/UsageStartDate": "",
		"lineItem/UsageEndDate":   "",
		"identity/TimeInterval":   "2024-03-05T10:00:00Z/2024-03-05T11:00:00Z",
	})
	if err != nil {
		t.Fatal(err)
	}
	want("ChargePeriodStart", li.ChargePeriodStart, "2024-03-05T10:00:00Z")
	want("ChargePeriodEnd", li.ChargePeriodEnd, "2024-03-05T11:00:00Z")
}

func TestChargeClassification(t *testing.T) {
	f := func(typ, billType, arn, wantCategory, wantClass, wantFreq string) {
		t.Helper()
		li, err := mapCells(t, cells{
			"lineItem/LineItemType":      typ,
			"bill/BillType":              billType,
			"reservation/ReservationARN": arn,
		})
		if err != nil {
			t.Fatal(err)
		}
		if li.ChargeCategory != wantCategory || li.ChargeClass != wantClass || li.ChargeFrequency != wantFreq {
			t.Errorf("%s/%s: got %q %q %q, want %q %q %q", typ, billType, li.ChargeCategory, li.ChargeClass, li.ChargeFrequency,
				wantCategory, wantClass, wantFreq)
		}
	}
	f("Usage", "Anniversary", "", "Usage", "", "Usage-Based")
	f("DiscountedUsage", "Anniversary", "arn:r", "Usage", "", "Usage-Based")
	f("SavingsPlanCoveredUsage", "Anniversary", "", "Usage", "", "Usage-Based")
	f("SavingsPlanNegation", "Anniversary", "", "Usage", "", "Usage-Based")
	f("SavingsPlanUpfrontFee", "Purchase", "", "Purchase", "", "One-Time")
	f("SavingsPlanRecurringFee", "Anniversary", "", "Purchase", "", "Recurring")
	f("RIFee", "Anniversary", "arn:r", "Purchase", "", "Recurring")
	f("Fee", "Purchase", "arn:r", "Purchase", "", "One-Time")
	f("Fee", "Anniversary", "arn:r", "Purchase", "", "One-Time")
	f("Fee", "Anniversary", "", "Purchase", "", "Recurring")
	f("Fee", "Purchase", "", "Purchase", "", "One-Time")
	f("Credit", "Anniversary", "", "Credit", "", "One-Time")
	f("Refund", "Refund", "", "Adjustment", "Correction", "One-Time")
	f("Tax", "Anniversary", "", "Tax", "", "Recurring")
	f("Tax", "Purchase", "", "Tax", "", "One-Time")
	f("EdpDiscount", "Anniversary", "", "Usage", "", "Usage-Based")
	f("PrivateRateDiscount", "Anniversary", "", "Usage", "", "Usage-Based")
	f("RiVolumeDiscount", "Anniversary", "", "Usage", "", "Usage-Based")
	f("Discount", "Anniversary", "", "Usage", "", "Usage-Based")
	f("BrandNewType", "", "", "Adjustment", "", "")
}

func TestTags(t *testing.T) {
	f := func(name string, c cells, want map[string]string, k8s bool) {
		t.Helper()
		li, err := mapCells(t, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := li.Tags
		if got == nil {
			got = map[string]string{}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: tags = %v, want %v", name, got, want)
		}
		if li.Kubernetes != k8s {
			t.Errorf("%s: Kubernetes = %v, want %v", name, li.Kubernetes, k8s)
		}
	}
	f("legacy CSV keeps AWS's keys", cells{
		"resourceTags/user:Name":      "web-1",
		"resourceTags/aws:createdBy":  "IAMUser:x",
		"resourceTags/user:Empty":     "",
		"costCategory/Team":           "platform",
		"costCategory/Charge type":    "",
		"noTags/user:app":             "not a tag",
		"savingsPlan/SavingsPlanRate": "0",
	}, map[string]string{"user:Name": "web-1", "aws:createdBy": "IAMUser:x", "costCategory/Team": "platform"}, false)

	f("snake_case columns", cells{
		"resource_tags_user_name":      "web-1",
		"resource_tags_aws_created_by": "IAMUser:x",
		"cost_category_team":           "platform",
	}, map[string]string{"user_name": "web-1", "aws_created_by": "IAMUser:x", "costCategory/team": "platform"}, false)

	f("CUR 2.0 maps", cells{
		"resource_tags": `{"user_cost_center":"42","user_empty":"","aws_eks_cluster_name":"prod"}`,
		"cost_category": `{"team":"platform"}`,
	}, map[string]string{"user_cost_center": "42", "aws_eks_cluster_name": "prod", "costCategory/team": "platform"}, true)

	f("Athena map text", cells{
		"resource_tags": `{user_team=a, b, user_env=prod}`,
	}, map[string]string{"user_team": "a, b", "user_env": "prod"}, false)

	f("legacy EKS PVC tag marks Kubernetes", cells{
		"resourceTags/user:kubernetes.io/created-for/pvc/name": "data-0",
	}, map[string]string{"user:kubernetes.io/created-for/pvc/name": "data-0"}, true)

	f("snake EKS tag marks Kubernetes", cells{
		"resource_tags_user_eks_cluster_name": "c1",
	}, map[string]string{"user_eks_cluster_name": "c1"}, true)

	f("an empty EKS tag does not", cells{
		"resourceTags/aws:eks:cluster-name": "",
	}, map[string]string{}, false)

	f("a cost category named like an EKS tag does not", cells{
		"costCategory/aws:eks:cluster-name": "x",
	}, map[string]string{"costCategory/aws:eks:cluster-name": "x"}, false)

	f("AmazonEKS is Kubernetes", cells{
		"lineItem/ProductCode": "AmazonEKS",
	}, map[string]string{}, true)
}

func TestCUR2ProductMap(t *testing.T) {
	li, err := mapCells(t, cells{
		"product":  `{"product_name":"Amazon Elastic Compute Cloud","region_code":"ap-south-1","location":"Asia Pacific (Mumbai)","sku":"ABC","vcpu":2,"nested":{"a":[1,2]}}`,
		"discount": `{"bundled_discount":-0.25,"total_discount":-0.5}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if li.RegionID != "ap-south-1" || li.RegionName != "Asia Pacific (Mumbai)" || li.SkuID != "ABC" {
		t.Errorf("region %q %q sku %q", li.RegionID, li.RegionName, li.SkuID)
	}
	// A promoted column wins over the map.
	li, err = mapCells(t, cells{
		"product":             `{"region_code":"ap-south-1"}`,
		"product_region_code": "eu-north-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if li.RegionID != "eu-north-1" {
		t.Errorf("RegionID = %q, want the promoted product_region_code", li.RegionID)
	}
	// The discount map feeds the contracted cost of RI-covered usage.
	li, err = mapCells(t, cells{
		"lineItem/LineItemType":      "DiscountedUsage",
		"pricing/publicOnDemandCost": "2",
		"discount":                   `{"bundled_discount":-0.25,"private_rate_discount":-0.5}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := li.Cost[cost.Contracted].String(); got != "1.25" {
		t.Errorf("contracted = %s, want 2 − 0.25 − 0.5", got)
	}
}

func TestCategoryAndProviderID(t *testing.T) {
	f := func(resourceID, usageType, product, wantCategory, wantID string) {
		t.Helper()
		cat := Category(resourceID, usageType, product)
		id := ProviderID(resourceID, usageType, product, cat)
		if cat != wantCategory || id != wantID {
			t.Errorf("(%q, %q, %q) = %q, %q; want %q, %q", resourceID, usageType, product, cat, id, wantCategory, wantID)
		}
	}
	f("i-0abc", "USE1-DataTransfer-Out-Bytes", "AmazonEC2", "Network", "i-0abc")
	f("i-0abc", "BoxUsage:m5.large", "AmazonEC2", "Compute", "i-0abc")
	f("i-0abc", "USE1-PaidFindings", "AmazonGuardDuty", "Other", "i-0abc")
	f("vol-0abc", "EBS:VolumeUsage.gp3", "AmazonEC2", "Storage", "vol-0abc")
	f("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/50dc6c495c0c9188", "LoadBalancerUsage", "AWSELB", "Network", "50dc6c495c0c9188")
	f("arn:aws:fsx:us-east-1:1:file-system/fs-0123", "Storage", "AmazonFSx", "Storage", "fs-0123")
	f("arn:aws:eks:us-east-1:1:pod/cluster/ns/pod-1", "USE1-Fargate-vCPU-Hours:perCPU", "AmazonEKS", "Compute", "arn:aws:eks:us-east-1:1:pod/cluster/ns/pod-1/CPU")
	f("arn:aws:eks:us-east-1:1:pod/cluster/ns/pod-1", "USE1-Fargate-GB-Hours", "AmazonEKS", "Compute", "arn:aws:eks:us-east-1:1:pod/cluster/ns/pod-1/RAM")
	f("arn:aws:eks:us-east-1:1:cluster/prod", "USE1-AmazonEKS-Hours:perCluster", "AmazonEKS", "Management", "arn:aws:eks:us-east-1:1:cluster/prod")
	f("my-bucket", "TimedStorage-ByteHrs", "AmazonS3", "Storage", "my-bucket")
	f("", "Tax", "AmazonRoute53", "Network", "")
	f("", "", "AWSSupportBusiness", "Other", "")
}

// TestIsKubernetes covers the tag spellings of every AWS bill: legacy CSV,
// snake_case columns, CUR 2.0 map keys and FOCUS Tags (user tags without
// a prefix).
func TestIsKubernetes(t *testing.T) {
	f := func(productCode string, tags map[string]string, want bool) {
		t.Helper()
		if got := IsKubernetes(productCode, tags); got != want {
			t.Errorf("IsKubernetes(%q, %v) = %v, want %v", productCode, tags, got, want)
		}
	}
	f("AmazonEKS", nil, true)
	f("amazoneks", nil, true)
	f("AmazonEC2", nil, false)
	for _, k := range []string{
		"aws:eks:cluster-name", "aws_eks_cluster_name",
		"user:eks:cluster-name", "user_eks_cluster_name", "eks:cluster-name",
		"user:alpha.eksctl.io/cluster-name", "alpha.eksctl.io/cluster-name",
		"user_kubernetes_io_service_name", "kubernetes.io/service-name",
		"user:kubernetes.io/created-for/pvc/name", "kubernetes.io/created-for/pv/name",
	} {
		f("AmazonEC2", map[string]string{k: "x"}, true)
		f("AmazonEC2", map[string]string{k: ""}, false)
	}
	f("AmazonEC2", map[string]string{"costCategory/eks:cluster-name": "x"}, false)
	f("AmazonEC2", map[string]string{"user:cluster-name": "x", "team": "eks"}, false)
}

func TestResourceTypeAndName(t *testing.T) {
	f := func(id, wantType, wantName string) {
		t.Helper()
		typ, name := resourceTypeAndName(id)
		if typ != wantType || name != wantName {
			t.Errorf("resourceTypeAndName(%q) = %q, %q; want %q, %q", id, typ, name, wantType, wantName)
		}
	}
	f("arn:aws:ec2:us-east-1:1:instance/i-0ab", "instance", "i-0ab")
	f("arn:aws:lambda:us-east-1:1:function:my-fn", "function", "my-fn")
	f("arn:aws:s3:::bucket", "", "bucket")
	f("i-0ab", "", "i-0ab")
	f("arn:broken", "", "arn:broken")
}

// TestCaseInsensitiveHeader reads a header written in lower case.
func TestCaseInsensitiveHeader(t *testing.T) {
	header := []string{"lineitem/usageaccountid", "LINEITEM/LINEITEMTYPE", "lineitem/usagestartdate", "lineitem/unblendedcost", "RESOURCETAGS/user:Team"}
	if !Detect(header) {
		t.Fatal("Detect = false")
	}
	m, err := NewMapper(header)
	if err != nil {
		t.Fatal(err)
	}
	li, err := mapRow(m, "1", "Usage", "2024-01-01", "4.5", "core")
	if err != nil {
		t.Fatal(err)
	}
	if li.SubAccountID != "1" || li.Cost[cost.Billed].String() != "4.5" || li.Tags["user:Team"] != "core" {
		t.Errorf("got %q %s %v", li.SubAccountID, li.Cost[cost.Billed], li.Tags)
	}
}
