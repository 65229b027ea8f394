package rightsizing

import (
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// sizeFactor is the relative capacity of each EC2 size: AWS's
// normalization factors (the units of reserved-instance size
// flexibility: small 1, large 4, xlarge 8, ...). Within a family, vCPUs,
// memory and on-demand price all scale with it, which is what lets a
// saving be estimated without a price list.
var sizeFactor = map[string]int64{
	"nano": 1, "micro": 2, "small": 4, "medium": 8, "large": 16, "xlarge": 32,
	"2xlarge": 64, "3xlarge": 96, "4xlarge": 128, "6xlarge": 192, "8xlarge": 256, "9xlarge": 288,
	"10xlarge": 320, "12xlarge": 384, "16xlarge": 512, "18xlarge": 576, "24xlarge": 768,
	"32xlarge": 1024, "48xlarge": 1536,
} // in quarters of "small", so that nano (0.25) is an integer

// familySizes lists, smallest first, the sizes of the families this
// package proposes in: current general-purpose, compute and memory
// families. "Next smaller" is the previous entry, which is not always
// half (c5.9xlarge → c5.4xlarge, m5.12xlarge → m5.8xlarge). Metal sizes
// and families not listed get no proposal: a wrong size list would
// propose a type that does not exist.
var familySizes = func() map[string][]string {
	burst := []string{"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"}
	intel := []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"}
	intel6 := append(slices.Clone(intel), "32xlarge")
	graviton := []string{"medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"}
	return map[string][]string{
		"t2": burst, "t3": burst, "t3a": burst, "t4g": burst,
		"m5": intel, "m5a": intel, "r5": intel, "r5a": intel,
		"m6i": intel6, "c6i": intel6, "r6i": intel6,
		"m6a": append(slices.Clone(intel6), "48xlarge"), "c6a": append(slices.Clone(intel6), "48xlarge"),
		"m7i": append(slices.Clone(intel), "48xlarge"), "c7i": append(slices.Clone(intel), "48xlarge"),
		"c5":  {"large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge"},
		"m6g": graviton, "c6g": graviton, "r6g": graviton,
		"m7g": graviton, "c7g": graviton, "r7g": graviton,
	}
}()

// usageTypeRe matches the CUR usage types of running instance hours,
// with or without a region prefix: BoxUsage:m5.xlarge (us-east-1),
// USE2-BoxUsage:t3.micro, EU-SpotUsage:c5.large,
// APN1-DedicatedUsage:r5.2xlarge.
var usageTypeRe = regexp.MustCompile(`^(?:[A-Z]{2,4}[0-9]?-)?(?:BoxUsage|SpotUsage|DedicatedUsage):([a-z][a-z0-9-]*\.[a-z0-9]+)$`)

// InstanceType returns the EC2 instance type a CUR usage type charges
// for (the line item's usageType, lineItem/UsageType), or false for any
// other usage type (EBS, data transfer, and the like).
func InstanceType(usageType string) (string, bool) {
	m := usageTypeRe.FindStringSubmatch(usageType)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Smaller returns the next smaller type of t's family and the sizes of
// both in the same unit, or false when t is not in the table or is its
// family's smallest.
func Smaller(t string) (smaller string, current, next int64, ok bool) {
	family, size, found := strings.Cut(t, ".")
	if !found {
		return "", 0, 0, false
	}
	sizes := familySizes[family]
	i := slices.Index(sizes, size)
	if i <= 0 {
		return "", 0, 0, false
	}
	return family + "." + sizes[i-1], sizeFactor[size], sizeFactor[sizes[i-1]], true
}

// Known reports whether t is in the table.
func Known(t string) bool {
	family, size, _ := strings.Cut(t, ".")
	return slices.Contains(familySizes[family], size)
}

func dec(n int64) decimal.Decimal { return decimal.NewFromInt(n) }
