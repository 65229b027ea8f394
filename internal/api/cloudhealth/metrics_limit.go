package cloudhealth

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/tenant"
)

// metricsAPI is the state of the metrics endpoints, embedded in API.
type metricsAPI struct {
	metrics   metricstore.Store
	instances Instances
	posts     postLimiter
}

// The guide's limit on uploads: 60 POSTs a minute per API key; reads are
// not throttled.
const (
	metricPostLimit  = 60
	metricPostWindow = time.Minute
)

// postLimiter counts each key's accepted POSTs over the last window: a
// sliding window, so that no minute, wherever it starts, holds more than
// the limit (a fixed window would let 120 through across a boundary,
// and a token bucket refilling one a second a few more). A refused POST
// does not count. Keys are bounded by the keys that exist; the zero
// value is ready to use.
type postLimiter struct {
	mu   sync.Mutex
	seen map[int64][]time.Time // accepted POSTs within the window, oldest first
}

// allow records a POST of key at now, or returns how long until one
// would be allowed.
func (l *postLimiter) allow(key int64, now time.Time, limit int, window time.Duration) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[int64][]time.Time{}
	}
	times := l.seen[key]
	i := 0
	for i < len(times) && !times[i].After(now.Add(-window)) {
		i++
	}
	times = times[i:]
	if len(times) >= limit {
		l.seen[key] = times
		return times[0].Add(window).Sub(now), false
	}
	l.seen[key] = append(times, now)
	return 0, true
}

// limitMetricPosts counts a POST against the caller's key. Every POST
// counts, those that fail validation included, as upstream counts
// requests; a partner acting for a customer spends its own key's.
func (a *API) limitMetricPosts(p *tenant.Principal) error {
	retry, ok := a.posts.allow(p.KeyID, a.now(), metricPostLimit, metricPostWindow)
	if ok {
		return nil
	}
	secs := int((retry + time.Second - 1) / time.Second)
	return &apierr.Error{Status: http.StatusTooManyRequests, RetryAfter: secs, Message: fmt.Sprintf(
		"Rate limit exceeded: %d POST requests per minute per API key; retry in %d s with exponential backoff.", metricPostLimit, secs)}
}
