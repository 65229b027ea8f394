package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/storetest"
)

// codeOf returns the code of text v, and whether text_codes holds it.
func codeOf(t *testing.T, st *Store, v string) (int32, bool) {
	t.Helper()
	var code int32
	err := st.DB().QueryRow(`SELECT code FROM text_codes WHERE value = ?`, v).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return code, true
}

func services(t *testing.T, st *Store) string {
	t.Helper()
	res, err := query.Collect(context.Background(), st, query.Query{Scope: scope.All(), Window: cost.Window{Start: storetest.Day(3, 1), End: storetest.Day(4, 1)},
		GroupBy: []cost.Dimension{cost.DimSubAccountID, cost.DimService}, Metrics: []cost.Metric{cost.Billed}, Sort: []query.Order{query.Key(0, false), query.Key(1, false)}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, strings.Join(r.Keys, "/")+"="+r.Values[0].String())
	}
	return strings.Join(out, " ")
}

// TestDeleteRemovesUnusedTexts: deleting a snapshot removes the texts no
// other snapshot uses, moves no other code, reuses none, and leaves a
// file that opens (its codes still 0..n-1). While an import runs, nothing
// is removed: it may use a text in rows not loaded yet.
func TestDeleteRemovesUnusedTexts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	a := storetest.Load(t, st, "sa",
		storetest.Item("acct-a", "OnlyA", storetest.Day(3, 1), "1"),
		storetest.Item("acct-a", "Shared", storetest.Day(3, 1), "2"))
	storetest.Load(t, st, "sb",
		storetest.Item("acct-b", "Shared", storetest.Day(3, 1), "3"),
		storetest.Item("acct-b", "OnlyB", storetest.Day(3, 1), "4"))
	before := map[string]int32{}
	for _, v := range []string{"OnlyA", "acct-a", "Shared", "OnlyB", "acct-b"} {
		code, ok := codeOf(t, st, v)
		if !ok {
			t.Fatalf("%s has no code", v)
		}
		before[v] = code
	}

	// An import is running: nothing goes.
	imp, err := st.BeginImport(ctx, store.ImportSpec{Source: "sc", Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteSnapshot(ctx, a[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := codeOf(t, st, "OnlyA"); !ok {
		t.Fatal("a text was removed while an import was running")
	}
	if err := imp.Fail(ctx, errors.New("test")); err != nil {
		t.Fatal(err)
	}

	// No import: deleting removes the texts only the deleted rows used.
	a = storetest.Load(t, st, "sa", storetest.Item("acct-a", "OnlyA", storetest.Day(3, 1), "1"))
	if _, err := st.DeleteSnapshot(ctx, a[0].ID); err != nil {
		t.Fatal(err)
	}
	for v, code := range before {
		got, ok := codeOf(t, st, v)
		switch {
		case v == "OnlyA" || v == "acct-a":
			if ok {
				t.Errorf("%s (used by the deleted snapshot only) is still in text_codes", v)
			}
		case !ok || got != code:
			t.Errorf("%s: code %d (present %v), want %d: other codes must not move", v, got, ok, code)
		}
	}
	if got := services(t, st); got != "acct-b/OnlyB=4 acct-b/Shared=3" {
		t.Fatalf("after the delete: %s", got)
	}
	// The text comes back with a new code; the removed one is not reused.
	storetest.Load(t, st, "sa", storetest.Item("acct-a", "OnlyA", storetest.Day(3, 1), "5"))
	if code, ok := codeOf(t, st, "OnlyA"); !ok || code <= before["OnlyB"] {
		t.Fatalf("OnlyA again: code %d (present %v), want a new code", code, ok)
	}
	want := "acct-a/OnlyA=5 acct-b/OnlyB=4 acct-b/Shared=3"
	if got := services(t, st); got != want {
		t.Fatalf("after importing again: %s, want %s", got, want)
	}
	st.Close()
	if st, err = Open(ctx, path, Options{}); err != nil {
		t.Fatalf("reopening after removing texts: %v", err)
	}
	if got := services(t, st); got != want {
		t.Fatalf("after reopening: %s, want %s", got, want)
	}
}

// TestDamagedCodesRefused: a file whose text_codes has a gap or a
// repeated code or text does not open (reading it would relabel rows),
// and says why.
func TestDamagedCodesRefused(t *testing.T) {
	ctx := context.Background()
	damage := map[string][]string{
		"gap":           {`DELETE FROM text_codes WHERE code = 1`},
		"repeated code": {`DROP INDEX text_codes_code`, `UPDATE text_codes SET code = 0 WHERE code = 1`},
		"repeated text": {`DROP INDEX text_codes_value`, `UPDATE text_codes SET value = 'Shared' WHERE code = 1`},
	}
	for name, stmts := range damage {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.duckdb")
			st, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			storetest.Load(t, st, "s", storetest.Item("acct", "Shared", storetest.Day(3, 1), "1"))
			for _, q := range stmts {
				if _, err := st.DB().Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			st.Close()
			st, err = Open(ctx, path, Options{})
			if err == nil {
				st.Close()
				t.Fatal("a damaged text_codes opened")
			}
			if !errors.Is(err, errCodesDamaged) {
				t.Fatalf("err = %v, want errCodesDamaged", err)
			}
		})
	}
	// The indexes refuse a repeat as it is written.
	st := openTemp(t)
	storetest.Load(t, st, "s", storetest.Item("acct", "Shared", storetest.Day(3, 1), "1"))
	if _, err := st.DB().Exec(`INSERT INTO text_codes VALUES (0, 'another')`); err == nil {
		t.Fatal("a repeated code was written")
	}
	if _, err := st.DB().Exec(`INSERT INTO text_codes VALUES (1000, 'Shared')`); err == nil {
		t.Fatal("a repeated text was written")
	}
}
