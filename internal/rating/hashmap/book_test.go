package hashmap

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

// bkNow is the Book's clock in these tests: a fixed instant without a
// monotonic reading, so that times survive the JSON round trip unchanged.
var bkNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func bkClock() time.Time { return bkNow }

// openMemBook opens a Book on a fresh in-memory duckdb state store.
func openMemBook(t *testing.T) *Book {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := OpenBook(context.Background(), st, bkClock)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantKind checks err's visible text and the kind the API maps to a code.
func wantKind(t *testing.T, err error, kind error, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %q", text)
	}
	if err.Error() != text {
		t.Fatalf("err = %q, want %q", err.Error(), text)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("err %q does not wrap %v", err, kind)
	}
}

// bkBase is a book with service compute, its field flavor, a second
// service volume and a group g1.
type bkBase struct {
	b               *Book
	svc, vol        Service
	flavor, volSize Field
	g1              Group
}

func newBase(t *testing.T) bkBase {
	t.Helper()
	ctx := context.Background()
	b := openMemBook(t)
	x := bkBase{b: b}
	x.svc = must[Service](t)(b.CreateService(ctx, "compute"))
	x.vol = must[Service](t)(b.CreateService(ctx, "volume"))
	x.flavor = must[Field](t)(b.CreateField(ctx, x.svc.ID, "flavor"))
	x.volSize = must[Field](t)(b.CreateField(ctx, x.vol.ID, "size"))
	x.g1 = must[Group](t)(b.CreateGroup(ctx, "g1"))
	return x
}

func fieldMapping(fieldID, value string, c string) Mapping {
	return Mapping{FieldID: fieldID, Value: value, Type: Flat, Cost: d(c)}
}

// TestBookWriteErrors: uniqueness (409), missing or unknown parents and
// groups (400) and unknown ids (404), with upstream's texts.
func TestBookWriteErrors(t *testing.T) {
	ctx := context.Background()
	x := newBase(t)
	b := x.b
	tm := fieldMapping(x.flavor.ID, "m1.small", "1")
	tm.TenantID = "t1"
	tmc := must[Mapping](t)(b.CreateMapping(ctx, tm, WriteOptions{}))
	tiny := must[Mapping](t)(b.CreateMapping(ctx, fieldMapping(x.flavor.ID, "m1.tiny", "1"), WriteOptions{}))
	must[Threshold](t)(b.CreateThreshold(ctx, Threshold{FieldID: x.flavor.ID, Level: d("10"), Type: Flat, Cost: d("1"), TenantID: "t1"}))

	with := func(m Mapping, f func(*Mapping)) Mapping { f(&m); return m }
	cases := []struct {
		name string
		do   func() error
		kind error
		text string
	}{
		{"duplicate service", func() error { _, err := b.CreateService(ctx, "compute"); return err },
			store.ErrConflict, "Service compute already exists (UUID: " + x.svc.ID + ")"},
		{"duplicate field in one service", func() error { _, err := b.CreateField(ctx, x.svc.ID, "flavor"); return err },
			store.ErrConflict, "Field flavor already exists (UUID: " + x.flavor.ID + ")"},
		{"duplicate group", func() error { _, err := b.CreateGroup(ctx, "g1"); return err },
			store.ErrConflict, "Group g1 already exists (UUID: " + x.g1.ID + ")"},
		{"duplicate tenant mapping, even in another group", func() error {
			_, err := b.CreateMapping(ctx, with(tm, func(m *Mapping) { m.GroupID = x.g1.ID }), WriteOptions{})
			return err
		}, store.ErrConflict, "Mapping 'm1.small' already exists for field '" + x.flavor.ID + "', tenant: 't1'"},
		{"duplicate global mapping in one group overlaps", func() error {
			_, err := b.CreateMapping(ctx, fieldMapping(x.flavor.ID, "m1.tiny", "2"), WriteOptions{})
			return err
		}, store.ErrConflict, "Mapping 'm1.tiny' overlaps mapping " + tiny.ID +
			" (start 2026-03-10T12:00:00, end None) with the same value, tenant, parent and group."},
		{"duplicate tenant threshold, level compared numerically", func() error {
			_, err := b.CreateThreshold(ctx, Threshold{FieldID: x.flavor.ID, Level: d("10.000"), Type: Rate, Cost: d("2"), TenantID: "t1"})
			return err
		}, store.ErrConflict, "Threshold '10.00000000' already exists for field '" + x.flavor.ID + "', tenant: 't1'"},
		{"field of an unknown service", func() error { _, err := b.CreateField(ctx, "nope", "x"); return err },
			cost.ErrInvalid, "No such service: None (UUID: nope)"},
		{"mapping of an unknown field", func() error {
			_, err := b.CreateMapping(ctx, fieldMapping("nope", "v", "1"), WriteOptions{})
			return err
		}, cost.ErrInvalid, "No such field: nope"},
		{"mapping in an unknown group", func() error {
			_, err := b.CreateMapping(ctx, with(fieldMapping(x.flavor.ID, "v", "1"), func(m *Mapping) { m.GroupID = "nope" }), WriteOptions{})
			return err
		}, cost.ErrInvalid, "No such group: None (UUID: nope)"},
		{"mapping with two parents", func() error {
			_, err := b.CreateMapping(ctx, with(fieldMapping(x.flavor.ID, "v", "1"), func(m *Mapping) { m.ServiceID = x.svc.ID }), WriteOptions{})
			return err
		}, cost.ErrInvalid, "You can only specify one parent."},
		{"mapping without parent", func() error {
			_, err := b.CreateMapping(ctx, Mapping{Type: Flat, Cost: d("1")}, WriteOptions{})
			return err
		}, cost.ErrInvalid, "You must specify one parent."},
		{"service mapping with a value", func() error {
			_, err := b.CreateMapping(ctx, Mapping{ServiceID: x.svc.ID, Value: "v", Type: Flat, Cost: d("1")}, WriteOptions{})
			return err
		}, cost.ErrInvalid, "You can't specify a value and a service_id."},
		{"field mapping without value", func() error {
			_, err := b.CreateMapping(ctx, fieldMapping(x.flavor.ID, "", "1"), WriteOptions{})
			return err
		}, cost.ErrInvalid, "You must specify a value for a field mapping."},
		{"threshold of an unknown service", func() error {
			_, err := b.CreateThreshold(ctx, Threshold{ServiceID: "nope", Level: d("1"), Type: Flat, Cost: d("1")})
			return err
		}, cost.ErrInvalid, "No such service: None (UUID: nope)"},
		{"threshold without parent", func() error {
			_, err := b.CreateThreshold(ctx, Threshold{Level: d("1"), Type: Flat, Cost: d("1")})
			return err
		}, cost.ErrInvalid, "You must specify one parent."},
		{"unknown service", func() error { _, err := b.Service("nope"); return err }, store.ErrNotFound, "No such service: None (UUID: nope)"},
		{"delete unknown service", func() error { return b.DeleteService(ctx, "nope") }, store.ErrNotFound, "No such service: None (UUID: nope)"},
		{"unknown field", func() error { _, err := b.Field("nope"); return err }, store.ErrNotFound, "No such field: nope"},
		{"unknown group", func() error { _, err := b.Group("nope"); return err }, store.ErrNotFound, "No such group: None (UUID: nope)"},
		{"unknown mapping", func() error { _, err := b.Mapping("nope"); return err }, store.ErrNotFound, "No such mapping: nope"},
		{"ungrouped mapping's group", func() error { _, err := b.MappingGroup(tmc.ID); return err }, store.ErrNotFound, "Mapping has no group (UUID: " + tmc.ID + ")"},
		{"unknown threshold", func() error { _, err := b.Threshold("nope"); return err }, store.ErrNotFound, "No such threshold: nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := b.Rules()
			wantKind(t, tc.do(), tc.kind, tc.text)
			if !sameJSON(t, before, b.Rules()) {
				t.Fatal("a refused write changed the rules")
			}
		})
	}

	// Allowed neighbours of the refused writes above.
	must[Field](t)(b.CreateField(ctx, x.vol.ID, "flavor")) // same name, other service
	other := with(tm, func(m *Mapping) { m.TenantID = "t2" })
	must[Mapping](t)(b.CreateMapping(ctx, other, WriteOptions{}))
	must[Mapping](t)(b.CreateMapping(ctx, with(fieldMapping(x.flavor.ID, "m1.tiny", "2"), func(m *Mapping) { m.GroupID = x.g1.ID }), WriteOptions{}))
	must[Threshold](t)(b.CreateThreshold(ctx, Threshold{FieldID: x.flavor.ID, Level: d("10"), Type: Flat, Cost: d("1")}))
	must[Threshold](t)(b.CreateThreshold(ctx, Threshold{FieldID: x.flavor.ID, Level: d("10"), Type: Flat, Cost: d("1")}))
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

func ids[T any](s []T, id func(T) string) string {
	var out []string
	for _, v := range s {
		out = append(out, id(v))
	}
	return strings.Join(out, ",")
}

func mappingIDs(s []Mapping) string { return ids(s, func(m Mapping) string { return m.Value }) }
func thresholdIDs(s []Threshold) string {
	return ids(s, func(t Threshold) string { return t.Level.String() })
}

// TestBookCascades: deleting a service or field removes what hangs on it;
// deleting a group removes its rules (recursive) or ungroups them.
func TestBookCascades(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) bkBase {
		x := newBase(t)
		b := x.b
		for _, m := range []Mapping{
			{ServiceID: x.svc.ID, Type: Flat, Cost: d("1"), GroupID: x.g1.ID},
			{FieldID: x.flavor.ID, Value: "a", Type: Flat, Cost: d("1")},
			{FieldID: x.flavor.ID, Value: "b", Type: Flat, Cost: d("1"), GroupID: x.g1.ID},
			{FieldID: x.volSize.ID, Value: "c", Type: Flat, Cost: d("1")},
		} {
			must[Mapping](t)(b.CreateMapping(ctx, m, WriteOptions{}))
		}
		for _, th := range []Threshold{
			{ServiceID: x.svc.ID, Level: d("1"), Type: Flat, Cost: d("1")},
			{FieldID: x.flavor.ID, Level: d("2"), Type: Flat, Cost: d("1"), GroupID: x.g1.ID},
			{ServiceID: x.vol.ID, Level: d("3"), Type: Flat, Cost: d("1")},
		} {
			must[Threshold](t)(b.CreateThreshold(ctx, th))
		}
		return x
	}
	cases := []struct {
		name                         string
		do                           func(x bkBase) error
		services, fields, groups     int
		mappings, thresholds, in, g1 string // values / levels left; in: still in g1
	}{
		{name: "service", do: func(x bkBase) error { return x.b.DeleteService(ctx, x.svc.ID) },
			services: 1, fields: 1, groups: 1, mappings: "c", thresholds: "3"},
		{name: "field", do: func(x bkBase) error { return x.b.DeleteField(ctx, x.flavor.ID) },
			services: 2, fields: 1, groups: 1, mappings: ",c", thresholds: "1,3", in: ""},
		{name: "group recursive", do: func(x bkBase) error { return x.b.DeleteGroup(ctx, x.g1.ID, true) },
			services: 2, fields: 2, groups: 0, mappings: "a,c", thresholds: "1,3"},
		{name: "group ungrouping", do: func(x bkBase) error { return x.b.DeleteGroup(ctx, x.g1.ID, false) },
			services: 2, fields: 2, groups: 0, mappings: ",a,b,c", thresholds: "1,2,3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := setup(t)
			if err := tc.do(x); err != nil {
				t.Fatal(err)
			}
			r := x.b.Rules()
			if len(r.Services) != tc.services || len(r.Fields) != tc.fields || len(r.Groups) != tc.groups {
				t.Fatalf("services, fields, groups = %d, %d, %d; want %d, %d, %d",
					len(r.Services), len(r.Fields), len(r.Groups), tc.services, tc.fields, tc.groups)
			}
			if got := mappingIDs(r.Mappings); got != tc.mappings {
				t.Errorf("mappings left = %q, want %q", got, tc.mappings)
			}
			if got := thresholdIDs(r.Thresholds); got != tc.thresholds {
				t.Errorf("thresholds left = %q, want %q", got, tc.thresholds)
			}
			for _, m := range r.Mappings {
				if m.GroupID != "" && len(r.Groups) == 0 {
					t.Errorf("mapping %q still in deleted group", m.Value)
				}
			}
			for _, th := range r.Thresholds {
				if th.GroupID != "" && len(r.Groups) == 0 {
					t.Errorf("threshold %s still in deleted group", th.Level)
				}
			}
			// The snapshot must load: no orphan survives a cascade.
			if _, err := Load(r, "", bkNow); err != nil {
				t.Fatalf("Load after delete: %v", err)
			}
		})
	}
}

// failingDocs refuses every write, as a store that crashed would.
type failingDocs struct{ store.DocStore }

func (failingDocs) PutDocument(context.Context, string, string, []byte) error {
	return errors.New("disk full")
}

// TestBookFailedWriteKeepsRules: when the store refuses the document, the
// Book keeps the previous rules (memory never runs ahead of the store).
func TestBookFailedWriteKeepsRules(t *testing.T) {
	ctx := context.Background()
	x := newBase(t)
	before := x.b.Rules()
	x.b.docs = failingDocs{x.b.docs}
	if err := x.b.DeleteService(ctx, x.svc.ID); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the store's error", err)
	}
	if !sameJSON(t, before, x.b.Rules()) {
		t.Fatal("rules changed although the write failed")
	}
}

// TestBookPersists reopens a file-backed store and finds every rule, the
// soft-deleted mapping included, with exact costs and dates.
func TestBookPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.duckdb")
	st, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := must[*Book](t)(OpenBook(ctx, st, bkClock))
	svc := must[Service](t)(b.CreateService(ctx, "compute"))
	f := must[Field](t)(b.CreateField(ctx, svc.ID, "flavor"))
	g := must[Group](t)(b.CreateGroup(ctx, "g1"))
	m := Mapping{FieldID: f.ID, Value: "m1", Type: Rate, Cost: d("0.1000000000000000000000000001"), GroupID: g.ID,
		TenantID: "t1", End: bkNow.Add(48 * time.Hour), Description: "d"}
	m = must[Mapping](t)(b.CreateMapping(ctx, m, WriteOptions{By: "alice"}))
	gone := must[Mapping](t)(b.CreateMapping(ctx, Mapping{ServiceID: svc.ID, Type: Flat, Cost: d("2")}, WriteOptions{}))
	if err := b.DeleteMapping(ctx, gone.ID, WriteOptions{By: "bob"}); err != nil {
		t.Fatal(err)
	}
	must[Threshold](t)(b.CreateThreshold(ctx, Threshold{ServiceID: svc.ID, Level: d("50.5"), Type: Flat, Cost: d("3")}))
	want := b.rules
	st.Close()

	st, err = duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b2 := must[*Book](t)(OpenBook(ctx, st, bkClock))
	if !sameJSON(t, want, b2.rules) {
		t.Fatalf("reopened rules differ:\n got %+v\nwant %+v", b2.rules, want)
	}
	got := must[Mapping](t)(b2.Mapping(m.ID))
	if !got.Cost.Equal(m.Cost) || !got.End.Equal(m.End) || got.CreatedBy != "alice" || got.GroupID != g.ID {
		t.Fatalf("reopened mapping = %+v, want %+v", got, m)
	}
	del := must[Mapping](t)(b2.Mapping(gone.ID))
	if !del.IsDeleted() || del.DeletedBy != "bob" {
		t.Fatalf("reopened deleted mapping = %+v", del)
	}
	if n := len(b2.Rules().Mappings); n != 1 {
		t.Fatalf("reopened Rules() has %d mappings, want 1 (the deleted one left out)", n)
	}
}

// TestBookConcurrentCreates: the mutex makes check-then-write atomic, so
// of many concurrent creates of one name exactly one wins and the others
// are 409s.
func TestBookConcurrentCreates(t *testing.T) {
	ctx := context.Background()
	b := openMemBook(t)
	const n = 16
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := b.CreateService(ctx, "compute")
			errs <- err
		}()
	}
	ok := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("err = %v, want a conflict", err)
		}
	}
	if ok != 1 || len(b.Services()) != 1 {
		t.Fatalf("%d creates succeeded, %d services; want 1 and 1", ok, len(b.Services()))
	}
}
