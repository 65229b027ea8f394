// Command tally is the Tally cloud cost platform: ingest bills, serve the
// cost APIs, generate synthetic bills and run a demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tally-cost/tally/internal/secret"
)

const usage = `tally: exact, self-hosted cloud cost platform

Usage:
  tally demo   [--db DB] [--addr 127.0.0.1:8080]       generate demo bills, ingest them, serve
  tally ingest --db DB --source NAME --provider aws|azure|gcp|focus [--format auto|csv|parquet|jsonl] PATH...
  tally serve  --db DB [--addr 127.0.0.1:8080] [--no-auth] [--max-body BYTES] [--request-timeout 1m]
               [--config FILE] [--secret-key-file FILE]
  tally keys   create|list|revoke|rotate --db DB ...    manage API keys (see "tally keys help")
  tally gen    --provider aws|azure|gcp|focus --rows N --days D --out FILE
  tally bench  duckdb-csv --db DB FILE                 DuckDB's own CSV load, the ingest baseline
  tally version

DB is a DuckDB file path (tally.duckdb), or a URL: duckdb:///abs/path.duckdb
(three slashes: absolute), duckdb://relative/path.duckdb, optionally with
?memory_limit=2GB.

Run "tally COMMAND -h" for the flags of a command.
`

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tally:", redactor.Error(err))
		}
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	privateUmask()
	slog.SetDefault(slog.New(secret.NewHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}), redactor)))
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "ingest":
		return cmdIngest(ctx, rest, stdout, stderr)
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, rest, stdout, stderr)
	case "gen":
		return cmdGen(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "tally", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tally "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// ("tally ingest a.csv --source x"), and marks errors as usage errors.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
