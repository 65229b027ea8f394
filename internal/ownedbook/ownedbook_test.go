package ownedbook

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// note is a minimal owned item with a slice, so that sharing between
// the book and its callers shows.
type note struct {
	ID    int64     `json:"id"`
	Tags  []string  `json:"tags"`
	Org   int64     `json:"org"`
	SetAt time.Time `json:"setAt"`
}

var errNoNote = errors.New("note not found")

var notes = Config[note]{
	Doc:      statedoc.Doc{Kind: "test.note", Name: "notes", Version: 1, What: "notes"},
	Items:    "notes",
	FirstID:  9,
	ID:       func(n *note) int64 { return n.ID },
	Sees:     func(p *tenant.Principal, n *note) bool { return p.SeesContentOf(n.Org, 0) },
	Clone:    func(n *note) note { c := *n; c.Tags = slices.Clone(n.Tags); return c },
	NotFound: errNoNote,
}

// failing refuses every write once fail is set.
type failing struct {
	store.DocStore
	fail bool
}

func (f *failing) PutDocument(ctx context.Context, kind, name string, body []byte) error {
	if f.fail {
		return errors.New("disk full")
	}
	return f.DocStore.PutDocument(ctx, kind, name, body)
}

func as(p *tenant.Principal) context.Context { return tenant.WithPrincipal(context.Background(), p) }

// TestBook: ids start at FirstID and list in numeric order (not the
// map keys' string order), callers see only their organization's items,
// a returned item shares nothing with the book, a refused check or a
// failed write changes nothing, and the document is written under the
// configured map name.
func TestBook(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	docs := &failing{DocStore: st}
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	b, err := Open(ctx, notes, docs, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	orgA := as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: 7})
	orgB := as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: 8})
	ok := func() error { return nil }
	create := func(ctx context.Context, tags ...string) note {
		t.Helper()
		n, err := b.Create(ctx, ok, func(id int64, p *tenant.Principal, now time.Time) note {
			return note{ID: id, Tags: tags, Org: p.OrgID, SetAt: now}
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := create(orgA, "a")
	create(orgB, "b")
	create(orgA, "c")
	if first.ID != 9 || !first.SetAt.Equal(now) {
		t.Errorf("first note %+v", first)
	}

	list, err := b.List(orgA)
	if err != nil || len(list) != 2 || list[0].ID != 9 || list[1].ID != 11 {
		t.Fatalf("List as org A = %+v, %v; want ids 9 and 11", list, err)
	}
	list[0].Tags[0] = "changed by the caller"
	if got, err := b.Get(orgA, 9); err != nil || got.Tags[0] != "a" {
		t.Errorf("Get after changing a listed copy = %+v, %v", got, err)
	}
	if _, err := b.Get(orgB, 9); !errors.Is(err, errNoNote) || err.Error() != "note not found: 9" {
		t.Errorf("Get of another organization's note: %v", err)
	}
	if err := b.Delete(orgB, 9); !errors.Is(err, errNoNote) {
		t.Errorf("Delete of another organization's note: %v", err)
	}
	if _, err := b.Create(as(&tenant.Principal{Role: tenant.RoleViewer, OrgID: 7}), ok, nil); !errors.Is(err, tenant.ErrForbidden) {
		t.Errorf("Create by a viewer: %v", err)
	}

	refused := errors.New("refused")
	if _, err := b.Update(orgA, 9, func() error { return refused }, func(n *note, _ time.Time) { n.Tags = nil }); !errors.Is(err, refused) {
		t.Errorf("Update with a refused check: %v", err)
	}
	docs.fail = true
	if _, err := b.Update(orgA, 9, ok, func(n *note, _ time.Time) { n.Tags[0] = "lost" }); err == nil {
		t.Error("Update with a failed write succeeded")
	}
	if err := b.Delete(orgA, 11); err == nil {
		t.Error("Delete with a failed write succeeded")
	}
	docs.fail = false
	if list, _ := b.List(orgA); len(list) != 2 || list[0].Tags[0] != "a" {
		t.Errorf("after a refused check and failed writes: %+v", list)
	}

	later := now.Add(time.Hour)
	b.now = func() time.Time { return later }
	if n, err := b.Update(orgA, 9, ok, func(n *note, now time.Time) { n.Tags, n.SetAt = append(n.Tags, "x"), now }); err != nil || !slices.Equal(n.Tags, []string{"a", "x"}) || !n.SetAt.Equal(later) {
		t.Errorf("Update = %+v, %v", n, err)
	}
	if err := b.Delete(orgA, 11); err != nil {
		t.Fatal(err)
	}
	all, err := st.Documents(ctx, "test.note")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"nextId":12,"notes":{"10":{"id":10,"tags":["b"],"org":8,"setAt":"2024-01-15T10:30:00Z"},"9":{"id":9,"tags":["a","x"],"org":7,"setAt":"2024-01-15T11:30:00Z"}}}`
	if got := string(all["notes"]); got != want {
		t.Errorf("document:\n%s\nwant\n%s", got, want)
	}
	again, err := Open(ctx, notes, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := again.List(as(tenant.NoAuth)); err != nil || len(list) != 2 || list[0].ID != 9 || list[1].Tags[0] != "b" {
		t.Errorf("reopened: %+v, %v", list, err)
	}
	b = again
	if n := create(orgA); n.ID != 12 {
		t.Errorf("next id after a delete and a reopen = %d, want 12 (ids are not reused)", n.ID)
	}
}
