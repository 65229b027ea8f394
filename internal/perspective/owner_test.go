package perspective

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// The owners of TestOwnership: the default organization, organizations
// A and B, and partner customer 5 (of the default organization).
var (
	ownDefault = Owner{OrgID: tenant.DefaultOrgID}
	ownA       = Owner{OrgID: 10}
	ownB       = Owner{OrgID: 20}
	ownC5      = Owner{OrgID: tenant.DefaultOrgID, CustomerID: 5}
)

// TestViewerOf: only callers of the default organization that see every
// account and act for no customer see every owner's perspectives.
func TestViewerOf(t *testing.T) {
	for _, c := range []struct {
		name string
		p    tenant.Principal
		want Viewer
	}{
		{"default admin", tenant.Principal{Role: tenant.RoleAdmin, OrgID: tenant.DefaultOrgID, Scope: scope.All()}, Viewer{Owner: ownDefault, All: true}},
		{"no-auth", *tenant.NoAuth, Viewer{Owner: ownDefault, All: true}},
		{"scoped key of the default organization", tenant.Principal{Role: tenant.RoleEditor, OrgID: tenant.DefaultOrgID, Scope: scope.Accounts("a")}, Viewer{Owner: ownDefault}},
		{"default admin acting for customer 5", tenant.Principal{Role: tenant.RoleAdmin, OrgID: tenant.DefaultOrgID, CustomerID: 5, Scope: scope.Accounts("c")}, Viewer{Owner: ownC5}},
		{"customer 5's key", tenant.Principal{Role: tenant.RoleViewer, OrgID: tenant.DefaultOrgID, CustomerID: 5, Scope: scope.Accounts("c")}, Viewer{Owner: ownC5}},
		{"organization A's editor", tenant.Principal{Role: tenant.RoleEditor, OrgID: 10, Scope: scope.Accounts("a")}, Viewer{Owner: ownA}},
		// An organization whose scope happens to be every account is
		// still not the default one.
		{"organization B unscoped", tenant.Principal{Role: tenant.RoleAdmin, OrgID: 20, Scope: scope.All()}, Viewer{Owner: ownB}},
	} {
		if got := ViewerOf(&c.p); got != c.want {
			t.Errorf("%s: ViewerOf = %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestOwnership: each owner's perspective is seen, listed, changed and
// deleted by its owner and by the installation's viewer only; to anyone
// else it is exactly an unknown id (Empty, false, store.ErrNotFound).
// Names are unique per owner, so four owners may each have "Teams".
func TestOwnership(t *testing.T) {
	ctx := context.Background()
	b, _ := openBook(t)
	ids := map[Owner]string{}
	for _, o := range []Owner{ownDefault, ownA, ownB, ownC5} {
		id, _, err := b.Create(ctx, o, Schema{Name: "Teams"})
		if err != nil {
			t.Fatalf("create %+v: %v", o, err)
		}
		ids[o] = id
	}
	for _, o := range []Owner{ownA, ownC5} {
		if _, _, err := b.Create(ctx, o, Schema{Name: "Teams"}); !errors.Is(err, ErrNameTaken) {
			t.Errorf("a second Teams of %+v: %v, want ErrNameTaken", o, err)
		}
	}

	for _, c := range []struct {
		name string
		v    Viewer
		sees []Owner
	}{
		{"installation", Everyone, []Owner{ownDefault, ownA, ownB, ownC5}},
		{"default organization, scoped", Viewer{Owner: ownDefault}, []Owner{ownDefault}},
		{"organization A", Viewer{Owner: ownA}, []Owner{ownA}},
		{"organization B", Viewer{Owner: ownB}, []Owner{ownB}},
		{"customer 5", Viewer{Owner: ownC5}, []Owner{ownC5}},
		{"customer 6", Viewer{Owner: Owner{OrgID: tenant.DefaultOrgID, CustomerID: 6}}, nil},
		{"organization 30", Viewer{Owner: Owner{OrgID: 30}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, o := range c.sees {
				want = append(want, ids[o])
			}
			slices.Sort(want) // 1001..1004: numeric order is text order
			list := slices.Sorted(maps.Keys(b.List(c.v, false)))
			if !slices.Equal(list, want) {
				t.Errorf("List = %v, want %v", list, want)
			}
			if got := b.IDs(c.v); !slices.Equal(got, want) {
				t.Errorf("IDs = %v, want %v", got, want)
			}
			for o, id := range ids {
				visible := slices.Contains(c.sees, o)
				if got := b.Get(c.v, id, true); IsEmpty(got) == visible {
					t.Errorf("Get %s (of %+v) = %q, visible %v", id, o, got.Name, visible)
				}
				p, ok := b.Perspective(c.v, id)
				if ok != visible || ok && p.Owner != o {
					t.Errorf("Perspective %s (of %+v) = %+v, %v; visible %v", id, o, p.Owner, ok, visible)
				}
				if _, ok := b.Version(c.v, id); ok != visible {
					t.Errorf("Version %s: %v, visible %v", id, ok, visible)
				}
				if visible {
					continue
				}
				// Every change of an invisible id is an unknown id's
				// refusal, and changes nothing.
				if _, err := b.Update(ctx, c.v, id, Schema{Name: "Mine"}, nil, false); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Update %s: %v, want store.ErrNotFound", id, err)
				}
				if _, err := b.Delete(ctx, c.v, id, DeleteOptions{Hard: true}); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Delete %s: %v, want store.ErrNotFound", id, err)
				}
				if err := b.Restore(ctx, c.v, id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Restore %s: %v, want store.ErrNotFound", id, err)
				}
				if got := b.Get(Everyone, id, false); got.Name != "Teams" {
					t.Errorf("%s after the refused changes: %q", id, got.Name)
				}
			}
		})
	}

	// Owners change their own; the installation changes anyone's, and
	// the owner stays.
	vA, vB := Viewer{Owner: ownA}, Viewer{Owner: ownB}
	if _, err := b.Update(ctx, vA, ids[ownA], Schema{Name: "A teams"}, nil, false); err != nil {
		t.Errorf("A updates its own: %v", err)
	}
	if _, err := b.Update(ctx, Everyone, ids[ownB], Schema{Name: "A teams"}, nil, false); err != nil {
		t.Errorf("the installation renames B's to a name A uses: %v", err)
	}
	if p, ok := b.Perspective(vB, ids[ownB]); !ok || p.Owner != ownB || p.Schema.Name != "A teams" {
		t.Errorf("B's after the installation's update: %+v, %v; want still B's", p.Owner, ok)
	}
	if _, err := b.Update(ctx, vB, ids[ownB], Schema{Name: "Teams"}, nil, false); err != nil {
		t.Errorf("B takes back its own old name: %v", err)
	}
	if _, err := b.Delete(ctx, vA, ids[ownA], DeleteOptions{}); err != nil {
		t.Errorf("A archives its own: %v", err)
	}
	if err := b.Restore(ctx, vA, ids[ownA]); err != nil {
		t.Errorf("A restores its own: %v", err)
	}
	// A hard delete keeps the name taken for its owner only.
	if _, err := b.Delete(ctx, vB, ids[ownB], DeleteOptions{Hard: true}); err != nil {
		t.Fatalf("B deletes its own: %v", err)
	}
	if _, _, err := b.Create(ctx, ownB, Schema{Name: "Teams"}); !errors.Is(err, ErrNameTaken) {
		t.Errorf("B reuses a hard-deleted name: %v, want ErrNameTaken", err)
	}
	if _, _, err := b.Create(ctx, Owner{OrgID: 30}, Schema{Name: "Teams"}); err != nil {
		t.Errorf("organization 30 names one Teams: %v", err)
	}
}

// TestOwnerlessDocument: a document written before perspectives had
// owners (no org_id, no customer_id) is read as the default
// organization's, without a version change, and keeps that owner once
// saved again.
func TestOwnerlessDocument(t *testing.T) {
	ctx := context.Background()
	_, st := openBook(t)
	old := document{Version: docVersion, NextID: 1002, NextRef: 2, Perspectives: map[string]*record{
		"1001": {ID: "1001", State: stateActive, Version: 3, RemainingRef: "1", Schema: Schema{Name: "Old"}},
	}}
	if err := theDoc.Save(ctx, st, old); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := b.Perspective(Viewer{Owner: ownDefault}, "1001"); !ok || p.Owner != ownDefault || p.Version != 3 {
		t.Errorf("the old perspective to the default organization: %+v, %v", p, ok)
	}
	if _, ok := b.Perspective(Viewer{Owner: ownA}, "1001"); ok {
		t.Error("organization A sees the default organization's old perspective")
	}
	if _, _, err := b.Create(ctx, ownDefault, Schema{Name: "Old"}); !errors.Is(err, ErrNameTaken) {
		t.Errorf("the old name is the default organization's: %v, want ErrNameTaken", err)
	}
	if _, _, err := b.Create(ctx, ownA, Schema{Name: "Old"}); err != nil {
		t.Fatal(err)
	}
	again, err := OpenBook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	got := again.List(Viewer{Owner: ownDefault}, false)
	if want := map[string]Entry{"1001": {Name: "Old", Active: true}}; !reflect.DeepEqual(got, want) {
		t.Errorf("reopened, the default organization lists %v, want %v", got, want)
	}
}
