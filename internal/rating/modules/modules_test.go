package modules

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/store"
)

func TestModulesDefaults(t *testing.T) {
	s := open(t, newMemDocs())
	want := []Module{
		{ID: "hashmap", Description: "HashMap rating module.", Enabled: false, HotConfig: true, Priority: 1},
		{ID: "noop", Description: "Dummy test module.", Enabled: true, HotConfig: false, Priority: 1},
		{ID: "pyscripts", Description: "PyScripts rating module.", Enabled: false, HotConfig: true, Priority: 1},
	}
	if got := s.Modules(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Modules() = %+v, want %+v", got, want)
	}
	if _, ok := s.Module("pyscript"); ok {
		t.Fatal("Module(pyscript) found")
	}
	wantErr(t, s.Set(context.Background(), "nope", ptr(true), nil), store.ErrNotFound, "Module not found.")
}

// TestModulesSet: table of changes and the module each leaves, read back
// from the same State and from one reopened over the same documents.
func TestModulesSet(t *testing.T) {
	cases := []struct {
		name     string
		id       string
		enabled  *bool
		priority *int
		want     Module
	}{
		{"enable", "hashmap", ptr(true), nil, Module{ID: "hashmap", Enabled: true, Priority: 1}},
		{"priority only", "hashmap", nil, ptr(5), Module{ID: "hashmap", Enabled: false, Priority: 5}},
		{"both", "pyscripts", ptr(true), ptr(3), Module{ID: "pyscripts", Enabled: true, Priority: 3}},
		{"stored 0 reads 1", "hashmap", ptr(true), ptr(0), Module{ID: "hashmap", Enabled: true, Priority: 1}},
		{"negative kept", "hashmap", nil, ptr(-2), Module{ID: "hashmap", Priority: -2}},
		{"noop cannot be disabled", "noop", ptr(false), ptr(9), Module{ID: "noop", Enabled: true, Priority: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := newMemDocs()
			s := open(t, docs)
			if err := s.Set(context.Background(), c.id, c.enabled, c.priority); err != nil {
				t.Fatal(err)
			}
			for i, st := range []*State{s, open(t, docs)} {
				got, _ := st.Module(c.id)
				got.Description, got.HotConfig = "", false
				if got != c.want {
					t.Errorf("state %d: %+v, want %+v", i, got, c.want)
				}
			}
		})
	}
}

// TestModulesSetIdempotent: a replayed PUT writes nothing; a failed write
// changes nothing.
func TestModulesSetIdempotent(t *testing.T) {
	ctx := context.Background()
	docs := newMemDocs()
	s := open(t, docs)
	for range 31 {
		if err := s.Set(ctx, "hashmap", ptr(true), ptr(2)); err != nil {
			t.Fatal(err)
		}
	}
	if docs.writes != 1 {
		t.Fatalf("31 identical sets wrote %d times, want 1", docs.writes)
	}
	docs.fail = errDisk
	if err := s.Set(ctx, "hashmap", ptr(false), nil); !errors.Is(err, errDisk) {
		t.Fatalf("err = %v, want the store's", err)
	}
	if m, _ := s.Module("hashmap"); !m.Enabled || m.Priority != 2 {
		t.Fatalf("after a failed write: %+v", m)
	}
}

func TestOpenRejectsOtherVersion(t *testing.T) {
	docs := newMemDocs()
	docs.PutDocument(context.Background(), docKind, docStates, []byte(`{"version": 2, "body": {}}`))
	if _, err := Open(context.Background(), docs, nil, nil); err == nil {
		t.Fatal("Open accepted a document of another version")
	}
}
