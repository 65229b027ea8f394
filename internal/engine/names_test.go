package engine_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

// TestRegisteredNamesEverywhere: a sub account's registered name is the
// name every question shows and filters by, whichever dialect asks,
// including through a dialect's own mapping that reads the name (as a
// Kubecost key does); unnamed ones keep the bill's name.
func TestRegisteredNamesEverywhere(t *testing.T) {
	st, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	march := storetest.Day(3, 5)
	storetest.Load(t, st, "s", storetest.Item("s1", "A", march, "1"), storetest.Item("s2", "A", march, "2"),
		storetest.Item("s3", "A", march, "4"))
	e := engine.New(st)
	reg := registry.New(&registry.MemRepo{})
	e.SetRegistry(reg)
	named := "Registered"
	ctx := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	for _, en := range []registry.Entry{
		{Kind: registry.SubAccount, Key: "s1", Name: &named},
		{Kind: registry.SubAccount, Key: "s2"}, // registered without a name
	} {
		if _, err := reg.Register(ctx, en); err != nil {
			t.Fatal(err)
		}
	}
	w := cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)}
	shown := cost.Dimension("dialect.shown")
	ask := func(ctx context.Context, q query.Query) string {
		t.Helper()
		q.Window, q.Metrics = w, []cost.Metric{cost.Billed}
		if len(q.GroupBy) > 0 {
			q.Sort = []query.Order{query.Key(0, false)}
		}
		res, err := e.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res.Rows {
			out = append(out, fmt.Sprintf("%s=%s", r.Keys, r.Values[0]))
		}
		return fmt.Sprint(out)
	}
	byName := []cost.Dimension{cost.DimSubAccountName}
	nameIs := func(v string) filter.Expr {
		return filter.Cond{Dim: cost.DimSubAccountName, Values: []string{v}, FoldCase: true}
	}
	cases := []struct {
		name string
		ctx  context.Context
		q    query.Query
		want string
	}{
		{"grouped", ctx, query.Query{GroupBy: byName}, "[[Registered]=1 [s2-name]=2 [s3-name]=4]"},
		{"filtered by the registered name", ctx, query.Query{GroupBy: byName, Filter: nameIs("registered")}, "[[Registered]=1]"},
		{"the bill's name of a renamed account matches nothing", ctx, query.Query{Filter: nameIs("s1-name")}, "[]"},
		{"an unnamed account keeps the bill's name", ctx, query.Query{Filter: nameIs("s2-name")}, "[[]=2]"},
		{"through a dialect's mapping", ctx, query.Query{GroupBy: []cost.Dimension{shown}, Mappings: map[cost.Dimension]query.Mapping{
			shown: {Rules: []query.Rule{{When: filter.Cond{Dim: cost.DimSubAccountName, Values: []string{""}}, Value: "none"}}, Else: cost.DimSubAccountName},
		}}, "[[Registered]=1 [s2-name]=2 [s3-name]=4]"},
		{"a scoped caller", tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleViewer, Scope: scope.Accounts("s1", "s3")}),
			query.Query{GroupBy: byName}, "[[Registered]=1 [s3-name]=4]"},
	}
	for _, c := range cases {
		if got := ask(c.ctx, c.q); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// Cost entries filter by the same names.
	var ids []string
	_, err = e.Entries(ctx, store.EntryQuery{Filter: nameIs("Registered")}, func(en *store.Entry) error {
		ids = append(ids, en.Item.SubAccountID)
		return nil
	})
	if err != nil || fmt.Sprint(ids) != "[s1]" {
		t.Fatalf("entries named Registered: %v, %v", ids, err)
	}
}
