package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestDeleteRatedFrom: a reset deletes the scope's rated periods from
// the timestamp on, superseded ratings included (none comes back), and
// leaves earlier periods and other scopes alone; only administrators of
// a scope they see may.
func TestDeleteRatedFrom(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)
	frame := func(sc string, h int, price string) frames.Frame {
		s := t0.Add(time.Duration(h) * time.Hour)
		return frames.Frame{Scope: sc, Start: s, End: s.Add(time.Hour), Usage: map[string][]frames.Point{
			"instance": {{Qty: decimal.NewFromInt(1), Price: decimal.RequireFromString(price)}}}}
	}
	for _, price := range []string{"100", "1"} { // the second rating supersedes the first
		for _, sc := range []string{"p1", "p2"} {
			if _, err := frames.Write(ctx, st, sc, "USD", frame(sc, 0, price), frame(sc, 1, price), frame(sc, 2, price)); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := cost.Window{Start: t0, End: t0.Add(24 * time.Hour)}
	if got := storetest.Total(t, st, all, cost.Billed); got != "6" {
		t.Fatalf("total before %s, want 6", got)
	}
	e := New(st)
	viewer := tenant.WithPrincipal(ctx, &tenant.Principal{Role: tenant.RoleEditor, Scope: scope.All()})
	if _, err := e.DeleteRatedFrom(viewer, "p1", t0); !errors.Is(err, tenant.ErrForbidden) {
		t.Errorf("an editor reset a scope: %v", err)
	}
	other := tenant.WithPrincipal(ctx, &tenant.Principal{Role: tenant.RoleAdmin, Scope: scope.Accounts("p2")})
	if _, err := e.DeleteRatedFrom(other, "p1", t0); !errors.Is(err, tenant.ErrForbidden) {
		t.Errorf("an administrator of p2 reset p1: %v", err)
	}
	admin := tenant.WithPrincipal(ctx, &tenant.Principal{Role: tenant.RoleAdmin, Scope: scope.Accounts("p1")})
	deleted, err := e.DeleteRatedFrom(admin, "p1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 4 {
		t.Errorf("deleted %d snapshots, want 4 (hours 1 and 2, each rated twice)", len(deleted))
	}
	// p1 keeps hour 0 (1), p2 keeps its three hours (3).
	if got := storetest.Total(t, st, all, cost.Billed); got != "4" {
		t.Fatalf("total after the reset %s, want 4", got)
	}
	left, err := st.Snapshots(ctx, store.SnapshotFilter{Source: frames.Source("p1"), Status: store.StatusComplete, Scope: scope.All()})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || !left[0].BillingPeriodStart.Equal(t0) {
		t.Errorf("p1's visible snapshots after the reset: %+v", left)
	}
}
