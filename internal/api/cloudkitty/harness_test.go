package cloudkitty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// testNow is the fixed clock of the dialect's tests.
var testNow = time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)

// testServer is the dialect over an in-memory DuckDB store (cost and
// state), a rating service with cfg, and the test principal of
// tenanttest (an administrator, unless X-Test-Accounts or X-Test-Role
// narrow it).
type testServer struct {
	*httptest.Server
	store  *duckdb.Store
	rating *rating.Service
	engine *engine.Engine
	api    *API
}

func newTestServer(t *testing.T, cfg rating.Config) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := rating.Open(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st)
	api := New(eng, svc, slog.New(slog.DiscardHandler))
	api.now = func() time.Time { return testNow }
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, store: st, rating: svc, engine: eng, api: api}
}

// response is what a test reads of an answer.
type response struct {
	Status   int
	Location string
	Type     string
	Body     []byte
}

// call sends method path (under /cloudkitty) with body (sent as JSON
// when not empty) and headers given as name, value pairs.
func (s *testServer) call(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+"/cloudkitty"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// Redirects are the answer under test (302 on updates), not followed.
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
	return response{Status: res.StatusCode, Location: res.Header.Get("Location"), Type: res.Header.Get("Content-Type"), Body: b}
}

// decode unmarshals a JSON answer into v, failing the test otherwise.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON (%v): %s", r.Status, err, r.Body)
	}
}

// uuidRE matches the random ids rules get, which golden files replace
// by their order of appearance (<id-1>, <id-2>, ...).
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// goldenText renders responses for a golden file: per response the
// request line, status, Location (with the server's address as HOST)
// and the body (JSON indented, byte for byte otherwise; the server's
// address as HOST), with uuids
// numbered by first appearance so that files are stable.
func (s *testServer) goldenText(reqs []string, rs []response) []byte {
	var buf bytes.Buffer
	for i, r := range rs {
		fmt.Fprintf(&buf, "### %s\nstatus: %d\n", reqs[i], r.Status)
		if r.Location != "" {
			fmt.Fprintf(&buf, "location: %s\n", strings.Replace(r.Location, s.URL, "http://HOST", 1))
		}
		body := r.Body
		if strings.HasPrefix(r.Type, "application/json") && len(body) > 0 {
			var ind bytes.Buffer
			if json.Indent(&ind, body, "", "  ") == nil {
				body = ind.Bytes()
			}
		}
		buf.Write(body)
		buf.WriteString("\n")
	}
	ids := map[string]string{}
	text := strings.ReplaceAll(buf.String(), s.URL, "http://HOST")
	out := uuidRE.ReplaceAllStringFunc(text, func(id string) string {
		if n, ok := ids[id]; ok {
			return n
		}
		ids[id] = fmt.Sprintf("<id-%d>", len(ids)+1)
		return ids[id]
	})
	// A ≥23 rule's default name is 32 random letters and digits.
	return randomNameRE.ReplaceAll([]byte(out), []byte(`"name": "<random-name>"`))
}

// randomNameRE matches the default name of a ≥23 rule, which golden
// files show as <random-name>.
var randomNameRE = regexp.MustCompile(`"name": "[A-Za-z0-9]{32}"`)

// step is one request of a golden script.
type step struct {
	Method, Path, Body string
	Header             []string
}

// script sends the steps in order and compares the answers with
// testdata/<name>.golden (go test -update rewrites it). Bodies may name
// earlier ids as {{id-N}} (the Nth uuid seen in earlier answers).
func (s *testServer) script(t *testing.T, name string, steps []step) []response {
	t.Helper()
	var reqs []string
	var rs []response
	var seen []string
	idx := map[string]bool{}
	for _, st := range steps {
		path, body := st.Path, st.Body
		for i := len(seen); i >= 1; i-- {
			ph := fmt.Sprintf("{{id-%d}}", i)
			path = strings.ReplaceAll(path, ph, seen[i-1])
			body = strings.ReplaceAll(body, ph, seen[i-1])
		}
		r := s.call(t, st.Method, path, body, st.Header...)
		req := st.Method + " " + st.Path
		if st.Body != "" {
			req += " " + st.Body
		}
		reqs, rs = append(reqs, req), append(rs, r)
		for _, id := range uuidRE.FindAllString(string(r.Body)+r.Location, -1) {
			if !idx[id] {
				idx[id] = true
				seen = append(seen, id)
			}
		}
	}
	golden.Assert(t, name, s.goldenText(reqs, rs))
	return rs
}

func TestRootAndUnrouted(t *testing.T) {
	s := newTestServer(t, rating.Config{})
	s.script(t, "root", []step{
		{Method: "GET", Path: "/"},
		{Method: "GET", Path: "/v1/no/such/thing"},
		{Method: "GET", Path: "/v2/no/such/thing"},
	})
}
