package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Median is the middle of ds (the upper one of an even count), 0 for none.
func Median(ds []time.Duration) time.Duration { return Quantile(ds, 0.5) }

// P99 is the 99th percentile of ds by nearest rank: over fewer than 100
// runs it is the slowest, which is what a p99 of few runs can honestly say.
func P99(ds []time.Duration) time.Duration { return Quantile(ds, 0.99) }

// Quantile is the nearest-rank q-quantile of ds (0 < q <= 1); q = 0.5
// takes the upper middle of an even count, as the Go benchmarks always did.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if q == 0.5 {
		return s[len(s)/2]
	}
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Table prints one scenario's results as aligned columns. Cells never
// hold spaces (names use dashes), so that a script, or TestBenchSmoke,
// can split a row into fields.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string
}

// Add appends a row of cells.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Print writes the table: "== title ==", the header, the rows, the notes
// each prefixed by "# ".
func (t *Table) Print(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "== %s ==\n", t.Title); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	for _, r := range t.Rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range t.Notes {
		if _, err := fmt.Fprintln(w, "# "+n); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// ms renders a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// secs renders a duration in seconds with two decimals.
func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

// ratio renders a/b with three decimals, "-" when b is zero.
func ratio(a, b time.Duration) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}
