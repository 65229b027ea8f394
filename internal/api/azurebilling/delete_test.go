package azurebilling

import (
	"strings"
	"testing"
)

// TestDeleteSnapshot: deleting the newest export run of a month (DRF's
// destroy, 204) brings the previous run back into every summary; a
// caller who is not an administrator of the default organization gets
// 403; meters, which are the bills, stay 405.
func TestDeleteSnapshot(t *testing.T) {
	st := openStore(t)
	first := loadRun(t, st, "mca", "run-1", day(1), item("sub-1", 1, "1"))[0].ID
	second := loadRun(t, st, "mca", "run-2", day(2), item("sub-1", 1, "7"), item("sub-1", 2, "2"))[0].ID
	srv := serve(t, st)
	total := func() string {
		t.Helper()
		body := string(get(t, srv, "/azure-billing/api/costs/subscription-summary/"))
		i := strings.Index(body, `"total_usd": `)
		if i < 0 {
			return ""
		}
		rest := body[i+len(`"total_usd": `):]
		return rest[:strings.IndexAny(rest, ",\n")]
	}
	if got := total(); got != "9.0" {
		t.Fatalf("before deleting: total %s, want 9.0", got)
	}
	if r := do(t, srv, "DELETE", "/azure-billing/api/snapshots/"+itoa(second)+"/", "X-Test-Accounts", "sub-1"); r.status != 403 {
		t.Fatalf("a scoped viewer deleting: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "DELETE", "/azure-billing/api/snapshots/"+itoa(second)+"/"); r.status != 204 {
		t.Fatalf("deleting run-2: %d %s", r.status, r.body)
	}
	if got := total(); got != "1.0" {
		t.Fatalf("after deleting run-2: total %s, want run-1's 1.0", got)
	}
	if r := do(t, srv, "GET", "/azure-billing/api/snapshots/"+itoa(second)+"/"); r.status != 404 {
		t.Fatalf("a deleted snapshot: %d", r.status)
	}
	if r := do(t, srv, "GET", "/azure-billing/api/snapshots/"+itoa(first)+"/"); r.status != 200 || !strings.Contains(string(r.body), `"status": "complete"`) {
		t.Fatalf("the previous run: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "OPTIONS", "/azure-billing/api/snapshots/"+itoa(first)+"/"); r.header.Get("Allow") != "GET, DELETE, HEAD, OPTIONS" {
		t.Fatalf("OPTIONS of a snapshot: Allow %q", r.header.Get("Allow"))
	}
	if r := do(t, srv, "DELETE", "/azure-billing/api/snapshots/999/"); r.status != 404 {
		t.Fatalf("deleting an unknown snapshot: %d", r.status)
	}
	if r := do(t, srv, "DELETE", "/azure-billing/api/meters/"+itoa(stableID("meter", "m-d2v3"))+"/"); r.status != 405 {
		t.Fatalf("deleting a meter: %d", r.status)
	}
}
