package budget

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

func TestCheck(t *testing.T) {
	ok := Spec{Name: "EC2", Amount: "1200", Currency: "usd"}
	with := func(f func(*Spec)) Spec { s := ok; f(&s); return s }
	cases := []struct {
		name string
		in   Spec
		want Spec
		err  string // a part of the error; "" accepted
	}{
		{name: "defaults", in: ok, want: Spec{Name: "EC2", Metric: "billed", Amount: "1200", Currency: "USD", Thresholds: []int{50, 80, 100}}},
		{name: "normalised", in: Spec{Name: " Web ", Filter: ` service:"AmazonEC2" `, Metric: "AmortizedNet", Amount: "1200.50", Currency: " eur", Thresholds: []int{100, 90}},
			want: Spec{Name: "Web", Filter: `service:"AmazonEC2"`, Metric: "amortizedNet", Amount: "1200.5", Currency: "EUR", Thresholds: []int{90, 100}}},
		{name: "exact amount", in: with(func(s *Spec) { s.Amount = "0.0000000000000000000000000001" }), want: Spec{Name: "EC2", Metric: "billed", Amount: "0.0000000000000000000000000001", Currency: "USD", Thresholds: []int{50, 80, 100}}},
		{name: "blank name", in: with(func(s *Spec) { s.Name = " " }), err: "name"},
		{name: "bad filter", in: with(func(s *Spec) { s.Filter = `service:"AmazonEC2` }), err: "filter:"},
		{name: "unknown filter field", in: with(func(s *Spec) { s.Filter = `colour:"red"` }), err: "filter:"},
		{name: "long filter", in: with(func(s *Spec) { s.Filter = strings.Repeat("x", MaxFilter+1) }), err: "longer than 4000"},
		{name: "unknown metric", in: with(func(s *Spec) { s.Metric = "cheapest" }), err: "metric:"},
		{name: "missing amount", in: with(func(s *Spec) { s.Amount = "" }), err: "amount: missing"},
		{name: "amount not a number", in: with(func(s *Spec) { s.Amount = "12,00" }), err: `amount: "12,00" is not a decimal number`},
		{name: "zero amount", in: with(func(s *Spec) { s.Amount = "0" }), err: "amount: 0 is not positive"},
		{name: "negative amount", in: with(func(s *Spec) { s.Amount = "-5" }), err: "not positive"},
		{name: "huge amount", in: with(func(s *Spec) { s.Amount = "1e400" }), err: "more than 30 digits"},
		{name: "currency", in: with(func(s *Spec) { s.Currency = "dollars" }), err: "ISO 4217"},
		{name: "threshold zero", in: with(func(s *Spec) { s.Thresholds = []int{0} }), err: "0 is not a percentage"},
		{name: "threshold twice", in: with(func(s *Spec) { s.Thresholds = []int{80, 80} }), err: "80 appears twice"},
		{name: "too many thresholds", in: with(func(s *Spec) { s.Thresholds = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11} }), err: "at most 10"},
		{name: "no thresholds", in: with(func(s *Spec) { s.Thresholds = []int{} }), want: Spec{Name: "EC2", Metric: "billed", Amount: "1200", Currency: "USD", Thresholds: []int{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Check(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Check = %+v, %v; want an ErrInvalid with %q", got, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != c.want.Name || got.Filter != c.want.Filter || got.Metric != c.want.Metric || got.Amount != c.want.Amount ||
				got.Currency != c.want.Currency || !slices.Equal(got.Thresholds, c.want.Thresholds) {
				t.Fatalf("Check = %+v, want %+v", got, c.want)
			}
		})
	}
}

func as(p *tenant.Principal) context.Context { return tenant.WithPrincipal(context.Background(), p) }

// TestOwnership: a budget belongs to the organization and customer that
// created it; others neither see nor change it, unscoped callers of the
// default organization see it, viewers write nothing, and a reopened
// book reads what was saved.
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

	bg, err := b.Create(orgA, Spec{Name: "Team A", Amount: "100", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	if bg.ID != 1 || bg.OrgID != 7 || !bg.CreatedAt.Equal(now) || bg.Metric != "billed" {
		t.Errorf("created %+v", bg)
	}
	for _, c := range []struct {
		who  string
		ctx  context.Context
		sees bool
	}{{"org A", orgA, true}, {"a viewer of org A", viewerA, true}, {"org B", orgB, false}, {"a customer of org A", custOfA, false}, {"the admin", admin, true}} {
		got, err := b.Get(c.ctx, bg.ID)
		if (err == nil) != c.sees || (err != nil && !errors.Is(err, ErrNotFound)) || (c.sees && got.Name != "Team A") {
			t.Errorf("Get as %s: %+v %v; want seen %v", c.who, got, err, c.sees)
		}
		list, err := b.List(c.ctx)
		if err != nil || (len(list) == 1) != c.sees {
			t.Errorf("List as %s: %+v, %v", c.who, list, err)
		}
	}
	if _, err := b.Update(orgB, bg.ID, Spec{Name: "Mine", Amount: "1", Currency: "USD"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update by another organization: %v", err)
	}
	if err := b.Delete(orgB, bg.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete by another organization: %v", err)
	}
	if _, err := b.Create(viewerA, Spec{Name: "V", Amount: "1", Currency: "USD"}); !errors.Is(err, tenant.ErrForbidden) {
		t.Errorf("Create by a viewer: %v, want ErrForbidden", err)
	}
	if _, err := b.Update(orgA, bg.ID, Spec{Name: "Renamed", Amount: "250.00", Currency: "EUR", Thresholds: []int{90}}); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Get(orgA, bg.ID)
	if err != nil || got.Name != "Renamed" || got.Amount != "250" || got.Currency != "EUR" || !slices.Equal(got.Thresholds, []int{90}) || got.OrgID != 7 {
		t.Errorf("after reopening: %+v %v", got, err)
	}
	if err := again.Delete(orgA, bg.ID); err != nil {
		t.Fatal(err)
	}
	next, err := again.Create(orgA, Spec{Name: "Next", Amount: "1", Currency: "USD"})
	if err != nil || next.ID != 2 {
		t.Errorf("the next id after a delete: %+v, %v; ids are not reused", next, err)
	}
}
