package cost

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		d, err := ParseAmount(in)
		if err != nil {
			t.Fatalf("ParseAmount(%q): %v", in, err)
		}
		if got := d.String(); got != want {
			t.Fatalf("ParseAmount(%q) = %s, want %s", in, got, want)
		}
	}
	f("0.493152", "0.493152")
	f("438E-8", "0.00000438")
	f("-5e-06", "-0.000005")
	f("3E-4", "0.0003")
	f("+12", "12")
	f("", "0")
	f(" 1.50 ", "1.5")
	f("0.0000000072922557592391990000", "0.000000007292255759239199")
	f("0.0001188669167459011366", "0.0001188669167459011366")

	bad := func(in string) {
		t.Helper()
		if _, err := ParseAmount(in); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseAmount(%q) err = %v, want ErrInvalid", in, err)
		}
	}
	bad("abc")
	bad("1.2.3")
	bad("NaN")
	f("1.2345678901234567e-10", "0.000000000123456789012346") // float spelling: rounded at 24 places
	f("0.0000000000000000000000005", "0")                     // half-even
	bad("1e40")
}

func TestScaledRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "-0.000000000000000000000001", "12345678901234.123456789012345678901234"} {
		d, err := ParseAmount(s)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Scaled(d)
		if err != nil {
			t.Fatal(err)
		}
		if back := FromScaled(v); !back.Equal(d) {
			t.Fatalf("round trip of %s gave %s", s, back)
		}
	}
}

func TestParseNullAmount(t *testing.T) {
	for _, s := range []string{"", "NULL", "null"} {
		d, err := ParseNullAmount(s)
		if err != nil || d.Valid {
			t.Fatalf("ParseNullAmount(%q) = %v, %v; want null", s, d, err)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		q, err := ParseQuantity(in)
		if err != nil {
			t.Fatalf("ParseQuantity(%q): %v", in, err)
		}
		got := "null"
		if q.Valid {
			got = q.Decimal.String()
		}
		if got != want {
			t.Fatalf("ParseQuantity(%q) = %s, want %s", in, got, want)
		}
	}
	f("", "null")
	f("NULL", "null")
	f("1.24e14", "124000000000000")
	f("2.3198314011096954e-05", "0.000023198314011096954")
	if _, err := ParseQuantity("1e26"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("1e26: err = %v, want ErrInvalid", err)
	}
	if _, err := ParseQuantity("many"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("many: err = %v, want ErrInvalid", err)
	}
}
