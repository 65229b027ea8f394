package pyclient

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// janQ2 and febQ2 are how the client sends an aware datetime (str() of a Python
// datetime, URL-encoded).
const (
	janQ2 = "2024-01-01+00%3A00%3A00%2B00%3A00"
	febQ2 = "2024-02-01+00%3A00%3A00%2B00%3A00"
)

// feb03 is the February frame `dataframes add` posts, for scope p3.
const feb03 = `{"dataframes": [{"period": {"begin": "2024-02-03T10:00:00+00:00", "end": "2024-02-03T11:00:00+00:00"},
 "usage": {"instance": [{"vol": {"unit": "instance", "qty": 2}, "rating": {"price": 0.3},
   "groupby": {"id": "vm-3", "project_id": "p3"}, "metadata": {"flavor_id": "m1.large"}}]}}]}`

// v2Commands: the v2 commands of §12.2 (--os-rating-api-version 2).
func (e *env) v2Commands(t *testing.T) {
	t.Run("summary get -g type -g project_id", func(t *testing.T) {
		r := e.v2(t, "summary", "get", "-g", "type", "-g", "project_id", "-b", "2024-01-01T00:00:00Z", "-e", "2024-02-01T00:00:00Z", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET /cloudkitty/v2/summary?limit=100&groupby=type%2Cproject_id&begin="+janQ2+"&end="+febQ2)
		want := map[string][2]string{"instance/p1": {"1", "1.337"}, "volume/p1": {"2", "0.25"}, "instance/p2": {"3", "4.5"}}
		if len(rows) != len(want) {
			t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
		}
		for _, row := range rows {
			// The client titles the server's columns: project_id → "Project id".
			k := str(cell(t, row, "Type")) + "/" + str(cell(t, row, "Project id"))
			w, ok := want[k]
			if !ok {
				t.Errorf("unexpected row %v", row)
				continue
			}
			wantDec(t, row, "Qty", w[0])
			wantDec(t, row, "Rate", w[1])
			wantTime(t, row, "Begin", "2024-01-01T00:00:00Z")
			wantTime(t, row, "End", "2024-02-01T00:00:00Z")
		}
	})
	t.Run("dataframes get", func(t *testing.T) {
		r := e.v2(t, "dataframes", "get", "-b", "2024-01-01T00:00:00Z", "-e", "2024-02-01T00:00:00Z", "--filter", "project_id:p1", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET /cloudkitty/v2/dataframes?limit=100&filters=project_id%3Ap1&begin="+janQ2+"&end="+febQ2)
		if got := column(t, rows, "Metric Type"); !slices.Equal(got, []string{"instance", "volume"}) {
			t.Fatalf("metric types %v, want [instance volume]", got)
		}
		wantTime(t, rows[0], "Begin", "2024-01-04T13:00:00Z")
		wantTime(t, rows[0], "End", "2024-01-04T14:00:00Z")
		wantCell(t, rows[1], "Unit", "GiB")
		wantDec(t, rows[1], "Quantity", "2")
		wantDec(t, rows[1], "Price", "0.25")
		wantPairs(t, rows[1], "Group By", `id="vol-1"`, `project_id="p1"`)
		wantPairs(t, rows[1], "Metadata", `volume_type="ssd"`)
	})
	t.Run("dataframes add", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "frames.json")
		if err := os.WriteFile(file, []byte(feb03), 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.v2(t, "dataframes", "add", file).ok(t)
		// The raw file is the body.
		r.sent(t, "POST /cloudkitty/v2/dataframes "+feb03)
		got := e.v2(t, "dataframes", "get", "-b", "2024-02-01T00:00:00Z", "-e", "2024-03-01T00:00:00Z", "--filter", "project_id:p3", "-f", "json").row(t)
		wantCell(t, got, "Metric Type", "instance")
		wantTime(t, got, "Begin", "2024-02-03T10:00:00Z")
		wantDec(t, got, "Quantity", "2")
		wantDec(t, got, "Price", "0.3")
		wantPairs(t, got, "Group By", `id="vm-3"`, `project_id="p3"`)
		wantPairs(t, got, "Metadata", `flavor_id="m1.large"`)
		// Stored as rated line items: the v1 reports see them too.
		total := e.run(t, "total", "get", "-b", "2024-02-01T00:00:00", "-e", "2024-03-01T00:00:00", "-t", "p3", "-f", "json").show(t)
		wantDec(t, total, "Total", "0.3")
	})
	t.Run("module list", func(t *testing.T) {
		r := e.v2(t, "module", "list", "-f", "json")
		rows := r.rows(t)
		r.sent(t, "GET /cloudkitty/v2/rating/modules")
		found := false
		for _, row := range rows {
			if str(row["Module"]) == "hashmap" {
				found = true
				// Set through v1 above: one state behind both versions.
				wantCell(t, row, "Priority", "5")
			}
		}
		if !found {
			t.Errorf("no hashmap in %v", rows)
		}
	})

	// Scopes: the client has no command to create one; the processor
	// would. It is created over HTTP (POST /v2/scope).
	t.Run("scope state get", func(t *testing.T) {
		st, body := e.httpCall(t, "POST", "/v2/scope", `{"scope_id": "p1", "scope_key": "project_id", "fetcher": "keystone", "collector": "prometheus", "last_processed_timestamp": "2024-03-01T00:00:00+00:00"}`)
		if st != 200 {
			t.Fatalf("POST /v2/scope: %d %s", st, body)
		}
		r := e.v2(t, "scope", "state", "get", "--scope-id", "p1", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v2/scope?limit=100&scope_id=p1")
		wantCell(t, row, "Scope ID", "p1")
		wantCell(t, row, "Scope Key", "project_id")
		wantCell(t, row, "Fetcher", "keystone")
		wantCell(t, row, "Collector", "prometheus")
		// Read from "state", which every client reads (§1).
		wantTime(t, row, "State", "2024-03-01T00:00:00Z")
	})
	t.Run("scope state reset", func(t *testing.T) {
		r := e.v2(t, "scope", "state", "reset", "--scope-id", "p1", "2024-02-01T00:00:00Z").ok(t)
		r.sent(t, "PUT /cloudkitty/v2/scope ")
		if q := r.reqs[len(r.reqs)-1].line; !jsonHas(q, "scope_id", "p1") || !strings.Contains(q, `"state": "2024-02-01`) {
			t.Errorf("reset sent %s", q)
		}
		row := e.v2(t, "scope", "state", "get", "--scope-id", "p1", "-f", "json").row(t)
		wantTime(t, row, "State", "2024-02-01T00:00:00Z")
		// Only data from the new state on is deleted: January stays.
		total := e.run(t, "total", "get", "-b", jan, "-e", feb, "-t", "p1", "-f", "json").show(t)
		wantDec(t, total, "Total", "1.587")
	})
	// Reprocessing: client 4.6.0 posts to the singular path (§1).
	t.Run("tasks reprocessing create", func(t *testing.T) {
		r := e.v2(t, "tasks", "reprocessing", "create", "--scope-id", "p1",
			"--start-reprocess-time", "2024-01-04T13:00:00Z", "--end-reprocess-time", "2024-01-04T14:00:00Z",
			"--reason", "e2e").ok(t)
		r.sent(t, "POST /cloudkitty/v2/task/reprocess ")
	})
	t.Run("tasks reprocessing get", func(t *testing.T) {
		r := e.v2(t, "tasks", "reprocessing", "get", "--scope-id", "p1", "--order", "asc", "-f", "json")
		row := r.row(t)
		r.sent(t, "GET /cloudkitty/v2/task/reprocesses?limit=100&order=asc&scope_ids=p1")
		wantCell(t, row, "Scope ID", "p1")
		wantCell(t, row, "Reason", "e2e")
		// Upstream prints its stored (naive UTC) times with isoformat().
		wantUTC(t, row, "Start reprocessing time", "2024-01-04T13:00:00Z")
		wantUTC(t, row, "End reprocessing time", "2024-01-04T14:00:00Z")
	})
	// Last: an inactive scope can no longer be reprocessed.
	t.Run("scope patch", func(t *testing.T) {
		r := e.v2(t, "scope", "patch", "-id", "p1", "--active", "false")
		// Client 4.6.0 returns the answer's scope from the command, which
		// cliff takes for an exit status: against upstream too it prints
		// the scope as a Python dict and exits 1 after a 200.
		if r.code != 1 || !strings.Contains(r.stderr, "'active': False") {
			t.Errorf("scope patch: exit %d, want 1 with the patched scope printed\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		// active is sent as 0, an integer (§12.2).
		r.sent(t, "PATCH /cloudkitty/v2/scope ")
		if q := r.reqs[len(r.reqs)-1]; q.status != 200 || !jsonHas(q.line, "active", float64(0)) {
			t.Errorf("patch sent %s -> %d", q.line, q.status)
		}
		st, body := e.httpCall(t, "GET", "/v2/scope?scope_id=p1", "")
		var got struct {
			Results []struct {
				Active *bool `json:"active"`
			} `json:"results"`
		}
		if st != 200 || json.Unmarshal(body, &got) != nil || len(got.Results) != 1 || got.Results[0].Active == nil || *got.Results[0].Active {
			t.Errorf("scope after patch: %d %s, want active false", st, body)
		}
	})
}

// wantTime checks that a column is the instant want, whatever offset the
// server writes (v2 answers in its local offset, §3.2).
func wantTime(t *testing.T, row map[string]any, col, want string) {
	t.Helper()
	got := str(cell(t, row, col))
	g, err := time.Parse(time.RFC3339, got)
	if err != nil {
		t.Errorf("%s = %q, not an ISO 8601 time with an offset (row %v)", col, got, row)
		return
	}
	if w, _ := time.Parse(time.RFC3339, want); !g.Equal(w) {
		t.Errorf("%s = %s, want %s (row %v)", col, got, want, row)
	}
}

// wantUTC is wantTime that also takes a naive time, read as UTC.
func wantUTC(t *testing.T, row map[string]any, col, want string) {
	t.Helper()
	got := str(cell(t, row, col))
	if g, err := time.Parse("2006-01-02T15:04:05", got); err == nil {
		row = map[string]any{col: g.Format(time.RFC3339)}
	}
	wantTime(t, row, col, want)
}

// wantPairs checks that the client's `k="v" ...` rendering of a map
// holds each pair.
func wantPairs(t *testing.T, row map[string]any, col string, pairs ...string) {
	t.Helper()
	got := strings.Fields(str(cell(t, row, col)))
	for _, p := range pairs {
		if !slices.Contains(got, p) {
			t.Errorf("%s = %q, want %s in it", col, got, p)
		}
	}
}
