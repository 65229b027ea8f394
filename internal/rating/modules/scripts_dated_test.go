package modules

import (
	"context"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/script"
	"github.com/tally-cost/tally/internal/store"
)

// The ≥23 messages, shared with hashmap's rules.
const (
	msgPast      = "Cannot create a rule with start in the past [2024-01-01T00:00:00]; use force=true to do so."
	msgProcessed = "Cannot update a rule that was already processed and has a defined end date."
	msgEndInPast = "End date must be in the future. end=[2024-01-10T00:00:00] current time=[2024-01-15T10:00:00]"
	msgEndOrder  = "The end date [2024-01-01T00:00:00] must be after the start date [2024-02-01T00:00:00]."
	runningSince = "2024-01-15T10:00:00"
)

func at(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestCreateScriptDates: the ≥23 create rules, table-driven. The clock
// is testAt (2024-01-15 10:00).
func TestCreateScriptDates(t *testing.T) {
	cases := []struct {
		name       string
		in         Script
		force      bool
		err        string
		start, end time.Time
	}{
		{"classic: start defaults to now", Script{Name: "s", Data: "price"}, false, "", testAt, time.Time{}},
		{"future start and end", Script{Name: "s", Data: "price", Start: at("2024-02-01 00:00:00"), End: at("2024-03-01 00:00:00"), Dated: true}, false, "",
			at("2024-02-01 00:00:00"), at("2024-03-01 00:00:00")},
		{"start in the past", Script{Name: "s", Data: "price", Start: at("2024-01-01 00:00:00"), Dated: true}, false, msgPast, time.Time{}, time.Time{}},
		{"start in the past, forced", Script{Name: "s", Data: "price", Start: at("2024-01-01 00:00:00"), Dated: true}, true, "", at("2024-01-01 00:00:00"), time.Time{}},
		{"end before start", Script{Name: "s", Data: "price", Start: at("2024-02-01 00:00:00"), End: at("2024-01-01 00:00:00"), Dated: true}, false, msgEndOrder, time.Time{}, time.Time{}},
		{"end before the default start", Script{Name: "s", Data: "price", End: at("2024-01-01 00:00:00"), Dated: true}, false,
			"The end date [2024-01-01T00:00:00] must be after the start date [2024-01-15T10:00:00].", time.Time{}, time.Time{}},
		{"fractions of a second dropped", Script{Name: "s", Data: "price", Start: at("2024-02-01 00:00:00").Add(time.Millisecond), Dated: true}, false, "",
			at("2024-02-01 00:00:00"), time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, newMemDocs())
			got, err := s.CreateScript(ctx, c.in, hashmap.WriteOptions{Force: c.force, By: "alice"})
			if c.err != "" {
				wantErr(t, err, cost.ErrInvalid, c.err)
				if len(s.Scripts()) != 0 {
					t.Fatal("a refused script was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(c.start) || !got.End.Equal(c.end) || !got.CreatedAt.Equal(testAt) ||
				got.CreatedBy != "alice" || got.UpdatedBy != "" || got.Dated != c.in.Dated {
				t.Fatalf("created %+v", got)
			}
		})
	}
}

// TestUpdateScriptDates: the ≥23 update rules (hashmap's), and classic
// scripts staying editable while they run.
func TestUpdateScriptDates(t *testing.T) {
	future := at("2024-02-01 00:00:00")
	type fixture struct {
		in    Script
		force bool
		// ends the script with an end after creation (a running
		// script may not be created with an end in the past).
		thenEnd time.Time
		deleted bool
	}
	classicRunning := fixture{in: Script{Name: "s", Data: "price"}}
	datedRunning := fixture{in: Script{Name: "s", Data: "price", Dated: true}}
	datedEnded := fixture{in: Script{Name: "s", Data: "price", Dated: true}, thenEnd: at("2024-06-30 23:59:59")}
	datedFuture := fixture{in: Script{Name: "s", Data: "price", Start: future, Dated: true}}
	cases := []struct {
		name  string
		fx    fixture
		u     ScriptUpdate
		force bool
		err   string
		kind  error
		check func(t *testing.T, sc Script)
	}{
		{"classic running: data", classicRunning, ScriptUpdate{Data: ptr("price * dec(2)")}, false, "", nil,
			func(t *testing.T, sc Script) {
				if sc.Data != "price * dec(2)" || sc.Dated || sc.UpdatedBy != "bob" {
					t.Fatalf("%+v", sc)
				}
			}},
		{"classic running: name and description", classicRunning, ScriptUpdate{Name: ptr("s2"), Description: ptr("d")}, false, "", nil,
			func(t *testing.T, sc Script) {
				if sc.Name != "s2" || sc.Description != "d" || sc.Dated {
					t.Fatalf("%+v", sc)
				}
			}},
		{"classic running: given an end, becomes dated", classicRunning, ScriptUpdate{End: ptr(future)}, false, "", nil,
			func(t *testing.T, sc Script) {
				if !sc.End.Equal(future) || !sc.Dated {
					t.Fatalf("%+v", sc)
				}
			}},
		{"classic running: an end and data", classicRunning, ScriptUpdate{End: ptr(future), Data: ptr("price")}, false, "", nil, nil},
		{"classic running: an end and new data", classicRunning, ScriptUpdate{End: ptr(future), Data: ptr("dec(1)")}, false,
			"You are allowed to update only the attribute [end] as this rule is already running as it started on [" + runningSince + "]", cost.ErrInvalid, nil},
		{"classic running: a new start", classicRunning, ScriptUpdate{Start: ptr(future)}, false,
			"You are allowed to update only the attribute [end] as this rule is already running as it started on [" + runningSince + "]", cost.ErrInvalid, nil},
		{"dated running: data", datedRunning, ScriptUpdate{Data: ptr("price * dec(2)")}, false,
			"You are allowed to update only the attribute [end] as this rule is already running as it started on [" + runningSince + "]", cost.ErrInvalid, nil},
		{"dated running: the same data is no change", datedRunning, ScriptUpdate{Name: ptr("s"), Data: ptr("price")}, false, "", nil,
			func(t *testing.T, sc Script) {
				if sc.UpdatedBy != "" {
					t.Fatalf("an unchanged update recorded %q", sc.UpdatedBy)
				}
			}},
		{"dated running: end", datedRunning, ScriptUpdate{End: ptr(future)}, false, "", nil,
			func(t *testing.T, sc Script) {
				if !sc.End.Equal(future) {
					t.Fatalf("%+v", sc)
				}
			}},
		{"dated running: end in the past", datedRunning, ScriptUpdate{End: ptr(at("2024-01-10 00:00:00"))}, true, msgEndInPast, cost.ErrInvalid, nil},
		{"dated running with an end: end", datedEnded, ScriptUpdate{End: ptr(future)}, false, msgProcessed, cost.ErrInvalid, nil},
		{"not started: data, description and start", datedFuture,
			ScriptUpdate{Data: ptr("dec(1)"), Description: ptr("later"), Start: ptr(at("2024-03-01 00:00:00"))}, false, "", nil,
			func(t *testing.T, sc Script) {
				if sc.Data != "dec(1)" || sc.Description != "later" || !sc.Start.Equal(at("2024-03-01 00:00:00")) ||
					sc.Checksum != script.Checksum("dec(1)") {
					t.Fatalf("%+v", sc)
				}
			}},
		{"not started: start in the past", datedFuture, ScriptUpdate{Start: ptr(at("2024-01-01 00:00:00"))}, false, msgPast, cost.ErrInvalid, nil},
		{"not started: start in the past, forced", datedFuture, ScriptUpdate{Start: ptr(at("2024-01-01 00:00:00"))}, true, "", nil, nil},
		{"not started: end before start", datedFuture, ScriptUpdate{End: ptr(at("2024-01-20 00:00:00"))}, false,
			"The end date [2024-01-20T00:00:00] must be after the start date [2024-02-01T00:00:00].", cost.ErrInvalid, nil},
		{"not started: data that does not compile", datedFuture, ScriptUpdate{Data: ptr("dec(")}, false, "", cost.ErrInvalid, nil},
		{"deleted", fixture{in: Script{Name: "s", Data: "price"}, deleted: true}, ScriptUpdate{Data: ptr("dec(1)")}, false,
			"No such script: None (UUID: %s)", store.ErrNotFound, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, newMemDocs())
			sc := must[Script](t)(s.CreateScript(ctx, c.fx.in, hashmap.WriteOptions{Force: c.fx.force}))
			if !c.fx.thenEnd.IsZero() {
				sc = must[Script](t)(s.UpdateScript(ctx, sc.ID, ScriptUpdate{End: &c.fx.thenEnd}, classic))
			}
			if c.fx.deleted {
				must[struct{}](t)(struct{}{}, s.DeleteScript(ctx, sc.ID, classic))
			}
			before := must[Script](t)(s.Script(sc.ID))
			got, err := s.UpdateScript(ctx, sc.ID, c.u, hashmap.WriteOptions{Force: c.force, By: "bob"})
			if c.kind != nil {
				if err == nil {
					t.Fatalf("updated to %+v, want an error", got)
				}
				if c.err != "" {
					msg := c.err
					if c.kind == store.ErrNotFound {
						msg = "No such script: None (UUID: " + sc.ID + ")"
					}
					wantErr(t, err, c.kind, msg)
				}
				if after := must[Script](t)(s.Script(sc.ID)); after != before {
					t.Fatalf("a refused update changed %+v into %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if stored := must[Script](t)(s.Script(sc.ID)); stored != got {
				t.Fatalf("returned %+v, stored %+v", got, stored)
			}
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}

// TestChainScriptDates: the chain runs only the scripts active at the
// rated period's start (start ≤ t < end, not deleted).
func TestChainScriptDates(t *testing.T) {
	ctx := context.Background()
	s := open(t, newMemDocs())
	force := hashmap.WriteOptions{Force: true}
	// Each script adds its own power of two, so the price names the
	// scripts that ran.
	must[Script](t)(s.CreateScript(ctx, Script{Name: "a-2023", Data: "price + dec(1)", Start: at("2023-01-01 00:00:00"), End: at("2024-01-01 00:00:00"), Dated: true}, force))
	must[Script](t)(s.CreateScript(ctx, Script{Name: "b-from-2024", Data: "price + dec(2)", Start: at("2024-01-01 00:00:00"), Dated: true}, force))
	must[Script](t)(s.CreateScript(ctx, Script{Name: "c-classic", Data: "price + dec(4)"}, classic))
	gone := must[Script](t)(s.CreateScript(ctx, Script{Name: "d-deleted", Data: "price + dec(8)", Start: at("2020-01-01 00:00:00"), Dated: true}, force))
	must[struct{}](t)(struct{}{}, s.DeleteScript(ctx, gone.ID, classic))
	must[Script](t)(s.CreateScript(ctx, Script{Name: "e-future", Data: "price + dec(16)", Start: at("2024-02-01 00:00:00"), Dated: true}, classic))
	must[struct{}](t)(struct{}{}, s.Set(ctx, PyScripts, ptr(true), nil))

	cases := []struct {
		at    string
		price string
	}{
		{"2022-12-31 23:00:00", "0"},
		{"2023-01-01 00:00:00", "1"},  // a start is inclusive
		{"2023-12-31 23:00:00", "1"},  // a-2023 still runs
		{"2024-01-01 00:00:00", "2"},  // an end is exclusive
		{"2024-01-15 09:00:00", "2"},  // c-classic starts at its creation
		{"2024-01-15 10:00:00", "6"},  // from then on
		{"2024-02-01 00:00:00", "22"}, // e-future starts
	}
	for _, c := range cases {
		t.Run(c.at, func(t *testing.T) {
			tm := at(c.at)
			ch := must[*Chain](t)(s.Chain(ctx, "", tm, script.Period{Begin: tm, End: tm.Add(time.Hour)}))
			p := hashmap.Point{Service: "compute", Qty: d("1")}
			if err := ch.Rate(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if !p.Price.Equal(d(c.price)) {
				t.Fatalf("price %s, want %s", p.Price, c.price)
			}
		})
	}
}

// TestScriptsStoredBeforeDates: a document in the shape the previous
// version wrote (no dates, audit fields or flag) still loads; its
// scripts are classic, run at every time, stay editable, and giving
// one an end makes it a running dated script.
func TestScriptsStoredBeforeDates(t *testing.T) {
	ctx := context.Background()
	docs := newMemDocs()
	if err := docs.PutDocument(ctx, docKind, docScripts, []byte(`{"version": 1, "body": [`+
		`{"script_id": "x1", "name": "old", "data": "price + dec(1)", "checksum": "c1"},`+
		`{"script_id": "x2", "name": "other", "data": "price", "checksum": "c2"}]}`)); err != nil {
		t.Fatal(err)
	}
	s := open(t, docs)
	old := must[Script](t)(s.Script("x1"))
	if old != (Script{ID: "x1", Name: "old", Data: "price + dec(1)", Checksum: "c1"}) {
		t.Fatalf("loaded %+v", old)
	}
	must[struct{}](t)(struct{}{}, s.Set(ctx, PyScripts, ptr(true), nil))
	for _, tm := range []time.Time{at("2001-01-01 00:00:00"), testAt, at("2099-01-01 00:00:00")} {
		ch := must[*Chain](t)(s.Chain(ctx, "", tm, script.Period{Begin: tm, End: tm.Add(time.Hour)}))
		p := hashmap.Point{Service: "compute", Qty: d("1")}
		if err := ch.Rate(ctx, &p); err != nil || !p.Price.Equal(d("1")) {
			t.Fatalf("at %s: price %s, err %v", tm, p.Price, err)
		}
	}
	// Classic: the data changes while it runs.
	must[Script](t)(s.UpdateScript(ctx, "x1", ScriptUpdate{Data: ptr("price + dec(3)")}, classic))
	// Dated by an end, it is a running rule (since the beginning of time).
	must[Script](t)(s.UpdateScript(ctx, "x2", ScriptUpdate{End: ptr(at("2024-06-01 00:00:00"))}, classic))
	_, err := s.UpdateScript(ctx, "x2", ScriptUpdate{End: ptr(at("2024-07-01 00:00:00"))}, classic)
	wantErr(t, err, cost.ErrInvalid, msgProcessed)
	x2 := must[Script](t)(s.Script("x2"))
	if !x2.Dated || !x2.Start.IsZero() {
		t.Fatalf("x2 %+v", x2)
	}
	if got := open(t, docs).Scripts(); len(got) != 2 || got[0].Data != "price + dec(3)" || got[1] != x2 {
		t.Fatalf("reopened %+v", got)
	}
}
