package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// rateMetrics re-rates three AWS services of the generated CUR.
const rateMetrics = `metrics:
  AmazonEC2:
    unit: hour
    alt_name: ec2
    groupby: [region]
    metadata: [usage_type]
  AmazonS3:
    unit: GB
    alt_name: s3
  AWSLambda:
    unit: request
    alt_name: lambda
    factor: 1/3
`

// rateRules gives the services private prices: a flat ec2 price per
// hour plus a rate on one region (another group), a flat s3 price, and
// a lambda price with a threshold, in amounts whose products are long
// decimals.
func rateRules(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := rating.Open(ctx, st, rating.Config{})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if err := svc.Modules.Set(ctx, modules.Hashmap, &on, nil); err != nil {
		t.Fatal(err)
	}
	b := svc.Book
	force := hashmap.WriteOptions{Force: true}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ec2, err := b.CreateService(ctx, "ec2")
	must(err)
	_, err = b.CreateMapping(ctx, hashmap.Mapping{ServiceID: ec2.ID, Type: hashmap.Flat, Cost: decimal.RequireFromString("0.0137"), Start: start}, force)
	must(err)
	region, err := b.CreateField(ctx, ec2.ID, "region")
	must(err)
	g, err := b.CreateGroup(ctx, "regional")
	must(err)
	_, err = b.CreateMapping(ctx, hashmap.Mapping{FieldID: region.ID, Value: "us-east-1", GroupID: g.ID, Type: hashmap.Flat, Cost: decimal.RequireFromString("0.00071"), Start: start}, force)
	must(err)
	s3, err := b.CreateService(ctx, "s3")
	must(err)
	_, err = b.CreateMapping(ctx, hashmap.Mapping{ServiceID: s3.ID, Type: hashmap.Flat, Cost: decimal.RequireFromString("0.000023"), Start: start}, force)
	must(err)
	lambda, err := b.CreateService(ctx, "lambda")
	must(err)
	_, err = b.CreateMapping(ctx, hashmap.Mapping{ServiceID: lambda.ID, Type: hashmap.Flat, Cost: decimal.RequireFromString("0.0000002"), Start: start}, force)
	must(err)
}

// ratedState is what a rated database holds: the rated total per scope
// and the number of visible rated snapshots per (scope, period).
type ratedState struct {
	totals    map[string]string
	snapshots map[string]int
	all       decimal.Decimal
}

func readRated(t *testing.T, db string) ratedState {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	may := cost.Window{Start: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
	res, err := st.Query(ctx, query.Query{Scope: scope.All(), Window: may, Metrics: []cost.Metric{cost.Billed},
		GroupBy: []cost.Dimension{cost.DimSubAccountID},
		Filter:  filter.Cond{Dim: cost.DimProvider, Op: filter.Equals, Values: []string{frames.Provider}}})
	if err != nil {
		t.Fatal(err)
	}
	out := ratedState{totals: map[string]string{}, snapshots: map[string]int{}}
	for _, r := range res.Rows {
		out.totals[r.Keys[0]] = r.Values[0].String()
		out.all = out.all.Add(r.Values[0])
	}
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Status: store.StatusComplete, Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range snaps {
		if sn.Provider == frames.Provider {
			out.snapshots[sn.Source+" "+sn.BillingPeriodStart.Format(time.RFC3339)]++
		}
	}
	return out
}

// TestRateKilledResumesExactly kills tally rate with SIGKILL after some
// periods are committed, restarts it until it is caught up, and compares
// the rated data with an uninterrupted run over the same usage: the
// same totals to the last digit, one snapshot per scope and period.
func TestRateKilledResumesExactly(t *testing.T) {
	if testing.Short() {
		t.Skip("rates a few hundred periods twice")
	}
	dir := t.TempDir()
	bill := filepath.Join(dir, "cur.csv")
	if res := tally(t, "gen", "--provider", "aws", "--rows", "20000", "--days", "2", "--start", "2024-05-01", "--out", bill); res.code != 0 {
		t.Fatalf("gen: %s", res.stderr)
	}
	killed, whole := filepath.Join(dir, "killed.duckdb"), filepath.Join(dir, "whole.duckdb")
	for _, db := range []string{killed, whole} {
		if res := tally(t, "ingest", "--db", db, "--source", "cur", "--provider", "aws", bill); res.code != 0 {
			t.Fatalf("ingest: %s", res.stderr)
		}
		rateRules(t, db)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.yml"), []byte(rateMetrics), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tally.json")
	if err := os.WriteFile(cfg, []byte(`{"rating": {"metrics": "metrics.yml", "collector": "tally"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// With one hour periods and two wait periods, the hours from May 1st
	// 00:00 to May 3rd 00:00 are due: 49 a scope.
	args := []string{"rate", "--config", cfg, "--now", "2024-05-03T02:30:00Z", "--once"}

	// The interrupted run, one period per commit so that the kill falls
	// mid-run: killed once 30 periods are committed.
	cmd := exec.Command(bin, append(args, "--db", killed, "--batch", "1")...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	rated := 0
	for rated < 30 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "rated ") {
			rated++
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if cmd.ProcessState.Success() {
		t.Fatal("tally rate finished before it could be killed")
	}
	mid := readRated(t, killed)
	if len(mid.snapshots) < 30 {
		t.Fatalf("%d rated periods after the kill, want at least the 30 reported", len(mid.snapshots))
	}

	// Restarted until caught up, in batches of a day's periods (the
	// default), as the uninterrupted run.
	res := tally(t, append(args, "--db", killed)...)
	if res.code != 0 || !strings.Contains(res.stdout, "caught up") {
		t.Fatalf("restart: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := tally(t, append(args, "--db", whole)...); res.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", res.code, res.stderr)
	}
	got, want := readRated(t, killed), readRated(t, whole)
	if len(want.totals) < 2 || !want.all.IsPositive() {
		t.Fatalf("the uninterrupted run rated too little to compare: %v", want.totals)
	}
	if len(mid.snapshots) >= len(want.snapshots) {
		t.Fatalf("the kill came after every period was rated (%d of %d)", len(mid.snapshots), len(want.snapshots))
	}
	if !got.all.Equal(want.all) {
		t.Errorf("rated total after kill and restart %s, uninterrupted %s", got.all, want.all)
	}
	for s, v := range want.totals {
		if got.totals[s] != v {
			t.Errorf("scope %s: rated %s after kill and restart, %s uninterrupted", s, got.totals[s], v)
		}
	}
	if len(got.snapshots) != len(want.snapshots) || len(want.snapshots) != 49*len(want.totals) {
		t.Errorf("%d rated periods after kill and restart, %d uninterrupted, want 49 a scope (%d scopes)", len(got.snapshots), len(want.snapshots), len(want.totals))
	}
	for k, n := range got.snapshots {
		if n != 1 {
			t.Errorf("%s has %d visible snapshots, want 1", k, n)
		}
	}
	t.Logf("killed after %d of %d periods; rated total %s", len(mid.snapshots), len(want.snapshots), want.all)
}
