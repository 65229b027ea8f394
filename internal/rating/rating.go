// Package rating is Tally's CloudKitty-style rating service: it composes
// the hashmap rule book (hashmap), the rating modules' states and the
// scripted module (modules), the scopes' processing states (scopes), the
// metrics configuration (metrics), the collectors (collect) and the
// processor (processor) into one Service that the CloudKitty dialect, the
// processor and the command line share. One Service per server: the
// parts keep what they read from the state store in memory.
package rating

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/rating/scopes"
	"github.com/tally-cost/tally/internal/store"
)

// Provider is the ProviderName of rated line items: every period the
// processor rates is stored as line items of this provider, so that
// rated costs appear in every dialect.
const Provider = "rating"

// Config is how rating runs, from the server's configuration file.
type Config struct {
	// Metrics is the metrics configuration (metrics.yml); nil when none
	// is configured (the info endpoints then answer 405, as upstream).
	Metrics *metrics.Config
	// Period is the collect period (default one hour); WaitPeriods how
	// many whole periods must have passed after a period's end before it
	// is rated (default 2), as upstream's [collect] options.
	Period      time.Duration
	WaitPeriods int
	// ScopeKey is the groupby attribute that names a scope (default
	// project_id).
	ScopeKey string
	// Currency is the billing currency of rated line items (default
	// USD): rated prices are unitless upstream, but every line item in
	// Tally has a currency.
	Currency string
	// Collector names the collector ("prometheus" or "tally"), recorded
	// as the collector and fetcher of the scopes the processor creates
	// (default "tally").
	Collector string
	// PrometheusURL is the Prometheus server the "prometheus" collector
	// asks.
	PrometheusURL string
}

// The defaults of Config.
const (
	DefaultPeriod      = time.Hour
	DefaultWaitPeriods = 2
	DefaultScopeKey    = "project_id"
	DefaultCurrency    = "USD"
	DefaultCollector   = CollectorTally
)

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Period <= 0 {
		c.Period = DefaultPeriod
	}
	if c.WaitPeriods <= 0 {
		c.WaitPeriods = DefaultWaitPeriods
	}
	if c.ScopeKey == "" {
		c.ScopeKey = DefaultScopeKey
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	if c.Collector == "" {
		c.Collector = CollectorTally
	}
	return c
}

// Check reports a configuration that cannot run.
func (c Config) Check() error {
	c = c.WithDefaults()
	if c.Period < time.Minute || c.Period%time.Second != 0 {
		return fmt.Errorf("%w: the rating period must be whole seconds, at least a minute, not %s", errInvalid, c.Period)
	}
	return nil
}

var errInvalid = errors.New("invalid rating configuration")

// Service is the rating state of one server.
type Service struct {
	cfg  Config
	Book *hashmap.Book
	// Modules is the rating modules' state, the pyscripts module's
	// scripts and the collector mappings; its Chain rates points.
	Modules *modules.State
	// Scopes are the scopes' processing states and reprocessing tasks.
	Scopes *scopes.Store
}

// Open reads the rating state from docs.
func Open(ctx context.Context, docs store.DocStore, cfg Config) (*Service, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	book, err := hashmap.OpenBook(ctx, docs, time.Now)
	if err != nil {
		return nil, fmt.Errorf("opening the hashmap rules: %w", err)
	}
	mods, err := modules.Open(ctx, docs, book, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the rating modules: %w", err)
	}
	cfg = cfg.WithDefaults()
	sc, err := scopes.Open(ctx, docs, time.Now, scopes.Defaults{ScopeKey: cfg.ScopeKey, Fetcher: cfg.Collector, Collector: cfg.Collector})
	if err != nil {
		return nil, fmt.Errorf("opening the scope states: %w", err)
	}
	return &Service{cfg: cfg, Book: book, Modules: mods, Scopes: sc}, nil
}

// Config returns the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.cfg }
