package cost

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/errkind"
)

func TestSumParts(t *testing.T) {
	cases := []struct {
		whole, frac, want, err string
	}{
		{"", "", "0", ""},
		{"270000000000001", "0.5", "270000000000001.5", ""},
		{"-3", "0.25", "-2.75", ""},
		{"99999999999999999999999999", "0.999999999999999999999999", "99999999999999999999999999.999999999999999999999999", ""},
		{"100000000000000000000000000", "0", "100000000000000000000000000", ""},
		{"-100000000000000000000000000", "0", "-100000000000000000000000000", ""},
		{"100000000000000000000000000", "0.000000000000000000000001", "", "a sum of 100000000000000000000000000.000000000000000000000001 is above 10^26"},
		{"-100000000000000000000000001", "0", "", "above 10^26"},
		{"x", "0", "", `integer part "x"`},
		{"0", "1.2.3", "", `fractional part "1.2.3"`},
	}
	for _, c := range cases {
		got, err := SumParts(c.whole, c.frac)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("SumParts(%q, %q): err = %v, want one saying %q", c.whole, c.frac, err, c.err)
			}
			if strings.Contains(c.err, "10^26") && (!errors.Is(err, ErrTooLarge) || !errors.Is(err, errkind.Invalid)) {
				t.Errorf("SumParts(%q, %q): err = %v, want ErrTooLarge of kind Invalid", c.whole, c.frac, err)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("SumParts(%q, %q) = %s, %v; want %s", c.whole, c.frac, got, err, c.want)
		}
	}
}
