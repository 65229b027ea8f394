package bench

import (
	"errors"
	"slices"
	"testing"
)

func TestParseSizes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int64
	}{
		{"1M,10M", []int64{1_000_000, 10_000_000}},
		{"100M", []int64{100_000_000}},
		{"5000", []int64{5000}},
		{"20k, 3K", []int64{20_000, 3_000}},
		{"2.5M", []int64{2_500_000}},
		{"1m", []int64{1_000_000}},
	} {
		got, err := ParseSizes(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseSizes(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "0", "-5", "1G", "M", "1.5", "0.0001k", "1M,,2M", "ten"} {
		if got, err := ParseSizes(in); !errors.Is(err, ErrSize) {
			t.Errorf("ParseSizes(%q) = %v, %v; want an ErrSize", in, got, err)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{10_000_000: "10M", 20_000: "20k", 1234: "1234", 1_500_000: "1500k", 999: "999"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
		if back, err := ParseSizes(Count(n)); err != nil || back[0] != n {
			t.Errorf("ParseSizes(Count(%d)) = %v, %v", n, back, err)
		}
	}
}
