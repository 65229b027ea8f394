package modules

import (
	"context"
	"maps"
	"slices"
)

// CollectorMapping maps a service to a collector: upstream's deprecated
// collector mappings (spec §5.2). Tally stores and serves them; its
// collectors do not read them (metrics.yml says what is collected).
type CollectorMapping struct {
	Service   string `json:"service"`
	Collector string `json:"collector"`
}

func noMapping(service string) error { return notFoundf("No mapping for service: %s", service) }

// CollectorMappings returns the mappings in insertion order, only those
// of collector when it is not empty.
func (s *State) CollectorMappings(collector string) []CollectorMapping {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []CollectorMapping{}
	for _, m := range s.mappings {
		if collector == "" || m.Collector == collector {
			out = append(out, m)
		}
	}
	return out
}

// CollectorMapping returns the mapping of service.
func (s *State) CollectorMapping(service string) (CollectorMapping, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.mappingIndex(service); i >= 0 {
		return s.mappings[i], nil
	}
	return CollectorMapping{}, noMapping(service)
}

func (s *State) mappingIndex(service string) int {
	return slices.IndexFunc(s.mappings, func(m CollectorMapping) bool { return m.Service == service })
}

// SetCollectorMapping maps service to collector, replacing the service's
// mapping in place (an upsert, as upstream).
func (s *State) SetCollectorMapping(ctx context.Context, service, collector string) (CollectorMapping, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := CollectorMapping{Service: service, Collector: collector}
	next := slices.Clone(s.mappings)
	if i := s.mappingIndex(service); i >= 0 {
		if next[i] == m {
			return m, nil
		}
		next[i] = m
	} else {
		next = append(next, m)
	}
	if err := s.save(ctx, docCollectorMaps, next); err != nil {
		return CollectorMapping{}, err
	}
	s.mappings = next
	return m, nil
}

// DeleteCollectorMapping removes the mapping of service.
func (s *State) DeleteCollectorMapping(ctx context.Context, service string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.mappingIndex(service)
	if i < 0 {
		return noMapping(service)
	}
	next := slices.Delete(slices.Clone(s.mappings), i, i+1)
	if err := s.save(ctx, docCollectorMaps, next); err != nil {
		return err
	}
	s.mappings = next
	return nil
}

// CollectorEnabled reports a collector's state; one never set reads
// false, as upstream.
func (s *State) CollectorEnabled(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enabled[name]
}

// SetCollectorEnabled sets a collector's state.
func (s *State) SetCollectorEnabled(ctx context.Context, name string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.enabled[name]; ok && cur == on {
		return nil
	}
	next := maps.Clone(s.enabled)
	next[name] = on
	if err := s.save(ctx, docCollectorOn, next); err != nil {
		return err
	}
	s.enabled = next
	return nil
}
