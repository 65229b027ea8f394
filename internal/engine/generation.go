package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/tally-cost/tally/internal/store"
)

// SetGenerations names the stores whose changes change the engine's
// answers: the cost store and the state store (the registry,
// perspectives, custom tags, rates, rating rules and tenants live
// there). One store passed twice counts once.
func (e *Engine) SetGenerations(gs ...store.Generation) {
	e.generations = e.generations[:0]
	for _, g := range gs {
		if g != nil && !slices.Contains(e.generations, g) {
			e.generations = append(e.generations, g)
		}
	}
}

// AddVersion adds to the generation a counter of state held in memory
// that answers read and that changes after the store write it follows
// (the asset index publishes the assets custom tags cover after writing
// its documents): a question asked between the two would otherwise be
// answered from the old memory under the new generation. v must never
// decrease.
func (e *Engine) AddVersion(v func() uint64) { e.versions = append(e.versions, v) }

// Changed makes known that something answers read has changed in memory
// after the store write that bumped the generation: the server calls it
// when a write request ends (a perspective book, the registry, the
// tenants update their memory after their documents), and the engine
// after its own registry and rate changes.
func (e *Engine) Changed() { e.changes.Add(1) }

// Stamp is the data generation of the engine's answers in its two tiers
// (store.Generation): All moves with every change; Settled with every
// change but those of snapshots that are loading or failed, which show
// in snapshot listings and nowhere else. An answer whose computation
// read no listing of unsettled snapshots is filed under Settled and so
// stays current through an import until it commits (cache.go).
type Stamp struct{ Settled, All uint64 }

// Stamp reads both tiers: each is the sum of its stores' generations,
// the memory versions and the changes, and so grows whenever one of
// them does and changes at no other time. Without stores it counts only
// the latter (tests).
func (e *Engine) Stamp(ctx context.Context) (Stamp, error) {
	mem := e.changes.Load()
	for _, v := range e.versions {
		mem += v()
	}
	st := Stamp{Settled: mem, All: mem}
	for _, g := range e.generations {
		settled, err := g.SettledGeneration(ctx)
		if err != nil {
			return Stamp{}, fmt.Errorf("reading the data generation: %w", err)
		}
		all, err := g.Generation(ctx)
		if err != nil {
			return Stamp{}, fmt.Errorf("reading the data generation: %w", err)
		}
		st.Settled += settled
		st.All += all
	}
	return st, nil
}
