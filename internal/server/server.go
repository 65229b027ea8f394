// Package server composes Tally's HTTP server: the dialects under their
// prefixes, health and readiness probes, Prometheus metrics, request logs
// and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/api/azurebilling"
	"github.com/tally-cost/tally/internal/api/cloudhealth"
	"github.com/tally-cost/tally/internal/api/cloudkitty"
	"github.com/tally-cost/tally/internal/api/kubecost"
	"github.com/tally-cost/tally/internal/api/native"
	"github.com/tally-cost/tally/internal/assetindex"
	"github.com/tally-cost/tally/internal/budget"
	"github.com/tally-cost/tally/internal/cloudaccount"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/metricstore"
	"github.com/tally-cost/tally/internal/perspective"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/querypool"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/savedreport"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/web"
)

// Config is what the server is built from.
type Config struct {
	// Store holds the costs; State holds the documents of the registry
	// (registered customers and sub accounts). Both are required: the
	// server keeps nothing it is told only in memory. One DuckDB store
	// is usually both (storage.Open pairs them).
	Store store.Store
	State store.StateStore
	// Tenants authenticates keys and resolves scopes; nil means an empty
	// tenant state in memory (tests).
	Tenants *tenant.Service
	// NoAuth serves every API request as an administrator of the default
	// organization. The command line allows it on loopback addresses only.
	NoAuth bool
	Limits Limits // zero fields take DefaultLimits
	// UploadDir keeps bills uploaded through the native API while they
	// are imported (a private folder beside the database); "" is the
	// system's temporary folder.
	UploadDir string
	// Pipeline, when set, serves the sources endpoints and the ETL
	// endpoints of the Kubecost dialect.
	Pipeline *pipeline.Runner
	// Rates are the exchange rates of the configuration file; those set
	// through the native API are kept in State and win (internal/rates).
	Rates []cost.Rate
	// Rating is the rating service of the CloudKitty dialect (rules,
	// modules, scopes), shared with the processor; nil opens one over
	// State with the default configuration.
	Rating *rating.Service
	// SecretKeys seal the credentials of AWS accounts enabled through
	// the CloudHealth API; nil means a random key that lives as long as
	// the process (tests, in-memory databases).
	SecretKeys *secret.Keys
	Logger     *slog.Logger
	// Extra dialects to mount (tests); each gets a handler that answers
	// 200 "ok" with the principal's key name.
	Extra []Dialect
	// QuerySlots bounds the cost queries that run at once, an upload
	// being imported taking one of them but never the last
	// (internal/querypool), so that imports keep a share of the machine
	// while many clients query: 0 is querypool.DefaultSlots (one per
	// core), a negative number no bound.
	QuerySlots int
	// Clock, when set, is the time dialects whose requests are relative
	// to now read (CloudHealth's report members, the native API's
	// windows and budget months): tests pin it to their data. Nil is the
	// wall clock.
	Clock func() time.Time
	// CacheBytes bounds the engine's response cache (estimated memory);
	// 0 is engine.DefaultCacheBytes, below 0 turns the cache off.
	CacheBytes int64
}

// querySlots is QuerySlots with the default applied: 0 is the pool's
// default, a negative number no pool (querypool.Wrap with 0).
func (c Config) querySlots() int {
	switch {
	case c.QuerySlots == 0:
		return querypool.DefaultSlots()
	case c.QuerySlots < 0:
		return 0
	}
	return c.QuerySlots
}

// deps is what a dialect is built from.
type deps struct {
	engine   *engine.Engine
	tenants  *tenant.Service
	pipeline *pipeline.Runner // nil without configured sources
	rating   *rating.Service
	// perspectives are the CloudHealth perspectives, opened from State.
	perspectives *perspective.Book
	clock        func() time.Time      // nil: the wall clock
	accounts     *cloudaccount.Service // CloudHealth's /v1/aws_accounts
	reports      *savedreport.Book     // saved custom reports
	budgets      *budget.Book          // the native API's budgets
	log          *slog.Logger
	// store and uploadDir serve uploaded bills (native /api/v1/imports).
	store     store.Store
	uploadDir string
	// metrics keeps uploaded performance metrics: the state store, when
	// it implements metricstore.Store (store/duckdb does); nil otherwise.
	metrics metricstore.Store

	// assets and customTags are the CloudHealth assets and custom tags.
	assets     *assetindex.Index
	customTags *customtag.Book
}

// mount is one dialect: how the guard treats its prefix, and how it
// registers its routes (nil: the dialect is still to be built, and its
// prefix answers 404 in its own format, behind authentication, so that
// clients see the right error bodies from the first day).
type mount struct {
	Dialect
	register func(api *http.ServeMux, d deps)
}

// dialects are the API prefixes the server serves. Adding a dialect is
// one entry here.
func dialects() []mount {
	return []mount{
		{Dialect{Prefix: native.Prefix, Public: native.Public, Error: native.WriteError, Uploads: []string{native.ImportPath}}, func(api *http.ServeMux, d deps) {
			nat := native.New(d.engine, d.tenants, d.log)
			nat.SetReports(d.reports)
			nat.SetImports(func(ctx context.Context, paths []string, opt ingest.Options) (*ingest.Summary, error) {
				return ingest.Run(ctx, d.store, paths, opt)
			}, d.uploadDir)
			nat.SetBudgets(d.budgets)
			nat.SetPerspectives(d.perspectives)
			if d.clock != nil {
				nat.SetClock(d.clock)
			}
			if d.pipeline != nil {
				nat.SetSources(d.pipeline)
			}
			if d.metrics != nil {
				nat.SetMetrics(d.metrics)
			}
			nat.Register(api)
		}},
		{Dialect{Prefix: kubecost.Prefix, Error: kubecost.WriteError}, func(api *http.ServeMux, d deps) {
			var etl kubecost.Pipeline // an untyped nil when there is no pipeline
			if d.pipeline != nil {
				etl = d.pipeline
			}
			kubecost.New(d.engine, etl, d.log).Register(api)
		}},
		{Dialect{Prefix: cloudkitty.Prefix, Error: cloudkitty.WriteError}, func(api *http.ServeMux, d deps) {
			cloudkitty.New(d.engine, d.rating, d.log).Register(api)
		}},
		{Dialect{Prefix: cloudhealth.Prefix, Error: cloudhealth.WriteError}, func(api *http.ServeMux, d deps) {
			ch := cloudhealth.New(d.engine, d.perspectives, d.log)
			if d.clock != nil {
				ch.SetClock(d.clock)
			}
			if d.metrics != nil {
				ch.SetMetrics(d.metrics)
			}
			ch.SetAssets(d.assets, d.customTags)
			ch.SetInstances(d.assets)
			ch.SetAWSAccounts(d.accounts)
			ch.SetSavedReports(cloudhealth.SavedReportsFrom(d.reports))
			ch.Register(api)
		}},
		{Dialect{Prefix: azurebilling.Prefix, Public: azurebilling.Public, Error: azurebilling.WriteError}, func(api *http.ServeMux, d deps) {
			azurebilling.New(d.engine, d.log).Register(api)
		}},
	}
}

// Handler returns the root handler.
func Handler(cfg Config) http.Handler {
	if cfg.Store == nil || cfg.State == nil {
		// A programming error, caught by the first test that builds a
		// server; a nil store would otherwise fail on the first request.
		panic("server: Config.Store and Config.State are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tally_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tally_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"route"})
	reg.MustRegister(requests, latency)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		// Both are pinged even when one store is both: a separate state
		// store may be down while the cost store answers.
		for _, p := range []struct {
			name string
			ping func(context.Context) error
		}{{"store", cfg.Store.Ping}, {"state store", cfg.State.Ping}} {
			if err := p.ping(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, p.name, "not ready:", err)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", web.Handler(web.Options{NoAuth: cfg.NoAuth}))

	tenants := cfg.Tenants
	if tenants == nil {
		var err error
		if tenants, err = tenant.Open(context.Background(), &tenant.MemRepo{}); err != nil {
			panic(err) // MemRepo does not fail
		}
	}
	g := &guard{tenants: tenants, noAuth: cfg.NoAuth, limits: cfg.Limits.withDefaults(), rates: newRateLimiter()}
	api := http.NewServeMux()
	// Queries and uploaded imports share the pool; a whole store wraps
	// to a whole store (querypool.Wrap).
	pooled := querypool.Wrap(cfg.Store, cfg.querySlots()).(store.Store)
	eng := engine.New(pooled)
	eng.SetGenerations(cfg.Store, cfg.State)
	eng.SetAudit(tenants.Record)
	eng.SetRegistry(registry.New(registry.DocRepo(cfg.State)))
	eng.SetRates(rates.New(cfg.State, cfg.Rates))
	rt := cfg.Rating
	if rt == nil {
		var err error
		if rt, err = rating.Open(context.Background(), cfg.State, rating.Config{}); err != nil {
			// The state store could not be read: the server cannot serve
			// its rules either, and says so at once.
			panic(fmt.Errorf("server: opening the rating service: %w", err))
		}
	}
	book, err := perspective.OpenBook(context.Background(), cfg.State)
	if err != nil {
		// As with the rating service: an unreadable state store is said
		// at once rather than on the first perspective call.
		panic(fmt.Errorf("server: opening the perspectives: %w", err))
	}
	eng.SetPerspectives(book)
	assets, tags := openAssets(cfg, log)
	eng.SetCustomTags(tags, assets.Covers)
	eng.AddVersion(assets.Generation)
	eng.AddVersion(tags.Generation)
	eng.SetCache(cfg.CacheBytes)
	registerCacheMetrics(reg, eng)
	keys := cfg.SecretKeys
	if keys == nil {
		keys = secret.NewKeys(secret.KeyConfig{Logger: log})
	}
	accounts, err := cloudaccount.Open(context.Background(), cfg.State, keys, cloudaccount.Options{Audit: tenants.Record})
	if err != nil {
		panic(fmt.Errorf("server: opening the AWS accounts: %w", err))
	}
	reports, err := savedreport.Open(context.Background(), cfg.State, nil)
	if err != nil {
		panic(fmt.Errorf("server: opening the saved reports: %w", err))
	}
	budgets, err := budget.Open(context.Background(), cfg.State, nil)
	if err != nil {
		panic(fmt.Errorf("server: opening the budgets: %w", err))
	}
	dd := deps{engine: eng, tenants: tenants, pipeline: cfg.Pipeline, rating: rt, perspectives: book, clock: cfg.Clock,
		assets: assets, customTags: tags, accounts: accounts, reports: reports, budgets: budgets, log: log, store: pooled, uploadDir: cfg.UploadDir}
	dd.metrics, _ = cfg.State.(metricstore.Store)
	cond := newConditionals(eng.Stamp, eng.Changed, cfg.Clock, log)
	if cfg.CacheBytes >= 0 {
		cond.memo, cond.maxMemo = eng.Memo, eng.MaxAnswerBytes()
	}
	for _, d := range dialects() {
		if d.register != nil {
			d.register(api, dd)
		} else {
			api.HandleFunc(d.Prefix, func(w http.ResponseWriter, r *http.Request) {
				d.Error(w, r, apierr.New(http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path))
			})
		}
		mux.Handle(d.Prefix, g.wrap(d.Dialect, cond.wrap(routed(api))))
	}
	for _, d := range cfg.Extra {
		mux.Handle(d.Prefix, g.wrap(d, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := tenant.FromContext(r.Context())
			_, deadline := r.Context().Deadline()
			body, err := io.ReadAll(r.Body)
			if err != nil {
				d.Error(w, r, err)
				return
			}
			fmt.Fprintln(w, "ok", p.Actor(), "deadline:", deadline, "body:", len(body))
		})))
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		inner := &route{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, inner))
		defer func() {
			if p := recover(); p != nil {
				// A bug in one handler must not take the server down.
				log.Error("panic serving request", "path", r.URL.Path, "panic", p)
				if !rec.wrote {
					http.Error(rec, `{"error":{"status":500,"message":"internal error"}}`, http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if inner.pattern != "" {
				route = inner.pattern
			}
			if route == "" {
				route = "unmatched"
			}
			requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
		}()
		mux.ServeHTTP(rec, r)
	})
}

// route carries the pattern of the inner API mux out to the metrics, which
// would otherwise see only the dialect prefix the guard is mounted on.
type route struct{ pattern string }

type routeKey struct{}

func routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt, ok := r.Context().Value(routeKey{}).(*route); ok {
			_, rt.pattern = mux.Handler(r)
		}
		mux.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// ServeListener serves h on ln until ctx ends, then shuts down
// gracefully; it closes ln. Commands open the listener themselves so
// that they claim their port before slow work (loading data, starting a
// pipeline) and fail at once when it is taken. ready, when not nil,
// receives the bound address (useful with port 0).
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openAssets loads the CloudHealth asset index as its documents left it
// (no line item is read at start: the first asset request, or the end
// of a pipeline run, catches up with the store) and the custom tags.
func openAssets(cfg Config, log *slog.Logger) (*assetindex.Index, *customtag.Book) {
	ctx := context.Background()
	ix, err := assetindex.Load(ctx, cfg.Store, cfg.State, log)
	if err != nil {
		panic(fmt.Errorf("server: opening the asset index: %w", err))
	}
	tags, err := customtag.Open(ctx, cfg.State)
	if err != nil {
		panic(fmt.Errorf("server: opening the custom tags: %w", err))
	}
	if cfg.Pipeline != nil {
		cfg.Pipeline.OnRunEnd(func(ctx context.Context) {
			if err := ix.Sync(ctx); err != nil && ctx.Err() == nil {
				log.Error("asset index: catching up after a pipeline run", "err", err)
			}
		})
	}
	return ix, tags
}
