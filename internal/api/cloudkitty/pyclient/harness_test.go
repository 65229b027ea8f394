package pyclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// defaultCLI is where Debian installs the client. It is called by its
// path, not looked up on PATH: its shebang is Debian's /usr/bin/python3,
// whose packages it needs, while a "cloudkitty" or "python3" earlier on
// PATH (pyenv, a virtualenv) would be another interpreter without them.
const defaultCLI = "/usr/bin/cloudkitty"

// findCLI returns the client's path (TALLY_CLOUDKITTY_CLI overrides it).
// A missing client skips the test on a developer's machine and fails it
// under CI, where `make test` installs it.
func findCLI(t *testing.T) string {
	t.Helper()
	p := os.Getenv("TALLY_CLOUDKITTY_CLI")
	if p == "" {
		p = defaultCLI
	}
	if _, err := exec.LookPath(p); err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found: this test drives Debian's python3-cloudkittyclient 4.6.0; install it with scripts/install-cloudkitty-client.sh (make test does)", p)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set: a missing client is a failure, not a skip)")
	}
	t.Skip(msg)
	return ""
}

// metricsYAML is the server's metrics configuration (what info config
// and info metric answer).
const metricsYAML = `metrics:
  openstack_compute_instance_up:
    unit: instance
    alt_name: instance
    groupby: [id]
    metadata: [flavor_id]
  openstack_volume_size_gigabytes:
    unit: GiB
    alt_name: volume
    groupby: [id]
    metadata: [volume_type]
`

// env is one Tally server and the client pointed at it.
type env struct {
	cli      string
	base     string // http://127.0.0.1:PORT
	endpoint string // what the client is given: base + "/cloudkitty"
	store    *duckdb.Store
	rating   *rating.Service
	rec      *recorder
}

// newEnv starts the full server stack (server.Handler, as `tally serve
// --no-auth` builds it: every caller an administrator) over an
// in-memory DuckDB store, behind the request recorder, on a loopback
// port.
func newEnv(t *testing.T, cli string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mc, err := metrics.Parse("metrics.yml", []byte(metricsYAML), metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := rating.Open(ctx, st, rating.Config{Metrics: mc})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	h := server.Handler(server.Config{Store: st, State: st, NoAuth: true, Rating: svc, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	return &env{cli: cli, base: srv.URL, endpoint: srv.URL + "/cloudkitty", store: st, rating: svc, rec: rec}
}

// request is one HTTP request the client sent, as
// "METHOD /path?query body", and the status it got.
type request struct {
	line   string
	status int
}

// recorder keeps the requests the server receives, so that each command
// can be compared with the request map of §12.2 and its log shows what
// the client sent.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		line := r.Method + " " + r.URL.RequestURI()
		if len(body) > 0 {
			line += " " + string(body)
		}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, request{line: line, status: sw.status})
		rc.mu.Unlock()
	})
}

// take returns the requests recorded since the last take.
func (rc *recorder) take() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.reqs
	rc.reqs = nil
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// result is what one client command did.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	reqs           []request
}

// cliEnv is the client's environment: the test's, without OS_* variables
// (a developer's OpenStack credentials would override the flags' auth).
func cliEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OS_") {
			out = append(out, kv)
		}
	}
	return out
}

// run runs the client with args after the no-auth endpoint options and
// logs the requests it sent (consecutive repeats counted, as the 302
// replay of §12.3 repeats a PUT about 31 times).
func (e *env) run(t *testing.T, args ...string) result {
	t.Helper()
	e.rec.take()
	full := append([]string{"--os-auth-type", "cloudkitty-noauth", "--os-endpoint", e.endpoint}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.cli, full...)
	cmd.Env = cliEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", e.cli, err)
	}
	r := result{args: args, code: code, stdout: out.String(), stderr: errb.String(), reqs: e.rec.take()}
	t.Logf("cloudkitty %s: exit %d", strings.Join(args, " "), code)
	for i := 0; i < len(r.reqs); {
		j := i + 1
		for j < len(r.reqs) && r.reqs[j] == r.reqs[i] {
			j++
		}
		if n := j - i; n > 1 {
			t.Logf("  %s -> %d (×%d)", r.reqs[i].line, r.reqs[i].status, n)
		} else {
			t.Logf("  %s -> %d", r.reqs[i].line, r.reqs[i].status)
		}
		i = j
	}
	return r
}

// v2 runs a command with --os-rating-api-version 2.
func (e *env) v2(t *testing.T, args ...string) result {
	t.Helper()
	return e.run(t, append([]string{"--os-rating-api-version", "2"}, args...)...)
}

// ok fails the test unless the command exited 0.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("cloudkitty %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// rows decodes the JSON of a lister command run with -f json: one object
// per row, keyed by the client's column titles. Numbers stay exact
// (json.Number).
func (r result) rows(t *testing.T) []map[string]any {
	t.Helper()
	r.ok(t)
	var rows []map[string]any
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("cloudkitty %s: output is not a JSON list (%v):\n%s", strings.Join(r.args, " "), err, r.stdout)
	}
	return rows
}

// row is rows for a command that must print exactly one row.
func (r result) row(t *testing.T) map[string]any {
	t.Helper()
	rows := r.rows(t)
	if len(rows) != 1 {
		t.Fatalf("cloudkitty %s: %d rows, want 1:\n%s", strings.Join(r.args, " "), len(rows), r.stdout)
	}
	return rows[0]
}

// show decodes the JSON object of a show command run with -f json.
func (r result) show(t *testing.T) map[string]any {
	t.Helper()
	r.ok(t)
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("cloudkitty %s: output is not a JSON object (%v):\n%s", strings.Join(r.args, " "), err, r.stdout)
	}
	return m
}

// failed fails the test unless the command failed and printed want (the
// client prints the server's error body as is).
func (r result) failed(t *testing.T, want string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("cloudkitty %s: exit 0, want a failure printing %q\nstdout:\n%s", strings.Join(r.args, " "), want, r.stdout)
	}
	if !strings.Contains(r.stdout+r.stderr, want) {
		t.Fatalf("cloudkitty %s: exit %d without %q\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, want, r.stdout, r.stderr)
	}
}

// sent checks that the command sent requests starting with each of want,
// in that order (other requests may come between): the client's side of
// §12.2, with the endpoint's /cloudkitty prefix.
func (r result) sent(t *testing.T, want ...string) {
	t.Helper()
	i := 0
	for _, q := range r.reqs {
		if i < len(want) && strings.HasPrefix(q.line, want[i]) {
			i++
		}
	}
	if i < len(want) {
		var got []string
		for _, q := range r.reqs {
			got = append(got, fmt.Sprintf("%s -> %d", q.line, q.status))
		}
		t.Errorf("cloudkitty %s: no request starting with\n  %s\nafter the earlier ones; sent:\n  %s", strings.Join(r.args, " "), want[i], strings.Join(got, "\n  "))
	}
}

// count is how many requests start with prefix.
func (r result) count(prefix string) int {
	n := 0
	for _, q := range r.reqs {
		if strings.HasPrefix(q.line, prefix) {
			n++
		}
	}
	return n
}

// str renders a cell: strings as they are, numbers in their JSON form,
// null as "", anything else as JSON.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// cell returns a row's column, failing the test when it is absent.
func cell(t *testing.T, row map[string]any, col string) any {
	t.Helper()
	v, ok := row[col]
	if !ok {
		t.Fatalf("no column %q in %v", col, row)
	}
	return v
}

// wantCell checks a column's rendered value.
func wantCell(t *testing.T, row map[string]any, col, want string) {
	t.Helper()
	if got := str(cell(t, row, col)); got != want {
		t.Errorf("%s = %q, want %q (row %v)", col, got, want, row)
	}
}

// wantDec checks that a column holds the decimal want, exactly, whether
// the server wrote it as a decimal string ("0.5000000000000000000000000000",
// v1) or a number (v2).
func wantDec(t *testing.T, row map[string]any, col, want string) {
	t.Helper()
	got := str(cell(t, row, col))
	d, err := decimal.NewFromString(got)
	if err != nil {
		t.Errorf("%s = %q, not a decimal (row %v)", col, got, row)
		return
	}
	if !d.Equal(decimal.RequireFromString(want)) {
		t.Errorf("%s = %s, want %s (row %v)", col, got, want, row)
	}
}

// column returns one column of every row, rendered.
func column(t *testing.T, rows []map[string]any, col string) []string {
	t.Helper()
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, str(cell(t, r, col)))
	}
	return out
}

// need fails the test when an id an earlier command should have produced
// is missing, naming that command.
func need(t *testing.T, id, from string) string {
	t.Helper()
	if id == "" {
		t.Fatalf("no id: %q failed earlier", from)
	}
	return id
}

// httpCall sends a request to the server directly (set-up and checks the
// client has no command for), returning status and body.
func (e *env) httpCall(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.endpoint+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	e.rec.take() // not the client's
	return res.StatusCode, b
}
