package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestRatedWrites: only administrators who see a scope write its rated
// data; WriteRated replaces a period, AddRated adds to it (one snapshot
// per scope and period either way), and periods not written keep their
// points.
func TestRatedWrites(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := engine.New(st)
	hour := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	frame := func(start time.Time, prices ...string) frames.Frame {
		f := frames.Frame{Scope: "p1", Start: start, End: start.Add(time.Hour), Usage: map[string][]frames.Point{}}
		for _, p := range prices {
			f.Usage["instance"] = append(f.Usage["instance"], frames.Point{Unit: "instance", Qty: decimal.NewFromInt(1),
				Price: decimal.RequireFromString(p), Groupby: map[string]string{"project_id": "p1"}, Metadata: map[string]string{}})
		}
		return f
	}
	admin := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	refused := map[string]context.Context{
		"no principal":        context.Background(),
		"viewer":              tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleViewer, Scope: scope.All()}),
		"editor":              tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleEditor, Scope: scope.All()}),
		"administrator of p2": tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleAdmin, Scope: scope.Accounts("p2")}),
	}
	for name, ctx := range refused {
		if _, err := e.WriteRated(ctx, "p1", "USD", frame(hour, "1")); err == nil {
			t.Errorf("WriteRated as %s: written", name)
		} else if name != "no principal" && !errors.Is(err, tenant.ErrForbidden) {
			t.Errorf("WriteRated as %s: %v, want forbidden", name, err)
		}
		if _, err := e.AddRated(ctx, "p1", "USD", frame(hour, "1")); err == nil {
			t.Errorf("AddRated as %s: written", name)
		}
	}
	total := func() string {
		t.Helper()
		res, err := query.Collect(admin, e, query.Query{Window: cost.Window{Start: hour.Add(-time.Hour), End: hour.Add(3 * time.Hour)},
			Metrics: []cost.Metric{cost.Billed}, Quantity: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) == 0 {
			return "0/0"
		}
		return res.Rows[0].Values[0].String() + "/" + res.Rows[0].Quantity.String()
	}
	if got := total(); got != "0/0" {
		t.Fatalf("after refused writes: %s", got)
	}
	scoped := tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleAdmin, Scope: scope.Accounts("p1")})
	if _, err := e.WriteRated(scoped, "p1", "USD", frame(hour, "0.1", "0.2"), frame(hour.Add(time.Hour), "5")); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != "5.3/3" {
		t.Errorf("written: %s, want 5.3/3", got)
	}
	if _, err := e.AddRated(admin, "p1", "USD", frame(hour, "0.4")); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != "5.7/4" {
		t.Errorf("added: %s, want 5.7/4", got)
	}
	if _, err := e.WriteRated(admin, "p1", "USD", frame(hour, "1")); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != "6/2" {
		t.Errorf("replaced: %s, want 6/2 (the second hour kept)", got)
	}
}
