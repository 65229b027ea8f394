package statedoc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

type state struct {
	Version int            `json:"version"`
	Names   map[string]int `json:"names"`
}

// TestLoadSave: a missing document leaves the caller's empty state, a
// saved one reads back, and a document of another version or shape is
// refused with the document named, before it is decoded into the state.
func TestLoadSave(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	doc := statedoc.Doc{Kind: "test.kind", Name: "one", Version: 2, What: "test names"}

	got := state{Version: 2, Names: map[string]int{}}
	if found, err := doc.Load(ctx, st, &got); found || err != nil || len(got.Names) != 0 {
		t.Fatalf("Load of a missing document = %v, %v, %+v", found, err, got)
	}
	if err := doc.Save(ctx, st, state{Version: 2, Names: map[string]int{"a": 1}}); err != nil {
		t.Fatal(err)
	}
	got = state{}
	if found, err := doc.Load(ctx, st, &got); !found || err != nil || got.Names["a"] != 1 || got.Version != 2 {
		t.Fatalf("Load after Save = %v, %v, %+v", found, err, got)
	}

	for _, c := range []struct{ body, want string }{
		{`{"version": 1, "names": {"a": 1}}`, "loading test names: document test.kind/one has version 1, this build reads 2"},
		{`{"version": 2, "names": ["a"]}`, "loading test names: document test.kind/one: json: cannot unmarshal array"},
		{`{"version": "2"}`, "loading test names: document test.kind/one: json: cannot unmarshal string"},
	} {
		if err := st.PutDocument(ctx, "test.kind", "one", []byte(c.body)); err != nil {
			t.Fatal(err)
		}
		got = state{}
		if _, err := doc.Load(ctx, st, &got); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Load of %s: %v, want %q", c.body, err, c.want)
		}
	}
}
