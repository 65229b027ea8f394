package duckdb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
	"github.com/tally-cost/tally/internal/tenant"
)

func generation(t *testing.T, st *Store) uint64 {
	t.Helper()
	g, err := st.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGenerationChanges: every kind of write raises the generation,
// failed writes included (a spurious bump costs a revalidation, a
// missing one a stale answer), and no read does.
func TestGenerationChanges(t *testing.T) {
	ctx := context.Background()
	march := storetest.Day(3, 1)
	item := func() *cost.LineItem { return storetest.Item("a1", "AmazonEC2", march, "10") }
	loaded := func(t *testing.T, st *Store) int64 { return storetest.Load(t, st, "s1", item())[0].ID }
	cases := []struct {
		name  string
		write bool
		op    func(t *testing.T, st *Store) error
	}{
		{"import commits", true, func(t *testing.T, st *Store) error { storetest.Load(t, st, "s1", item()); return nil }},
		{"empty import commits", true, func(t *testing.T, st *Store) error { storetest.Load(t, st, "s1"); return nil }},
		{"import begins (a loading snapshot is listed)", true, func(t *testing.T, st *Store) error {
			_, err := st.BeginImport(ctx, store.ImportSpec{Source: "s1", Provider: "aws", Periods: []cost.Window{{Start: march, End: storetest.Day(4, 1)}}})
			return err
		}},
		{"import fails", true, func(t *testing.T, st *Store) error {
			imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "s1", Provider: "aws"})
			if err != nil {
				return err
			}
			if err := imp.Append(item()); err != nil {
				return err
			}
			before := generation(t, st)
			err = imp.Fail(ctx, errors.New("bad file"))
			if generation(t, st) == before {
				t.Error("Fail did not raise the generation")
			}
			return err
		}},
		{"snapshot deleted", true, func(t *testing.T, st *Store) error { _, err := st.DeleteSnapshot(ctx, 1); return err }},
		{"snapshots pruned", true, func(t *testing.T, st *Store) error { _, err := st.DeleteSnapshots(ctx, []int64{1}); return err }},
		{"document put", true, func(t *testing.T, st *Store) error { return st.PutDocument(ctx, "perspective", "p1", []byte(`{}`)) }},
		{"documents put", true, func(t *testing.T, st *Store) error {
			return st.PutDocuments(ctx, "registry", map[string][]byte{"a": []byte(`1`), "b": []byte(`2`)})
		}},
		{"document deleted", true, func(t *testing.T, st *Store) error { return st.DeleteDocument(ctx, "perspective", "p0") }},
		{"tenants changed", true, func(t *testing.T, st *Store) error {
			return st.ApplyTenants(ctx, tenant.Change{Customers: []tenant.Customer{{ID: 7, Name: "c", CreatedAt: march, UpdatedAt: march}}})
		}},
		{"metric points put", true, func(t *testing.T, st *Store) error {
			return st.PutMetricPoints(ctx, nil)
		}},

		{"snapshots listed", false, func(t *testing.T, st *Store) error {
			_, err := st.Snapshots(ctx, store.SnapshotFilter{Scope: scope.All()})
			return err
		}},
		{"costs queried", false, func(t *testing.T, st *Store) error {
			_, err := st.Stream(ctx, query.Query{Window: cost.Window{Start: march, End: storetest.Day(4, 1)}, Metrics: []cost.Metric{cost.Billed}, Scope: scope.All()},
				func(query.Row) error { return nil })
			return err
		}},
		{"entries listed", false, func(t *testing.T, st *Store) error {
			_, err := st.Entries(ctx, store.EntryQuery{Window: cost.Window{Start: march, End: storetest.Day(4, 1)}, Scope: scope.All()},
				func(*store.Entry) error { return nil })
			return err
		}},
		{"documents read", false, func(t *testing.T, st *Store) error { _, err := st.Documents(ctx, "perspective"); return err }},
		{"tenants read", false, func(t *testing.T, st *Store) error { _, err := st.LoadTenants(ctx); return err }},
		{"pinged", false, func(t *testing.T, st *Store) error { return st.Ping(ctx) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := openTempMem(t)
			if id := loaded(t, st); id != 1 {
				t.Fatalf("first snapshot id = %d, the cases delete 1", id)
			}
			if err := st.PutDocument(ctx, "perspective", "p0", []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			before := generation(t, st)
			if err := c.op(t, st); err != nil {
				t.Fatal(err)
			}
			after := generation(t, st)
			switch {
			case c.write && after <= before:
				t.Errorf("generation %d after the write, %d before: want it raised", after, before)
			case !c.write && after != before:
				t.Errorf("generation %d after the read, %d before: want it unchanged", after, before)
			}
		})
	}
}

// TestGenerationSurvivesRestart: a reopened file starts above every
// generation the previous process reached, so an entity tag of before a
// restart never matches after it.
func TestGenerationSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	var last uint64
	for run := range 3 {
		st, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		first := generation(t, st)
		if first <= last {
			t.Fatalf("run %d starts at generation %d, the previous run reached %d", run, first, last)
		}
		for i := range 3 {
			if err := st.PutDocument(ctx, "k", "n", []byte{byte('0' + i)}); err != nil {
				t.Fatal(err)
			}
		}
		last = generation(t, st)
		if last <= first {
			t.Fatalf("run %d: generation %d after writes, %d at open", run, last, first)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if g := generation(t, ro); g == 0 {
		t.Fatalf("read-only generation = %d, want the file's", g)
	}
}
