package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
)

func queryTotal(w cost.Window) query.Query {
	return query.Query{Scope: scope.All(), Window: w, Metrics: []cost.Metric{cost.Billed}}
}

var servingLine = regexp.MustCompile(`serving on (http://\S+/)`)

// startServer runs tally with args until the test ends and returns the
// base URL it prints.
func startServer(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	base, cmd, _ := startServerEnv(t, nil, args...)
	return base, cmd
}

// startServerEnv is startServer with env added to the process's
// environment; it also returns what the process logs.
func startServerEnv(t *testing.T, env []string, args ...string) (string, *exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	log := &lockedBuffer{}
	cmd.Stderr = log
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			return m[1], cmd, log
		}
	}
	t.Fatalf("server did not print its URL; log:\n%s", log.String())
	return "", nil, nil
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	return fetchWith(t, url, nil)
}

// fetchWith GETs url with the given request headers.
func fetchWith(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
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
	created := tally(t, "keys", "create", "--db", db, "--role", "admin", "--name", "ops")
	key := strings.TrimSpace(created.stdout)
	if created.code != 0 || !strings.HasPrefix(key, "tly_") {
		t.Fatalf("keys create: exit %d\n%s\n%s", created.code, created.stdout, created.stderr)
	}
	base, cmd := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	auth := map[string]string{"Authorization": "Bearer " + key}
	f := func(path string, status int, want string) {
		t.Helper()
		code, body := fetchWith(t, base+strings.TrimPrefix(path, "/"), auth)
		if code != status || !strings.Contains(body, want) {
			t.Fatalf("GET %s: %d %q, want %d containing %q", path, code, body, status, want)
		}
	}
	// Without a key, or with a wrong one, the API answers 401.
	if code, body := fetch(t, base+"api/v1/snapshots"); code != 401 || !strings.Contains(body, "authentication required") {
		t.Fatalf("no key: %d %s", code, body)
	}
	if code, _ := fetchWith(t, base+"api/v1/snapshots", map[string]string{"Authorization": "Bearer " + key + "x"}); code != 401 {
		t.Fatalf("wrong key: %d", code)
	}
	if code, _ := fetchWith(t, base+"api/v1/snapshots", map[string]string{"X-Auth-Token": key}); code != 200 {
		t.Fatalf("X-Auth-Token: %d", code)
	}
	if code, _ := fetch(t, base+"api/v1/snapshots?api_key="+key); code != 200 {
		t.Fatalf("api_key parameter: %d", code)
	}
	f("/api/v1/me", 200, `"name": "ops"`)
	f("/healthz", 200, "ok")
	f("/readyz", 200, "ready")
	f("/api/v1/costs?window=2018-01-01,2030-01-01&groupBy=service", 200, `"AmazonEC2"`)
	f("/api/v1/snapshots", 200, `"status": "complete"`)
	f("/api/v1/costs?window=bad", 400, "illegal window")
	f("/", 200, "<title>Tally</title>")
	if code, _ := fetch(t, base); code != 200 {
		t.Fatalf("the UI page needs no key, got %d", code)
	}
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
	if first.code != 0 || !strings.Contains(first.stdout, "ingested") || !strings.Contains(first.stdout, "with the hashmap module") {
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
	checkDemoRating(t, base)
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

// TestKeysCommand: keys are printed once, stored hashed, listed, revoked
// and rotated from the command line.
func TestKeysCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	res := tally(t, "keys", "create", "--db", db, "--role", "viewer", "--name", "alice")
	key := strings.TrimSpace(res.stdout)
	if res.code != 0 || !strings.HasPrefix(key, "tly_") {
		t.Fatalf("create: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := tally(t, "keys", "create", "--db", db, "--role", "boss"); res.code != 1 || !strings.Contains(res.stderr, "unknown role") {
		t.Fatalf("bad role: exit %d %s", res.code, res.stderr)
	}
	if res := tally(t, "keys", "create", "--db", db, "--role", "viewer", "--org", "99"); res.code != 1 || !strings.Contains(res.stderr, "organization 99: not found") {
		t.Fatalf("unknown organization: exit %d %s", res.code, res.stderr)
	}
	list := tally(t, "keys", "list", "--db", db)
	if list.code != 0 || !strings.Contains(list.stdout, "alice") || !strings.Contains(list.stdout, key[:16]) || strings.Contains(list.stdout, key) {
		t.Fatalf("list shows the prefix only:\n%s", list.stdout)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(key[17:])) {
		t.Fatal("the database file holds the key's secret in plain text")
	}
	rot := tally(t, "keys", "rotate", "--db", db, "1")
	newKey := strings.TrimSpace(rot.stdout)
	if rot.code != 0 || newKey == key || !strings.HasPrefix(newKey, "tly_") {
		t.Fatalf("rotate: exit %d\n%s\n%s", rot.code, rot.stdout, rot.stderr)
	}
	if res := tally(t, "keys", "revoke", "--db", db, "2"); res.code != 0 {
		t.Fatalf("revoke: exit %d %s", res.code, res.stderr)
	}
	list = tally(t, "keys", "list", "--db", db)
	if strings.Count(list.stdout, "revoked") != 2 {
		t.Fatalf("both keys should be revoked:\n%s", list.stdout)
	}
}

// TestNoAuthOnlyOnLoopback: without keys whoever connects is an
// administrator, so --no-auth is refused on a reachable address.
func TestNoAuthOnlyOnLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	res := tally(t, "serve", "--db", db, "--no-auth", "--addr", "0.0.0.0:0")
	if res.code != 2 || !strings.Contains(res.stderr, "only allowed on a loopback address") {
		t.Fatalf("--no-auth on 0.0.0.0: exit %d %s", res.code, res.stderr)
	}
	base, _ := startServer(t, "serve", "--db", db, "--no-auth", "--addr", "127.0.0.1:0")
	if code, body := fetch(t, base+"api/v1/me"); code != 200 || !strings.Contains(body, `"noAuth": true`) {
		t.Fatalf("--no-auth on loopback: %d %s", code, body)
	}
}

// TestServeWithSources: a source of the configuration file is mirrored
// and ingested when the server starts, and the Kubecost API and the ETL
// status show it.
func TestServeWithSources(t *testing.T) {
	exports := t.TempDir()
	raw, err := os.ReadFile(testdata("aws", "cur-legacy-slash-columns.csv"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(exports, "2024"), 0o755)
	os.WriteFile(filepath.Join(exports, "2024", "cur.csv"), raw, 0o644)
	dir := t.TempDir()
	config := filepath.Join(dir, "tally.json")
	os.WriteFile(config, []byte(`{"sources":[{"name":"aws-cur","provider":"aws","location":{"url":"`+exports+`"}}]}`), 0o644)
	db := filepath.Join(dir, "t.duckdb")
	base, _ := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-auth", "--config", config)
	deadline := time.Now().Add(time.Minute)
	var body string
	for time.Now().Before(deadline) {
		_, body = fetch(t, base+"api/v1/sources/aws-cur")
		if strings.Contains(body, `"connectionStatus": "Connection Successful"`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, `"connectionStatus": "Connection Successful"`) || !strings.Contains(body, `"fromConfigFile": true`) {
		t.Fatalf("source never ingested: %s", body)
	}
	if code, body := fetch(t, base+"model/etl/status"); code != 200 || !strings.Contains(body, `"aws-cur"`) || !strings.Contains(body, `"connectionStatus":"Connection Successful"`) {
		t.Fatalf("ETL status: %d %s", code, body)
	}
	if code, body := fetch(t, base+"model/cloudCost?window=2018-01-01T00:00:00Z,2030-01-01T00:00:00Z&aggregate=service&accumulate=true"); code != 200 || !strings.Contains(body, `"AmazonEC2"`) {
		t.Fatalf("cloudCost after the pipeline: %d %s", code, body)
	}
	if code, body := fetch(t, base+"model/etl/cloudUsage/rebuild"); code != 200 || !strings.Contains(body, "commit=true") {
		t.Fatalf("rebuild without commit: %d %s", code, body)
	}
	if code, body := fetch(t, base+"model/etl/cloudUsage/rebuild?commit=true&provider=aws-cur"); code != 200 || !strings.Contains(body, "Rebuilding Cloud Usage For Provider aws-cur") {
		t.Fatalf("rebuild: %d %s", code, body)
	}
	if code, body := fetch(t, base+"model/etl/cloudUsage/rebuild?commit=true&provider=nope"); code != 400 {
		t.Fatalf("rebuild of an unknown source: %d %s", code, body)
	}
}
