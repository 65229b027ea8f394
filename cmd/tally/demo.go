package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/scope"
	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/synth"
)

// demoDays is how much history the demo data set covers.
const demoDays = 120

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stdout, stderr)
	db := dbFlag(fs, defaultDemoDB(), "database of the demo (reused when it already holds data)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	noServe := fs.Bool("no-serve", false, "load the demo data and exit")
	keyFile := secretKeyFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	// The demo serves without keys, so it must stay on this machine.
	loopback, err := loopbackOnly(ctx, net.DefaultResolver, *addr)
	if err != nil {
		return err
	}
	*addr = loopback
	// Claim the port before generating data: a demo that cannot serve
	// must say so at once, not after minutes of work.
	var ln net.Listener
	if !*noServe {
		if ln, err = listen(*addr); err != nil {
			return err
		}
		defer ln.Close() // when serving never starts; closing twice is harmless
	}
	loc, err := dbLocation(*db)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(loc.Path), 0o700); err != nil {
		return err
	}
	keys, err := secretKeys(loc.Path, *keyFile, slog.Default())
	if err != nil {
		return err
	}
	stores, err := openDB(ctx, *db, storage.Options{})
	if err != nil {
		return err
	}
	defer stores.Close()
	st := stores.Cost
	snaps, err := st.Snapshots(ctx, store.SnapshotFilter{Status: store.StatusComplete, Scope: scope.All()})
	if err != nil {
		return err
	}
	if len(snaps) > 0 {
		fmt.Fprintf(stdout, "Using the demo data in %s (%d snapshots; delete the file to start over).\n", *db, len(snaps))
	} else if err := loadDemo(ctx, st, stores.State, stdout); err != nil {
		return err
	}
	if *noServe {
		return nil
	}
	rc, err := demoRatingConfig()
	if err != nil {
		return err
	}
	// The demo's usage does not grow, so no processor runs: its rated
	// data was written once, when it was loaded.
	return serve(ctx, st, stores.State, serveOptions{listener: ln, noAuth: true, pipeline: pipeline.Config{CacheDir: loc.Path + ".sources"}, keys: keys,
		rating: &rc, noProcessor: true, uploadDir: uploadDir(loc.Path)}, stdout)
}

func defaultDemoDB() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "tally", "demo.duckdb")
}

// loadDemo generates the demo bills, ingests them into st and rates
// part of their usage (rateDemo), with the rating state in docs.
func loadDemo(ctx context.Context, st store.Store, docs store.DocStore, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "tally-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -demoDays+1)
	fmt.Fprintf(stdout, "Generating %d days of demo bills (AWS, Azure, GCP)...\n", demoDays)
	files, err := synth.Demo(dir, start, demoDays)
	if err != nil {
		return fmt.Errorf("generating demo bills: %w", err)
	}
	// The per-file "ingesting" log lines are noise next to the summaries.
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for _, f := range files {
		sum, err := ingest.Run(ctx, st, []string{f.Path}, ingest.Options{Source: f.Source, Provider: f.Provider, Logger: quiet})
		if err != nil {
			return fmt.Errorf("ingesting demo %s bill: %w", f.Provider, err)
		}
		fmt.Fprintln(stdout, " ", oneLine(sum))
	}
	return rateDemo(ctx, st, docs, cost.Window{Start: start, End: start.AddDate(0, 0, demoDays)}, stdout)
}
