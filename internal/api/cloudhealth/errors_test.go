package cloudhealth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/tenant"
)

func TestWriteError(t *testing.T) {
	f := func(r *http.Request, err error, status int, body string) {
		t.Helper()
		rec := httptest.NewRecorder()
		WriteError(rec, r, err)
		if rec.Code != status || strings.TrimSpace(rec.Body.String()) != body {
			t.Errorf("WriteError(%v) = %d %s, want %d %s", err, rec.Code, rec.Body, status, body)
		}
	}
	req := httptest.NewRequest("GET", "/cloudhealth/olap_reports", nil)
	f(req, tenant.ErrUnauthenticated, 401, `{"error":"You need to sign in or sign up before continuing"}`)
	f(req, tenant.ErrBadCredentials, 401, `{"error":"You need to sign in or sign up before continuing"}`)
	f(req, tenant.ErrNotFound, 404, `{"error":"not found"}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f(req.WithContext(ctx), context.DeadlineExceeded, 408, `{"error":"Request timed out"}`)
}
