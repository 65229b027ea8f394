package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/rates"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/processor"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stdout, stderr)
	db := dbFlag(fs, "tally.duckdb", "database to serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	noAuth := fs.Bool("no-auth", false, "serve without API keys, every caller an administrator (loopback addresses only)")
	maxBody := fs.Int64("max-body", server.DefaultLimits.MaxBody, "largest request body accepted, in bytes")
	timeout := fs.Duration("request-timeout", server.DefaultLimits.Timeout, "longest time one request may take")
	maxUpload := fs.Int64("max-upload", server.DefaultLimits.MaxUpload, "largest bill file accepted by POST /api/v1/imports, in bytes")
	cacheBytes := fs.Int64("cache-bytes", engine.DefaultCacheBytes, "memory for the response cache of repeated questions, in bytes (-1: no cache)")
	querySlots := fs.Int("query-slots", 0, "cost queries that may run at once, the rest wait their turn; an upload being imported takes one but never the last, so that imports keep a share of the machine (0: one per core; -1: no bound)")
	config := fs.String("config", "", "JSON configuration file with the cloud sources to keep up to date (see README)")
	keyFile := secretKeyFlag(fs)
	prof := profileFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	defer serverGC()()
	// A profile of the server covers from here until it shuts down
	// (BENCHMARKS.md's profiles of uncached answers).
	if err := prof.start(); err != nil {
		return err
	}
	defer func() {
		if perr := prof.stop(); perr != nil {
			slog.Warn("writing the profiles", "err", perr)
		}
	}()
	loc, err := dbLocation(*db)
	if err != nil {
		return err
	}
	keys, err := secretKeys(loc.Path, *keyFile, slog.Default())
	if err != nil {
		return err
	}
	if *noAuth {
		if *addr, err = loopbackOnly(ctx, net.DefaultResolver, *addr); err != nil {
			return err
		}
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	defer ln.Close() // when serving never starts; closing twice is harmless
	st, err := openDB(ctx, *db, storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	var pc pipeline.Config
	var rs []cost.Rate
	var rc *rating.Config
	if *config != "" {
		if pc, err = pipeline.LoadConfig(*config); err != nil {
			return err
		}
		if rs, err = rates.Config(pc.ExchangeRates); err != nil {
			return fmt.Errorf("reading %s: %w", *config, err)
		}
		if rc, err = ratingConfig(pc, *config); err != nil {
			return err
		}
	}
	if pc.CacheDir == "" {
		pc.CacheDir = loc.Path + ".sources"
	}
	return serve(ctx, st.Cost, st.State, serveOptions{listener: ln, noAuth: *noAuth, limits: server.Limits{MaxBody: *maxBody, Timeout: *timeout, MaxUpload: *maxUpload},
		pipeline: pc, uploadDir: uploadDir(loc.Path), rates: rs, rating: rc, keys: keys, cacheBytes: *cacheBytes, querySlots: *querySlots}, stdout)
}

// hostResolver is what loopbackOnly needs of DNS (net.DefaultResolver;
// tests stub it).
type hostResolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// loopbackOnly refuses --no-auth on an address other machines can reach:
// without keys, whoever connects is an administrator. An IP address must
// be a loopback address; a host name, localhost included (a machine's
// /etc/hosts may point it anywhere), must resolve, and only to loopback
// addresses; an empty host (":8080") listens on every interface.
//
// It returns the address to listen on: the name's first resolved
// address, so that the listener does not resolve the name again and get
// another answer than the one checked.
func loopbackOnly(ctx context.Context, res hostResolver, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%w: --addr %q: %v", errUsage, addr, err)
	}
	refuse := func(why string) error {
		return fmt.Errorf("%w: --no-auth is only allowed on a loopback address (127.0.0.1, ::1, or a name such as localhost that resolves only to them), not %q (%s): anyone who can connect would be an administrator", errUsage, addr, why)
	}
	if host == "" {
		return "", refuse("no host listens on every interface")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Unmap().IsLoopback() {
			return "", refuse("not a loopback address")
		}
		return addr, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ips, err := res.LookupIPAddr(ctx, host)
	if err != nil {
		return "", refuse(fmt.Sprintf("resolving it: %v", err))
	}
	if len(ips) == 0 {
		return "", refuse("it resolves to no address")
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return "", refuse(fmt.Sprintf("it resolves to %s", ip.IP))
		}
	}
	return net.JoinHostPort(ips[0].IP.String(), port), nil
}

// listen claims addr before anything slow starts: a port that is taken
// must end the command at once, with a non-zero exit status, and not
// after the data is loaded or the pipeline has started.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot serve on %s (choose another with --addr): %w", addr, err)
	}
	return ln, nil
}

type serveOptions struct {
	// listener is the claimed address (see listen); serve closes it.
	listener net.Listener
	noAuth   bool
	limits   server.Limits
	pipeline pipeline.Config
	// rates are the configuration file's exchange rates.
	rates []cost.Rate
	// keys seal the credentials of sources stored in the database.
	keys *secret.Keys
	// rating is the configuration file's rating section; nil: no
	// processor runs (the CloudKitty API still serves rules and scopes).
	rating *rating.Config
	// noProcessor serves rating's API without running its processor.
	noProcessor bool
	// uploadDir keeps uploaded bills while they are imported.
	uploadDir string
	// cacheBytes bounds the response cache (server.Config.CacheBytes).
	cacheBytes int64
	// querySlots is server.Config.QuerySlots.
	querySlots int
	// clock is server.Config.Clock: nil is the wall clock; benchmarks
	// pin it to their data, whose months relative reports ask for.
	clock func() time.Time
}

// uploadDir is where a server keeps uploaded bills while it imports them:
// a private folder beside the database file (the disk that holds the
// data, not a small /tmp), or the system's temporary folder for a
// database in memory. A folder that cannot be made falls back to the
// latter. Uploads left by a process that died are removed: this process
// holds the database, so no other imports through the folder.
func uploadDir(db string) string {
	if db == "" {
		return ""
	}
	dir := db + ".uploads"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		slog.Warn("uploads are kept in the temporary folder", "err", err)
		return ""
	}
	stale, _ := filepath.Glob(filepath.Join(dir, "upload-*"))
	for _, s := range stale {
		if err := os.RemoveAll(s); err != nil {
			slog.Warn("removing an upload left by an interrupted import", "err", err)
		}
	}
	return dir
}

// serve serves the cost store st with the state store state: the tenants
// and the pipeline's sources live in state.
func serve(ctx context.Context, st store.Store, state store.StateStore, o serveOptions, stdout io.Writer) error {
	log := slog.Default()
	tenants, err := tenant.Open(ctx, state)
	if err != nil {
		return err
	}
	if o.limits.Timeout == 0 {
		o.limits.Timeout = time.Minute
	}
	o.pipeline.Redactor = redactor
	// Snapshots the retention policy prunes are deleted by no key: the
	// audit log names the policy as the actor.
	retention := &tenant.Principal{KeyName: "retention policy"}
	o.pipeline.Audit = func(ctx context.Context, action, object, id, detail string) error {
		return tenants.Record(ctx, retention, action, object, id, detail)
	}
	runner, err := pipeline.New(ctx, st, pipeline.DocRepo(state, o.keys, log), o.pipeline, log)
	if err != nil {
		return err
	}
	// The pipeline runs until the server stops, for whatever reason: a
	// server that fails must not leave the process running its pipeline.
	pctx, stopPipeline := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { runner.Run(pctx); close(done) }()
	defer func() { stopPipeline(); <-done }() // runs end before the store closes
	if len(o.rates) > 0 {
		log.Info("exchange rates from the configuration file (rates set through the API win)", "rates", len(o.rates))
	}
	var rsvc *rating.Service
	if o.rating != nil {
		if rsvc, err = rating.Open(ctx, state, *o.rating); err != nil {
			return err
		}
	}
	if o.rating != nil && !o.noProcessor {
		proc, err := newProcessor(rsvc, st, processor.Config{Log: log})
		if err != nil {
			return err
		}
		// Like the pipeline, the processor stops before the store closes.
		rctx, stopRating := context.WithCancel(ctx)
		rdone := make(chan struct{})
		go func() { proc.Run(rctx); close(rdone) }()
		defer func() { stopRating(); <-rdone }()
		log.Info("rating processor started", "collector", o.rating.Collector, "period", o.rating.Period, "metrics", len(o.rating.Metrics.Metrics))
	}
	h := server.Handler(server.Config{Store: st, State: state, Tenants: tenants, NoAuth: o.noAuth, Limits: o.limits, UploadDir: o.uploadDir, Pipeline: runner, Rates: o.rates, Rating: rsvc, SecretKeys: o.keys, Logger: log, CacheBytes: o.cacheBytes, QuerySlots: o.querySlots, Clock: o.clock})
	return server.ServeListener(ctx, o.listener, h, log, func(a net.Addr) {
		fmt.Fprintf(stdout, "Tally is serving on http://%s/\n", a)
		if o.noAuth {
			fmt.Fprintln(stdout, "Authentication is off (--no-auth): every request acts as an administrator.")
		}
	})
}

// serverGCPercent is the garbage collector's target while Tally serves
// (GOGC's percent of heap growth between collections). A server
// allocates short-lived memory for every answer, thousands a second,
// beside a live heap of tens of megabytes, so at Go's default of 100 it
// collects many times a second and every collection's assists slow the
// requests running then. At 300: 5,566-5,755 requests/s with a p99 of
// 38.8-40.2 ms during a 5M-row import, against 5,105-5,294 and
// 46.6-47.9 ms at 100 (BENCHMARKS.md, "GC target"), for about 200 MB
// more heap at most.
const serverGCPercent = 300

// serverGC sets the collector's target for serving, unless GOGC says
// otherwise, and returns what puts the previous one back.
func serverGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(serverGCPercent)
	return func() { debug.SetGCPercent(old) }
}
