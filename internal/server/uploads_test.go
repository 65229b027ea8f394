package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/testfiles"
)

// TestUploadLimits: a bill uploaded to the native API is bounded by
// Limits.MaxUpload, not by the request body limit, which still bounds
// every other path; uploads are kept in Config.UploadDir only while they
// are imported; only administrators upload.
func TestUploadLimits(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenants, err := tenant.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	key := func(role tenant.Role) map[string]string {
		k, _, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: string(role), Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"Authorization": "Bearer " + k, "Content-Type": "text/csv"}
	}
	admin, viewer := key(tenant.RoleAdmin), key(tenant.RoleViewer)
	cur, err := os.ReadFile(testfiles.Shared(t, "aws", "cur-legacy-slash-columns.csv")) // 17,429 bytes
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := Handler(Config{Store: st, State: st, Tenants: tenants, UploadDir: dir, Limits: Limits{MaxBody: 1000, MaxUpload: 20_000}})
	const path = "/api/v1/imports?provider=aws&source=up&name=cur.csv"

	if rec := send(h, http.MethodPost, path, viewer, string(cur)); rec.Code != http.StatusForbidden {
		t.Errorf("viewer upload: %d %s", rec.Code, rec.Body)
	}
	if rec := send(h, http.MethodPost, path, admin, string(cur)); rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"status": "complete"`) {
		t.Errorf("upload over MaxBody, under MaxUpload: %d %s", rec.Code, rec.Body)
	}
	if rec := send(h, http.MethodPost, "/api/v1/reports", admin, string(cur)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("the same body elsewhere: %d %s", rec.Code, rec.Body)
	}
	big := append(bytes.Repeat([]byte(" "), 20_001-len(cur)), cur...)
	if rec := send(h, http.MethodPost, path, admin, string(big)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("upload over MaxUpload: %d %s", rec.Code, rec.Body)
	}
	// A body without a declared length is cut off while it is kept.
	req := httptest.NewRequest(http.MethodPost, path, io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	for k, v := range admin {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "upload limit of 20000 bytes") {
		t.Errorf("streamed upload over MaxUpload: %d %s", rec.Code, rec.Body)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("the upload folder keeps %d entries", len(left))
	}
}
