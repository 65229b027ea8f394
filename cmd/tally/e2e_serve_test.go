package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
)

func queryTotal(w cost.Window) query.Query {
	return query.Query{Window: w, Metrics: []cost.Metric{cost.Billed}}
}

var servingLine = regexp.MustCompile(`serving on (http://\S+/)`)

// startServer runs tally with args until the test ends and returns the
// base URL it prints.
func startServer(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			return m[1], cmd
		}
	}
	t.Fatal("server did not print its URL")
	return "", nil
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	ingestJSON(t, "--db", db, "--source", "aws", "--provider", "aws", testdata("aws", "cur-legacy-slash-columns.csv"))
	base, cmd := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	f := func(path string, status int, want string) {
		t.Helper()
		code, body := fetch(t, base+strings.TrimPrefix(path, "/"))
		if code != status || !strings.Contains(body, want) {
			t.Fatalf("GET %s: %d %q, want %d containing %q", path, code, body, status, want)
		}
	}
	f("/healthz", 200, "ok")
	f("/readyz", 200, "ready")
	f("/api/v1/costs?window=2018-01-01,2030-01-01&groupBy=service", 200, `"AmazonEC2"`)
	f("/api/v1/snapshots", 200, `"status": "complete"`)
	f("/api/v1/costs?window=bad", 400, "illegal window")
	f("/", 200, "<title>Tally</title>")
	f("/metrics", 200, `tally_http_requests_total{code="200",route="GET /healthz"} 1`)

	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down after SIGTERM")
	}
}

func TestDemoReusesData(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the demo data set")
	}
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	first := tally(t, "demo", "--db", db, "--no-serve")
	if first.code != 0 || !strings.Contains(first.stdout, "ingested") {
		t.Fatalf("first demo run: exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	second := tally(t, "demo", "--db", db, "--no-serve")
	if second.code != 0 || !strings.Contains(second.stdout, "Using the demo data") || strings.Contains(second.stdout, "ingested") {
		t.Fatalf("second demo run should reuse the data: exit %d\n%s", second.code, second.stdout)
	}
	base, _ := startServer(t, "demo", "--db", db, "--addr", "127.0.0.1:0")
	code, body := fetch(t, base+"api/v1/costs?window=30d&groupBy=provider&metric=billed")
	for _, p := range []string{"AWS", "Microsoft", "Google Cloud"} {
		if code != 200 || !strings.Contains(body, `"`+p+`"`) {
			t.Fatalf("demo costs by provider lack %s: %d %s", p, code, body)
		}
	}
}

// TestIngestWhileServing: DuckDB allows one writing process per file, so
// an ingest into a served database must fail with a clear reason and
// leave the server running.
func TestIngestWhileServing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	ingestJSON(t, "--db", db, "--source", "aws", "--provider", "aws", testdata("aws", "cur-legacy-not-final.csv"))
	base, _ := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	res := tally(t, "ingest", "--db", db, "--source", "aws", "--provider", "aws", testdata("aws", "cur-legacy-not-final.csv"))
	if res.code != 1 || !strings.Contains(res.stderr, "another process has it open") {
		t.Fatalf("ingest into a served file: exit %d\n%s", res.code, res.stderr)
	}
	if code, _ := fetch(t, base+"readyz"); code != 200 {
		t.Fatalf("server not ready after the refused ingest: %d", code)
	}
}
