package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/source"
	"github.com/tally-cost/tally/internal/store"
)

// Runner mirrors and ingests the configured sources. Runs of different
// sources queue for one import slot: two imports at once would only
// share two cores and double the memory.
type Runner struct {
	store store.Store
	repo  Repo
	cache string
	log   *slog.Logger
	// retention prunes superseded snapshots after each run.
	retention Retention
	audit     func(ctx context.Context, action, object, id, detail string) error
	now       func() time.Time
	// redact removes every source's secrets from run errors and logs.
	redact *secret.Redactor

	slot chan struct{} // one import at a time
	wake chan struct{}

	mu      sync.Mutex
	sources map[string]*entry
	// onRunEnd are called after each run (OnRunEnd); guarded by mu.
	onRunEnd []func(ctx context.Context)
}

type entry struct {
	spec    Spec
	refresh time.Duration
	status  SourceStatus
	cancel  context.CancelFunc
	done    chan struct{} // closed when the current run ends
}

// New returns a runner over st that mirrors sources under cacheDir and
// keeps API-added sources in repo (nil: not persisted). Sources of the
// configuration file come in cfg. Files an older version left readable
// by others in the cache are made private.
func New(ctx context.Context, st store.Store, repo Repo, cfg Config, log *slog.Logger) (*Runner, error) {
	if log == nil {
		log = slog.Default()
	}
	red := cfg.Redactor
	if red == nil {
		red = secret.NewRedactor()
	}
	// Whatever the caller's handler, the runner's own lines (run errors
	// quote SDK errors, which quote request URLs) are redacted.
	log = slog.New(secret.NewHandler(log.Handler(), red))
	r := &Runner{store: st, repo: repo, cache: cfg.CacheDir, log: log, now: time.Now, redact: red, retention: cfg.Retention, audit: cfg.Audit,
		slot: make(chan struct{}, 1), wake: make(chan struct{}, 1), sources: map[string]*entry{}}
	if r.cache == "" {
		r.cache = filepath.Join(os.TempDir(), "tally-sources")
	}
	if err := secret.RestrictTree(r.cache, log); err != nil {
		log.Warn("the source cache may be readable by other users", "err", err)
	}
	specs := slices.Clone(cfg.Sources)
	if repo != nil {
		saved, err := repo.LoadSources(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading sources: %w", err)
		}
		for _, s := range saved {
			if slices.ContainsFunc(specs, func(f Spec) bool { return f.Name == s.Name }) {
				log.Warn("source in both the configuration file and the database; the file wins", "source", s.Name)
				continue
			}
			specs = append(specs, s)
		}
	}
	for _, s := range specs {
		if s.locked != nil {
			log.Error("stored source cannot run", "source", s.Name, "err", s.locked)
		}
		if err := r.add(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Runner) add(s Spec) error {
	var refresh time.Duration
	var err error
	if s.locked != nil {
		refresh, err = s.validateSchedule()
	} else {
		refresh, err = s.Validate()
	}
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.sources[s.Name]; ok {
		return fmt.Errorf("%w: source %s already exists", ErrInvalid, s.Name)
	}
	if s.locked == nil {
		r.redact.Add(s.Location.SecretValues()...)
	}
	now := r.now().UTC()
	st := SourceStatus{
		Key: s.Name, Source: s.Location.Sanitized()["url"], Provider: s.Provider, Valid: true, Created: now,
		NextRun: now, RefreshRate: refresh, ConnectionStatus: NoConnection, Config: s.Location.Sanitized(),
	}
	if s.locked != nil {
		st.Valid, st.ConnectionStatus, st.LastError = false, InvalidConfiguration, r.redact.Error(s.locked)
	}
	r.sources[s.Name] = &entry{spec: s, refresh: refresh, status: st}
	return nil
}

// Add configures a new source (the API's POST), saves it and schedules
// its first run.
func (r *Runner) Add(ctx context.Context, s Spec) error {
	s.FromFile = false
	if err := r.add(s); err != nil {
		return err
	}
	if r.repo != nil {
		if err := r.repo.SaveSource(ctx, s); err != nil {
			r.mu.Lock()
			delete(r.sources, s.Name)
			r.mu.Unlock()
			return err
		}
	}
	r.poke()
	return nil
}

// Remove stops and forgets a source added through the API. Its snapshots
// stay: removing where bills come from does not delete the bills.
func (r *Runner) Remove(ctx context.Context, name string) error {
	r.mu.Lock()
	e, ok := r.sources[name]
	if ok && e.spec.FromFile {
		r.mu.Unlock()
		return fmt.Errorf("%w: source %s comes from the configuration file; change it there", ErrInvalid, name)
	}
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("source %s: %w", name, ErrUnknownSource)
	}
	r.stop(e)
	if r.repo != nil {
		if err := r.repo.DeleteSource(ctx, name); err != nil {
			return err
		}
	}
	r.mu.Lock()
	delete(r.sources, name)
	r.mu.Unlock()
	return nil
}

// Specs lists the configured sources by name.
func (r *Runner) Specs() []Spec {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Spec, 0, len(r.sources))
	for _, k := range slices.Sorted(maps.Keys(r.sources)) {
		out = append(out, r.sources[k].spec)
	}
	return out
}

// Status reports every source, by name.
func (r *Runner) Status() []SourceStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]SourceStatus, 0, len(r.sources))
	for _, k := range slices.Sorted(maps.Keys(r.sources)) {
		st := r.sources[k].status
		st.Config = maps.Clone(st.Config)
		out = append(out, st)
	}
	return out
}

// Rebuild re-reads every period of one source (key) or of all (key ""),
// in the background; a run in progress for a source is cancelled first.
func (r *Runner) Rebuild(key string) error { return r.start(key, cost.Window{}) }

// Repair re-reads the billing periods overlapping w, in the background.
func (r *Runner) Repair(w cost.Window, key string) error {
	if !w.End.After(w.Start) {
		return fmt.Errorf("%w: empty repair window", cost.ErrInvalid)
	}
	return r.start(key, w)
}

func (r *Runner) start(key string, w cost.Window) error {
	r.mu.Lock()
	var targets []*entry
	if key == "" {
		for _, e := range r.sources {
			targets = append(targets, e)
		}
	} else if e, ok := r.sources[key]; ok {
		targets = append(targets, e)
	}
	r.mu.Unlock()
	if key != "" && len(targets) == 0 {
		return fmt.Errorf("source %q: %w", key, ErrUnknownSource)
	}
	for _, e := range targets {
		r.stop(e)
		r.launch(e, w, true)
	}
	return nil
}

// stop cancels e's run, if any, and waits for it to end.
func (r *Runner) stop(e *entry) {
	r.mu.Lock()
	cancel, done := e.cancel, e.done
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// launch starts a run of e over the periods of w; force reads them even
// when their files are unchanged (a rebuild or repair), and imports the
// newest export run of each again.
func (r *Runner) launch(e *entry, w cost.Window, force bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.mu.Lock()
	e.cancel, e.done = cancel, done
	e.status.Active, e.status.Progress, e.status.Files, e.status.Rows = true, 0, 0, 0
	e.status.Unchanged, e.status.KnownRuns, e.status.Pruned = nil, 0, nil
	r.mu.Unlock()
	go func() {
		defer close(done)
		defer cancel()
		err := r.run(ctx, e, w, force)
		r.finish(e, err)
		r.mu.Lock()
		hooks := slices.Clone(r.onRunEnd)
		r.mu.Unlock()
		for _, fn := range hooks {
			fn(ctx)
		}
	}()
}

// OnRunEnd registers fn, called after every run of a source, failed ones
// too (a run may commit some periods before it fails), in the run's
// goroutine with its context, so that shutting down waits for it: the
// CloudHealth asset index reads what the run committed.
func (r *Runner) OnRunEnd(fn func(ctx context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onRunEnd = append(r.onRunEnd, fn)
}

// scheduledWindow is what a scheduled refresh re-reads: the previous
// month and the month to date, as bills of both are still restated.
func scheduledWindow(now time.Time) cost.Window {
	this := cost.MonthStart(now.UTC())
	return cost.Window{Start: this.AddDate(0, -1, 0), End: this.AddDate(0, 1, 0)}
}

// Run refreshes sources on their schedule until ctx ends, then cancels
// every run and waits for them.
func (r *Runner) Run(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		r.mu.Lock()
		now := r.now()
		var due []*entry
		for _, e := range r.sources {
			if !e.status.Active && !now.Before(e.status.NextRun) {
				due = append(due, e)
			}
		}
		r.mu.Unlock()
		for _, e := range due {
			w := scheduledWindow(now)
			if r.coverage(e.spec.Name).Start.IsZero() {
				// A source without data yet is read whole, as OpenCost
				// builds history on its first start.
				w = cost.Window{}
			}
			r.launch(e, w, false)
		}
		select {
		case <-ctx.Done():
			r.mu.Lock()
			entries := slices.Collect(maps.Values(r.sources))
			r.mu.Unlock()
			for _, e := range entries {
				r.stop(e)
			}
			return
		case <-tick.C:
		case <-r.wake:
		}
	}
}

func (r *Runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run mirrors the source, ingests the periods of w whose files changed
// (all of them when force) and prunes superseded snapshots.
func (r *Runner) run(ctx context.Context, e *entry, w cost.Window, force bool) error {
	select {
	case r.slot <- struct{}{}:
		defer func() { <-r.slot }()
	case <-ctx.Done():
		return ctx.Err()
	}
	spec := e.spec
	if spec.locked != nil {
		return spec.locked
	}
	src, err := source.Open(ctx, spec.Location)
	if err != nil {
		return err
	}
	defer source.Close(src)
	dir := filepath.Join(r.cache, spec.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := source.Mirror(ctx, src, dir, func(done, total int64) {
		if total > 0 {
			r.progress(e, 0.5*float64(done)/float64(total), 0)
		}
	}); err != nil {
		return err
	}
	objs, err := source.Mirrored(dir)
	if err != nil {
		return err
	}
	state := r.loadState(spec.Name)
	// A month's fingerprint is asked before the import and recorded after
	// it, over the same objects: computed once.
	fps := map[time.Time]string{}
	fp := func(m time.Time) string {
		f, ok := fps[m]
		if !ok {
			f = fingerprint(objs, m)
			fps[m] = f
		}
		return f
	}
	if !force && !w.Start.IsZero() {
		before, err := r.visibleSnapshots(ctx, spec.Name)
		if err != nil {
			return err
		}
		var changed, unchanged []time.Time
		for _, m := range cost.MonthsOf(w) {
			ps, ok := state.Periods[periodKey(m)]
			if ok && ps.Fingerprint == fp(m) && ps.Snapshot == before[periodKey(m)] {
				unchanged = append(unchanged, m)
			} else {
				changed = append(changed, m)
			}
		}
		r.mu.Lock()
		e.status.Unchanged = unchanged
		r.mu.Unlock()
		if len(changed) == 0 {
			r.log.Info("files unchanged; nothing to import", "source", spec.Name, "periods", len(unchanged))
			return r.prune(ctx, e)
		}
		// The scheduled window is two months: what changed is one of
		// them or both, a window either way.
		w = cost.Window{Start: changed[0], End: changed[len(changed)-1].AddDate(0, 1, 0)}
	}
	sum, err := ingest.Run(ctx, r.store, []string{dir}, ingest.Options{Source: spec.Name, Provider: spec.Provider,
		Format: tabular.Format(spec.Format), Periods: w, Reimport: force, Progress: &progress{r: r, e: e}, Logger: r.log})
	if sum != nil {
		r.mu.Lock()
		e.status.Files, e.status.Rows, e.status.KnownRuns = len(sum.Files), sum.Rows, sum.KnownRuns
		r.mu.Unlock()
	}
	if err != nil {
		return err
	}
	after, err := r.visibleSnapshots(ctx, spec.Name)
	if err != nil {
		return err
	}
	read := cost.MonthsOf(w)
	if w.Start.IsZero() {
		// Everything was read: record every period that has data.
		read = nil
		for k := range after {
			if m, err := time.Parse("2006-01", k); err == nil {
				read = append(read, m)
			}
		}
	}
	for _, m := range read {
		state.Periods[periodKey(m)] = periodState{Fingerprint: fp(m), Snapshot: after[periodKey(m)]}
	}
	if err := r.saveState(spec.Name, state); err != nil {
		// The next refresh reads the periods again: slower, not wrong.
		r.log.Warn("cannot record what the import read", "source", spec.Name, "err", err)
	}
	return r.prune(ctx, e)
}

// prune applies the retention policy to e's source and reports what it
// removed. A failure is logged, not the run's: the import went well, and
// the next run prunes again.
func (r *Runner) prune(ctx context.Context, e *entry) error {
	pruned, err := Prune(ctx, r.store, e.spec.Name, r.retention, r.now())
	for _, p := range pruned {
		r.log.Info("pruned a superseded snapshot", "source", e.spec.Name, "snapshot", p.ID,
			"period", p.PeriodStart.Format("2006-01"), "run", p.RunID, "rows", p.Rows)
		if r.audit != nil {
			detail := fmt.Sprintf("source=%s period=%s", e.spec.Name, p.PeriodStart.Format("2006-01"))
			if p.RunID != "" {
				detail += " run=" + p.RunID
			}
			detail += fmt.Sprintf(" rows=%d (retention)", p.Rows)
			if aerr := r.audit(context.WithoutCancel(ctx), "delete", "snapshot", strconv.FormatInt(p.ID, 10), detail); aerr != nil {
				r.log.Error("cannot record a pruned snapshot in the audit log", "source", e.spec.Name, "snapshot", p.ID, "err", aerr)
			}
		}
	}
	r.mu.Lock()
	e.status.Pruned = pruned
	r.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Error("pruning superseded snapshots failed", "source", e.spec.Name, "err", err)
	}
	return nil
}

func (r *Runner) progress(e *entry, p float64, rows int64) {
	r.mu.Lock()
	e.status.Progress = p
	if rows > 0 {
		e.status.Rows = rows
	}
	r.mu.Unlock()
}

// progress adapts ingest progress to the second half of a run.
type progress struct {
	r     *Runner
	e     *entry
	total int64
}

func (p *progress) Begin(total int64) { p.total = total }
func (p *progress) Advance(rows, bytes int64) {
	if p.total > 0 {
		p.r.progress(p.e, 0.5+0.5*float64(bytes)/float64(p.total), rows)
	}
}
func (p *progress) End() {}

// finish records the outcome of a run in the source's status.
func (r *Runner) finish(e *entry, err error) {
	coverage := r.coverage(e.spec.Name)
	now := r.now().UTC()
	r.mu.Lock()
	defer r.mu.Unlock()
	e.cancel = nil
	st := &e.status
	st.Active, st.LastRun, st.NextRun, st.Coverage = false, now, now.Add(e.refresh), coverage
	switch {
	case err == nil:
		st.Runs++
		st.Progress, st.LastError, st.ConnectionStatus = 1, "", ConnectionSuccessful
	case errors.Is(err, context.Canceled):
		st.LastError = "cancelled"
		return
	case errors.Is(err, source.ErrInvalidConfig):
		st.Valid, st.ConnectionStatus = false, InvalidConfiguration
	case errors.Is(err, source.ErrNotFound), errors.Is(err, ingest.ErrNoFiles):
		st.ConnectionStatus = DataMissing
	case errors.Is(err, source.ErrConnection):
		st.ConnectionStatus = FailedConnection
	default:
		var pe *tabular.ParseError
		if errors.As(err, &pe) || errors.Is(err, tabular.ErrUnknownLayout) || errors.Is(err, cost.ErrInvalid) {
			st.ConnectionStatus = ParseError
		} else {
			st.ConnectionStatus = FailedConnection
		}
	}
	if err != nil {
		st.Runs++
		// Statuses are answered by three APIs; they all read this.
		st.LastError = r.redact.Error(err)
		r.log.Error("source run failed", "source", e.spec.Name, "err", err)
	}
}

// coverage is the range of billing periods of the source's complete
// snapshots.
func (r *Runner) coverage(name string) cost.Window {
	snaps, err := r.store.Snapshots(context.Background(), store.SnapshotFilter{Source: name, Status: store.StatusComplete, Scope: scope.All()})
	if err != nil {
		return cost.Window{}
	}
	var w cost.Window
	for _, s := range snaps {
		if s.BillingPeriodStart.IsZero() {
			continue
		}
		if w.Start.IsZero() || s.BillingPeriodStart.Before(w.Start) {
			w.Start = s.BillingPeriodStart
		}
		if s.BillingPeriodEnd.After(w.End) {
			w.End = s.BillingPeriodEnd
		}
	}
	return w
}
