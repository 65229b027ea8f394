package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/rating"
	"github.com/tally-cost/tally/internal/rating/collect"
	"github.com/tally-cost/tally/internal/rating/processor"
	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store"
)

// cmdRate runs the rating processor in the foreground over --db, with
// the rating section of --config: for operators (catching up, replaying
// with --now) and for the kill test.
func cmdRate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rate", stdout, stderr)
	db := dbFlag(fs, "tally.duckdb", "database whose usage is rated and into which rated data is written")
	config := fs.String("config", "", "JSON configuration file with a rating section (see README, Rating)")
	once := fs.Bool("once", false, "stop when every scope is caught up, instead of sweeping every period")
	nowFlag := fs.String("now", "", "rate as if the time were this (RFC 3339), to replay or test; default the clock")
	batch := fs.Int("batch", 24, "periods of a scope written per commit")
	workers := fs.Int("workers", 1, "scopes rated at once")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *config == "" {
		fs.Usage()
		return fmt.Errorf("%w: rate needs --config", errUsage)
	}
	clock := time.Now
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("%w: --now: %v", errUsage, err)
		}
		clock = func() time.Time { return t }
	}
	rc, err := loadRatingConfig(*config)
	if err != nil {
		return err
	}
	if rc == nil {
		return fmt.Errorf("%w: %s has no rating section", errUsage, *config)
	}
	st, err := openDB(ctx, *db, storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := rating.Open(ctx, st.State, *rc)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	p, err := newProcessor(svc, st.Cost, processor.Config{Now: clock, Batch: *batch, Workers: *workers, Log: slog.Default(),
		Progress: func(scope string, last time.Time, n int) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stdout, "rated %s through %s (%d periods)\n", scope, last.UTC().Format(time.RFC3339), n)
		}})
	if err != nil {
		return err
	}
	if *once {
		n, err := p.Sweep(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "caught up: %d periods rated\n", n)
		return nil
	}
	return p.Run(ctx)
}

// loadRatingConfig reads the rating section of a configuration file;
// nil when it has none.
func loadRatingConfig(path string) (*rating.Config, error) {
	pc, err := pipeline.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return ratingConfig(pc, path)
}

// ratingConfig parses the rating section of pc, read from path; nil
// when there is none.
func ratingConfig(pc pipeline.Config, path string) (*rating.Config, error) {
	if len(pc.Rating) == 0 || string(pc.Rating) == "null" {
		return nil, nil
	}
	rc, err := rating.ParseFileConfig(pc.Rating, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &rc, nil
}

// newProcessor builds the processor of svc over the cost store st, with
// the configured collector; base holds the other settings.
func newProcessor(svc *rating.Service, st store.Store, base processor.Config) (*processor.Processor, error) {
	rc := svc.Config()
	base.Service, base.Store = svc, st
	switch rc.Collector {
	case rating.CollectorTally:
		base.Collector = collect.LineItems{Store: st}
	case rating.CollectorPrometheus:
		pc, err := collect.NewPrometheus(collect.PrometheusOptions{URL: rc.PrometheusURL})
		if err != nil {
			return nil, err
		}
		base.Collector = pc
	default:
		return nil, fmt.Errorf("unknown collector %q", rc.Collector)
	}
	return processor.New(base)
}
