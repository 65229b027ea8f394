package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// downStore is a store whose database no longer answers.
type downStore struct{ store.Store }

func (downStore) Ping(context.Context) error { return errors.New("database is closed") }

// downState is a state store that no longer answers.
type downState struct{ store.StateStore }

func (downState) Ping(context.Context) error { return errors.New("state database is closed") }

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestProbesAndMetrics(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := Handler(Config{Store: st, State: st, NoAuth: true})
	f := func(path string, status int, want string) {
		t.Helper()
		code, body := get(t, h, path)
		if code != status || !strings.Contains(body, want) {
			t.Fatalf("GET %s = %d %q, want %d containing %q", path, code, body, status, want)
		}
	}
	f("/healthz", 200, "ok")
	f("/readyz", 200, "ready")
	f("/api/v1/costs?window=bad", 400, "illegal window")
	f("/nothing-here", 404, "not found")
	f("/metrics", 200, `tally_http_requests_total{code="400",route="GET /api/v1/costs"} 1`)
	f("/metrics", 200, `tally_http_requests_total{code="200",route="GET /healthz"} 1`)

	down := Handler(Config{Store: downStore{st}, State: st})
	if code, body := get(t, down, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "store not ready: database is closed") {
		t.Fatalf("readyz of a store that does not answer = %d %q, want 503 with the reason", code, body)
	}
	stateDown := Handler(Config{Store: st, State: downState{st}})
	if code, body := get(t, stateDown, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "state store not ready: state database is closed") {
		t.Fatalf("readyz of a state store that does not answer = %d %q, want 503 with the reason", code, body)
	}
	if code, _ := get(t, down, "/healthz"); code != 200 {
		t.Fatalf("healthz must not depend on the store, got %d", code)
	}
}
