// Package processor is CloudKitty's processing loop in Tally: for each
// active scope it rates the periods that are due, one after the other,
// and stores each as a snapshot of rated line items (frames.Write), then
// advances the scope's state (scopes.Store); reprocessing tasks rewrite
// their windows the same way (§2 of ../shared/specs/cloudkitty.md).
//
// Crash safety comes from the order of the two writes. A batch of
// periods is committed in one import (all its snapshots or none) before
// the state moves past it: a process killed before the commit leaves the
// periods unwritten and the state before them; killed between the
// commit and the state, the periods are rated again after a restart and
// their snapshots replace the ones just written, identically, since a
// period's snapshot always replaces the previous one. Nothing is ever
// counted twice, and the rated total after any number of kills equals
// an uninterrupted run's.
package processor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/collect"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/metrics"
	"github.com/tally-cost/tally/internal/rating/modules"
	"github.com/tally-cost/tally/internal/rating/scopes"
	"github.com/tally-cost/tally/internal/rating/script"
	"github.com/tally-cost/tally/internal/store"
)

// Rater prices one collected point of metric type typ, for scope in
// period, in place (p.Price).
type Rater interface {
	Rate(ctx context.Context, scope string, period cost.Window, typ string, p *frames.Point) error
}

// Config is what a Processor works with.
type Config struct {
	Service   *rating.Service
	Store     store.Store
	Collector collect.Collector
	// Rater prices points; nil means the enabled rating modules of
	// Service (ChainRater).
	Rater Rater
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Interval is the pause between sweeps (the period when 0).
	Interval time.Duration
	// Workers is how many scopes are rated at once (default 1).
	Workers int
	// Batch is how many periods of a scope are written in one import
	// (default 24): fewer, larger commits when catching up.
	Batch int
	// Progress, when set, is told of each committed batch of a scope:
	// the last period's start and how many periods the batch held.
	Progress func(scope string, last time.Time, periods int)
	Log      *slog.Logger
}

// Processor rates scopes period by period.
type Processor struct {
	cfg    Config
	period time.Duration
	wait   int
}

// New returns a processor; cfg.Service, Store and Collector are
// required.
func New(cfg Config) (*Processor, error) {
	if cfg.Service == nil || cfg.Store == nil || cfg.Collector == nil {
		return nil, errors.New("processor: a rating service, a store and a collector are required")
	}
	if cfg.Rater == nil {
		cfg.Rater = &ChainRater{Modules: cfg.Service.Modules}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Batch < 1 {
		cfg.Batch = 24
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	rc := cfg.Service.Config()
	if cfg.Interval <= 0 {
		cfg.Interval = rc.Period
	}
	return &Processor{cfg: cfg, period: rc.Period, wait: rc.WaitPeriods}, nil
}

// Run sweeps until ctx ends, pausing Interval between sweeps. A sweep
// that fails is logged and retried at the next one.
func (p *Processor) Run(ctx context.Context) error {
	for {
		if _, err := p.Sweep(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.cfg.Log.Error("rating sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(p.cfg.Interval):
		}
	}
}

// Sweep runs the pending reprocessing tasks, then brings every active
// scope up to date. It returns the number of periods written.
func (p *Processor) Sweep(ctx context.Context) (int, error) {
	n, err := p.reprocess(ctx)
	if err != nil {
		return n, err
	}
	ids, err := p.scopeIDs(ctx)
	if err != nil {
		return n, err
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.Workers)
	for _, id := range ids {
		g.Go(func() error {
			k, err := p.catchUp(gctx, id)
			mu.Lock()
			n += k
			mu.Unlock()
			return err
		})
	}
	return n, g.Wait()
}

// FirstPeriod is where a scope without state starts: the first day of
// the current month, 00:00 UTC (upstream: server local time; Tally's
// zone is UTC).
func FirstPeriod(now time.Time) time.Time {
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// scopeIDs lists the scopes to rate: those with a state, plus those the
// collector finds usage for since the start of the month; inactive
// scopes are left out.
func (p *Processor) scopeIDs(ctx context.Context) ([]string, error) {
	st := p.cfg.Service.Scopes
	now := p.cfg.Now()
	rc := p.cfg.Service.Config()
	found, err := p.cfg.Collector.Scopes(ctx, rc.Metrics, rc.ScopeKey, cost.Window{Start: FirstPeriod(now), End: now})
	if err != nil {
		return nil, fmt.Errorf("discovering scopes: %w", err)
	}
	var out []string
	for _, sc := range st.List(scopes.Filter{Active: []bool{true}}) {
		out = append(out, sc.ID)
	}
	for _, id := range found {
		if sc, ok := st.Get(id); ok && !sc.Active {
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// due returns the next period of the scope and whether it may be rated
// now: t + wait_periods × period ≤ now (upstream's check_time_state).
func (p *Processor) due(id string, now time.Time) (time.Time, bool) {
	t := FirstPeriod(now)
	if sc, ok := p.cfg.Service.Scopes.Get(id); ok && sc.LastProcessed != nil {
		t = sc.LastProcessed.Add(p.period)
	}
	return t, !t.Add(time.Duration(p.wait) * p.period).After(now)
}

// catchUp rates the scope's due periods in batches until none is due.
func (p *Processor) catchUp(ctx context.Context, id string) (int, error) {
	n := 0
	for {
		k, err := p.catchUpBatch(ctx, id)
		n += k
		if err != nil || k == 0 {
			return n, err
		}
	}
}

// catchUpBatch rates the next batch of due periods under the scope's
// lock, reading the state inside it (a reset may have moved it).
func (p *Processor) catchUpBatch(ctx context.Context, id string) (int, error) {
	defer p.cfg.Service.Scopes.Lock(id)()
	now := p.cfg.Now()
	var starts []time.Time
	t, ok := p.due(id, now)
	for ok && len(starts) < p.cfg.Batch {
		starts = append(starts, t)
		t = t.Add(p.period)
		ok = !t.Add(time.Duration(p.wait) * p.period).After(now)
	}
	if len(starts) == 0 {
		return 0, nil
	}
	if err := p.write(ctx, id, starts); err != nil {
		return 0, err
	}
	last := starts[len(starts)-1]
	if err := p.cfg.Service.Scopes.SetLastProcessed(ctx, id, last); err != nil {
		return 0, fmt.Errorf("advancing scope %s to %s: %w", id, last.Format(time.RFC3339), err)
	}
	if p.cfg.Progress != nil {
		p.cfg.Progress(id, last, len(starts))
	}
	return len(starts), nil
}

// reprocess runs the pending reprocessing tasks, oldest first, each
// period by period (in batches), recording its progress after each
// commit.
func (p *Processor) reprocess(ctx context.Context) (int, error) {
	n := 0
	for _, task := range p.cfg.Service.Scopes.Pending() {
		for {
			var starts []time.Time
			t, ok := task.Next(p.period)
			for ok && len(starts) < p.cfg.Batch {
				starts = append(starts, t)
				t = t.Add(p.period)
				ok = !t.After(task.End)
			}
			if len(starts) == 0 {
				break
			}
			last := starts[len(starts)-1]
			unlock := p.cfg.Service.Scopes.Lock(task.ScopeID)
			err := p.write(ctx, task.ScopeID, starts)
			if err == nil {
				err = p.cfg.Service.Scopes.Advance(ctx, task.ID, last)
			}
			unlock()
			if err != nil {
				return n, fmt.Errorf("reprocessing task %d: %w", task.ID, err)
			}
			n += len(starts)
			c := last
			task.Current = &c
		}
		p.cfg.Log.Info("reprocessed", "scope", task.ScopeID, "start", task.Start, "end", task.End, "reason", task.Reason)
	}
	return n, nil
}

// write collects and rates the periods starting at starts for the
// scope and stores them in one import.
func (p *Processor) write(ctx context.Context, id string, starts []time.Time) error {
	rc := p.cfg.Service.Config()
	ws := make([]cost.Window, len(starts))
	fs := make([]frames.Frame, len(starts))
	for i, s := range starts {
		ws[i] = cost.Window{Start: s, End: s.Add(p.period)}
		fs[i] = frames.Frame{Scope: id, Start: ws[i].Start, End: ws[i].End, Usage: map[string][]frames.Point{}}
	}
	if rc.Metrics != nil {
		// Every metric is collected first, then each period is rated
		// whole: a rater prepares its rules once per scope and period
		// (ChainRater), not once per metric and period.
		collected := make([][][]frames.Point, len(rc.Metrics.Metrics)) // by metric, then period
		for i := range rc.Metrics.Metrics {
			byPeriod, err := p.collect(ctx, &rc.Metrics.Metrics[i], rc.ScopeKey, id, ws)
			if err != nil {
				return err
			}
			if len(byPeriod) != len(ws) {
				return fmt.Errorf("collecting %s for scope %s: the collector answered %d periods of %d", rc.Metrics.Metrics[i].RatedName(), id, len(byPeriod), len(ws))
			}
			collected[i] = byPeriod
		}
		for k := range ws {
			for i := range rc.Metrics.Metrics {
				typ, pts := rc.Metrics.Metrics[i].RatedName(), collected[i][k]
				for j := range pts {
					if err := p.cfg.Rater.Rate(ctx, id, ws[k], typ, &pts[j]); err != nil {
						return fmt.Errorf("rating %s for scope %s at %s: %w", typ, id, ws[k].Start.Format(time.RFC3339), err)
					}
				}
				if len(pts) > 0 {
					fs[k].Usage[typ] = append(fs[k].Usage[typ], pts...)
				}
			}
		}
	}
	_, err := frames.Write(ctx, p.cfg.Store, id, rc.Currency, fs...)
	return err
}

// collect gathers metric m for each period, in one read when the
// collector can.
func (p *Processor) collect(ctx context.Context, m *metrics.Metric, key, id string, ws []cost.Window) ([][]frames.Point, error) {
	if rc, ok := p.cfg.Collector.(collect.RangeCollector); ok {
		return rc.CollectRange(ctx, m, key, id, ws)
	}
	out := make([][]frames.Point, len(ws))
	for i, w := range ws {
		pts, err := p.cfg.Collector.Collect(ctx, m, key, id, w)
		if err != nil {
			return nil, err
		}
		out[i] = pts
	}
	return out, nil
}

// ChainRater prices points through the enabled rating modules
// (modules.Chain: hashmap, pyscripts, noop, by priority), as they stood
// at the period's start; the chain is built once per scope and period.
type ChainRater struct {
	Modules *modules.State

	mu    sync.Mutex
	cache map[string]cached // by scope: the chain of its current period
}

type cached struct {
	at    time.Time
	chain *modules.Chain
}

// Rate implements Rater.
func (r *ChainRater) Rate(ctx context.Context, scope string, period cost.Window, typ string, p *frames.Point) error {
	r.mu.Lock()
	c, ok := r.cache[scope]
	if !ok || !c.at.Equal(period.Start) {
		ch, err := r.Modules.Chain(ctx, scope, period.Start, script.Period{Begin: period.Start, End: period.End})
		if err != nil {
			r.mu.Unlock()
			return err
		}
		c = cached{at: period.Start, chain: ch}
		if r.cache == nil {
			r.cache = map[string]cached{}
		}
		r.cache[scope] = c
	}
	r.mu.Unlock()
	hp := hashmap.Point{Service: typ, Qty: p.Qty, Desc: p.Desc(), Price: p.Price}
	if err := c.chain.Rate(ctx, &hp); err != nil {
		return err
	}
	p.Price = hp.Price
	return nil
}
