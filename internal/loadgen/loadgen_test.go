package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// server answers /ok with 200, /cached with 304, /bad with 400 and a
// JSON error, /boom with 500; it records the paths and keys it saw and
// the most requests it had at once.
type server struct {
	mu          sync.Mutex
	paths       map[string]int
	keys        map[string]int
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	// gate, when not nil, holds every request until closed.
	gate chan struct{}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	s.paths[r.URL.RequestURI()]++
	s.keys[r.Header.Get("Authorization")]++
	s.mu.Unlock()
	switch r.URL.Path {
	case "/ok":
		fmt.Fprint(w, `{"data": [1, 2, 3]}`)
	case "/cached":
		w.WriteHeader(http.StatusNotModified)
	case "/bad":
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error": "illegal window"}`)
	default:
		http.Error(w, "boom", http.StatusInternalServerError)
	}
}

func newServer(t *testing.T) (*server, *httptest.Server) {
	s := &server{paths: map[string]int{}, keys: map[string]int{}}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// TestRunCounts: a run of a number of requests sends exactly that many,
// over every URL in turn, with the key, and counts 2xx and 304 as
// answers and everything else as errors, keeping the first few bodies.
func TestRunCounts(t *testing.T) {
	tests := []struct {
		name      string
		urls      []string
		requests  int64
		clients   int
		failing   []string // the URLs answered with errors
		firstErrs []string // each must appear in some kept error
	}{
		{"all answered", []string{"/ok?x=1", "/ok?x=2"}, 40, 4, nil, nil},
		{"304 is an answer", []string{"/cached"}, 10, 3, nil, nil},
		{"400 and 500 are errors", []string{"/ok", "/bad", "/boom"}, 30, 3, []string{"/bad", "/boom"}, []string{`/bad: 400 {"error": "illegal window"}`, "/boom: 500 boom"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newServer(t)
			res, err := Run(context.Background(), Config{Base: ts.URL, URLs: tc.urls, Key: "tly_k", Clients: tc.clients, Requests: tc.requests})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != tc.requests || int64(len(res.Latencies)) != tc.requests {
				t.Fatalf("requests %d, latencies %d, want %d", res.Requests, len(res.Latencies), tc.requests)
			}
			// As many errors as the server answered failing URLs: how
			// the requests fall on the URLs depends on the clients' pace.
			var errs int64
			for _, u := range tc.failing {
				errs += int64(s.paths[u])
			}
			if res.Errors != errs {
				t.Errorf("errors %d, want %d (%v; asked %v)", res.Errors, errs, res.FirstErrors, s.paths)
			}
			if len(res.FirstErrors) > keptErrors || (errs > 0) != (len(res.FirstErrors) > 0) {
				t.Errorf("kept errors: %q", res.FirstErrors)
			}
			for _, want := range tc.firstErrs {
				if !slices.ContainsFunc(res.FirstErrors, func(e string) bool { return strings.Contains(e, want) }) {
					t.Errorf("no kept error has %q: %q", want, res.FirstErrors)
				}
			}
			if s.keys["Bearer tly_k"] != int(tc.requests) || len(s.keys) != 1 {
				t.Errorf("keys seen: %v", s.keys)
			}
			// Every URL was asked, as evenly as the clients' turns allow.
			for _, u := range tc.urls {
				if got, even := s.paths[u], int(tc.requests)/len(tc.urls); got < even-tc.clients || got > even+tc.clients {
					t.Errorf("%s asked %d times, want about %d: %v", u, got, even, s.paths)
				}
			}
			var byStatus int64
			for _, n := range res.ByStatus {
				byStatus += n
			}
			if byStatus != tc.requests {
				t.Errorf("by status %v, want %d in all", res.ByStatus, tc.requests)
			}
			if !slices.IsSorted(res.Latencies) || res.Elapsed <= 0 || res.RequestsPerSecond() <= 0 {
				t.Errorf("latencies sorted %v, elapsed %s, req/s %f", slices.IsSorted(res.Latencies), res.Elapsed, res.RequestsPerSecond())
			}
		})
	}
}

// TestRunConcurrency: the clients really are concurrent: with every
// request held at the server, all of them are in flight at once.
func TestRunConcurrency(t *testing.T) {
	s, ts := newServer(t)
	s.gate = make(chan struct{})
	const clients = 8
	done := make(chan Result)
	go func() {
		res, _ := Run(context.Background(), Config{Base: ts.URL, URLs: []string{"/ok"}, Clients: clients, Requests: 2 * clients})
		done <- res
	}()
	for s.inFlight.Load() < clients {
		time.Sleep(time.Millisecond)
	}
	close(s.gate)
	res := <-done
	if s.maxInFlight.Load() != clients || res.Requests != 2*clients || res.Clients != clients {
		t.Fatalf("in flight at most %d, requests %d, clients %d; want %d, %d, %d", s.maxInFlight.Load(), res.Requests, res.Clients, clients, 2*clients, clients)
	}
}

// TestRunStops: a run told to stop (Until) issues no further request and
// counts the ones in flight; a run whose context ends returns its error
// and counts no cancelled request as an error.
func TestRunStops(t *testing.T) {
	t.Run("until", func(t *testing.T) {
		s, ts := newServer(t)
		until := make(chan struct{})
		done := make(chan Result)
		go func() {
			res, err := Run(context.Background(), Config{Base: ts.URL, URLs: []string{"/ok"}, Clients: 2, Until: until})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		for s.inFlight.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		close(until)
		res := <-done
		s.mu.Lock()
		served := s.paths["/ok"]
		s.mu.Unlock()
		if res.Requests == 0 || res.Errors != 0 || int(res.Requests) != served {
			t.Fatalf("requests %d, errors %d, served %d", res.Requests, res.Errors, served)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s, ts := newServer(t)
		s.gate = make(chan struct{})
		defer close(s.gate)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		var res Result
		go func() {
			var err error
			res, err = Run(ctx, Config{Base: ts.URL, URLs: []string{"/ok"}, Clients: 3, Duration: time.Hour})
			done <- err
		}()
		for s.inFlight.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if res.Errors != 0 || res.Requests != 0 {
			t.Fatalf("cancelled requests counted: %d requests, %d errors %q", res.Requests, res.Errors, res.FirstErrors)
		}
	})
	t.Run("transport error", func(t *testing.T) {
		_, ts := newServer(t)
		ts.Close() // nothing listens any more
		res, err := Run(context.Background(), Config{Base: ts.URL, URLs: []string{"/ok"}, Clients: 1, Requests: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 3 || res.ByStatus[0] != 3 || len(res.FirstErrors) != 3 || !strings.Contains(res.FirstErrors[0], "/ok: ") {
			t.Fatalf("errors %d, by status %v, kept %q", res.Errors, res.ByStatus, res.FirstErrors)
		}
	})
}

// TestRunRefuses: a run that would never end, or has nothing to ask,
// is refused before it starts.
func TestRunRefuses(t *testing.T) {
	for _, cfg := range []Config{
		{Base: "http://127.0.0.1:1", URLs: []string{"/ok"}},
		{Base: "http://127.0.0.1:1", Requests: 1},
		{Base: "http://127.0.0.1:1", URLs: []string{"/%zz"}, Requests: 1},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestPercentile: nearest-rank percentiles over sorted samples.
func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name string
		lat  []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 0.50, 50 * time.Millisecond},
		{"p90 of 1..100", ms(hundred...), 0.90, 90 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 1, 100 * time.Millisecond},
		{"p99 of ten is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.99, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Result{Latencies: tc.lat}).Percentile(tc.p); got != tc.want {
				t.Errorf("Percentile(%v) = %s, want %s", tc.p, got, tc.want)
			}
		})
	}
	r := Result{Requests: 4, Elapsed: 2 * time.Second, Latencies: ms(1, 2, 3, 40), Errors: 1}
	if got, want := r.String(), "4 requests in 2s: 2.0 req/s, p50 2.0ms, p90 40.0ms, p99 40.0ms, max 40.0ms, 1 errors"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
