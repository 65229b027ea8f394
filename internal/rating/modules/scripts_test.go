package modules

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/script"
	"github.com/tally-cost/tally/internal/store"
)

func TestScripts(t *testing.T) {
	ctx := context.Background()
	docs := newMemDocs()
	s := open(t, docs)
	a := must[Script](t)(s.CreateScript(ctx, Script{Name: "a", Data: "price + dec(1)"}, classic))
	if a.Checksum != script.Checksum("price + dec(1)") || a.ID == "" {
		t.Fatalf("created %+v", a)
	}
	b := must[Script](t)(s.CreateScript(ctx, Script{Name: "b", Data: "price"}, classic))

	_, err := s.CreateScript(ctx, Script{Name: "a", Data: "price"}, classic)
	wantErr(t, err, store.ErrConflict, "Script a already exists (UUID: "+a.ID+")")
	_, err = s.CreateScript(ctx, Script{Name: "", Data: "price"}, classic)
	wantErr(t, err, cost.ErrInvalid, "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")

	// A script that does not compile names its line and column.
	_, err = s.CreateScript(ctx, Script{Name: "c", Data: "price +\n  nosuch"}, classic)
	var ce *script.CompileError
	if !errors.As(err, &ce) || ce.Line != 2 || !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("err = %v, want a CompileError on line 2", err)
	}

	// Update: data only, keeping the name; a rename onto a taken name is
	// 409; a failing compile keeps the old version.
	a2 := must[Script](t)(s.UpdateScript(ctx, a.ID, ScriptUpdate{Data: ptr("price + dec(2)")}, classic))
	if a2.Name != "a" || a2.Data != "price + dec(2)" || a2.Checksum != script.Checksum(a2.Data) {
		t.Fatalf("updated %+v", a2)
	}
	_, err = s.UpdateScript(ctx, a.ID, ScriptUpdate{Name: ptr("b")}, classic)
	wantErr(t, err, store.ErrConflict, "Script b already exists (UUID: "+b.ID+")")
	if _, err = s.UpdateScript(ctx, a.ID, ScriptUpdate{Data: ptr("dec(")}, classic); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	if got := must[Script](t)(s.Script(a.ID)); got != a2 {
		t.Fatalf("after a failed update: %+v, want %+v", got, a2)
	}
	_, err = s.UpdateScript(ctx, "42", ScriptUpdate{Data: ptr("price")}, classic)
	wantErr(t, err, store.ErrNotFound, "No such script: None (UUID: 42)")

	// Replayed updates write once.
	w := docs.writes
	for range 3 {
		must[Script](t)(s.UpdateScript(ctx, b.ID, ScriptUpdate{Name: ptr("b"), Data: ptr("price")}, classic))
	}
	if docs.writes != w {
		t.Fatalf("unchanged updates wrote %d times", docs.writes-w)
	}

	wantErr(t, s.DeleteScript(ctx, "42", classic), store.ErrNotFound, "No such script: None (UUID: 42)")
	if err := s.DeleteScript(ctx, b.ID, classic); err != nil {
		t.Fatal(err)
	}
	// Soft delete (≥23): still readable by id, deleted at the clock's
	// time; deleting it again is a 404, and its name is free again.
	if got := must[Script](t)(s.Script(b.ID)); !got.Deleted.Equal(testAt) {
		t.Fatalf("deleted script %+v", got)
	}
	wantErr(t, s.DeleteScript(ctx, b.ID, classic), store.ErrNotFound, "No such script: None (UUID: "+b.ID+")")
	must[Script](t)(s.CreateScript(ctx, Script{Name: "b", Data: "price"}, classic))

	// Everything survives a reopen, in creation order.
	must[Script](t)(s.CreateScript(ctx, Script{Name: "0-first-by-name", Data: "price"}, classic))
	want := s.Scripts()
	if got := open(t, docs).Scripts(); !reflect.DeepEqual(got, want) || len(got) != 4 || got[0].Name != "a" {
		t.Fatalf("reopened: %+v, want %+v", got, want)
	}
}

// TestStoredScriptThatNoLongerCompiles: a stored script that this build
// rejects opens (the server starts) but makes every chain with the
// pyscripts module fail, naming the script.
func TestStoredScriptThatNoLongerCompiles(t *testing.T) {
	ctx := context.Background()
	docs := newMemDocs()
	docs.PutDocument(ctx, docKind, docScripts, []byte(`{"version": 1, "body": [{"script_id": "x1", "name": "old", "data": "price +", "checksum": ""}]}`))
	s := open(t, docs)
	if _, err := s.Chain(ctx, "", testAt, script.Period{}); err != nil {
		t.Fatalf("pyscripts disabled: %v", err)
	}
	must[struct{}](t)(struct{}{}, s.Set(ctx, PyScripts, ptr(true), nil))
	_, err := s.Chain(ctx, "", testAt, script.Period{})
	if err == nil || !strings.Contains(err.Error(), `stored script "old" (x1) does not compile`) {
		t.Fatalf("err = %v", err)
	}
}
