package engine

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/tally-cost/tally/internal/query"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// The response cache (issue 23). Dashboards and scripts ask the same
// questions again and again; the engine keeps their answers, so that
// every dialect serves a repeated question without a query.
//
// An answer is filed under the data generation it was computed at, the
// caller as far as it shapes answers (answerer) and the question as the
// dialect asked it, before the engine adds scope, overlays and rates.
// The generation is the settled one (Stamp) unless computing the answer
// listed unsettled snapshots (reads.go): an import that is loading
// changes only the listings that show it, so every other answer is
// still served while it runs. So:
//   - a change of anything that changes answers moves the generation
//     (Stamp, Changed, AddVersion): the old answers are never
//     looked up again and age out of the LRU;
//   - the generation is read before the question is answered, and every
//     part of it moves only after its change is visible (a store after
//     its commit, memory after its update), so an answer is never older
//     than the generation it is filed under: a change landing while a
//     query runs files that query's answer under a generation no one
//     reads any more;
//   - two callers share an answer only when everything that decides
//     what they may see is equal (answerer): a scoped caller can never
//     be given another scope's answer.
//
// A cached answer is the rows and stats the store streamed, replayed in
// the same order: the dialect renders them exactly as it rendered the
// first time, so the bytes served are the same (TestCachedBytesIdentical
// in internal/server).
//
// Concurrent misses of one question run one query: the first caller
// runs it and the others wait for its answer (a dashboard's first load
// opens many panels at once). When the first caller cannot complete
// (its client went away, the answer is too big to keep), the others run
// their own.

// DefaultCacheBytes bounds the cached answers when no size is given: a
// dashboard's answers are kilobytes, so this holds thousands of them
// and stays small beside DuckDB's own buffers.
const DefaultCacheBytes = 128 << 20

// CacheStats is what /metrics shows of the cache.
type CacheStats struct {
	Hits, Misses    uint64 // questions answered from the cache, and not
	Shared          uint64 // misses answered by a concurrent caller's query
	Entries         int
	Bytes, MaxBytes int64
}

// answer is one cached answer: a stream's rows and stats, a snapshot
// listing, or a memo (Memo).
type answer struct {
	rows  []query.Row
	stats query.Stats
	snaps []store.Snapshot
	memo  any
	size  int64 // estimated bytes held
	// unsettled: computing it listed unsettled snapshots (reads.go), so
	// it is filed under the generation of every change.
	unsettled bool
	at        Stamp // the generation it was computed at
}

// flight is a question being answered: followers wait for done, then
// read ans (nil when the leader could not complete).
type flight struct {
	done chan struct{}
	ans  *answer
}

type answerCache struct {
	mu      sync.Mutex
	lru     *simplelru.LRU[answerKey, *answer]
	bytes   int64
	max     int64
	flights map[answerKey]*flight

	hits, misses, shared atomic.Uint64
}

// SetCache keeps answers in memory up to maxBytes (estimated); 0 is
// DefaultCacheBytes, below 0 turns the cache off. Call it before the
// engine serves.
func (e *Engine) SetCache(maxBytes int64) {
	if maxBytes == 0 {
		maxBytes = DefaultCacheBytes
	}
	if maxBytes < 0 {
		e.cache = nil
		return
	}
	c := &answerCache{max: maxBytes, flights: map[answerKey]*flight{}}
	// The LRU is bounded by bytes here, not by its entry count: it
	// evicts only when asked (put), and reports what it evicts.
	c.lru, _ = simplelru.NewLRU(int(^uint(0)>>1), func(_ answerKey, a *answer) { c.bytes -= a.size })
	e.cache = c
}

// CacheStats reports the cache's counters; all zero without a cache.
func (e *Engine) CacheStats() CacheStats {
	c := e.cache
	if c == nil {
		return CacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Shared: c.shared.Load(),
		Entries: c.lru.Len(), Bytes: c.bytes, MaxBytes: c.max}
}

// MaxAnswerBytes is the largest answer the cache keeps (0 without a
// cache): a Memo's caller stops copying its answer there.
func (e *Engine) MaxAnswerBytes() int64 {
	if e.cache == nil {
		return 0
	}
	return e.cache.entryMax()
}

// entryMax is the largest answer kept: an eighth of the cache, so that
// one listing of line-item detail cannot flush every dashboard's
// answers, and a query's collecting stops growing there.
func (c *answerCache) entryMax() int64 { return c.max / 8 }

// get returns the cached answer of key without joining or starting a
// flight: a miss here is counted by the lookup that follows it.
func (c *answerCache) get(key answerKey) (*answer, bool) {
	c.mu.Lock()
	a, ok := c.lru.Get(key)
	c.mu.Unlock()
	if ok {
		c.hits.Add(1)
	}
	return a, ok
}

// lookup returns the cached answer of key, or waits for a concurrent
// caller computing it. lead is true when the caller must compute it and
// then call land; a nil answer with lead false means a concurrent
// caller could not complete it (compute it unshared) or ctx ended.
func (c *answerCache) lookup(ctx context.Context, key answerKey) (a *answer, lead bool, err error) {
	c.mu.Lock()
	if a, ok := c.lru.Get(key); ok {
		c.mu.Unlock()
		c.hits.Add(1)
		return a, false, nil
	}
	c.misses.Add(1)
	f, ok := c.flights[key]
	if !ok {
		c.flights[key] = &flight{done: make(chan struct{})}
		c.mu.Unlock()
		return nil, true, nil
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		if f.ans != nil {
			c.shared.Add(1)
		}
		return f.ans, false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// land ends the flight of key with a (nil: not completed), keeping it
// under file (the key of its tier, cached.go).
func (c *answerCache) land(key answerKey, a *answer, file answerKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.flights[key]
	delete(c.flights, key)
	if a != nil && a.size <= c.entryMax() {
		if old, ok := c.lru.Peek(file); ok {
			c.bytes -= old.size // replaced without the eviction callback
		}
		c.lru.Add(file, a)
		c.bytes += a.size
		for c.bytes > c.max && c.lru.Len() > 0 {
			c.lru.RemoveOldest()
		}
	}
	if f != nil {
		f.ans = a
		close(f.done)
	}
}

// answerer is the caller as far as it shapes an answer: everything of
// the principal but the key's own identity, so that keys with the same
// role and scope share answers and any other difference (the scope, the
// organization and customer that own perspectives, a field added to
// principals later) files answers apart.
func answerer(p *tenant.Principal) tenant.Principal {
	a := *p
	a.KeyID, a.KeyName = 0, ""
	return a
}

// rowSize estimates the memory a cached row holds.
func rowSize(r query.Row) int64 {
	n := int64(200) // the struct, times, slice headers
	for _, k := range r.Keys {
		n += int64(len(k)) + 16
	}
	n += int64(len(r.Currency))
	n += int64(len(r.Values)+len(r.Kubernetes)+1) * 40 // a decimal: a big.Int and an exponent
	return n
}

// cloneRow copies the slices of a row, so that neither the dialect that
// gets it nor the cache that keeps it sees the other's changes.
func cloneRow(r query.Row) query.Row {
	r.Keys = slices.Clone(r.Keys)
	r.Values = slices.Clone(r.Values)
	r.Kubernetes = slices.Clone(r.Kubernetes)
	return r
}

func cloneStats(s query.Stats) query.Stats {
	s.Rates = slices.Clone(s.Rates)
	s.Buckets = slices.Clone(s.Buckets)
	return s
}

func cloneSnapshots(snaps []store.Snapshot) []store.Snapshot {
	out := slices.Clone(snaps)
	for i := range out {
		out[i].Files = slices.Clone(out[i].Files)
		out[i].Totals = slices.Clone(out[i].Totals)
	}
	return out
}

func snapshotsSize(snaps []store.Snapshot) int64 {
	n := int64(64)
	for _, s := range snaps {
		n += 300 + int64(len(s.Source)+len(s.Provider)+len(s.Error)+len(s.RunID))
		for _, f := range s.Files {
			n += int64(len(f)) + 16
		}
		n += int64(len(s.Totals)) * 400
	}
	return n
}
