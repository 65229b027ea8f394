package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tally-cost/tally/internal/engine"
)

// cacheMetrics are the response cache's figures on /metrics: hits and
// misses as counters (rate them for a ratio over a window), the hit
// ratio since start, and the memory it holds against its bound.
var cacheMetrics = []struct {
	name, help string
	counter    bool
	value      func(engine.CacheStats) float64
}{
	{"tally_cache_hits_total", "Questions the engine answered from its response cache.", true,
		func(s engine.CacheStats) float64 { return float64(s.Hits) }},
	{"tally_cache_misses_total", "Questions the engine's response cache did not hold.", true,
		func(s engine.CacheStats) float64 { return float64(s.Misses) }},
	{"tally_cache_shared_total", "Misses answered by a concurrent caller's query of the same question.", true,
		func(s engine.CacheStats) float64 { return float64(s.Shared) }},
	{"tally_cache_hit_ratio", "Hits over questions asked since the server started (0 before any).", false,
		func(s engine.CacheStats) float64 {
			if n := s.Hits + s.Misses; n > 0 {
				return float64(s.Hits) / float64(n)
			}
			return 0
		}},
	{"tally_cache_entries", "Answers held by the response cache.", false,
		func(s engine.CacheStats) float64 { return float64(s.Entries) }},
	{"tally_cache_bytes", "Estimated memory held by the response cache's answers.", false,
		func(s engine.CacheStats) float64 { return float64(s.Bytes) }},
	{"tally_cache_max_bytes", "The bound of the response cache's memory (--cache-bytes).", false,
		func(s engine.CacheStats) float64 { return float64(s.MaxBytes) }},
}

// registerCacheMetrics shows eng's cache on reg.
func registerCacheMetrics(reg prometheus.Registerer, eng *engine.Engine) {
	for _, m := range cacheMetrics {
		f := func() float64 { return m.value(eng.CacheStats()) }
		if m.counter {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help}, f))
		} else {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: m.name, Help: m.help}, f))
		}
	}
}
