package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestResponseMemo: a repeated GET is answered with the kept response,
// headers, status and bytes, without running the handler; what may not
// be kept (errors, HEAD, an answer over the bound, another key's or
// host's request) runs the handler; a change runs it again.
func TestResponseMemo(t *testing.T) {
	eng := engine.New(nil)
	eng.SetCache(64 << 10)
	var runs atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		switch r.URL.Path {
		case "/api/v1/missing":
			http.Error(w, "no", http.StatusNotFound)
			return
		case "/api/v1/huge":
			w.Write([]byte(strings.Repeat("x", 9<<10))) // over an eighth of 64 kB
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Run", fmt.Sprint(runs.Load()))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"host":%q,"gen":%d}`, r.Host, runs.Load())
	})
	c := newConditionals(eng.Stamp, eng.Changed, func() time.Time { return worldNow }, slog.Default())
	c.memo, c.maxMemo = eng.Memo, eng.MaxAnswerBytes()
	served := c.wrap(h)
	do := func(method, path string, key int64, host string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		r.Host = host
		r = r.WithContext(tenant.WithPrincipal(r.Context(), &tenant.Principal{KeyID: key, Role: tenant.RoleViewer}))
		rec := httptest.NewRecorder()
		served.ServeHTTP(rec, r)
		return rec
	}
	first := do("GET", "/api/v1/costs?b=2&a=1", 1, "h1")
	if first.Code != http.StatusCreated || first.Header().Get("ETag") == "" {
		t.Fatalf("first: %d %v", first.Code, first.Header())
	}
	again := do("GET", "/api/v1/costs?a=1&b=2", 1, "h1")
	if runs.Load() != 1 {
		t.Fatalf("the handler ran %d times for one question", runs.Load())
	}
	if again.Code != first.Code || again.Body.String() != first.Body.String() ||
		fmt.Sprint(again.Header()) != fmt.Sprint(first.Header()) {
		t.Fatalf("kept response differs:\n%d %v %s\n%d %v %s", first.Code, first.Header(), first.Body,
			again.Code, again.Header(), again.Body)
	}
	for _, c := range []struct {
		name         string
		method, path string
		key          int64
		host         string
	}{
		{"another key", "GET", "/api/v1/costs?a=1&b=2", 2, "h1"},
		{"another host", "GET", "/api/v1/costs?a=1&b=2", 1, "h2"},
		{"HEAD", "HEAD", "/api/v1/costs?a=1&b=2", 1, "h1"},
		{"an error, first", "GET", "/api/v1/missing", 1, "h1"},
		{"an error, again", "GET", "/api/v1/missing", 1, "h1"},
		{"over the bound, first", "GET", "/api/v1/huge", 1, "h1"},
		{"over the bound, again", "GET", "/api/v1/huge", 1, "h1"},
	} {
		before := runs.Load()
		rec := do(c.method, c.path, c.key, c.host)
		if runs.Load() != before+1 {
			t.Errorf("%s: answered from the cache", c.name)
		}
		if c.path == "/api/v1/huge" && rec.Body.Len() != 9<<10 {
			t.Errorf("%s: %d bytes", c.name, rec.Body.Len())
		}
	}
	eng.Changed()
	before := runs.Load()
	if rec := do("GET", "/api/v1/costs?a=1&b=2", 1, "h1"); runs.Load() != before+1 || rec.Body.String() == first.Body.String() {
		t.Errorf("after a change: ran %v, %s", runs.Load() != before, rec.Body)
	}
}
