package engine

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// billStore answers snapshot listings with snaps and every query with
// rows keyed by (customer id, billing account id), recording the query.
type billStore struct {
	snaps []store.Snapshot
	rows  [][2]string
	q     query.Query
}

func (b *billStore) Stream(_ context.Context, q query.Query, fn func(query.Row) error) (query.Stats, error) {
	b.q = q
	for _, r := range b.rows {
		if err := fn(query.Row{Keys: []string{r[0], r[1]}}); err != nil {
			return query.Stats{}, err
		}
	}
	return query.Stats{Total: len(b.rows)}, nil
}

func (b *billStore) Snapshots(context.Context, store.SnapshotFilter) ([]store.Snapshot, error) {
	return b.snaps, nil
}

func (b *billStore) Entries(context.Context, store.EntryQuery, func(*store.Entry) error) (int64, error) {
	return 0, errors.New("billStore lists no entries")
}

func (b *billStore) DeleteSnapshot(context.Context, int64) (store.Snapshot, error) {
	return store.Snapshot{}, errors.New("billStore deletes nothing")
}

func (b *billStore) DeleteSnapshots(context.Context, []int64) ([]store.Snapshot, error) {
	return nil, errors.New("billStore deletes nothing")
}

func as(p *tenant.Principal) context.Context { return tenant.WithPrincipal(context.Background(), p) }

func str(s string) *string { return &s }

// registryFixture is a registry with:
//   - customers c-bill (named in the bills of sub-a), c-parent (parent of
//     the registered sub-b), c-alone (nobody's);
//   - sub accounts sub-a, sub-b (parent c-parent) and sub-x.
func registryFixture(t *testing.T) (*Engine, *billStore) {
	t.Helper()
	st := &billStore{
		snaps: []store.Snapshot{{ID: 1, Status: store.StatusComplete}, {ID: 2, Status: store.StatusSuperseded},
			{ID: 3, Status: store.StatusFailed}, {ID: 4, Status: store.StatusDeleted}},
		rows: [][2]string{{"c-bill", "ba-1"}},
	}
	e := New(st)
	r := registry.New(&registry.MemRepo{})
	e.SetRegistry(r)
	ctx := context.Background()
	for _, en := range []registry.Entry{
		{Kind: registry.Customer, Key: "c-bill", Name: str("Billed")},
		{Kind: registry.Customer, Key: "c-parent"},
		{Kind: registry.Customer, Key: "c-alone"},
		{Kind: registry.SubAccount, Key: "sub-a", Name: str("A")},
		{Kind: registry.SubAccount, Key: "sub-b", Parent: "c-parent"},
		{Kind: registry.SubAccount, Key: "sub-x"},
	} {
		if _, err := r.Register(ctx, en); err != nil {
			t.Fatal(err)
		}
	}
	return e, st
}

func keys(t *testing.T, e *Engine, ctx context.Context, kind registry.Kind) []string {
	t.Helper()
	list, err := e.Registered(ctx, kind)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, en := range list {
		out = append(out, en.Key)
	}
	return out
}

// TestRegisteredScope: a scoped caller sees only the entries of its
// scope, and the customers its scope names.
func TestRegisteredScope(t *testing.T) {
	e, st := registryFixture(t)
	if _, err := e.Registered(context.Background(), registry.Customer); !errors.Is(err, ErrNoPrincipal) {
		t.Fatalf("without a principal: %v, want ErrNoPrincipal", err)
	}
	f := func(accounts []string, bills [][2]string, wantSubs, wantCustomers []string) {
		t.Helper()
		st.rows = bills
		sc := scope.All() // nil: the test's shorthand for every account
		if accounts != nil {
			sc = scope.Accounts(accounts...)
		}
		ctx := as(&tenant.Principal{Role: tenant.RoleViewer, OrgID: 2, Scope: sc})
		if got := keys(t, e, ctx, registry.SubAccount); !reflect.DeepEqual(got, wantSubs) {
			t.Errorf("scope %v: sub accounts %v, want %v", accounts, got, wantSubs)
		}
		if got := keys(t, e, ctx, registry.Customer); !reflect.DeepEqual(got, wantCustomers) {
			t.Errorf("scope %v: customers %v, want %v", accounts, got, wantCustomers)
		}
	}
	all := []string{"c-alone", "c-bill", "c-parent"}
	f(nil, nil, []string{"sub-a", "sub-b", "sub-x"}, all)
	f([]string{}, nil, []string{}, []string{})
	f([]string{"sub-x"}, nil, []string{"sub-x"}, []string{})
	f([]string{"sub-b"}, nil, []string{"sub-b"}, []string{"c-parent"})
	f([]string{"sub-a"}, [][2]string{{"c-bill", "ba-1"}}, []string{"sub-a"}, []string{"c-bill"})
	// A billing account that the caller's line items carry counts too.
	f([]string{"sub-a"}, [][2]string{{"", "c-alone"}}, []string{"sub-a"}, []string{"c-alone"})
	f([]string{"other"}, nil, []string{}, []string{})

	// The question about line items is asked in the caller's scope, of
	// the completed snapshots only.
	st.rows = nil
	keys(t, e, as(&tenant.Principal{Role: tenant.RoleViewer, Scope: scope.Accounts("sub-a")}), registry.Customer)
	if !st.q.Scope.Equal(scope.Accounts("sub-a")) || !reflect.DeepEqual(st.q.Selection.Snapshots, []int64{1, 2}) {
		t.Errorf("customer question asked with scope %v, snapshots %v", st.q.Scope, st.q.Selection.Snapshots)
	}
}

// auditLog records audit entries.
type auditLog struct {
	entries [][5]string
	fail    error
}

func (a *auditLog) record(_ context.Context, p *tenant.Principal, action, object, id, detail string) error {
	a.entries = append(a.entries, [5]string{p.Actor(), action, object, id, detail})
	return a.fail
}

// TestRegisterPermissions: only editors and administrators of the
// default organization change the registry, and every change is audited.
func TestRegisterPermissions(t *testing.T) {
	e, _ := registryFixture(t)
	log := &auditLog{}
	e.SetAudit(log.record)
	if err := e.MayRegister(context.Background()); !errors.Is(err, ErrNoPrincipal) {
		t.Fatalf("without a principal: %v", err)
	}
	refused := map[string]*tenant.Principal{
		"viewer":            {Role: tenant.RoleViewer, OrgID: tenant.DefaultOrgID, Scope: scope.All()},
		"partner":           {Role: tenant.RolePartner, OrgID: tenant.DefaultOrgID, Scope: scope.All()},
		"scoped editor":     {Role: tenant.RoleEditor, OrgID: 2, Scope: scope.Accounts("sub-a")},
		"scoped admin":      {Role: tenant.RoleAdmin, OrgID: 2, Scope: scope.Accounts()},
		"customer's editor": {Role: tenant.RoleEditor, CustomerID: 3, Scope: scope.All()},
	}
	for name, p := range refused {
		ctx := as(p)
		if err := e.MayRegister(ctx); !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("%s may register: %v", name, err)
		}
		if _, err := e.Register(ctx, registry.Entry{Kind: registry.Customer, Key: "new"}); !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("%s registering: %v", name, err)
		}
		if _, err := e.UpdateRegistered(ctx, registry.Entry{Kind: registry.Customer, Key: "c-alone", Name: str("x")}); !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("%s updating: %v", name, err)
		}
		if _, err := e.Unregister(ctx, registry.Customer, "c-alone"); !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("%s unregistering: %v", name, err)
		}
	}
	if len(log.entries) != 0 {
		t.Fatalf("refused changes were audited: %v", log.entries)
	}

	editor := as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: tenant.DefaultOrgID, KeyName: "ed", Scope: scope.All()})
	if err := e.MayRegister(editor); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Register(editor, registry.Entry{Kind: registry.SubAccount, Key: "sub-n", Name: str("N"), Parent: "c-alone", Provider: "Microsoft"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.UpdateRegistered(editor, registry.Entry{Kind: registry.Customer, Key: "c-alone", Name: str("Alone")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Unregister(editor, registry.Customer, "c-alone"); !errors.Is(err, registry.ErrInUse) {
		t.Fatalf("removing a parent: %v, want ErrInUse", err)
	}
	if _, err := e.Unregister(editor, registry.SubAccount, "sub-n"); err != nil {
		t.Fatal(err)
	}
	want := [][5]string{
		{"ed", "create", "registry.subaccount", "sub-n", `name="N" parent="c-alone" provider="Microsoft"`},
		{"ed", "update", "registry.customer", "c-alone", `name="Alone"`},
		{"ed", "delete", "registry.subaccount", "sub-n", `name="N" parent="c-alone" provider="Microsoft"`},
	}
	if !reflect.DeepEqual(log.entries, want) {
		t.Fatalf("audit:\n got %q\nwant %q", log.entries, want)
	}

	// A change whose audit entry cannot be written is reported.
	log.fail = errors.New("audit log full")
	if _, err := e.Register(editor, registry.Entry{Kind: registry.Customer, Key: "c-late"}); !errors.Is(err, log.fail) {
		t.Fatalf("audit failure: %v", err)
	}
}

// TestNoRegistry: an engine without a registry lists nothing and refuses
// writes with ErrNoRegistry (after the permission check).
func TestNoRegistry(t *testing.T) {
	e := New(&billStore{})
	admin := as(tenant.NoAuth)
	if list, err := e.Registered(admin, registry.Customer); err != nil || len(list) != 0 {
		t.Fatalf("registered: %v, %v", list, err)
	}
	if _, err := e.Register(admin, registry.Entry{Kind: registry.Customer, Key: "c"}); !errors.Is(err, ErrNoRegistry) {
		t.Fatalf("register: %v, want ErrNoRegistry", err)
	}
	viewer := as(&tenant.Principal{Role: tenant.RoleViewer, OrgID: tenant.DefaultOrgID, Scope: scope.All()})
	if err := e.MayRegister(viewer); !errors.Is(err, tenant.ErrForbidden) {
		t.Fatalf("a viewer without a registry: %v, want ErrForbidden", err)
	}
}
