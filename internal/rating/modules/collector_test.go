package modules

import (
	"context"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/store"
)

func TestCollectorMappings(t *testing.T) {
	ctx := context.Background()
	docs := newMemDocs()
	s := open(t, docs)
	if got := s.CollectorMappings(""); got == nil || len(got) != 0 {
		t.Fatalf("empty list = %#v, want an empty non-nil list", got)
	}
	must[CollectorMapping](t)(s.SetCollectorMapping(ctx, "compute", "gnocchi"))
	must[CollectorMapping](t)(s.SetCollectorMapping(ctx, "volume", "prometheus"))
	// An upsert replaces in place: insertion order stays.
	must[CollectorMapping](t)(s.SetCollectorMapping(ctx, "compute", "prometheus"))
	want := []CollectorMapping{{"compute", "prometheus"}, {"volume", "prometheus"}}
	if got := s.CollectorMappings(""); !reflect.DeepEqual(got, want) {
		t.Fatalf("list = %+v, want %+v", got, want)
	}
	if got := s.CollectorMappings("gnocchi"); len(got) != 0 {
		t.Fatalf("filtered list = %+v", got)
	}
	_, err := s.CollectorMapping("image")
	wantErr(t, err, store.ErrNotFound, "No mapping for service: image")
	wantErr(t, s.DeleteCollectorMapping(ctx, "image"), store.ErrNotFound, "No mapping for service: image")
	if err := s.DeleteCollectorMapping(ctx, "compute"); err != nil {
		t.Fatal(err)
	}
	if got := open(t, docs).CollectorMappings(""); !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("reopened: %+v", got)
	}
}

func TestCollectorStates(t *testing.T) {
	ctx := context.Background()
	docs := newMemDocs()
	s := open(t, docs)
	if s.CollectorEnabled("gnocchi") {
		t.Fatal("an unknown collector reads enabled")
	}
	for range 3 {
		if err := s.SetCollectorEnabled(ctx, "gnocchi", true); err != nil {
			t.Fatal(err)
		}
	}
	if docs.writes != 1 {
		t.Fatalf("wrote %d times, want 1", docs.writes)
	}
	if !open(t, docs).CollectorEnabled("gnocchi") {
		t.Fatal("state lost on reopen")
	}
	if err := s.SetCollectorEnabled(ctx, "gnocchi", false); err != nil {
		t.Fatal(err)
	}
	if open(t, docs).CollectorEnabled("gnocchi") {
		t.Fatal("disable lost on reopen")
	}
}
