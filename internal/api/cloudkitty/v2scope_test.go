package cloudkitty

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/scopes"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// newScopeServer is a test server whose scope states use the test clock
// (toggle dates are in the golden files).
func newScopeServer(t *testing.T) *testServer {
	t.Helper()
	s := newTestServer(t, rating.Config{})
	cfg := s.rating.Config()
	sc, err := scopes.Open(context.Background(), s.store, func() time.Time { return testNow },
		scopes.Defaults{ScopeKey: cfg.ScopeKey, Fetcher: cfg.Collector, Collector: cfg.Collector})
	if err != nil {
		t.Fatal(err)
	}
	s.rating.Scopes = sc
	return s
}

// rateHours stores one rated point of price 1 per hour from..to (half
// open, hours of 2024-01-04) for the scope.
func rateHours(t *testing.T, s *testServer, scope string, from, to int) {
	t.Helper()
	var fs []frames.Frame
	for h := from; h < to; h++ {
		st := time.Date(2024, 1, 4, h, 0, 0, 0, time.UTC)
		fs = append(fs, frames.Frame{Scope: scope, Start: st, End: st.Add(time.Hour), Usage: map[string][]frames.Point{
			"instance": {{Qty: decimal.NewFromInt(1), Price: decimal.NewFromInt(1)}}}})
	}
	if _, err := frames.Write(context.Background(), s.store, scope, "USD", fs...); err != nil {
		t.Fatal(err)
	}
}

func TestV2Scope(t *testing.T) {
	s := newScopeServer(t)
	rateHours(t, s, "p1", 0, 10)
	rateHours(t, s, "p2", 0, 10)
	admin2 := []string{"X-Test-Role", "admin", "X-Test-Accounts", "p2"}
	s.script(t, "v2_scope", []step{
		{Method: "GET", Path: "/v2/scope"},
		{Method: "POST", Path: "/v2/scope", Body: `{"scope_id": "p1", "last_processed_timestamp": "2024-01-04T09:00:00"}`},
		{Method: "POST", Path: "/v2/scope/", Body: `{"scope_id": "p2", "scope_key": "tenant_id", "fetcher": "prometheus", "collector": "prometheus", "active": false, "state": "2024-01-04 09:00:00+00:00"}`},
		{Method: "POST", Path: "/v2/scope", Body: `{"scope_id": "p1", "last_processed_timestamp": "2024-01-01T00:00:00"}`},
		{Method: "POST", Path: "/v2/scope", Body: `{"last_processed_timestamp": "2024-01-01T00:00:00"}`},
		{Method: "POST", Path: "/v2/scope", Body: `{"scope_id": "p3"}`},
		{Method: "POST", Path: "/v2/scope", Body: `{"scope_id": "p3", "last_processed_timestamp": "yesterday"}`},
		{Method: "POST", Path: "/v2/scope", Body: `{"scope_id": "p3", "last_processed_timestamp": "2024-01-01", "colour": "red"}`},
		{Method: "GET", Path: "/v2/scope"},
		{Method: "GET", Path: "/v2/scope?scope_id=p1,p2&active=0"},
		{Method: "GET", Path: "/v2/scope?scope_id=p1&scope_id=p2&limit=1&offset=1"},
		{Method: "GET", Path: "/v2/scope?fetcher=prometheus"},
		{Method: "GET", Path: "/v2/scope?offset=5"},
		{Method: "GET", Path: "/v2/scope?limit=0"},
		{Method: "GET", Path: "/v2/scope?active=maybe"},
		// Client 4.6.0 sends active as an integer.
		{Method: "PATCH", Path: "/v2/scope", Body: `{"scope_id": "p2", "active": 1}`},
		{Method: "PATCH", Path: "/v2/scope", Body: `{"scope_id": "p2", "scope_key": "project_id", "active": true}`},
		{Method: "PATCH", Path: "/v2/scope", Body: `{"scope_id": "p2", "active": "maybe"}`},
		{Method: "PATCH", Path: "/v2/scope", Body: `{"scope_id": "nope", "active": false}`},
		{Method: "PATCH", Path: "/v2/scope", Body: `{"active": false}`},
		{Method: "PUT", Path: "/v2/scope", Body: `{"last_processed_timestamp": "2024-01-04T05:00:00"}`},
		{Method: "PUT", Path: "/v2/scope", Body: `{"all_scopes": true, "scope_id": "p1", "last_processed_timestamp": "2024-01-04T05:00:00"}`},
		{Method: "PUT", Path: "/v2/scope", Body: `{"scope_id": "p1"}`},
		{Method: "PUT", Path: "/v2/scope", Body: `{"scope_id": "zz", "last_processed_timestamp": "2024-01-04T05:00:00"}`},
		{Method: "PUT", Path: "/v2/scope", Body: `{"scope_id": "p1", "collector": "prometheus", "last_processed_timestamp": "2024-01-04T05:00:00"}`},
		// state is the alias every client sends.
		{Method: "PUT", Path: "/v2/scope", Body: `{"scope_id": "p1", "state": "2024-01-04T05:00:00"}`},
		{Method: "GET", Path: "/v2/scope?scope_id=p1"},
		// Tenancy: a key scoped to p2 sees and changes p2 only; writes
		// need an administrator.
		{Method: "GET", Path: "/v2/scope", Header: []string{"X-Test-Accounts", "p2"}},
		{Method: "GET", Path: "/v2/scope?scope_id=p1", Header: []string{"X-Test-Accounts", "p2"}},
		{Method: "PATCH", Path: "/v2/scope", Body: `{"scope_id": "p1", "active": false}`, Header: admin2},
		{Method: "PUT", Path: "/v2/scope", Body: `{"scope_id": "p1", "last_processed_timestamp": "2024-01-04T00:00:00"}`, Header: admin2},
		{Method: "POST", Path: "/v2/scope", Body: `{"scope_id": "p9", "last_processed_timestamp": "2024-01-04T00:00:00"}`, Header: admin2},
		{Method: "PUT", Path: "/v2/scope", Body: `{"all_scopes": true, "last_processed_timestamp": "2024-01-04T00:00:00"}`, Header: []string{"X-Test-Role", "editor"}},
		{Method: "PATCH", Path: "/v2/scope", Body: `{"scope_id": "p2", "active": false}`, Header: admin2},
	})
	// p1 keeps hours 0..5 (its state is 05:00, rated); p2 keeps all ten.
	all := cost.Window{Start: time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)}
	if got := storetest.Total(t, s.store, all, cost.Billed); got != "16" {
		t.Errorf("rated total after resetting p1 to 05:00: %s, want 16 (p1's hours 0-5, p2's 0-9)", got)
	}
	sc, _ := s.rating.Scopes.Get("p1")
	if sc.LastProcessed == nil || !sc.LastProcessed.Equal(time.Date(2024, 1, 4, 5, 0, 0, 0, time.UTC)) {
		t.Errorf("p1's state %v", sc.LastProcessed)
	}
}

func TestV2Reprocess(t *testing.T) {
	s := newScopeServer(t)
	ctx := context.Background()
	last := time.Date(2024, 1, 14, 0, 0, 0, 0, time.UTC)
	for _, id := range []string{"p1", "p2"} {
		if _, err := s.rating.Scopes.Create(ctx, id, "", "", "", nil, last); err != nil {
			t.Fatal(err)
		}
	}
	off := false
	if _, err := s.rating.Scopes.Create(ctx, "p3", "", "", "", &off, last); err != nil {
		t.Fatal(err)
	}
	win := `"start_reprocess_time": "2024-01-10T00:00:00", "end_reprocess_time": "2024-01-11T00:00:00"`
	admin2 := []string{"X-Test-Role", "admin", "X-Test-Accounts", "p2"}
	s.script(t, "v2_reprocess", []step{
		{Method: "GET", Path: "/v2/task/reprocesses"},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": ["p1"], ` + win + `, "reason": "new prices"}`},
		// Client 4.6.0's singular path, scope ids as a string, times with a space.
		{Method: "POST", Path: "/v2/task/reprocess", Body: `{"scope_ids": "p2", "start_reprocess_time": "2024-01-12 00:00:00", "end_reprocess_time": "2024-01-12 03:00:00", "reason": "fix"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "ALL,p1", ` + win + `, "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", ` + win + `, "reason": " "}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", "start_reprocess_time": "2024-01-11T00:00:00", "end_reprocess_time": "2024-01-10T00:00:00", "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", "start_reprocess_time": "2024-01-10T00:10:00", "end_reprocess_time": "2024-01-10T00:50:00", "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": ["p1", "nope", "p3"], ` + win + `, "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p2", "start_reprocess_time": "2024-01-14T01:00:00", "end_reprocess_time": "2024-01-14T02:00:00", "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p2", "start_reprocess_time": "2024-01-13T00:00:00", "end_reprocess_time": "2024-01-15T00:00:00", "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", "start_reprocess_time": "2024-01-09T00:00:00", "end_reprocess_time": "2024-01-10T00:00:00", "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", ` + win + `}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", "start_reprocess_time": "soon", "end_reprocess_time": "2024-01-10T00:00:00", "reason": "r"}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", ` + win + `, "reason": "r", "priority": 1}`},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "ALL", "start_reprocess_time": "2024-01-13T00:00:00", "end_reprocess_time": "2024-01-13T12:00:00", "reason": "everyone"}`},
		{Method: "GET", Path: "/v2/task/reprocesses"},
		{Method: "GET", Path: "/v2/task/reprocesses?limit=100&order=ASC&scope_ids=p1"},
		{Method: "GET", Path: "/v2/task/reprocesses?order=sideways"},
		{Method: "GET", Path: "/v2/task/reprocesses?order=asc&order=desc"},
		{Method: "GET", Path: "/v2/task/reprocesses/p2"},
		{Method: "GET", Path: "/v2/task/reprocesses?limit=1&offset=1"},
		{Method: "GET", Path: "/v2/task/reprocesses?offset=9"},
		// Tenancy.
		{Method: "GET", Path: "/v2/task/reprocesses", Header: []string{"X-Test-Accounts", "p2"}},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p2", "start_reprocess_time": "2024-01-01T00:00:00", "end_reprocess_time": "2024-01-01T01:00:00", "reason": "r"}`, Header: []string{"X-Test-Accounts", "p2"}},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "p1", "start_reprocess_time": "2024-01-01T00:00:00", "end_reprocess_time": "2024-01-01T01:00:00", "reason": "r"}`, Header: admin2},
		{Method: "POST", Path: "/v2/task/reprocesses", Body: `{"scope_ids": "ALL", "start_reprocess_time": "2024-01-01T00:00:00", "end_reprocess_time": "2024-01-01T01:00:00", "reason": "r"}`, Header: admin2},
		{Method: "GET", Path: "/v2/task/reprocesses/p2", Header: admin2},
	})
}
