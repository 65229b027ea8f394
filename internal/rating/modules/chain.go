package modules

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/script"
)

// Chain rates the points of one scope (tenant) at one processing time:
// the enabled modules in priority order, each taking the price the
// earlier ones left. It is read-only after State.Chain and safe for
// concurrent use.
type Chain struct {
	steps  []step
	period script.Period
}

// step is one enabled module: a hashmap table, a list of scripts, or
// nothing (noop).
type step struct {
	module  string
	table   *hashmap.Table
	scripts []*script.Script
}

// Modules returns the names of the chain's modules in the order they run.
func (c *Chain) Modules() []string {
	out := make([]string, len(c.steps))
	for i, st := range c.steps {
		out[i] = st.module
	}
	return out
}

// Chain snapshots the enabled modules for tenant (the scope id; "" for
// global rules only, as a quote) at processing time at, rating points of
// period. Modules run highest priority first, ties by name (upstream
// leaves ties to the loader's order). The scripts active at at (≥23:
// start ≤ at < end, not deleted, as hashmap's rules) run in name order
// (upstream's order is undefined); each script's result is the price the
// next one sees.
//
// A stored script that no longer compiles makes the chain fail rather
// than rate without it.
func (s *State) Chain(ctx context.Context, tenant string, at time.Time, period script.Period) (*Chain, error) {
	mods := s.Modules()
	slices.SortStableFunc(mods, func(a, b Module) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	c := &Chain{period: period}
	for _, m := range mods {
		if !m.Enabled {
			continue
		}
		st := step{module: m.ID}
		switch m.ID {
		case Hashmap:
			t, err := hashmap.Load(s.book.Rules(), tenant, at)
			if err != nil {
				return nil, fmt.Errorf("loading the hashmap rules of %q: %w", tenant, err)
			}
			st.table = t
		case PyScripts:
			scripts, err := s.runnable(at)
			if err != nil {
				return nil, err
			}
			st.scripts = scripts
		}
		c.steps = append(c.steps, st)
	}
	return c, nil
}

// runnable returns the compiled scripts active at at (the rated
// period's start, as hashmap.Load takes it), in name order.
func (s *State) runnable(at time.Time) ([]*script.Script, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sorted := slices.SortedFunc(slices.Values(s.scripts), func(a, b Script) int { return strings.Compare(a.Name, b.Name) })
	out := make([]*script.Script, 0, len(sorted))
	for _, sc := range sorted {
		if !sc.ActiveAt(at) {
			continue
		}
		c := s.compiled[sc.ID]
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, c.prg)
	}
	return out, nil
}

// Rate prices p: p.Price goes in as the price so far (0 for a freshly
// collected point) and comes out as the rated price.
func (c *Chain) Rate(ctx context.Context, p *hashmap.Point) error {
	for _, st := range c.steps {
		if st.table != nil {
			price, err := st.table.Rate(*p)
			if err != nil {
				return err
			}
			p.Price = price
		}
		for _, sc := range st.scripts {
			price, err := sc.Eval(ctx, *p, c.period)
			if err != nil {
				return err
			}
			p.Price = price
		}
	}
	return nil
}
