package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
)

// IngestOptions configure the ingest scenario.
type IngestOptions struct {
	Tally string  // the tally binary the imports run as (child processes)
	Dir   string  // folder of the generated bills (kept: reused by the next run) and databases (removed)
	Sizes []int64 // data rows of each bill
	Runs  int     // timed imports per side, format and size
	Log   io.Writer
}

// ingestFormat is one bill format of the scenario.
type ingestFormat struct {
	name, provider string
	parquet        bool
	// baseline are further arguments of the DuckDB baseline. DuckDB's
	// sniffer reads a bill's first 20,480 rows: an Azure bill's dates
	// (month/day/year) up to the 12th read as day/month there, and the
	// load fails at the 13th (a 1M-row bill did), so it is told the
	// format, which costs it nothing, rather than to sniff the whole file.
	baseline []string
}

var ingestFormats = []ingestFormat{
	{"CUR-CSV", "aws", false, nil},
	{"CUR-Parquet", "aws", true, nil},
	{"Azure-CSV", "azure", false, []string{"--dateformat", "%m/%d/%Y"}},
	{"FOCUS-Parquet", "focus", true, nil},
}

// genOptions are the fixed options of the scenario's bills: what
// `tally gen --provider P --rows N --days 30 --start 2024-03-01 --seed 1`
// writes, the same bytes on every machine.
func genOptions(provider string, rows int64) synth.Options {
	return synth.Options{Provider: provider, Rows: rows, Days: 30, Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Seed: 1}
}

// proc is one finished child process.
type proc struct {
	wall   time.Duration
	peak   int64 // bytes
	stdout []byte
}

// RunIngest is the ingest scenario: for each size, bills of each format
// are generated (once: kept in Dir), then imported Runs times by
// `tally ingest` and, in turn, loaded by DuckDB's own read_csv or
// read_parquet into a table (`tally bench duckdb-csv|duckdb-parquet`),
// each a child process on a new database, whose wall time and peak
// resident memory the kernel reports. One table of medians.
func RunIngest(ctx context.Context, o IngestOptions, out io.Writer) error {
	t := Table{
		Title:  fmt.Sprintf("ingest (child processes, median of %d run(s))", o.Runs),
		Header: []string{"size", "format", "rows", "file-MB", "tally-s", "rows/s", "MB/s", "tally-peak-MiB", "duckdb-s", "duckdb-peak-MiB", "ratio-duckdb/tally"},
		Notes: []string{
			"duckdb: DuckDB's read_csv/read_parquet of the same file into a table (tally bench duckdb-csv|duckdb-parquet; Azure with --dateformat %m/%d/%Y); ratio = its wall / tally's (1 = as fast as DuckDB)",
			"bills: tally gen --provider aws|azure|focus --rows N --days 30 --start 2024-03-01 --seed 1; Parquet: the same rows converted by DuckDB (tally gen --format parquet)",
			"MB/s: the file's own size (Parquet is compressed) over the wall time",
		},
	}
	for _, n := range o.Sizes {
		for _, f := range ingestFormats {
			file, err := billFile(ctx, o, f, n)
			if err != nil {
				return err
			}
			if err := runFormat(ctx, o, f, n, file, &t); err != nil {
				return err
			}
		}
	}
	return t.Print(out)
}

// billFile returns the bill of format f with n rows in o.Dir, writing it
// when it is not there yet (a stamp beside it records that it was
// written whole).
func billFile(ctx context.Context, o IngestOptions, f ingestFormat, n int64) (string, error) {
	csvPath := filepath.Join(o.Dir, fmt.Sprintf("bill-%s-%s.csv", f.provider, Count(n)))
	pq := filepath.Join(o.Dir, fmt.Sprintf("bill-%s-%s.parquet", f.provider, Count(n)))
	if f.parquet && done(pq) {
		return pq, nil
	}
	if !done(csvPath) {
		t0 := time.Now()
		if err := writeBill(csvPath, genOptions(f.provider, n)); err != nil {
			return "", err
		}
		fmt.Fprintf(o.Log, "ingest: wrote %s in %s\n", csvPath, time.Since(t0).Round(time.Millisecond))
	}
	if !f.parquet {
		return csvPath, nil
	}
	t0 := time.Now()
	if err := ParquetFromCSV(ctx, csvPath, pq, f.provider == "azure"); err != nil {
		return "", err
	}
	if err := stamp(pq); err != nil {
		return "", err
	}
	fmt.Fprintf(o.Log, "ingest: wrote %s in %s\n", pq, time.Since(t0).Round(time.Millisecond))
	if !csvIngested(f.provider) {
		// Only the Parquet file is imported: the CSV (7 GB at 10M FOCUS
		// rows) need not take the disk.
		return pq, errors.Join(os.Remove(csvPath+".done"), os.Remove(csvPath))
	}
	return pq, nil
}

// csvIngested tells whether the scenario imports provider's CSV bill.
func csvIngested(provider string) bool {
	for _, f := range ingestFormats {
		if f.provider == provider && !f.parquet {
			return true
		}
	}
	return false
}

func done(path string) bool {
	_, err := os.Stat(path + ".done")
	return err == nil
}

func stamp(path string) error { return os.WriteFile(path+".done", nil, 0o644) }

// writeBill writes the synthetic bill opt to path, then its stamp.
func writeBill(path string, opt synth.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	_, err = synth.Write(bw, opt)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return stamp(path)
}

// baselineRows reads the rows `tally bench duckdb-csv|duckdb-parquet`
// says it loaded.
var baselineRows = regexp.MustCompile(`: (\d+) rows in `)

func runFormat(ctx context.Context, o IngestOptions, f ingestFormat, n int64, file string, t *Table) error {
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	base := "duckdb-csv"
	if f.parquet {
		base = "duckdb-parquet"
	}
	tallyDB := filepath.Join(o.Dir, "ingest-tally.duckdb")
	rawDB := filepath.Join(o.Dir, "ingest-raw.duckdb")
	var tw, dw []time.Duration
	var tp, dp []int64
	var rows int64
	for range o.Runs {
		p, err := child(ctx, o.Tally, tallyDB, "ingest", "--db", tallyDB, "--source", "bench", "--provider", f.provider, "--json", file)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", f.name, err)
		}
		var sum struct {
			Rows int64 `json:"rows"`
		}
		if err := json.Unmarshal(p.stdout, &sum); err != nil || sum.Rows == 0 {
			return fmt.Errorf("ingest %s: no rows in its summary (%v): %.300s", f.name, err, p.stdout)
		}
		rows = sum.Rows
		tw, tp = append(tw, p.wall), append(tp, p.peak)
		q, err := child(ctx, o.Tally, rawDB, append(append([]string{"bench", base, "--db", rawDB}, f.baseline...), file)...)
		if err != nil {
			return fmt.Errorf("%s %s: %w", base, f.name, err)
		}
		m := baselineRows.FindSubmatch(q.stdout)
		if m == nil {
			return fmt.Errorf("%s %s: no row count in %q", base, f.name, q.stdout)
		}
		if r, _ := strconv.ParseInt(string(m[1]), 10, 64); r != sum.Rows {
			// Not an error: a bill's rows are not always line items one
			// for one; the report says so.
			fmt.Fprintf(o.Log, "ingest: %s: tally imported %d rows, DuckDB loaded %d\n", f.name, sum.Rows, r)
		}
		dw, dp = append(dw, q.wall), append(dp, q.peak)
	}
	mt, md := Median(tw), Median(dw)
	mb := float64(info.Size()) / 1e6
	t.Add(Count(n), f.name, strconv.FormatInt(rows, 10), fmt.Sprintf("%.1f", mb), secs(mt),
		fmt.Sprintf("%.0f", float64(rows)/mt.Seconds()), fmt.Sprintf("%.1f", mb/mt.Seconds()),
		mib(medianInt(tp)), secs(md), mib(medianInt(dp)), ratio(md, mt))
	fmt.Fprintf(o.Log, "ingest: %s %s: tally %s s, duckdb %s s\n", Count(n), f.name, secs(mt), secs(md))
	return nil
}

// child runs tally with args on a new database db (removed before and
// after) and returns its wall time, peak memory and standard output.
func child(ctx context.Context, tally, db string, args ...string) (proc, error) {
	if err := duckdb.RemoveFiles(db); err != nil {
		return proc{}, err
	}
	defer duckdb.RemoveFiles(db)
	cmd := exec.CommandContext(ctx, tally, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Start()
	watched := int64(0)
	if err == nil {
		stop := watchPeak(cmd.Process.Pid)
		err = cmd.Wait()
		watched = stop()
	}
	wall := time.Since(t0)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return proc{}, fmt.Errorf("%s %v: %w: %s", tally, args, err, bytes.TrimSpace(stderr.Bytes()))
		}
		return proc{}, err
	}
	return proc{wall: wall, peak: peakRSS(cmd.ProcessState, watched), stdout: stdout.Bytes()}, nil
}

func medianInt(xs []int64) int64 {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x)
	}
	return int64(Median(ds))
}

func mib(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}
