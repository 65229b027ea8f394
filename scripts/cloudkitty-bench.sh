#!/usr/bin/env bash
# The issue 20 benchmark (BENCHMARKS.md, "Issue 20: CloudKitty report
# endpoints against CloudKitty 17"), end to end: builds tally, makes the
# data set (TENANTS × HOURS × 2 rated points, default 1,000 × 720), loads
# it into the real CloudKitty 17 (scripts/cloudkitty-upstream.sh) and
# into a Tally database, serves both on loopback ports and measures
# report/total and report/summary on each in one run. Long (the loads
# take minutes): never part of "make test".
#
# Usage: scripts/cloudkitty-bench.sh [RUNS]
# Environment: TENANTS, HOURS (data set size), WORK (default
# <repo>/.cache/cloudkitty-bench: the CSV, the Tally database, logs),
# POSTGRESQL=1 to measure a second CloudKitty over PostgreSQL as well
# (its state in $WORK/ck-pg; needs root).
# An existing database and CSV of the same size are reused; delete WORK
# to make them again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-9}"
TENANTS="${TENANTS:-1000}"
HOURS="${HOURS:-720}"
WORK="${WORK:-$ROOT/.cache/cloudkitty-bench}"
UP="$ROOT/scripts/cloudkitty-upstream.sh"
mkdir -p "$WORK"
cd "$ROOT"
go build -o "$WORK/tally" ./cmd/tally
"$UP" install
size="$TENANTS-$HOURS"
if [ "$(cat "$WORK/.loaded" 2>/dev/null)" != "$size" ]; then
  rm -f "$WORK/frames.csv" "$WORK/tally.duckdb" "$WORK/tally.duckdb.wal"
  "$WORK/tally" bench cloudkitty gen --tenants "$TENANTS" --hours "$HOURS" --csv "$WORK/frames.csv"
  "$UP" load "$WORK/frames.csv"
  if [ "${POSTGRESQL:-}" = 1 ]; then
    TALLY_CLOUDKITTY_DB=postgresql TALLY_CLOUDKITTY_DIR="$WORK/ck-pg" "$UP" install
    TALLY_CLOUDKITTY_DB=postgresql TALLY_CLOUDKITTY_DIR="$WORK/ck-pg" "$UP" load "$WORK/frames.csv"
  fi
  "$WORK/tally" bench cloudkitty gen --tenants "$TENANTS" --hours "$HOURS" --db "$WORK/tally.duckdb"
  echo "$size" >"$WORK/.loaded"
fi
"$UP" status | grep -q ": running" || "$UP" start >/dev/null
ck="$("$UP" env | sed -n 's/^TALLY_CLOUDKITTY_URL=//p')"
pgargs=()
pg() { TALLY_CLOUDKITTY_DB=postgresql TALLY_CLOUDKITTY_DIR="$WORK/ck-pg" "$UP" "$@"; }
if [ "${POSTGRESQL:-}" = 1 ]; then
  pg status | grep -q ": running" || pg start >/dev/null
  pgargs=(--cloudkitty-postgresql "$(pg env | sed -n 's/^TALLY_CLOUDKITTY_URL=//p')")
fi
port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$WORK/tally" serve --no-auth --addr "127.0.0.1:$port" --db "$WORK/tally.duckdb" >"$WORK/serve.log" 2>&1 &
tpid=$!
trap 'kill $tpid 2>/dev/null; wait $tpid 2>/dev/null; "$UP" stop; if [ "${POSTGRESQL:-}" = 1 ]; then pg stop; fi' EXIT
for _ in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$port/cloudkitty/" && break
  sleep 0.2
done
"$WORK/tally" bench cloudkitty run --tenants "$TENANTS" --hours "$HOURS" --runs "$RUNS" \
  --cloudkitty "$ck" ${pgargs[@]+"${pgargs[@]}"} --tally "http://127.0.0.1:$port/cloudkitty"
