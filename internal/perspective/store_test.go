package perspective

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// TestMappingInStore: the compiled mapping, run by the default store
// (DuckDB compiles it to SQL), groups random line items into the groups
// Evaluate gives them, with each group's total exact to the cent. It is
// what a perspective dimension in a report does; absent and empty tags
// are where SQL and Go most easily differ.
func TestMappingInStore(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	rng := rand.New(rand.NewPCG(21, 6))
	at := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	var items []Item
	var lis []*cost.LineItem
	for i := range 200 {
		it := randomItem(rng)
		// A line item always has a service; region stays random.
		it.Fields["service"] = pick(rng, vals[1:])
		li := storetest.Item("acct", it.Fields["service"], at, decimal.New(int64(i+1), -2).String())
		li.RegionID = it.Fields["region"]
		li.Tags = it.Tags
		items, lis = append(items, it), append(lis, li)
	}
	storetest.Load(t, st, "perspective", lis...)

	checked := 0
	for checked < 60 {
		s, err := normalize(randomSchema(rng), nil, counter())
		if err != nil {
			continue
		}
		checked++
		p := Perspective{Schema: s}
		m, err := p.Mapping(DimensionByName)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]decimal.Decimal{}
		for i, it := range items {
			g := Evaluate(s, it).Name
			want[g] = want[g].Add(decimal.New(int64(i+1), -2))
		}
		res, err := query.Collect(ctx, st, query.Query{
			Scope: scope.All(), Window: cost.Window{Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)},
			Metrics: []cost.Metric{cost.Billed}, GroupBy: []cost.Dimension{perspectiveDim},
			Mappings: map[cost.Dimension]query.Mapping{perspectiveDim: m},
		})
		if err != nil {
			t.Fatalf("schema %+v: %v", s, err)
		}
		got := map[string]decimal.Decimal{}
		for _, r := range res.Rows {
			got[r.Keys[0]] = got[r.Keys[0]].Add(r.Values[0])
		}
		if len(got) != len(want) {
			t.Fatalf("schema %+v:\nmapping %v\nstore groups %v, Evaluate %v", s, m.Rules, got, want)
		}
		for g, w := range want {
			if !got[g].Equal(w) {
				t.Fatalf("schema %+v:\nmapping %v\ngroup %q: store %s, Evaluate %s (all: %v vs %v)", s, m.Rules, g, got[g], w, got, want)
			}
		}
	}
}
