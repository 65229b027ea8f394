package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tally-cost/tally/internal/engine"
)

// registerCacheMetrics shows the engine's response cache on /metrics:
// hits and misses as counters (rate them for a ratio over a window), the
// hit ratio since start, and the memory it holds against its bound.
func registerCacheMetrics(reg prometheus.Registerer, eng *engine.Engine) {
	stat := func(f func(engine.CacheStats) float64) func() float64 {
		return func() float64 { return f(eng.CacheStats()) }
	}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tally_cache_hits_total", Help: "Questions the engine answered from its response cache.",
		}, stat(func(s engine.CacheStats) float64 { return float64(s.Hits) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tally_cache_misses_total", Help: "Questions the engine's response cache did not hold.",
		}, stat(func(s engine.CacheStats) float64 { return float64(s.Misses) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tally_cache_shared_total", Help: "Misses answered by a concurrent caller's query of the same question.",
		}, stat(func(s engine.CacheStats) float64 { return float64(s.Shared) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tally_cache_hit_ratio", Help: "Hits over questions asked since the server started (0 before any).",
		}, stat(func(s engine.CacheStats) float64 {
			if n := s.Hits + s.Misses; n > 0 {
				return float64(s.Hits) / float64(n)
			}
			return 0
		})),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tally_cache_entries", Help: "Answers held by the response cache.",
		}, stat(func(s engine.CacheStats) float64 { return float64(s.Entries) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tally_cache_bytes", Help: "Estimated memory held by the response cache's answers.",
		}, stat(func(s engine.CacheStats) float64 { return float64(s.Bytes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tally_cache_max_bytes", Help: "The bound of the response cache's memory (--cache-bytes).",
		}, stat(func(s engine.CacheStats) float64 { return float64(s.MaxBytes) })),
	)
}
