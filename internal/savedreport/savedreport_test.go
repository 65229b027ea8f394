package savedreport

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

func TestCheckQuery(t *testing.T) {
	cases := []struct {
		in, want, err string // err: a part of the error; "" accepted
	}{
		{in: "dimensions[]=time&measures[]=cost&interval=monthly&filters[]=time:select:-1", want: "dimensions[]=time&measures[]=cost&interval=monthly&filters[]=time:select:-1"},
		{in: "report=My Saved Report?dimensions[]=AWS-Account&measures[]=cost", want: "dimensions[]=AWS-Account&measures[]=cost"},
		{in: "  dimensions%5B%5D=time&measures%5B%5D=cost ", want: "dimensions%5B%5D=time&measures%5B%5D=cost"},
		{in: "measures[]=cost", want: "measures[]=cost"},
		{in: "filters[]=AWS-Account:reject:1,2&dimensions[]=time", want: "filters[]=AWS-Account:reject:1,2&dimensions[]=time"},
		{in: "", err: "query can't be blank"},
		{in: "report=Name?", err: "query can't be blank"},
		{in: "interval=monthly", err: "names no dimensions[] or measures[]"},
		{in: "dimensions[]=time&interval=yearly", err: `query parameter 2: interval "yearly" is not one of hourly, daily, weekly, monthly`},
		{in: "dimensions[]=time&filters[]=time:keep:1", err: `query parameter 2: filter "time:keep:1" is not <dimension>:select|reject:<members>`},
		{in: "dimensions[]=time&filters[]=time:select:", err: "query parameter 2: filter"},
		{in: "dimensions[]=time&sort=cost", err: `query parameter 2: "sort" is not one of dimensions[], measures[], interval, filters[]`},
		{in: "dimensions[]=", err: "query parameter 1: dimensions[] is blank"},
		{in: "dimensions[]=a&dimensions[]=b&dimensions[]=c&dimensions[]=d&dimensions[]=e", err: "query has 5 dimensions, at most 4"},
		{in: "dimensions[]=%zz", err: `query parameter 1 "dimensions[]=%zz"`},
		{in: "dimensions[]=" + strings.Repeat("x", MaxQuery), err: "longer than 4000 characters"},
	}
	for _, c := range cases {
		got, err := CheckQuery(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("CheckQuery(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrInvalid)):
			t.Errorf("CheckQuery(%q) = %q, %v; want an ErrInvalid with %q", c.in, got, err, c.err)
		}
	}
}

func as(p *tenant.Principal) context.Context { return tenant.WithPrincipal(context.Background(), p) }

// TestOwnership: a report belongs to the organization and customer that
// saved it; callers of other organizations neither see nor change it,
// callers of the default organization that see everything see it, and
// viewers save nothing. The dialect's Get reads the same way.
func TestOwnership(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	b, err := Open(ctx, st, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	orgA := as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: 7, Scope: scope.Accounts("a")})
	orgB := as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: 8, Scope: scope.Accounts("b")})
	custOfA := as(&tenant.Principal{Role: tenant.RoleEditor, OrgID: 7, CustomerID: 3, Scope: scope.Accounts("a")})
	viewerA := as(&tenant.Principal{Role: tenant.RoleViewer, OrgID: 7, Scope: scope.Accounts("a")})
	admin := as(tenant.NoAuth)

	r, err := b.Create(orgA, " Monthly ", "dimensions[]=time&measures[]=cost")
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != firstID || r.Name != "Monthly" || r.OrgID != 7 || !r.CreatedAt.Equal(now) {
		t.Errorf("created %+v", r)
	}
	id := firstID
	for _, c := range []struct {
		who  string
		ctx  context.Context
		sees bool
	}{{"org A", orgA, true}, {"a viewer of org A", viewerA, true}, {"org B", orgB, false}, {"a customer of org A", custOfA, false}, {"the admin", admin, true}} {
		name, q, ok, err := b.Get(c.ctx, id)
		if err != nil || ok != c.sees || (ok && (name != "Monthly" || q != "dimensions[]=time&measures[]=cost")) {
			t.Errorf("Get as %s: %q %q %v %v; want seen %v", c.who, name, q, ok, err, c.sees)
		}
		list, err := b.List(c.ctx)
		if err != nil || (len(list) == 1) != c.sees {
			t.Errorf("List as %s: %+v, %v", c.who, list, err)
		}
	}
	if _, err := b.Update(orgB, r.ID, "Mine", "measures[]=cost"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update by another organization: %v, want ErrNotFound", err)
	}
	if err := b.Delete(orgB, r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete by another organization: %v, want ErrNotFound", err)
	}
	if _, err := b.Create(viewerA, "V", "measures[]=cost"); !errors.Is(err, tenant.ErrForbidden) {
		t.Errorf("Create by a viewer: %v, want ErrForbidden", err)
	}
	if _, _, ok, err := b.Get(orgA, 5); ok || err != nil {
		t.Errorf("Get of an unknown id: %v %v", ok, err)
	}
	if _, err := b.Update(orgA, r.ID, "Renamed", "dimensions[]=AWS-Account&measures[]=cost"); err != nil {
		t.Fatal(err)
	}
	// A reopened book reads what was saved, and numbers on.
	again, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if name, q, ok, err := again.Get(orgA, id); !ok || err != nil || name != "Renamed" || q != "dimensions[]=AWS-Account&measures[]=cost" {
		t.Errorf("after reopening: %q %q %v %v", name, q, ok, err)
	}
	if err := again.Delete(orgA, r.ID); err != nil {
		t.Fatal(err)
	}
	next, err := again.Create(orgA, "Next", "measures[]=cost")
	if err != nil || next.ID != firstID+1 {
		t.Errorf("the next id after a delete: %+v, %v; ids are not reused", next, err)
	}
}

// The CloudHealth dialect reads saved reports through this method set
// (its SavedReports interface): a change of signature fails here first.
var _ interface {
	Get(ctx context.Context, id int64) (name, query string, ok bool, err error)
} = (*Book)(nil)
