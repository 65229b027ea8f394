package bench

import (
	"strings"
	"testing"
	"time"
)

func TestQuantiles(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range xs {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	for _, c := range []struct {
		in          []time.Duration
		median, p99 time.Duration
	}{
		{nil, 0, 0},
		{ms(7), 7 * time.Millisecond, 7 * time.Millisecond},
		{ms(3, 1, 2), 2 * time.Millisecond, 3 * time.Millisecond},
		{ms(4, 1, 3, 2), 3 * time.Millisecond, 4 * time.Millisecond}, // the upper middle, as the Go benchmarks took it
	} {
		if got := Median(c.in); got != c.median {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.median)
		}
		if got := P99(c.in); got != c.p99 {
			t.Errorf("P99(%v) = %v, want %v", c.in, got, c.p99)
		}
	}
	// Over 200 runs the p99 is the 198th, not the slowest.
	var many []time.Duration
	for i := 200; i >= 1; i-- {
		many = append(many, time.Duration(i))
	}
	if got := P99(many); got != 198 {
		t.Errorf("P99 of 1..200 = %d, want 198", got)
	}
}

func TestTablePrint(t *testing.T) {
	tb := Table{Title: "query (3 runs)", Header: []string{"size", "question", "ratio"}, Notes: []string{"why"}}
	tb.Add("1M", "kubecost-30d-by-service", ratio(2*time.Millisecond, 4*time.Millisecond))
	tb.Add("10M", "x", ratio(time.Millisecond, 0))
	var b strings.Builder
	if err := tb.Print(&b); err != nil {
		t.Fatal(err)
	}
	want := "== query (3 runs) ==\n" +
		"size  question                 ratio\n" +
		"1M    kubecost-30d-by-service  0.500\n" +
		"10M   x                        -\n" +
		"# why\n\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
