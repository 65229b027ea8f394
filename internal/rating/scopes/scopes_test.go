package scopes

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

var tNow = time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)

func day(d, h int) time.Time { return time.Date(2024, 1, d, h, 0, 0, 0, time.UTC) }

func openStore(t *testing.T) (*Store, *duckdb.Store) {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := Open(context.Background(), st, func() time.Time { return tNow }, Defaults{ScopeKey: "project_id", Fetcher: "tally", Collector: "tally"})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func TestScopesPersistAndFilter(t *testing.T) {
	ctx := context.Background()
	s, st := openStore(t)
	if _, err := s.Create(ctx, "p1", "", "", "", nil, day(10, 0)); err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := s.Create(ctx, "p2", "tenant", "f2", "c2", &off, day(11, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLastProcessed(ctx, "p3", day(12, 5)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Create(ctx, "p1", "", "", "", nil, day(10, 0))
	if want := "Cannot create a scope with an already existing scope_id: p1."; err == nil || err.Error() != want || !errors.Is(err, errkind.NotFound) {
		t.Errorf("second create of p1: %v, want 404 %q", err, want)
	}
	on := true
	sc, err := s.Patch(ctx, "p2", "", "", "", &on, nil)
	if err != nil || !sc.Active || !sc.ToggleDate.Equal(tNow.Truncate(time.Second)) {
		t.Errorf("patch p2 active: %+v, %v", sc, err)
	}
	if _, err := s.Patch(ctx, "nope", "", "", "", &on, nil); !errors.Is(err, ErrNoMatch) {
		t.Errorf("patch of an unknown scope: %v", err)
	}
	// Reopened from the state store: the same scopes in the same order.
	s2, err := Open(ctx, st, time.Now, Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all in creation order", Filter{}, []string{"p1", "p2", "p3"}},
		{"by id", Filter{IDs: []string{"p3", "p1"}}, []string{"p1", "p3"}},
		{"by key", Filter{Keys: []string{"tenant"}}, []string{"p2"}},
		{"by fetcher", Filter{Fetchers: []string{"tally"}}, []string{"p1", "p3"}},
		{"by collector", Filter{Collectors: []string{"c2", "tally"}}, []string{"p1", "p2", "p3"}},
		{"inactive", Filter{Active: []bool{false}}, nil},
		{"visible", Filter{Visible: func(id string) bool { return id == "p2" }}, []string{"p2"}},
	}
	for _, c := range cases {
		var got []string
		for _, sc := range s2.List(c.f) {
			got = append(got, sc.ID)
		}
		if !equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if sc, _ := s2.Get("p3"); sc.LastProcessed == nil || !sc.LastProcessed.Equal(day(12, 5)) || sc.Key != "project_id" || !sc.Active {
		t.Errorf("p3 after reopening: %+v", sc)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestScheduleValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	for _, id := range []string{"p1", "p2"} {
		if _, err := s.Create(ctx, id, "", "", "", nil, day(14, 0)); err != nil {
			t.Fatal(err)
		}
	}
	off := false
	if _, err := s.Create(ctx, "off", "", "", "", &off, day(14, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(ctx, []string{"p1"}, day(10, 0), day(11, 0), "prices changed", time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		ids        []string
		start, end time.Time
		reason     string
		want       string // "" for success
	}{
		{"ALL mixed with ids", []string{"ALL", "p1"}, day(1, 0), day(2, 0), "r",
			"Cannot use 'ALL' with scope ID [['ALL', 'p1']]. Either schedule a reprocessing for all active scopes using 'ALL' option, or inform only the scopes you desire to schedule a reprocessing."},
		{"blank reason", []string{"p1"}, day(1, 0), day(2, 0), "  ",
			"Empty or blank reason text is not allowed. Please, do inform/register the reason for the reprocessing of a previously processed timestamp."},
		{"end before start", []string{"p1"}, day(2, 0), day(1, 0), "r",
			"End reprocessing timestamp [2024-01-01 00:00:00+00:00] cannot be less than start reprocessing timestamp [2024-01-02 00:00:00+00:00]."},
		{"not aligned", []string{"p1"}, day(1, 0).Add(10 * time.Minute), day(1, 0).Add(20 * time.Minute), "r",
			"The provided reprocess time window does not comply with the configured collector period. A valid time window near the provided one is ['2024-01-01 00:00:00+00:00', '2024-01-01 01:00:00+00:00']"},
		{"unknown and inactive scopes", []string{"p1", "zz", "off"}, day(1, 0), day(2, 0), "r",
			"Scopes ['zz', 'off'] scheduled to reprocess [start=2024-01-01 00:00:00+00:00, end=2024-01-02 00:00:00+00:00] do not exist."},
		{"start after last processed", []string{"p2"}, day(14, 1), day(14, 2), "r",
			"Cannot execute a reprocessing [start=2024-01-14 01:00:00+00:00] for scope [{'id': 2, 'identifier': 'p2', 'active': True}] starting after the last possible timestamp [2024-01-14 00:00:00+00:00]."},
		{"end after last processed", []string{"p2"}, day(13, 0), day(14, 2), "r",
			"Cannot execute a reprocessing [end=2024-01-14 02:00:00+00:00] for scope [{'id': 2, 'identifier': 'p2', 'active': True}] ending after the last possible timestamp [2024-01-14 00:00:00+00:00]."},
		{"overlap (touching counts)", []string{"p1"}, day(11, 0), day(12, 0), "r",
			"Cannot schedule a reprocessing for scope [{'id': 1, 'identifier': 'p1', 'active': True}] for reprocessing time [2024-01-11T00:00:00+0000 - 2024-01-12T00:00:00+0000], because it already has a schedule for a similar time range [2024-01-10T00:00:00+0000 - 2024-01-11T00:00:00+0000]."},
		{"ALL the active scopes", []string{"ALL"}, day(12, 0), day(13, 0), "r", ""},
		{"another scope, same window", []string{"p2"}, day(10, 0), day(11, 0), "r", ""},
	}
	for _, c := range cases {
		err := s.Schedule(ctx, c.ids, c.start, c.end, c.reason, time.Hour, nil)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || err.Error() != c.want || !errors.Is(err, errkind.Invalid)):
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
	}
	var got []string
	for _, tk := range s.Tasks(TaskFilter{Desc: true}) {
		got = append(got, tk.ScopeID+" "+tk.Start.Format("02T15"))
	}
	want := []string{"p2 10T00", "p2 12T00", "p1 12T00", "p1 10T00"}
	if !equal(got, want) {
		t.Errorf("tasks newest first: %v, want %v", got, want)
	}
}

func TestTaskProgress(t *testing.T) {
	ctx := context.Background()
	s, st := openStore(t)
	if _, err := s.Create(ctx, "p1", "", "", "", nil, day(14, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(ctx, []string{"p1"}, day(10, 0), day(10, 1), "r", time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	tk := s.Pending()[0]
	var seen []string
	for {
		next, ok := tk.Next(time.Hour)
		if !ok {
			break
		}
		seen = append(seen, next.Format("15"))
		if err := s.Advance(ctx, tk.ID, next); err != nil {
			t.Fatal(err)
		}
		// The progress survives a restart.
		s2, err := Open(ctx, st, time.Now, Defaults{})
		if err != nil {
			t.Fatal(err)
		}
		tasks := s2.Tasks(TaskFilter{})
		tk = tasks[0]
	}
	// The end is the start of the last period rewritten (upstream's t <= end).
	if !equal(seen, []string{"00", "01"}) || !tk.Finished() {
		t.Errorf("periods %v, finished %v", seen, tk.Finished())
	}
	if len(s.Pending()) != 0 {
		t.Errorf("a finished task is still pending")
	}
}

// TestLockSerialises: a second holder of a scope's lock waits for the
// first; other scopes do not.
func TestLockSerialises(t *testing.T) {
	s, _ := openStore(t)
	unlock := s.Lock("p1")
	other := make(chan struct{})
	go func() { s.Lock("p2")(); close(other) }()
	<-other // p2 is not blocked by p1
	got := make(chan struct{})
	go func() { s.Lock("p1")(); close(got) }()
	select {
	case <-got:
		t.Fatal("a second holder took p1's lock while it was held")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	<-got
}
