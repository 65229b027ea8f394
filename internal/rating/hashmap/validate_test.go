package hashmap

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
)

func TestValidateMapping(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Mapping
		want string // "" = valid
	}{
		{"service mapping", Mapping{ServiceID: "s", Type: Flat}, ""},
		{"field mapping", Mapping{FieldID: "f", Value: "5", Type: Rate}, ""},
		{"grouped field mapping", Mapping{FieldID: "f", Value: "5", Type: Rate, GroupID: "g"}, ""},
		{"two parents", Mapping{ServiceID: "s", FieldID: "f", Value: "5", Type: Flat}, "You can only specify one parent."},
		{"no parent", Mapping{GroupID: "g", Type: Flat}, "You must specify one parent."},
		{"value on a service mapping", Mapping{ServiceID: "s", Value: "5", Type: Flat}, "You can't specify a value and a service_id."},
		{"field mapping without value", Mapping{FieldID: "f", Type: Flat}, "You must specify a value for a field mapping."},
		{"unknown type", Mapping{ServiceID: "s", Type: "tiered"}, "Invalid input for field/attribute type. Value: 'tiered'. Value should be one of: flat, rate"},
		{"empty type (the API defaults it before)", Mapping{ServiceID: "s"}, "Invalid input for field/attribute type. Value: ''. Value should be one of: flat, rate"},
		{"end before start", Mapping{ServiceID: "s", Type: Flat, Start: t0, End: t0.Add(-time.Second)},
			"The end date [2026-03-01T09:59:59] must be after the start date [2026-03-01T10:00:00]."},
		{"end equal to start", Mapping{ServiceID: "s", Type: Flat, Start: t0, End: t0}, ""},
		{"end without start", Mapping{ServiceID: "s", Type: Flat, End: t0}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, ValidateMapping(tc.m), tc.want)
		})
	}
}

func TestValidateThreshold(t *testing.T) {
	for _, tc := range []struct {
		name string
		th   Threshold
		want string
	}{
		{"service threshold", Threshold{ServiceID: "s", Type: Flat}, ""},
		{"field threshold", Threshold{FieldID: "f", Type: Rate}, ""},
		{"two parents", Threshold{ServiceID: "s", FieldID: "f", Type: Flat}, "You can only specify one parent."},
		{"no parent", Threshold{Type: Flat}, "You must specify one parent."},
		{"unknown type", Threshold{ServiceID: "s", Type: "x"}, "Invalid input for field/attribute type. Value: 'x'. Value should be one of: flat, rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, ValidateThreshold(tc.th), tc.want)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("err %v does not wrap cost.ErrInvalid", err)
	}
}

func TestParseMapType(t *testing.T) {
	for in, want := range map[string]MapType{"": Flat, "flat": Flat, "rate": Rate} {
		got, err := ParseMapType(in)
		if err != nil || got != want {
			t.Errorf("ParseMapType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Flat", "RATE", "tiered", " flat"} {
		if _, err := ParseMapType(in); !errors.Is(err, cost.ErrInvalid) {
			t.Errorf("ParseMapType(%q) err = %v, want ErrInvalid", in, err)
		}
	}
	if got := Types(); len(got) != 2 || got[0] != Flat || got[1] != Rate {
		t.Errorf("Types() = %v", got)
	}
}

func TestParseCostAndLevel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		parse   func(string) (decimal.Decimal, error)
		in      string
		want    string // decimal, or the error text
		missing bool
	}{
		{"cost", ParseCost, "0.1", "0.1", false},
		{"cost with exponent", ParseCost, "5e-3", "0.005", false},
		{"cost 28 digits", ParseCost, "0.0000000000000000000000000001", "0.0000000000000000000000000001", false},
		{"cost trailing zeros beyond 28 digits", ParseCost, "1.00000000000000000000000000000000", "1", false},
		{"negative cost", ParseCost, "-2.5", "-2.5", false},
		{"cost missing", ParseCost, "", "Invalid input for field/attribute cost. Value: 'None'. Mandatory field missing.", true},
		{"cost not a number", ParseCost, "abc", "Invalid input for field/attribute cost. Value: 'abc'. Not a decimal number.", false},
		{"cost 29 digits", ParseCost, "0.00000000000000000000000000001", "Invalid input for field/attribute cost. Value: '0.00000000000000000000000000001'. More than 28 fractional digits.", false},
		{"cost too large", ParseCost, "1000000000000", "Invalid input for field/attribute cost. Value: '1000000000000'. Must be less than 10^12 in magnitude.", false},
		{"cost just fits", ParseCost, "999999999999.9999999999999999999999999999", "999999999999.9999999999999999999999999999", false},
		{"level", ParseLevel, "50", "50", false},
		{"level missing", ParseLevel, " ", "Invalid input for field/attribute level. Value: 'None'. Mandatory field missing.", true},
		{"level 9 digits", ParseLevel, "0.123456789", "Invalid input for field/attribute level. Value: '0.123456789'. More than 8 fractional digits.", false},
		{"level NaN", ParseLevel, "NaN", "Invalid input for field/attribute level. Value: 'NaN'. Not a decimal number.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.parse(tc.in)
			if tc.missing != errors.Is(err, ErrMissing) {
				t.Fatalf("err = %v, ErrMissing = %v, want %v", err, errors.Is(err, ErrMissing), tc.missing)
			}
			if err != nil {
				checkErr(t, err, tc.want)
				return
			}
			if !got.Equal(d(tc.want)) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	if got, want := FormatCost(d("0.1")), "0.1000000000000000000000000000"; got != want {
		t.Errorf("FormatCost = %s, want %s", got, want)
	}
	if got, want := FormatLevel(d("50")), "50.00000000"; got != want {
		t.Errorf("FormatLevel = %s, want %s", got, want)
	}
}
