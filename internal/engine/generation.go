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

// Generation is the data generation of the engine's answers: the sum of
// its stores' generations, which grows whenever one of them does and
// changes at no other time. Without stores it is 0 (tests).
func (e *Engine) Generation(ctx context.Context) (uint64, error) {
	var sum uint64
	for _, g := range e.generations {
		n, err := g.Generation(ctx)
		if err != nil {
			return 0, fmt.Errorf("reading the data generation: %w", err)
		}
		sum += n
	}
	return sum, nil
}
