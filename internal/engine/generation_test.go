package engine

import (
	"context"
	"errors"
	"testing"
)

// counter is a store's generation: n, and listed changes of unsettled
// snapshots on top of it.
type counter struct {
	n, listed uint64
	err       error
}

func (c *counter) Generation(context.Context) (uint64, error) { return c.n + c.listed, c.err }

func (c *counter) SettledGeneration(context.Context) (uint64, error) { return c.n, c.err }

// TestGeneration: the engine's generation grows with either store's,
// counts a store given twice once, keeps the settled tier apart, and
// reports a store's error.
func TestGeneration(t *testing.T) {
	ctx := context.Background()
	costs, state := &counter{n: 10}, &counter{n: 100}
	e := New(nil)
	e.SetGenerations(costs, state, costs)
	gen := func() uint64 {
		t.Helper()
		st, err := e.Stamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.All
	}
	if g := gen(); g != 110 {
		t.Fatalf("generation %d, want 110 (a store given twice counts once)", g)
	}
	costs.n++
	if g := gen(); g != 111 {
		t.Fatalf("after a cost store change: %d, want 111", g)
	}
	state.n++
	if g := gen(); g != 112 {
		t.Fatalf("after a state store change: %d, want 112", g)
	}
	costs.listed++
	if st, err := e.Stamp(ctx); err != nil || st != (Stamp{Settled: 112, All: 113}) {
		t.Fatalf("after an import declared its snapshots: %+v %v, want settled 112 and all 113", st, err)
	}
	state.err = errors.New("closed")
	if _, err := e.Stamp(ctx); !errors.Is(err, state.err) {
		t.Fatalf("error %v, want the store's", err)
	}
}
