package hashmap

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
)

func ptr[T any](v T) *T { return &v }

// TestBookDatedRules: the ≥23 write rules of mappings. Each case starts
// from a book holding a running rule (started an hour ago, no end), a
// finished-looking rule (started, with an end) and a future rule.
func TestBookDatedRules(t *testing.T) {
	ctx := context.Background()
	hour := time.Hour
	running := "You are allowed to update only the attribute [end] as this rule is already running as it started on [2026-03-10T11:00:00]"
	type books struct {
		x                        bkBase
		running, ended, upcoming Mapping
	}
	setup := func(t *testing.T) books {
		x := newBase(t)
		force := WriteOptions{Force: true}
		return books{x: x,
			running: must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{FieldID: x.flavor.ID, Value: "run", Type: Flat, Cost: d("1"),
				Start: bkNow.Add(-hour)}, force)),
			ended: must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{FieldID: x.flavor.ID, Value: "end", Type: Flat, Cost: d("1"),
				Start: bkNow.Add(-hour), End: bkNow.Add(hour)}, force)),
			upcoming: must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{FieldID: x.flavor.ID, Value: "up", Type: Flat, Cost: d("1"),
				Start: bkNow.Add(hour)}, WriteOptions{})),
		}
	}
	cases := []struct {
		name  string
		do    func(k books) (Mapping, error)
		kind  error  // nil: success
		text  string // the error text
		check func(t *testing.T, m Mapping)
	}{
		{name: "start defaults to now, name to a random string", do: func(k books) (Mapping, error) {
			return k.x.b.CreateMapping(ctx, Mapping{FieldID: k.x.flavor.ID, Value: "new", Type: Flat, Cost: d("1")}, WriteOptions{By: "u"})
		}, check: func(t *testing.T, m Mapping) {
			if !m.Start.Equal(bkNow) || !m.CreatedAt.Equal(bkNow) || m.CreatedBy != "u" || m.Name == "" || len(m.Name) > 32 {
				t.Fatalf("created = %+v", m)
			}
		}},
		{name: "start in the past refused", do: func(k books) (Mapping, error) {
			return k.x.b.CreateMapping(ctx, Mapping{FieldID: k.x.flavor.ID, Value: "new", Type: Flat, Cost: d("1"), Start: bkNow.Add(-time.Second)}, WriteOptions{})
		}, kind: cost.ErrInvalid, text: "Cannot create a rule with start in the past [2026-03-10T11:59:59]; use force=true to do so."},
		{name: "start in the past with force", do: func(k books) (Mapping, error) {
			return k.x.b.CreateMapping(ctx, Mapping{FieldID: k.x.flavor.ID, Value: "new", Type: Flat, Cost: d("1"), Start: bkNow.Add(-time.Second)}, WriteOptions{Force: true})
		}},
		{name: "end before start", do: func(k books) (Mapping, error) {
			return k.x.b.CreateMapping(ctx, Mapping{FieldID: k.x.flavor.ID, Value: "new", Type: Flat, Cost: d("1"), Start: bkNow.Add(2 * hour), End: bkNow.Add(hour)}, WriteOptions{})
		}, kind: cost.ErrInvalid, text: "The end date [2026-03-10T13:00:00] must be after the start date [2026-03-10T14:00:00]."},
		{name: "overlap with the running rule", do: func(k books) (Mapping, error) {
			return k.x.b.CreateMapping(ctx, Mapping{FieldID: k.x.flavor.ID, Value: "run", Type: Rate, Cost: d("2"), Start: bkNow.Add(24 * hour)}, WriteOptions{})
		}, kind: store.ErrConflict},
		{name: "after the ended rule: no overlap", do: func(k books) (Mapping, error) {
			return k.x.b.CreateMapping(ctx, Mapping{FieldID: k.x.flavor.ID, Value: "end", Type: Flat, Cost: d("2"), Start: bkNow.Add(hour)}, WriteOptions{})
		}},
		{name: "running rule: cost refused", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.running.ID, MappingUpdate{Cost: ptr(d("2"))}, WriteOptions{})
		}, kind: cost.ErrInvalid, text: running},
		{name: "running rule: end accepted, unchanged fields resent", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.running.ID, MappingUpdate{Cost: ptr(d("1.000")), Value: ptr("run"), End: ptr(bkNow.Add(hour))}, WriteOptions{By: "v"})
		}, check: func(t *testing.T, m Mapping) {
			if !m.End.Equal(bkNow.Add(hour)) || m.UpdatedBy != "v" {
				t.Fatalf("updated = %+v", m)
			}
		}},
		{name: "running rule: an end in the past refused", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.running.ID, MappingUpdate{End: ptr(bkNow.Add(-time.Minute))}, WriteOptions{Force: true})
		}, kind: cost.ErrInvalid, text: "End date must be in the future. end=[2026-03-10T11:59:00] current time=[2026-03-10T12:00:00]"},
		{name: "started rule with an end: refused", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.ended.ID, MappingUpdate{End: ptr(bkNow.Add(2 * hour))}, WriteOptions{})
		}, kind: cost.ErrInvalid, text: "Cannot update a rule that was already processed and has a defined end date."},
		{name: "upcoming rule: cost, end, description", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.upcoming.ID, MappingUpdate{Cost: ptr(d("3")), End: ptr(bkNow.Add(3 * hour)), Description: ptr("x")}, WriteOptions{})
		}, check: func(t *testing.T, m Mapping) {
			if !m.Cost.Equal(decimal.NewFromInt(3)) || m.Description != "x" {
				t.Fatalf("updated = %+v", m)
			}
		}},
		{name: "upcoming rule: start moved into the past refused", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.upcoming.ID, MappingUpdate{Start: ptr(bkNow.Add(-hour))}, WriteOptions{})
		}, kind: cost.ErrInvalid, text: "Cannot create a rule with start in the past [2026-03-10T11:00:00]; use force=true to do so."},
		{name: "upcoming field mapping: clearing the value refused", do: func(k books) (Mapping, error) {
			return k.x.b.UpdateMapping(ctx, k.upcoming.ID, MappingUpdate{Value: ptr("")}, WriteOptions{})
		}, kind: cost.ErrInvalid, text: "You must specify a value for a field mapping."},
		{name: "update of a deleted mapping", do: func(k books) (Mapping, error) {
			if err := k.x.b.DeleteMapping(ctx, k.upcoming.ID, WriteOptions{}); err != nil {
				return Mapping{}, err
			}
			return k.x.b.UpdateMapping(ctx, k.upcoming.ID, MappingUpdate{Cost: ptr(d("3"))}, WriteOptions{})
		}, kind: store.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := setup(t)
			m, err := tc.do(k)
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if tc.check != nil {
					tc.check(t, m)
				}
				return
			}
			if tc.text == "" {
				if err == nil || !errors.Is(err, tc.kind) {
					t.Fatalf("err = %v, want a %v", err, tc.kind)
				}
				return
			}
			wantKind(t, err, tc.kind, tc.text)
		})
	}
}

func TestParseRuleTime(t *testing.T) {
	cases := []struct {
		in    string
		isEnd bool
		want  time.Time
		err   string
	}{
		{in: "2026-12-31", isEnd: true, want: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		{in: "2026-12-31", want: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-31T10:11:12", isEnd: true, want: time.Date(2026, 12, 31, 10, 11, 12, 0, time.UTC)},
		{in: "2026-12-31T10:11:12.5", want: time.Date(2026, 12, 31, 10, 11, 12, 5e8, time.UTC)},
		{in: "2026-12-31T10:11:12+02:00", want: time.Date(2026, 12, 31, 8, 11, 12, 0, time.UTC)},
		{in: "31/12/2026", isEnd: true, err: "Invalid input for field/attribute end. Value: '31/12/2026'. Not a datetime."},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRuleTime(tc.in, tc.isEnd)
			if tc.err != "" {
				checkErr(t, err, tc.err)
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("ParseRuleTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestBookSoftDelete: a deleted mapping leaves Rules() and the default
// listing, stays readable by id with its audit fields, and a second
// delete is a 404.
func TestBookSoftDelete(t *testing.T) {
	ctx := context.Background()
	x := newBase(t)
	m := must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{ServiceID: x.svc.ID, Type: Flat, Cost: d("1")}, WriteOptions{}))
	if err := x.b.DeleteMapping(ctx, m.ID, WriteOptions{By: "bob"}); err != nil {
		t.Fatal(err)
	}
	if n := len(x.b.Rules().Mappings); n != 0 {
		t.Fatalf("Rules() has %d mappings, want 0", n)
	}
	if n := len(x.b.Mappings(MappingFilter{})); n != 0 {
		t.Fatalf("Mappings() lists %d, want 0", n)
	}
	if n := len(x.b.Mappings(MappingFilter{Deleted: true})); n != 1 {
		t.Fatalf("Mappings(Deleted) lists %d, want 1", n)
	}
	got := must[Mapping](t)(x.b.Mapping(m.ID))
	if !got.Deleted.Equal(bkNow) || got.DeletedBy != "bob" {
		t.Fatalf("deleted mapping = %+v", got)
	}
	wantKind(t, x.b.DeleteMapping(ctx, m.ID, WriteOptions{}), store.ErrNotFound, "No such mapping: "+m.ID)
	// The value is free again: a new global service mapping in the same
	// group does not overlap a deleted one.
	must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{ServiceID: x.svc.ID, Type: Flat, Cost: d("2")}, WriteOptions{}))
}

// TestBookWorkedExample is §7.3's "group g1 … total 94.116", written
// through the Book, loaded from Rules() and rated.
func TestBookWorkedExample(t *testing.T) {
	ctx := context.Background()
	x := newBase(t)
	b := x.b
	for _, m := range []Mapping{
		{FieldID: x.flavor.ID, Value: "m1.small", Type: Flat, Cost: d("0.07"), GroupID: x.g1.ID},
		{ServiceID: x.svc.ID, Type: Rate, Cost: d("2")},
		{ServiceID: x.svc.ID, Type: Flat, Cost: d("1.5"), TenantID: "t1"},
	} {
		must[Mapping](t)(b.CreateMapping(ctx, m, WriteOptions{}))
	}
	must[Threshold](t)(b.CreateThreshold(ctx, Threshold{ServiceID: x.svc.ID, Level: d("50"), Type: Rate, Cost: d("0.98"), GroupID: x.g1.ID}))
	// A deleted rule that would change the price if it still applied.
	gone := must[Mapping](t)(b.CreateMapping(ctx, Mapping{ServiceID: x.svc.ID, Type: Flat, Cost: d("100"), GroupID: x.g1.ID}, WriteOptions{}))
	if err := b.DeleteMapping(ctx, gone.ID, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	tab, err := Load(b.Rules(), "t1", bkNow)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tab.Rate(Point{Service: "compute", Qty: d("60"), Desc: map[string]string{"flavor": "m1.small"}})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(d("94.116")) {
		t.Fatalf("price = %s, want 94.116", got)
	}
}

// TestBookWholeSeconds: a clock with a fraction of a second, and dates
// sent with one, are stored to the second (as upstream's DATETIME
// columns), so that the echoed object PUT back unchanged is no change,
// even for a running rule; SetClock replaces the clock.
func TestBookWholeSeconds(t *testing.T) {
	ctx := context.Background()
	x := newBase(t)
	frac := bkNow.Add(700 * time.Millisecond)
	x.b.SetClock(func() time.Time { return frac })
	m := must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{ServiceID: x.svc.ID, Type: Flat, Cost: d("1"),
		End: bkNow.Add(time.Hour + 300*time.Millisecond)}, WriteOptions{}))
	if !m.Start.Equal(bkNow) || !m.CreatedAt.Equal(bkNow) || !m.End.Equal(bkNow.Add(time.Hour)) {
		t.Fatalf("created start %s, created_at %s, end %s: want whole seconds", m.Start, m.CreatedAt, m.End)
	}
	// An hour later the rule is running; the client echoes it back with
	// its dates as the API shows them, to the second.
	x.b.SetClock(func() time.Time { return frac.Add(time.Hour) })
	start, end := bkNow, bkNow.Add(5*time.Hour+400*time.Millisecond)
	got, err := x.b.UpdateMapping(ctx, m.ID, MappingUpdate{Start: &start, End: &end, Cost: ptr(d("1.000"))}, WriteOptions{})
	if err == nil || err.Error() != "Cannot update a rule that was already processed and has a defined end date." {
		t.Fatalf("update of a running rule with an end: %v", err)
	}
	m2 := must[Mapping](t)(x.b.CreateMapping(ctx, Mapping{ServiceID: x.vol.ID, Type: Flat, Cost: d("1")}, WriteOptions{}))
	x.b.SetClock(func() time.Time { return frac.Add(3 * time.Hour) })
	got, err = x.b.UpdateMapping(ctx, m2.ID, MappingUpdate{Start: ptr(m2.Start), Cost: ptr(d("1.0")), End: &end}, WriteOptions{})
	if err != nil {
		t.Fatalf("setting the end of a running rule, start echoed: %v", err)
	}
	if !got.End.Equal(bkNow.Add(5*time.Hour)) || !end.Equal(bkNow.Add(5*time.Hour+400*time.Millisecond)) {
		t.Fatalf("end stored %s (want whole seconds), caller's end %s (want untouched)", got.End, end)
	}
	if err := x.b.DeleteMapping(ctx, m2.ID, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if del := must[Mapping](t)(x.b.Mapping(m2.ID)); !del.Deleted.Equal(bkNow.Add(3 * time.Hour)) {
		t.Fatalf("deleted at %s, want whole seconds", del.Deleted)
	}
}

// TestBookClassicRules: a rule created the classic way (no dated
// attribute) changes while it runs, as before rules had dates; given an
// end, it is a dated rule, and the dated rules apply.
func TestBookClassicRules(t *testing.T) {
	ctx := context.Background()
	x := newBase(t)
	m, err := x.b.CreateMapping(ctx, Mapping{FieldID: x.flavor.ID, Value: "classic", Type: Flat, Cost: d("1"), Classic: true}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err = x.b.UpdateMapping(ctx, m.ID, MappingUpdate{Cost: ptr(d("2")), Type: ptr(Rate)}, WriteOptions{}); err != nil || !m.Cost.Equal(d("2")) || m.Type != Rate {
		t.Fatalf("updating a running classic rule: %+v, %v", m, err)
	}
	if m, err = x.b.UpdateMapping(ctx, m.ID, MappingUpdate{End: ptr(bkNow.Add(time.Hour))}, WriteOptions{}); err != nil || m.Classic {
		t.Fatalf("giving a classic rule an end: %+v, %v", m, err)
	}
	if _, err = x.b.UpdateMapping(ctx, m.ID, MappingUpdate{Cost: ptr(d("3"))}, WriteOptions{}); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("a dated rule with an end changed its cost: %v", err)
	}
}
