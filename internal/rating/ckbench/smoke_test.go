package ckbench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestSmokeBothSides is the benchmark's smoke mode: a few tenants loaded
// into the real CloudKitty 17 (scripts/cloudkitty-upstream.sh, its own
// state directory) and into Tally, both asked report/total and
// report/summary once. CloudKitty's float total must round to the exact
// one at 5 decimals (its summary rounds each row to 5), Tally's must be
// the exact one. It runs where the script's install has been done
// (cloudkitty-api and uwsgi's python3 plugin present; make test does it,
// and under CI their absence fails the test) and not with -short:
// starting the API takes several seconds.
func TestSmokeBothSides(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts the real CloudKitty API")
	}
	for _, f := range []string{"/usr/bin/cloudkitty-api", "/usr/lib/uwsgi/plugins/python3_plugin.so", "/usr/bin/sqlite3"} {
		if _, err := os.Stat(f); err != nil {
			msg := fmt.Sprintf("CloudKitty is not installed (%s missing): run scripts/cloudkitty-upstream.sh install", f)
			if os.Getenv("CI") != "" {
				// make test installs it (scripts/install-test-deps.sh):
				// under CI its absence is a broken set-up, not a skip.
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	root, err := testfiles.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Tenants: 3, Hours: 48}
	exact, err := spec.Totals()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "frames.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	if err := spec.WriteCSV(bw); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	script := func(args ...string) string {
		cmd := exec.Command(filepath.Join(root, "scripts", "cloudkitty-upstream.sh"), args...)
		cmd.Env = append(os.Environ(), "TALLY_CLOUDKITTY_DIR="+filepath.Join(dir, "ck"),
			"TALLY_CLOUDKITTY_WATCH_PID="+strconv.Itoa(os.Getpid()))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cloudkitty-upstream.sh %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	script("load", csvPath)
	out := script("start")
	t.Cleanup(func() { script("stop") })
	ckURL := ""
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "TALLY_CLOUDKITTY_URL="); ok {
			ckURL = v
		}
	}
	if ckURL == "" {
		t.Fatalf("no URL from start:\n%s", out)
	}

	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := spec.LoadTally(ctx, st, "USD", nil); err != nil {
		t.Fatal(err)
	}
	tally := httptest.NewServer(server.Handler(server.Config{Store: st, State: st, NoAuth: true}))
	defer tally.Close()

	ms := Run(ctx, http.DefaultClient, []Side{{"CloudKitty 17", ckURL}, {"Tally", tally.URL + "/cloudkitty"}}, spec, 1, exact)
	for _, m := range ms {
		t.Logf("%s %s: %s (%d rows, %d off) in %s", m.Side, m.Endpoint, m.Answer, m.Rows, m.Off, m.Median())
	}
	byKey := map[string]Measurement{}
	for _, m := range ms {
		byKey[m.Endpoint+" "+m.Side] = m
	}
	ckTotal := byKey["report/total CloudKitty 17"]
	if ckTotal.Err != nil {
		t.Fatal(ckTotal.Err)
	}
	if v, err := decimal.NewFromString(ckTotal.Answer); err != nil || !v.Round(5).Equal(exact.All) {
		t.Fatalf("CloudKitty's total %s does not round to the exact %s", ckTotal.Answer, exact.All)
	}
	if m := byKey["report/summary CloudKitty 17"]; m.Err != nil || m.Rows != spec.Tenants*len(Types) || m.Off != 0 {
		t.Fatalf("CloudKitty's summary: %+v (want %d rows, each the exact sum at 5 decimals)", m, spec.Tenants*len(Types))
	}
	tt := byKey["report/total Tally"]
	if tt.Err != nil && strings.Contains(tt.Err.Error(), "404") {
		// Until the dialect's report endpoints land (report.go), Tally's
		// half cannot be asked.
		t.Skipf("Tally's /cloudkitty/v1/report endpoints answer 404: %v", tt.Err)
	}
	if tt.Err != nil || tt.Answer != exact.All.String() {
		t.Fatalf("Tally's total: %+v, exact %s", tt, exact.All)
	}
	if m := byKey["report/summary Tally"]; m.Err != nil || m.Rows != spec.Tenants*len(Types) || m.Off != 0 || m.Answer != exact.All.String() {
		t.Fatalf("Tally's summary: %+v, exact %s", m, exact.All)
	}
}
