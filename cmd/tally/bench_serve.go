package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/loadgen"
	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/synth"
	"github.com/tally-cost/tally/internal/tenant"
)

// benchServeOptions describe the serving scenario of issue 23. (The
// brief named it serveOptions; serve.go has that name for the server's
// own options.)
type benchServeOptions struct {
	// DB is a database to serve; "" builds one of Rows synthetic line
	// items (duckdb.Store.LoadSynthetic, and a quarter as many Azure
	// ones for the Azure dialect) in Dir, kept there for the next run.
	// The scenario's imports are deleted again at the end, so that a
	// database serves the same data run after run; what stays in a
	// database given is an admin key named "bench-serve" (replaced at
	// each run), the deleted snapshots of source "bench-serve-ingest"
	// and their audit records.
	DB   string
	Rows int
	// Clients query concurrently (0: loadgen.DefaultClients) for
	// Duration each time the load runs.
	Clients  int
	Duration time.Duration
	// IngestRows, when positive, is the size of the AWS CUR (tally gen,
	// seed 1, kept in Dir) imported through POST /api/v1/imports once
	// alone and once while the clients query; 0 measures the quiet load
	// only.
	IngestRows int64
	// Dir holds the built database and the generated bill; "" is a
	// temporary folder removed at the end.
	Dir string
	// QuerySlots is server.Config.QuerySlots (0: the default bound).
	QuerySlots int
	// CacheBytes is server.Config.CacheBytes (0: the default cache, -1:
	// none, which measures uncached answers).
	CacheBytes int64
	// Log, when set, receives progress lines.
	Log io.Writer
}

// benchServeReport is what the scenario measured.
type benchServeReport struct {
	Rows    int // line items served; 0 for a database given
	URLs    []string
	Quiet   loadgen.Result
	Loaded  loadgen.Result // the load while the import ran; zero without one
	Imports []ingestRun    // alone, then under load; none without IngestRows
}

// ingestRun is one import through POST /api/v1/imports, upload included.
type ingestRun struct {
	Rows      int64
	Elapsed   time.Duration
	Snapshots []int64
}

func (r ingestRun) rowsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Rows) / r.Elapsed.Seconds()
}

// serveWorkload is the mixed read workload: every dialect, windows of 7
// and 30 days and a quarter, groupings by service, account, label and
// month. The synthetic data covers January to March 2024, so the
// windows are written out: Kubecost's "window=7d" and "30d" end now,
// where there is no data, and would measure empty answers.
var serveWorkload = []string{
	"/model/cloudCost?window=2024-03-01T00:00:00Z,2024-03-31T00:00:00Z&aggregate=service",
	"/model/cloudCost?window=2024-03-24T00:00:00Z,2024-03-31T00:00:00Z&aggregate=service",
	"/model/cloudCost?window=2024-03-01T00:00:00Z,2024-03-31T00:00:00Z&aggregate=label:team",
	"/api/v1/costs?window=2024-03-01,2024-03-31&groupBy=service",
	"/api/v1/costs?window=2024-03-24,2024-03-31&groupBy=subAccountId&step=day",
	"/azure-billing/api/costs/subscription-summary/?date=2024-03-01",
	"/cloudkitty/v2/summary?begin=2024-03-01T00:00:00&end=2024-04-01T00:00:00&groupby=type&response_format=object",
	"/cloudhealth/olap_reports/cost/history?interval=monthly&dimensions[]=time&dimensions[]=AWS-Account&filters[]=time:select:2024-01,2024-02,2024-03",
}

// serveNow is the server's clock in the scenario: two weeks after the
// synthetic data's last day.
var serveNow = time.Date(2024, 4, 15, 12, 0, 0, 0, time.UTC)

// ingestSource is the billing source of the scenario's imports.
const ingestSource = "bench-serve-ingest"

// cmdBenchServe is "tally bench serve".
func cmdBenchServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench serve", stdout, stderr)
	db := fs.String("db", "", "database to serve (default: build one of --rows synthetic line items in --dir); it gets an admin key named bench-serve, and the imports of --ingest-rows are deleted again")
	rows := fs.Int("rows", 1_000_000, "synthetic line items when --db is not given")
	clients := fs.Int("clients", loadgen.DefaultClients, "concurrent clients")
	duration := fs.Duration("duration", 30*time.Second, "how long the clients query, each time")
	ingestRows := fs.Int64("ingest-rows", 0, "rows of the AWS CUR imported alone and then under load (0: no import)")
	dir := fs.String("dir", "", "folder for the built database and the generated bill, reused by the next run (default: a temporary folder)")
	slots := fs.Int("query-slots", 0, "as tally serve --query-slots")
	cacheBytes := fs.Int64("cache-bytes", 0, "as tally serve --cache-bytes (0: the default; -1: no response cache, every request a miss)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 || *clients < 0 || *duration <= 0 || *ingestRows < 0 || (*db == "" && *rows < 3) {
		return fmt.Errorf("%w: usage: tally bench serve [--db PATH | --rows N (N >= 3)] [--clients 64] [--duration 30s] [--ingest-rows N] [--dir DIR] [--query-slots N] [--cache-bytes N]", errUsage)
	}
	return benchServe(ctx, benchServeOptions{DB: *db, Rows: *rows, Clients: *clients, Duration: *duration,
		IngestRows: *ingestRows, Dir: *dir, QuerySlots: *slots, CacheBytes: *cacheBytes, Log: stderr}, stdout)
}

// benchServe runs the serving scenario and prints its report to out:
// requests/s, p50, p90, p99 and errors of the load quiet and during an
// import, the import's rows/s alone and under load, and their ratio.
func benchServe(ctx context.Context, o benchServeOptions, out io.Writer) error {
	defer serverGC()() // as tally serve collects
	rep, err := runBenchServe(ctx, o)
	if err != nil {
		return err
	}
	printServeReport(out, rep)
	if rep.Quiet.Errors+rep.Loaded.Errors > 0 {
		return fmt.Errorf("bench serve: %d requests failed, first: %s", rep.Quiet.Errors+rep.Loaded.Errors,
			strings.Join(slices.Concat(rep.Quiet.FirstErrors, rep.Loaded.FirstErrors), "; "))
	}
	return nil
}

func runBenchServe(ctx context.Context, o benchServeOptions) (rep benchServeReport, err error) {
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "bench serve: "+format+"\n", a...)
		}
	}
	if o.Clients <= 0 {
		o.Clients = loadgen.DefaultClients
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "tally-bench-serve-"); err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return rep, err
	}
	db := o.DB
	if db == "" {
		rep.Rows = o.Rows
		if db, err = syntheticDB(ctx, dir, o.Rows, logf); err != nil {
			return rep, err
		}
	}
	var bill string
	if o.IngestRows > 0 {
		if bill, err = generatedCUR(dir, o.IngestRows, logf); err != nil {
			return rep, err
		}
	}
	stores, err := openDB(ctx, db, storage.Options{})
	if err != nil {
		return rep, err
	}
	defer stores.Close()
	tenants, err := tenant.Open(ctx, stores.State)
	if err != nil {
		return rep, err
	}
	key, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: "bench-serve", Role: tenant.RoleAdmin, Replace: true})
	if err != nil {
		return rep, fmt.Errorf("creating the benchmark's key: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rep, err
	}
	// The real server, as tally serve runs it, with uploads as large as
	// the bill and the store's own folder for them.
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- serve(sctx, stores.Cost, stores.State, serveOptions{listener: ln,
			limits:    server.Limits{MaxUpload: 1 << 42},
			uploadDir: uploadDir(stores.Location.Path), querySlots: o.QuerySlots, cacheBytes: o.CacheBytes,
			// CloudHealth's reports offer the months before now: now is
			// after the synthetic data's last month.
			clock: func() time.Time { return serveNow }}, io.Discard)
	}()
	defer func() {
		stop()
		if serr := <-served; err == nil && serr != nil {
			err = fmt.Errorf("the server: %w", serr)
		}
	}()
	c := &benchClient{base: "http://" + ln.Addr().String(), key: key, hc: &http.Client{}}
	if err := c.check(ctx, serveWorkload, logf); err != nil {
		return rep, err
	}
	rep.URLs = serveWorkload
	load := loadgen.Config{Base: c.base, Key: key, URLs: serveWorkload, Clients: o.Clients}
	defer func() {
		if derr := c.deleteImports(context.WithoutCancel(ctx), rep.Imports); err == nil && derr != nil {
			err = derr
		}
	}()

	if bill != "" {
		logf("importing %d rows alone", o.IngestRows)
		run, err := c.upload(ctx, bill)
		if err != nil {
			return rep, err
		}
		rep.Imports = append(rep.Imports, run)
	}
	logf("%d clients for %s, quiet", o.Clients, o.Duration)
	quiet := load
	quiet.Duration = o.Duration
	if rep.Quiet, err = loadgen.Run(ctx, quiet); err != nil {
		return rep, err
	}
	if bill == "" {
		return rep, nil
	}
	// The load runs for its duration and for as long as the import
	// does, so that the whole import is measured under load.
	logf("%d clients while %d rows are imported", o.Clients, o.IngestRows)
	imported := make(chan struct{})
	until := make(chan struct{})
	go func() {
		t := time.NewTimer(o.Duration)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		select {
		case <-imported:
		case <-ctx.Done():
		}
		close(until)
	}()
	loaded := load
	loaded.Until = until
	loadDone := make(chan error, 1)
	go func() {
		var err error
		rep.Loaded, err = loadgen.Run(ctx, loaded)
		loadDone <- err
	}()
	run, uerr := c.upload(ctx, bill)
	close(imported)
	lerr := <-loadDone
	if uerr != nil {
		return rep, uerr
	}
	rep.Imports = append(rep.Imports, run)
	return rep, lerr
}

// syntheticDB is the database of rows synthetic line items in dir,
// built once: it is loaded under a temporary name and renamed when
// complete, so that an interrupted build is never taken for a database.
func syntheticDB(ctx context.Context, dir string, rows int, logf func(string, ...any)) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("serve-%d.duckdb", rows))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := path + ".building"
	for _, f := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	logf("loading %d synthetic line items into %s", rows, path)
	st, err := duckdb.Open(ctx, tmp, duckdb.Options{})
	if err != nil {
		return "", err
	}
	_, err = st.LoadSynthetic(ctx, rows)
	if err == nil {
		// The Azure dialect answers for Azure line items only.
		_, err = st.LoadSyntheticAzure(ctx, max(3, rows/4))
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("loading synthetic line items: %w", err)
	}
	return path, os.Rename(tmp, path)
}

// generatedCUR is an AWS CUR of rows rows in dir (tally gen --provider
// aws --seed 1 --start 2024-02-01 --days 28), written once.
func generatedCUR(dir string, rows int64, logf func(string, ...any)) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("cur-%d.csv", rows))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	logf("generating a CUR of %d rows: %s", rows, path)
	tmp := path + ".writing"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) // after the rename, nothing
	bw := bufio.NewWriterSize(f, 1<<20)
	_, err = synth.Write(bw, synth.Options{Provider: "aws", Rows: rows, Days: 28, Start: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Seed: 1})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("generating the bill: %w", err)
	}
	return path, os.Rename(tmp, path)
}

// benchClient speaks to the served API as an administrator.
type benchClient struct {
	base, key string
	hc        *http.Client
}

func (c *benchClient) do(ctx context.Context, method, path string, body io.Reader, size int64) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+c.key)
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// check asks each URL once: a workload that does not answer 200 would
// measure error pages. logf receives each answer's size.
func (c *benchClient) check(ctx context.Context, urls []string, logf func(string, ...any)) error {
	for _, u := range urls {
		code, body, err := c.do(ctx, http.MethodGet, u, nil, 0)
		if err != nil {
			return fmt.Errorf("checking the workload: GET %s: %w", u, err)
		}
		if code != http.StatusOK {
			return fmt.Errorf("checking the workload: GET %s: %d %.300s", u, code, body)
		}
		logf("GET %s: %d bytes", u, len(body))
	}
	return nil
}

// upload imports bill through POST /api/v1/imports, as a user would.
func (c *benchClient) upload(ctx context.Context, bill string) (ingestRun, error) {
	f, err := os.Open(bill)
	if err != nil {
		return ingestRun{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ingestRun{}, err
	}
	start := time.Now()
	code, body, err := c.do(ctx, http.MethodPost, "/api/v1/imports?provider=aws&source="+ingestSource+"&name="+filepath.Base(bill), f, fi.Size())
	run := ingestRun{Elapsed: time.Since(start)}
	if err != nil {
		return run, fmt.Errorf("importing %s: %w", bill, err)
	}
	if code != http.StatusCreated {
		return run, fmt.Errorf("importing %s: %d %.500s", bill, code, body)
	}
	var ans struct {
		Rows      int64 `json:"rows"`
		Snapshots []struct {
			ID int64 `json:"id"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return run, fmt.Errorf("importing %s: reading the answer: %w", bill, err)
	}
	run.Rows = ans.Rows
	for _, s := range ans.Snapshots {
		run.Snapshots = append(run.Snapshots, s.ID)
	}
	return run, nil
}

// deleteImports deletes the scenario's snapshots, the newest first (each
// delete makes the one it superseded visible again, to be deleted next).
func (c *benchClient) deleteImports(ctx context.Context, runs []ingestRun) error {
	for i := len(runs) - 1; i >= 0; i-- {
		for _, id := range slices.Backward(runs[i].Snapshots) {
			code, body, err := c.do(ctx, http.MethodDelete, fmt.Sprintf("/api/v1/snapshots/%d", id), nil, 0)
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("%d %.300s", code, body)
			}
			if err != nil {
				slog.Warn("bench serve: deleting the benchmark's import", "snapshot", id, "err", err)
				return fmt.Errorf("deleting snapshot %d of the benchmark's import: %w", id, err)
			}
		}
	}
	return nil
}

// printServeReport prints one table of the loads and one line of the
// imports.
func printServeReport(w io.Writer, r benchServeReport) {
	data := "the database given"
	if r.Rows > 0 {
		data = fmt.Sprintf("%d synthetic line items", r.Rows)
	}
	fmt.Fprintf(w, "serve: %d clients, %d URLs (every dialect), %s\n", r.Quiet.Clients, len(r.URLs), data)
	fmt.Fprintf(w, "%-14s %9s %9s %9s %9s %9s %9s %7s\n", "load", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors")
	row := func(name string, l loadgen.Result) {
		msf := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
		fmt.Fprintf(w, "%-14s %9d %9.1f %9s %9s %9s %9s %7d\n", name, l.Requests, l.RequestsPerSecond(),
			msf(l.Percentile(0.5)), msf(l.Percentile(0.9)), msf(l.Percentile(0.99)), msf(l.Max()), l.Errors)
	}
	row("quiet", r.Quiet)
	if len(r.Imports) == 2 {
		row("during import", r.Loaded)
		a, b := r.Imports[0], r.Imports[1]
		fmt.Fprintf(w, "import of %d rows: alone %s (%.0f rows/s), under load %s (%.0f rows/s), ratio %.2f\n",
			a.Rows, a.Elapsed.Round(time.Millisecond), a.rowsPerSecond(), b.Elapsed.Round(time.Millisecond), b.rowsPerSecond(),
			b.rowsPerSecond()/a.rowsPerSecond())
	}
	for _, e := range slices.Concat(r.Quiet.FirstErrors, r.Loaded.FirstErrors) {
		fmt.Fprintf(w, "error: %s\n", e)
	}
}
