// Package loadgen is a load generator for Tally's read APIs: N
// concurrent clients, each with its own connection, GET a list of URLs
// in turn over real HTTP with an API key, for a duration, a number of
// requests or until told to stop, and the run reports requests/s,
// latency percentiles and errors. `tally bench serve` uses it to measure
// the serving scenario of issue 23.
//
// Latencies are kept exactly, one time.Duration per request, and sorted
// at the end, rather than in a histogram (HdrHistogram and the like): a
// run of a minute at the target of 2,000 requests/s is 120,000
// samples, under a megabyte, so exact percentiles cost nothing worth
// saving, and they need no dependency and no choice of precision.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultClients is the concurrency of issue 23's serving target.
const DefaultClients = 64

// keptErrors is how many error descriptions a Result keeps: enough to
// say what went wrong, few enough to print.
const keptErrors = 5

// keptBody is how much of an error response's body is kept.
const keptBody = 300

// Config describes a run.
type Config struct {
	// Base is the server's root URL ("http://127.0.0.1:8080"); URLs are
	// paths with their queries, appended to it.
	Base string
	URLs []string
	// Key is sent as "Authorization: Bearer KEY"; empty sends none.
	Key string
	// Clients is the number of concurrent clients; 0 is DefaultClients.
	Clients int
	// The run stops issuing requests at the first of: Duration elapsed
	// (when positive), Requests sent (when positive), Until closed (when
	// not nil). Requests in flight then finish and count. One of them
	// must be set.
	Duration time.Duration
	Requests int64
	Until    <-chan struct{}
	// Client is the HTTP client; nil is one whose transport keeps a
	// connection per client.
	Client *http.Client
}

// Result is what a run measured.
type Result struct {
	Clients  int
	Requests int64         // answered and failed, all of them
	Errors   int64         // non-2xx (other than 304) and transport errors
	Elapsed  time.Duration // from the first request to the last answer
	// Latencies are every request's, sorted (failed requests included:
	// a slow error is as slow for the caller).
	Latencies []time.Duration
	// FirstErrors describe the first few errors: the URL, and the
	// status with the start of the body, or the transport error.
	FirstErrors []string
	// ByStatus counts answers by HTTP status (0: transport error).
	ByStatus map[int]int64
}

// RequestsPerSecond is the throughput of the run.
func (r Result) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile is the latency below which fraction p (0 < p <= 1) of the
// requests answered: the nearest-rank percentile. 0 without requests.
func (r Result) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	// Nearest rank: the smallest sample with at least p·n samples at or
	// below it.
	i := int(math.Ceil(float64(n)*p)) - 1
	return r.Latencies[max(0, min(n-1, i))]
}

// Max is the slowest request.
func (r Result) Max() time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[len(r.Latencies)-1]
}

// String is one line: requests, requests/s, p50/p90/p99/max and errors.
func (r Result) String() string {
	return fmt.Sprintf("%d requests in %s: %.1f req/s, p50 %s, p90 %s, p99 %s, max %s, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RequestsPerSecond(),
		ms(r.Percentile(0.50)), ms(r.Percentile(0.90)), ms(r.Percentile(0.99)), ms(r.Max()), r.Errors)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// Run runs the load and returns what it measured. A ctx that ends stops
// the run at once: requests it cancels are not counted (they did not
// fail on the server's account), and Run returns ctx's error.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.URLs) == 0 {
		return Result{}, errors.New("loadgen: no URLs")
	}
	if cfg.Duration <= 0 && cfg.Requests <= 0 && cfg.Until == nil {
		return Result{}, errors.New("loadgen: no duration, request count or stop channel: the run would never end")
	}
	clients := cfg.Clients
	if clients <= 0 {
		clients = DefaultClients
	}
	hc := cfg.Client
	if hc == nil {
		hc = newClient(clients)
		defer hc.CloseIdleConnections()
	}
	reqs := make([]*http.Request, len(cfg.URLs))
	for i, u := range cfg.URLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Base, "/")+u, nil)
		if err != nil {
			return Result{}, fmt.Errorf("loadgen: URL %q: %w", u, err)
		}
		if cfg.Key != "" {
			req.Header.Set("Authorization", "Bearer "+cfg.Key)
		}
		reqs[i] = req
	}

	// stop closes when no further request may start.
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	if cfg.Duration > 0 {
		t := time.AfterFunc(cfg.Duration, halt)
		defer t.Stop()
	}
	if cfg.Until != nil {
		go func() {
			select {
			case <-cfg.Until:
				halt()
			case <-stop:
			}
		}()
	}
	var issued atomic.Int64
	take := func() bool {
		select {
		case <-stop:
			return false
		case <-ctx.Done():
			return false
		default:
		}
		if cfg.Requests > 0 && issued.Add(1) > cfg.Requests {
			halt()
			return false
		}
		return true
	}

	var mu sync.Mutex
	res := Result{Clients: clients, ByStatus: map[int]int64{}}
	record := func(lat []time.Duration, status map[int]int64, errs []string, nerr int64) {
		mu.Lock()
		defer mu.Unlock()
		res.Latencies = append(res.Latencies, lat...)
		for k, v := range status {
			res.ByStatus[k] += v
		}
		res.Errors += nerr
		for _, e := range errs {
			if len(res.FirstErrors) < keptErrors {
				res.FirstErrors = append(res.FirstErrors, e)
			}
		}
	}

	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			// Each client keeps its numbers to itself until the end: a
			// shared lock per request would be measured too.
			var lat []time.Duration
			status := map[int]int64{}
			var errs []string
			var nerr int64
			// A request is not to be shared by concurrent sends: each
			// client has its own copies.
			mine := make([]*http.Request, len(reqs))
			for i, r := range reqs {
				mine[i] = r.Clone(ctx)
			}
			// Clients start at different URLs so that the mix is
			// mixed at every moment, not only on average.
			for i := c; take(); i++ {
				req := mine[i%len(mine)]
				t := time.Now()
				code, detail := get(hc, req)
				d := time.Since(t)
				if ctx.Err() != nil {
					break // cancelled by the caller, not failed
				}
				lat = append(lat, d)
				status[code]++
				if detail != "" {
					nerr++
					if len(errs) < keptErrors {
						errs = append(errs, req.URL.RequestURI()+": "+detail)
					}
				}
			}
			record(lat, status, errs, nerr)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = int64(len(res.Latencies))
	slices.Sort(res.Latencies)
	return res, ctx.Err()
}

// get sends req and reads the whole answer (a client is not done before
// the body is). detail is "" for a success (2xx or 304), else the
// status and the start of the body, or the transport error.
func get(hc *http.Client, req *http.Request) (code int, detail string) {
	res, err := hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	ok := res.StatusCode/100 == 2 || res.StatusCode == http.StatusNotModified
	if ok {
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return res.StatusCode, fmt.Sprintf("%d, reading the body: %v", res.StatusCode, err)
		}
		return res.StatusCode, ""
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, keptBody))
	_, _ = io.Copy(io.Discard, res.Body) // lets the connection be reused
	return res.StatusCode, fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(body)))
}

// newClient is an HTTP client for n concurrent clients: as many idle
// connections kept per host as there are clients (the default keeps two,
// and the others would reconnect per request, measuring TCP set-up),
// and no compression asked for beyond what a dashboard's fetch would.
func newClient(n int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // loopback benchmarks never go through a proxy
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        n,
		MaxIdleConnsPerHost: n,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr}
}
