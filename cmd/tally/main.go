// Command tally is the Tally cloud cost platform: ingest bills, serve the
// cost APIs, generate synthetic bills and run a demo.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/tally-cost/tally/internal/secret"
)

const usage = `tally: exact, self-hosted cloud cost platform

Usage:
  tally demo   [--db DB] [--addr 127.0.0.1:8080]       generate demo bills, ingest them, serve
  tally ingest --db DB --source NAME --provider aws|azure|gcp|focus [--format auto|csv|parquet|jsonl] PATH...
  tally serve  --db DB [--addr 127.0.0.1:8080] [--no-auth] [--max-body BYTES] [--request-timeout 1m]
               [--config FILE] [--secret-key-file FILE] [--query-slots N]
  tally keys   create|list|revoke|rotate --db DB ...    manage API keys (see "tally keys help")
  tally rate   --db DB --config FILE [--once] [--now TIME] [--batch N] [--workers N]
                                                       rate usage as CloudKitty's processor does
  tally gen    --provider aws|azure|gcp|focus --rows N --days D [--format csv|jsonl|parquet] --out FILE
  tally bench  run [--smoke] [--dir DIR] [--runs N] [--sizes 1M,10M] [--only ingest,query,serve]
                                                       every benchmark scenario, medians and ratios
  tally bench  duckdb-csv|duckdb-parquet --db DB FILE  DuckDB's own load, the ingest baseline
  tally bench  serve [--db DB | --rows N] [--clients 64] [--duration 30s] [--ingest-rows N] [--dir DIR]
                                                       64 clients on a mixed read workload, quiet and during an import
  tally version                                        (also tally --version)

DB is a DuckDB file path (tally.duckdb), or a URL: duckdb:///abs/path.duckdb
(three slashes: absolute), duckdb://relative/path.duckdb, optionally with
?memory_limit=2GB and ?threads=N (DuckDB's worker threads).

Run "tally COMMAND -h" for the flags of a command.
`

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tally:", redactor.Error(err))
		if errors.Is(err, errUsage) {
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
	err := dispatch(ctx, args[0], args[1:], stdout, stderr)
	// Help asked for with -h is an answer, not a mistake: exit status 0.
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, cmd string, rest []string, stdout, stderr io.Writer) error {
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
	case "rate":
		return cmdRate(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "tally", versionString())
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// version, when set at build time with -ldflags "-X main.version=...",
// is what "tally version" prints; otherwise the Go build information
// tells.
var version string

// versionString is the module version Go recorded in the binary ("go
// install ...@v1.2.3" records v1.2.3; a build in a checkout records
// "(devel)", shown as "devel") and the commit it was built from, when
// the build knew it. A binary without build information says "dev".
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " (commit " + rev
		if modified == "true" {
			v += ", with uncommitted changes"
		}
		v += ")"
	}
	return v
}

// newFlags returns a flag set that reports errors instead of exiting.
// Its messages go to stderr, except the usage asked for with -h or
// --help, which goes to stdout (see parseFlags).
func newFlags(name string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tally "+name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{stdout: stdout, stderr: stderr})
	return fs
}

// flagOutput is a flag set's output: stderr, except while parseFlags
// parses, when it holds what the flag package prints until the outcome
// says where it belongs. The flag package prints the same usage for -h
// and for a mistake and cannot tell them apart itself.
type flagOutput struct {
	stdout, stderr io.Writer
	held           *bytes.Buffer
}

func (o *flagOutput) Write(p []byte) (int, error) {
	if o.held != nil {
		return o.held.Write(p)
	}
	return o.stderr.Write(p)
}

// parseFlags parses args, allowing flags after positional arguments
// ("tally ingest a.csv --source x"), and marks errors as usage errors.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseHeld(fs, args); err != nil {
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

// parseHeld is fs.Parse with the usage printed for -h sent to stdout
// and everything else to stderr.
func parseHeld(fs *flag.FlagSet, args []string) error {
	o, ok := fs.Output().(*flagOutput)
	if !ok {
		return fs.Parse(args)
	}
	o.held = new(bytes.Buffer)
	err := fs.Parse(args)
	held := o.held
	o.held = nil
	w := o.stderr
	if errors.Is(err, flag.ErrHelp) {
		w = o.stdout
	}
	if _, werr := held.WriteTo(w); werr != nil && err == nil {
		return werr
	}
	return err
}
