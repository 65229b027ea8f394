// Package synth writes deterministic synthetic bills in the real export
// formats (billing-formats.md): AWS legacy CUR CSV, Azure EA actual-cost
// CSV, the Google Cloud billing export (flattened CSV or BigQuery JSON
// lines) and FOCUS 1.2 CSV. `tally gen`, `tally demo`, tests and
// benchmarks use them.
//
// Output is a pure function of Options: the same options give the same
// bytes. Rows are streamed through a bufio.Writer from a constant amount
// of state, so 50 million rows take no more memory than 50. Every amount
// is an integer of a fixed decimal unit, written exactly, and Stats.Total
// is the exact sum of the primary cost column.
package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Options describes one synthetic bill.
type Options struct {
	Provider string // aws, azure, gcp or focus
	Rows     int64  // data rows, exactly; the header is extra
	Days     int    // days the rows are spread over
	// Start is the first day (UTC; a time of day is truncated). Zero means
	// Days days before today, so that the bill ends yesterday.
	Start  time.Time
	Seed   int64
	Format string // csv (default), or jsonl (gcp only)
	// Daily writes one row per resource and day instead of one per hour
	// (AWS and GCP; Azure and FOCUS rows are always daily).
	Daily bool
}

// Stats describes what Write wrote.
type Stats struct {
	Rows       int64  // data rows
	Bytes      int64  // bytes, header included
	CostColumn string // the primary cost column
	Total      string // exact decimal sum of CostColumn over all rows
	Start, End time.Time
}

// Providers lists the provider names Options.Provider accepts.
var Providers = []string{"aws", "azure", "gcp", "focus"}

// ErrOptions is wrapped by the errors Write returns for invalid options.
var ErrOptions = errors.New("invalid synthetic bill options")

// generator writes one provider's format for days [from, to) of its plan.
type generator interface {
	plan() *plan
	costColumn() string
	costScale() int
	write(o *out, from, to int)
}

// Write writes the bill described by opt to w.
func Write(w io.Writer, opt Options) (Stats, error) {
	g, err := newGenerator(&opt)
	if err != nil {
		return Stats{}, err
	}
	return writeDays(w, g, 0, g.plan().days)
}

// writeDays writes days [from, to) of g's plan as one file.
func writeDays(w io.Writer, g generator, from, to int) (Stats, error) {
	o := &out{w: bufio.NewWriterSize(w, 256<<10), buf: make([]byte, 0, 4096)}
	g.write(o, from, to)
	if o.err == nil {
		o.err = o.w.Flush()
	}
	p := g.plan()
	st := Stats{
		Rows: o.rows, Bytes: o.bytes, CostColumn: g.costColumn(), Total: o.sum.decimal(g.costScale()),
		Start: p.day(from), End: p.day(to),
	}
	if o.err != nil {
		return st, fmt.Errorf("writing synthetic %s bill: %w", st.CostColumn, o.err)
	}
	return st, nil
}

func newGenerator(opt *Options) (generator, error) {
	opt.Provider = strings.ToLower(strings.TrimSpace(opt.Provider))
	opt.Format = strings.ToLower(strings.TrimSpace(opt.Format))
	if opt.Format == "" {
		opt.Format = "csv"
	}
	switch {
	case opt.Rows < 0:
		return nil, fmt.Errorf("%w: rows must not be negative, got %d", ErrOptions, opt.Rows)
	case opt.Days < 1:
		return nil, fmt.Errorf("%w: days must be at least 1, got %d", ErrOptions, opt.Days)
	case opt.Days > 100*366:
		return nil, fmt.Errorf("%w: days must be at most %d, got %d", ErrOptions, 100*366, opt.Days)
	case opt.Format != "csv" && !(opt.Format == "jsonl" && opt.Provider == "gcp"):
		return nil, fmt.Errorf("%w: format %q is not available for provider %q (csv for all, jsonl for gcp)", ErrOptions, opt.Format, opt.Provider)
	}
	if opt.Start.IsZero() {
		today := time.Now().UTC().Truncate(24 * time.Hour)
		opt.Start = today.AddDate(0, 0, -opt.Days)
	}
	t := opt.Start.UTC()
	opt.Start = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch opt.Provider {
	case "aws":
		return newAWS(*opt), nil
	case "azure":
		return newAzure(*opt), nil
	case "gcp":
		return newGCP(*opt), nil
	case "focus":
		return newFocus(*opt), nil
	}
	return nil, fmt.Errorf("%w: unknown provider %q (want one of %s)", ErrOptions, opt.Provider, strings.Join(Providers, ", "))
}

// out is the row sink: generators build a line in buf and call end.
type out struct {
	w     *bufio.Writer
	buf   []byte
	rows  int64
	bytes int64
	sum   total
	err   error
}

// header writes a CSV header line.
func (o *out) header(cols []string) {
	b := o.buf[:0]
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSV(b, c)
	}
	o.buf = b
	o.line()
}

// end finishes a data row whose primary cost is cost (scaled).
func (o *out) end(cost int64) {
	o.rows++
	o.sum.add(cost)
	o.line()
}

func (o *out) line() {
	if o.err != nil {
		return
	}
	o.buf = append(o.buf, '\n')
	n, err := o.w.Write(o.buf)
	o.bytes += int64(n)
	o.err = err
}

func (g *awsGen) plan() *plan        { return g.p }
func (g *awsGen) costColumn() string { return "lineItem/UnblendedCost" }
func (g *awsGen) costScale() int     { return awsScale }
