package modules

import (
	"context"
	"maps"
	"slices"
)

// The modules' names, as upstream's entry points spell them.
const (
	Hashmap   = "hashmap"
	Noop      = "noop"
	PyScripts = "pyscripts"
)

// Module is a rating module as the v1 and v2 module endpoints show it.
type Module struct {
	ID          string
	Description string
	Enabled     bool
	// HotConfig is upstream's "hot-config": the module's rules apply
	// without restarting the processor.
	HotConfig bool
	Priority  int
}

// catalogue is every module, in upstream's loader order (alphabetical),
// with upstream's descriptions and hot-config flags (noop inherits the
// base class's false).
var catalogue = []Module{
	{ID: Hashmap, Description: "HashMap rating module.", HotConfig: true},
	{ID: Noop, Description: "Dummy test module."},
	{ID: PyScripts, Description: "PyScripts rating module.", HotConfig: true},
}

// moduleState is what is stored of a module. A zero priority (never set,
// or set to 0) reads back as 1, as upstream's `if res: ... else: 1`.
type moduleState struct {
	Enabled  bool `json:"enabled"`
	Priority int  `json:"priority,omitempty"`
}

// Modules returns every module in loader order.
func (s *State) Modules() []Module {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Module, len(catalogue))
	for i, m := range catalogue {
		out[i] = s.module(m)
	}
	return out
}

// Module returns the module named id.
func (s *State) Module(id string) (Module, bool) {
	i := slices.IndexFunc(catalogue, func(m Module) bool { return m.ID == id })
	if i < 0 {
		return Module{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.module(catalogue[i]), true
}

// module fills m's state in; the caller holds the lock.
func (s *State) module(m Module) Module {
	if m.ID == Noop {
		// Upstream's noop overrides enabled and priority with constants.
		m.Enabled, m.Priority = true, 1
		return m
	}
	st := s.states[m.ID]
	m.Enabled, m.Priority = st.Enabled, st.Priority
	if m.Priority == 0 {
		m.Priority = 1
	}
	return m
}

// ErrNoModule is returned for a module name that is not in the
// catalogue; the dialect words the 404 per API version.
var ErrNoModule = notFoundf("Module not found.")

// Set changes a module's state and priority (nil leaves one as it is).
// Setting what is already set writes nothing, so the 31 replays of a
// redirected PUT (spec §12.3) are cheap and change nothing. Changes to
// noop are accepted and ignored: it cannot be disabled.
func (s *State) Set(ctx context.Context, id string, enabled *bool, priority *int) error {
	if _, ok := s.Module(id); !ok {
		return ErrNoModule
	}
	if id == Noop {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.states[id]
	next := st
	if enabled != nil {
		next.Enabled = *enabled
	}
	if priority != nil {
		next.Priority = *priority
	}
	if next == st {
		return nil
	}
	all := maps.Clone(s.states)
	all[id] = next
	if err := s.save(ctx, docStates, all); err != nil {
		return err
	}
	s.states = all
	return nil
}
