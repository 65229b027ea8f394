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
	a := must[Script](t)(s.CreateScript(ctx, "a", "price + dec(1)"))
	if a.Checksum != script.Checksum("price + dec(1)") || a.ID == "" {
		t.Fatalf("created %+v", a)
	}
	b := must[Script](t)(s.CreateScript(ctx, "b", "price"))

	_, err := s.CreateScript(ctx, "a", "price")
	wantErr(t, err, store.ErrConflict, "Script a already exists (UUID: "+a.ID+")")
	_, err = s.CreateScript(ctx, "", "price")
	wantErr(t, err, cost.ErrInvalid, "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")

	// A script that does not compile names its line and column.
	_, err = s.CreateScript(ctx, "c", "price +\n  nosuch")
	var ce *script.CompileError
	if !errors.As(err, &ce) || ce.Line != 2 || !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("err = %v, want a CompileError on line 2", err)
	}

	// Update: data only, keeping the name; a rename onto a taken name is
	// 409; a failing compile keeps the old version.
	a2 := must[Script](t)(s.UpdateScript(ctx, a.ID, nil, ptr("price + dec(2)")))
	if a2.Name != "a" || a2.Data != "price + dec(2)" || a2.Checksum != script.Checksum(a2.Data) {
		t.Fatalf("updated %+v", a2)
	}
	_, err = s.UpdateScript(ctx, a.ID, ptr("b"), nil)
	wantErr(t, err, store.ErrConflict, "Script b already exists (UUID: "+b.ID+")")
	if _, err = s.UpdateScript(ctx, a.ID, nil, ptr("dec(")); !errors.Is(err, cost.ErrInvalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	if got := must[Script](t)(s.Script(a.ID)); got != a2 {
		t.Fatalf("after a failed update: %+v, want %+v", got, a2)
	}
	_, err = s.UpdateScript(ctx, "42", nil, ptr("price"))
	wantErr(t, err, store.ErrNotFound, "No such script: None (UUID: 42)")

	// Replayed updates write once.
	w := docs.writes
	for range 3 {
		must[Script](t)(s.UpdateScript(ctx, b.ID, ptr("b"), ptr("price")))
	}
	if docs.writes != w {
		t.Fatalf("unchanged updates wrote %d times", docs.writes-w)
	}

	wantErr(t, s.DeleteScript(ctx, "42"), store.ErrNotFound, "No such script: None (UUID: 42)")
	if err := s.DeleteScript(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Script(b.ID)
	wantErr(t, err, store.ErrNotFound, "No such script: None (UUID: "+b.ID+")")

	// Everything survives a reopen, in creation order.
	must[Script](t)(s.CreateScript(ctx, "0-first-by-name", "price"))
	want := s.Scripts()
	if got := open(t, docs).Scripts(); !reflect.DeepEqual(got, want) || len(got) != 2 || got[0].Name != "a" {
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
