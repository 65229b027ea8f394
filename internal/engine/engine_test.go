package engine

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// recorder is a store that records the scope it is asked with.
type recorder struct {
	q       query.Query
	f       store.SnapshotFilter
	e       store.EntryQuery
	deleted []int64
	snaps   []store.Snapshot // what Snapshots answers
}

func (r *recorder) DeleteSnapshot(_ context.Context, id int64) (store.Snapshot, error) {
	r.deleted = append(r.deleted, id)
	return store.Snapshot{ID: id, Status: store.StatusDeleted}, nil
}

func (r *recorder) DeleteSnapshots(ctx context.Context, ids []int64) ([]store.Snapshot, error) {
	var out []store.Snapshot
	for _, id := range ids {
		sn, _ := r.DeleteSnapshot(ctx, id)
		out = append(out, sn)
	}
	return out, nil
}

func (r *recorder) Entries(_ context.Context, q store.EntryQuery, _ func(*store.Entry) error) (int64, error) {
	r.e = q
	return 0, nil
}

func (r *recorder) Stream(_ context.Context, q query.Query, _ func(query.Row) error) (query.Stats, error) {
	r.q = q
	return query.Stats{}, nil
}

func (r *recorder) Snapshots(_ context.Context, f store.SnapshotFilter) ([]store.Snapshot, error) {
	r.f = f
	return r.snaps, nil
}

// TestSnapshotErrorsRedacted: a failed import's error stored by an older
// version, SAS token and all, is shown without it.
func TestSnapshotErrorsRedacted(t *testing.T) {
	rec := &recorder{snaps: []store.Snapshot{{ID: 1, Status: store.StatusFailed,
		Error: `mirror: Get "https://acct.blob.core.windows.net/exports?comp=list&sig=OLDSECRET": dial tcp: refused`,
		Files: []string{"https://acct.blob.core.windows.net/exports/a.csv?sig=OLDSECRET"}}}}
	ctx := tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleViewer})
	snaps, err := New(rec).Snapshots(ctx, store.SnapshotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Snapshot{ID: 1, Status: store.StatusFailed,
		Error: `mirror: Get "https://acct.blob.core.windows.net/exports?[REDACTED]": dial tcp: refused`,
		Files: []string{"https://acct.blob.core.windows.net/exports/a.csv?[REDACTED]"}}
	if len(snaps) != 1 || !reflect.DeepEqual(snaps[0], want) {
		t.Fatalf("snapshots %+v\nwant %+v", snaps, want)
	}
}

func TestScopeApplied(t *testing.T) {
	rec := &recorder{}
	e := New(rec)
	if _, err := e.Query(context.Background(), query.Query{}); !errors.Is(err, ErrNoPrincipal) {
		t.Fatalf("query without a principal: %v, want ErrNoPrincipal", err)
	}
	if _, err := e.Entries(context.Background(), store.EntryQuery{}, nil); !errors.Is(err, ErrNoPrincipal) {
		t.Fatalf("entries without a principal: %v, want ErrNoPrincipal", err)
	}
	if _, err := e.Snapshots(context.Background(), store.SnapshotFilter{}); !errors.Is(err, ErrNoPrincipal) {
		t.Fatalf("snapshots without a principal: %v, want ErrNoPrincipal", err)
	}
	// The store is asked with the caller's scope, whatever the dialect
	// put in the question: a dialect narrows with its filter only.
	cases := []struct {
		principal, asked scope.Scope
	}{
		{scope.All(), scope.Scope{}},
		{scope.Accounts("a", "b"), scope.All()},
		{scope.Accounts("a", "b"), scope.Accounts("b", "c")},
		{scope.Accounts(), scope.All()},
		{scope.Scope{}, scope.All()},
	}
	for _, c := range cases {
		ctx := tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleViewer, Scope: c.principal})
		e.Query(ctx, query.Query{Scope: c.asked})
		e.Snapshots(ctx, store.SnapshotFilter{Scope: c.asked})
		e.Entries(ctx, store.EntryQuery{Scope: c.asked}, nil)
		if !rec.q.Scope.Equal(c.principal) || !rec.f.Scope.Equal(c.principal) || !rec.e.Scope.Equal(c.principal) {
			t.Errorf("principal %v asking %v: store got %v / %v / %v, want %v", c.principal, c.asked, rec.q.Scope, rec.f.Scope, rec.e.Scope, c.principal)
		}
	}
}

// TestDeleteSnapshotGuarded: the delete the cost store always offers
// reaches it only for an administrator of the default organization, and
// is audited.
func TestDeleteSnapshotGuarded(t *testing.T) {
	rec := &recorder{}
	e := New(rec)
	var audited []string
	e.SetAudit(func(_ context.Context, _ *tenant.Principal, action, object, id, _ string) error {
		audited = append(audited, action+" "+object+" "+id)
		return nil
	})
	if _, err := e.DeleteSnapshot(context.Background(), 7); !errors.Is(err, ErrNoPrincipal) {
		t.Fatalf("delete without a principal: %v, want ErrNoPrincipal", err)
	}
	for _, p := range []*tenant.Principal{
		{Role: tenant.RoleViewer, Scope: scope.All()},
		{Role: tenant.RoleAdmin, Scope: scope.Accounts("a")},
	} {
		if _, err := e.DeleteSnapshot(tenant.WithPrincipal(context.Background(), p), 7); !errors.Is(err, tenant.ErrForbidden) {
			t.Fatalf("delete by %s over %v: %v, want ErrForbidden", p.Role, p.Scope, err)
		}
	}
	if len(rec.deleted) != 0 {
		t.Fatalf("refused deletes reached the store: %v", rec.deleted)
	}
	admin := tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleAdmin, Scope: scope.All()})
	sn, err := e.DeleteSnapshot(admin, 7)
	if err != nil || sn.ID != 7 || !reflect.DeepEqual(rec.deleted, []int64{7}) || !reflect.DeepEqual(audited, []string{"delete snapshot 7"}) {
		t.Fatalf("admin delete: %+v, %v; store deleted %v, audited %v", sn, err, rec.deleted, audited)
	}
}
