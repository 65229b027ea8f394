package server

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/tenant"
)

// RateLimit allows Limit requests per Window and key to requests whose
// method is Method and whose path starts with PathPrefix; more get 429
// with Retry-After until the window ends. Fixed windows match how the
// CloudHealth guide states its limits ("60 POSTs per minute").
type RateLimit struct {
	Method     string
	PathPrefix string
	Limit      int
	Window     time.Duration
}

type rateLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[rateKey]*window
}

type rateKey struct {
	rule int
	key  string
	pfx  string
}

type window struct {
	start time.Time
	count int
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{now: time.Now, windows: map[rateKey]*window{}}
}

// allow counts r against every rule of d it matches.
func (l *rateLimiter) allow(d Dialect, r *http.Request, p *tenant.Principal) error {
	for i, rule := range d.Rates {
		if r.Method != rule.Method || !strings.HasPrefix(r.URL.Path, rule.PathPrefix) {
			continue
		}
		k := rateKey{rule: i, pfx: d.Prefix, key: fmt.Sprint(p.KeyID, "/", p.CustomerID)}
		now := l.now()
		l.mu.Lock()
		w := l.windows[k]
		if w == nil || now.Sub(w.start) >= rule.Window {
			w = &window{start: now}
			l.windows[k] = w
		}
		w.count++
		over, retry := w.count > rule.Limit, w.start.Add(rule.Window).Sub(now)
		l.mu.Unlock()
		if over {
			secs := int((retry + time.Second - 1) / time.Second)
			return &apierr.Error{Status: http.StatusTooManyRequests, RetryAfter: secs,
				Message: fmt.Sprintf("rate limit exceeded: %d %s requests per %s; retry in %d s", rule.Limit, rule.Method, rule.Window, secs)}
		}
	}
	return nil
}
