package cost

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDimension(t *testing.T) {
	tests := []struct {
		in   string
		want Dimension
	}{
		{"service", DimService},
		{"SubAccountId", DimSubAccountID},
		{"account", DimSubAccountID}, // synonym
		{"regionId", DimRegion},      // synonym
		{" meterName ", DimMeterName},
		{"tag:Team", TagDimension("Team")},
		{"TAG:team", TagDimension("team")},
		// The Azure billing API's fields (azure-billing.md §5, §10.1).
		{"customerId", DimCustomerID},
		{"CUSTOMERID", DimCustomerID},
		{"customerTenantId", DimCustomerID}, // synonym: the MPA column
		{"customerName", DimCustomerName},
		{"costCenter", DimCostCenter},
		{"costcenter", DimCostCenter},
		{"meterId", DimMeterID},
		{"serviceFamily", DimServiceFamily},
		{"ServiceFamily", DimServiceFamily},
		{"productOrderName", DimProductOrderName},
	}
	for _, tc := range tests {
		got, err := ParseDimension(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDimension(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDimensionUnknown(t *testing.T) {
	for _, in := range []string{"", "nope", "customer_id", "tag:"} {
		_, err := ParseDimension(in)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDimension(%q) err = %v, want ErrInvalid", in, err)
			continue
		}
		// The message lists the known names, new ones included.
		for _, name := range []string{"customerId", "costCenter", "productOrderName"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("ParseDimension(%q) error %q does not list %s", in, err, name)
			}
		}
	}
}

// TestDimensionsRoundTrip checks that every built-in dimension parses
// back to itself under its own name, that no two share a name, and that
// the new Azure dimensions are listed.
func TestDimensionsRoundTrip(t *testing.T) {
	seen := map[string]Dimension{}
	for _, d := range Dimensions() {
		if prev, dup := seen[strings.ToLower(string(d))]; dup {
			t.Errorf("dimensions %q and %q share a name", prev, d)
		}
		seen[strings.ToLower(string(d))] = d
		got, err := ParseDimension(string(d))
		if err != nil || got != d {
			t.Errorf("ParseDimension(%q) = %q, %v", d, got, err)
		}
		if _, isTag := d.TagKey(); isTag {
			t.Errorf("built-in dimension %q looks like a tag", d)
		}
	}
	for _, d := range []Dimension{DimCustomerID, DimCustomerName, DimCostCenter, DimMeterID, DimServiceFamily, DimProductOrderName} {
		if seen[strings.ToLower(string(d))] != d {
			t.Errorf("Dimensions() lacks %q", d)
		}
	}
}
