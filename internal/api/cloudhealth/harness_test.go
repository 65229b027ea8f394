package cloudhealth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/golden"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

// testNow is the fixed clock of the dialect's tests.
var testNow = time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)

// testServer is the dialect over an in-memory DuckDB store (costs and
// state) and the test principal of tenanttest (an administrator, unless
// X-Test-Accounts or X-Test-Role narrow it).
type testServer struct {
	*httptest.Server
	book *perspective.Book
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	book, err := perspective.OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	api := New(engine.New(st), book, slog.New(slog.DiscardHandler))
	api.now = func() time.Time { return testNow }
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(tenanttest.WithPrincipal(mux))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, book: book}
}

// response is what a test reads of an answer.
type response struct {
	Status int
	Type   string
	Body   []byte
}

// step is one request of a golden script: Path is under /cloudhealth;
// Body, when not empty, is sent as application/json unless Header sets
// another Content-Type.
type step struct {
	Method, Path, Body string
	Header             []string
}

func (s *testServer) call(t *testing.T, st step) response {
	t.Helper()
	var rd io.Reader
	if st.Body != "" {
		rd = strings.NewReader(st.Body)
	}
	req, err := http.NewRequest(st.Method, s.URL+"/cloudhealth"+st.Path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if st.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(st.Header); i += 2 {
		req.Header.Set(st.Header[i], st.Header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Type: res.Header.Get("Content-Type"), Body: b}
}

// script sends the steps in order and compares the transcript (request
// line, status, body with JSON indented) with testdata/<name>.golden
// (go test -update rewrites it). Every answer must be JSON.
func (s *testServer) script(t *testing.T, name string, steps []step) []response {
	t.Helper()
	var buf bytes.Buffer
	var rs []response
	for _, st := range steps {
		r := s.call(t, st)
		if !strings.HasPrefix(r.Type, "application/json") {
			t.Errorf("%s %s: Content-Type %q, want JSON", st.Method, st.Path, r.Type)
		}
		fmt.Fprintf(&buf, "### %s %s", st.Method, st.Path)
		if st.Body != "" {
			fmt.Fprintf(&buf, " %s", st.Body)
		}
		fmt.Fprintf(&buf, "\nstatus: %d\n", r.Status)
		var ind bytes.Buffer
		if json.Indent(&ind, r.Body, "", "  ") == nil {
			buf.Write(ind.Bytes())
		} else {
			buf.Write(r.Body)
		}
		buf.WriteString("\n")
		rs = append(rs, r)
	}
	golden.Assert(t, name, buf.Bytes())
	return rs
}
