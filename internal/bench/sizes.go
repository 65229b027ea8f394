package bench

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrSize is wrapped by the errors of ParseSizes.
var ErrSize = errors.New("invalid size")

// ParseSizes reads a comma-separated list of row counts, each a whole
// number with an optional suffix k (thousand) or M (million): "1M,10M",
// "5000", "2.5M". Counts must be at least 1.
func ParseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := int64(1)
		num := f
		switch {
		case strings.HasSuffix(f, "k") || strings.HasSuffix(f, "K"):
			mult, num = 1_000, f[:len(f)-1]
		case strings.HasSuffix(f, "M") || strings.HasSuffix(f, "m"):
			mult, num = 1_000_000, f[:len(f)-1]
		}
		var n int64
		if i, err := strconv.ParseInt(num, 10, 64); err == nil {
			n = i * mult
		} else if x, ferr := strconv.ParseFloat(num, 64); ferr == nil && mult > 1 && x*float64(mult) == float64(int64(x*float64(mult))) {
			// "2.5M": a fraction of the suffix's unit that makes whole rows.
			n = int64(x * float64(mult))
		} else {
			return nil, fmt.Errorf("%w %q in %q: want a row count such as 5000, 20k or 10M", ErrSize, f, s)
		}
		if n < 1 {
			return nil, fmt.Errorf("%w %q in %q: a row count is at least 1", ErrSize, f, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// Count renders a row count as ParseSizes reads it: 10M, 20k, 1234.
func Count(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.FormatInt(n/1_000_000, 10) + "M"
	case n >= 1_000 && n%1_000 == 0:
		return strconv.FormatInt(n/1_000, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}
