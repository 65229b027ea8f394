package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/bench"
	"github.com/tally-cost/tally/internal/synth"
)

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", stdout, stderr)
	provider := fs.String("provider", "", "bill format: aws, azure, gcp or focus")
	rows := fs.Int64("rows", 10000, "data rows to write")
	days := fs.Int("days", 30, "days the rows spread over")
	out := fs.String("out", "", "file to write (- for standard output)")
	start := fs.String("start", "", "first day, YYYY-MM-DD (default: days before today)")
	seed := fs.Int64("seed", 1, "random seed; the same seed writes the same bytes")
	format := fs.String("format", "csv", "csv; jsonl for gcp; parquet for aws, azure and focus (the CSV's rows converted by DuckDB)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *provider == "" || *out == "" {
		fs.Usage()
		return fmt.Errorf("%w: gen needs --provider and --out", errUsage)
	}
	parquet := *format == "parquet"
	if parquet {
		*provider = strings.ToLower(strings.TrimSpace(*provider))
		if *provider == "gcp" || *out == "-" {
			return fmt.Errorf("%w: --format parquet is for aws, azure and focus, into a file", errUsage)
		}
		*format = "csv"
	}
	opt := synth.Options{Provider: *provider, Rows: *rows, Days: *days, Seed: *seed, Format: *format}
	if *start != "" {
		t, err := time.Parse("2006-01-02", *start)
		if err != nil {
			return fmt.Errorf("%w: --start: %v", errUsage, err)
		}
		opt.Start = t
	}
	var w io.Writer = stdout
	var f *os.File
	csvOut := *out
	if parquet {
		// The CSV first, beside the Parquet file, removed once converted.
		csvOut = *out + ".csv.tmp"
		defer os.Remove(csvOut)
	}
	if *out != "-" {
		var err error
		if f, err = os.Create(csvOut); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	stats, err := synth.Write(bw, opt)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		if parquet {
			if err := bench.ParquetFromCSV(ctx, csvOut, *out, *provider == "azure"); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "wrote %d rows to %s\n", stats.Rows, *out)
	}
	return nil
}
