package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// bin is the tally binary built once for the end-to-end tests, which run
// it as a user would: as a process, with files, exit codes and signals.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tally-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "tally")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building tally: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "..", "shared", "testdata"}, parts...)...)
}

type result struct {
	code           int
	stdout, stderr string
}

func tally(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// column sums a CSV column exactly with math/big, grouped by the month of
// another column: an independent computation of what ingest must report.
func columnByMonth(t *testing.T, path, costCol, dateCol string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // the CUR sample's header is one column longer than its rows
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	ci, di := -1, -1
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		if h == costCol {
			ci = i
		}
		if h == dateCol {
			di = i
		}
	}
	if ci < 0 || di < 0 {
		t.Fatalf("%s: no %s or %s column", path, costCol, dateCol)
	}
	sums := map[string]*big.Rat{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		month := rec[di][:7]
		v, ok := new(big.Rat).SetString(strings.TrimSpace(rec[ci]))
		if !ok {
			v = new(big.Rat)
		}
		if sums[month] == nil {
			sums[month] = new(big.Rat)
		}
		sums[month].Add(sums[month], v)
	}
	out := map[string]string{}
	for m, s := range sums {
		out[m] = ratString(s)
	}
	return out
}

// ratString renders an exact decimal without trailing zeros.
func ratString(r *big.Rat) string {
	s := r.FloatString(30)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func ingestJSON(t *testing.T, args ...string) jsonSummary {
	t.Helper()
	res := tally(t, append([]string{"ingest", "--json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("ingest %v: exit %d\n%s", args, res.code, res.stderr)
	}
	var s jsonSummary
	if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
		t.Fatalf("ingest --json output: %v\n%s", err, res.stdout)
	}
	return s
}

func TestIngestJSONTotalsExact(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	file := testdata("aws", "cur-legacy-slash-columns.csv")
	s := ingestJSON(t, "--db", db, "--source", "aws", "--provider", "aws", file)
	want := columnByMonth(t, file, "lineItem/UnblendedCost", "bill/BillingPeriodStartDate")
	got := map[string]string{}
	var rows int64
	for _, sn := range s.Snapshots {
		if len(sn.Totals) != 1 {
			t.Fatalf("snapshot %d totals = %+v, want one currency", sn.ID, sn.Totals)
		}
		got[sn.BillingPeriodStart.Format("2006-01")] = sn.Totals[0].Costs["billed"]
		rows += sn.Rows
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("billed per period = %v, want %v", got, want)
	}
	if rows != s.Rows || s.Rows == 0 || s.Skipped != 0 {
		t.Fatalf("rows: summary %d, snapshots %d, skipped %d", s.Rows, rows, s.Skipped)
	}
	// Plain output is one line.
	res := tally(t, "ingest", "--db", db, "--source", "aws", "--provider", "aws", file)
	if res.code != 0 || strings.Count(strings.TrimSpace(res.stdout), "\n") != 0 || !strings.Contains(res.stdout, "ingested") {
		t.Fatalf("plain summary: exit %d, stdout %q", res.code, res.stdout)
	}
}

// corrupt copies the AWS sample with one cell of data row n (1-based)
// replaced, and returns the copy's path.
func corrupt(t *testing.T, column string, row int, value string) string {
	t.Helper()
	return editSample(t, func(recs [][]string) {
		col := -1
		for i, h := range recs[0] {
			if h == column {
				col = i
			}
		}
		if col < 0 {
			t.Fatalf("no column %s", column)
		}
		recs[row][col] = value
	})
}

// editSample copies the AWS sample with its records (the header first)
// changed by edit, and returns the copy's path.
func editSample(t *testing.T, edit func(recs [][]string)) string {
	t.Helper()
	in, err := os.ReadFile(testdata("aws", "cur-legacy-slash-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(in))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	edit(recs)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(recs)
	path := filepath.Join(t.TempDir(), "bill.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.csv")
	os.WriteFile(unknown, []byte("foo,bar\n1,2\n"), 0o644)

	raw, _ := os.ReadFile(testdata("aws", "cur-legacy-slash-columns.csv"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	truncated := filepath.Join(dir, "truncated.csv.gz")
	os.WriteFile(truncated, gz.Bytes()[:gz.Len()/2], 0o644)

	f := func(name, path string, want ...string) {
		t.Helper()
		res := tally(t, "ingest", "--db", filepath.Join(dir, name+".duckdb"), "--source", "s", "--provider", "aws", path)
		if res.code == 0 {
			t.Fatalf("%s: exit status 0, want failure", name)
		}
		for _, w := range append(want, path) {
			if !strings.Contains(res.stderr, w) {
				t.Fatalf("%s: stderr lacks %q:\n%s", name, w, res.stderr)
			}
		}
	}
	f("unknown", unknown, "unknown header layout")
	f("cost", corrupt(t, "lineItem/UnblendedCost", 5, "12,5x"), ":6:", `column "lineItem/UnblendedCost"`, "12,5x")
	f("date", corrupt(t, "lineItem/UsageStartDate", 3, "31/31/2023"), ":4:", `column "lineItem/UsageStartDate"`)
	f("gzip", truncated, "unexpected EOF")
	f("missing", filepath.Join(dir, "nope.csv"), "no such file")
}

func TestSkipBadRows(t *testing.T) {
	path := corrupt(t, "lineItem/UnblendedCost", 2, "n/a")
	db := filepath.Join(t.TempDir(), "t.duckdb")
	res := tally(t, "ingest", "--json", "--skip-bad-rows", "--db", db, "--source", "s", "--provider", "aws", path)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "skipped: "+path+":3:") {
		t.Fatalf("stderr does not report the skipped row:\n%s", res.stderr)
	}
	var s jsonSummary
	if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(mustRead(t, testdata("aws", "cur-legacy-slash-columns.csv"))), "\n") - 1
	if s.Skipped != 1 || s.Rows != int64(lines-1) {
		t.Fatalf("rows %d skipped %d, want %d and 1", s.Rows, s.Skipped, lines-1)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKilledIngestKeepsPreviousData kills an import with SIGKILL while it
// streams a large bill over a period that is already loaded.
func TestKilledIngestKeepsPreviousData(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a large bill")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	small, big := filepath.Join(dir, "small.csv"), filepath.Join(dir, "big.csv")
	for _, g := range []struct {
		path string
		rows string
	}{{small, "2000"}, {big, "1000000"}} {
		if res := tally(t, "gen", "--provider", "aws", "--rows", g.rows, "--days", "28", "--start", "2024-02-01", "--out", g.path); res.code != 0 {
			t.Fatalf("gen: %s", res.stderr)
		}
	}
	first := ingestJSON(t, "--db", db, "--source", "s", "--provider", "aws", small)
	if len(first.Snapshots) != 1 {
		t.Fatalf("first import snapshots = %+v", first.Snapshots)
	}
	want := first.Snapshots[0].Totals[0].Costs["billed"]

	cmd := exec.Command(bin, "ingest", "--db", db, "--source", "s", "--provider", "aws", big)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until it is streaming rows, then kill it without warning.
	sc := bufio.NewScanner(stderr)
	started := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "ingesting") {
			started = true
			break
		}
	}
	if !started {
		t.Fatal("ingest never reported that it started")
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if cmd.ProcessState.Success() {
		t.Fatal("the import finished before it could be killed; use a larger file")
	}

	st, err := duckdb.Open(context.Background(), db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	feb := cost.Window{Start: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}
	snaps, err := st.Snapshots(context.Background(), store.SnapshotFilter{Scope: scope.All(), Source: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var complete, failed int
	for _, sn := range snaps {
		switch sn.Status {
		case store.StatusComplete:
			complete++
			if sn.ID != first.Snapshots[0].ID {
				t.Fatalf("snapshot %d is complete; only the first import's %d should be", sn.ID, first.Snapshots[0].ID)
			}
		case store.StatusFailed:
			failed++
			if !strings.Contains(sn.Error, "interrupted") {
				t.Fatalf("failed snapshot error = %q", sn.Error)
			}
		}
	}
	if complete != 1 || failed != 1 {
		t.Fatalf("after the kill: %d complete, %d failed snapshots; want 1 and 1: %+v", complete, failed, snaps)
	}
	res, err := st.Query(context.Background(), queryTotal(feb))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Values[0].String() != want {
		t.Fatalf("February total after the kill = %+v, want %s", res.Rows, want)
	}
}

// TestFailedIngestKeepsPreviousData re-imports a period from a file with
// a bad row: the import fails, the earlier snapshot stays visible, and the
// failed one is listed with the error naming file, line and column.
func TestFailedIngestKeepsPreviousData(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	good := testdata("aws", "cur-legacy-slash-columns.csv")
	first := ingestJSON(t, "--db", db, "--source", "s", "--provider", "aws", good)
	bad := corrupt(t, "lineItem/UnblendedCost", 4, "twelve")
	res := tally(t, "ingest", "--db", db, "--source", "s", "--provider", "aws", bad)
	if res.code != 1 {
		t.Fatalf("bad re-import: exit %d, want 1\n%s", res.code, res.stderr)
	}
	st, err := duckdb.Open(context.Background(), db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snaps, err := st.Snapshots(context.Background(), store.SnapshotFilter{Scope: scope.All(), Source: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var complete []int64
	var failed []string
	for _, sn := range snaps {
		switch sn.Status {
		case store.StatusComplete:
			complete = append(complete, sn.ID)
		case store.StatusFailed:
			failed = append(failed, sn.Error)
		}
	}
	var want []int64
	for _, sn := range first.Snapshots {
		want = append([]int64{sn.ID}, want...)
	}
	if fmt.Sprint(complete) != fmt.Sprint(want) {
		t.Fatalf("complete snapshots after a failed re-import = %v, want the first import's %v", complete, want)
	}
	wantErr := bad + `:5: column "lineItem/UnblendedCost"`
	if len(failed) == 0 || !strings.Contains(failed[0], wantErr) {
		t.Fatalf("failed snapshots = %q, want an error containing %q", failed, wantErr)
	}
}
