#!/usr/bin/env bash
# A real Prometheus (Debian's package) for the Prometheus collector's
# integration tests (internal/rating/collect), on a free loopback port,
# with a private data directory and configuration:
#   history  six hours of deterministic samples (2024-03-01), written by
#            the test exporter and backfilled with promtool tsdb
#            create-blocks-from openmetrics before Prometheus starts
#   live     the test exporter (internal/rating/collect/prometheustest/
#            exporter), scraped every second
# Debian's own prometheus service is neither used nor touched.
#
# Usage: scripts/prometheus.sh install|start|stop|status|env
#
#   install  idempotent: installs Debian's prometheus package (the server
#            and promtool) with apt-get, through sudo when not root,
#            unless both commands are already there.
#   start    builds the exporter into $TALLY_PROMETHEUS_DIR/bin, backfills
#            the history, starts the exporter and Prometheus, waits until
#            Prometheus is ready and has scraped the exporter once, and
#            writes $RUN_DIR/env (TALLY_TEST_PROMETHEUS_URL=...) and
#            $RUN_DIR/*.pid. Fails if already running.
#   stop     stops what start started (by the recorded PIDs only).
#   status   says what is running.
#   env      prints the env file.
#
# Environment:
#   TALLY_PROMETHEUS_DIR        build dir (default <repo>/.cache/prometheus)
#   TALLY_PROMETHEUS_RUN_DIR    env, PIDs, logs, configuration and data
#                               (default $TALLY_PROMETHEUS_DIR/run)
#   TALLY_PROMETHEUS_WATCH_PID  if set, a watchdog stops both once that
#                               process is gone (the tests' TestMain sets
#                               it to itself, so a killed test binary
#                               leaves nothing behind).
#   PROMETHEUS, PROMTOOL        the commands (default: from PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${TALLY_PROMETHEUS_DIR:-$ROOT/.cache/prometheus}"
RUN_DIR="${TALLY_PROMETHEUS_RUN_DIR:-$DIR/run}"
PROMETHEUS="${PROMETHEUS:-prometheus}"
PROMTOOL="${PROMTOOL:-promtool}"
EXPORTER="$DIR/bin/tally-test-exporter"
SERVICES=(exporter prometheus)
LOG_NAME=prometheus.sh
# shellcheck source=lib/services.sh
. "$ROOT/scripts/lib/services.sh"

install() {
  if command -v "$PROMETHEUS" >/dev/null && command -v "$PROMTOOL" >/dev/null; then
    log "$("$PROMETHEUS" --version 2>&1 | head -n 1)"
    return
  fi
  apt_install prometheus
  command -v "$PROMTOOL" >/dev/null || die "the prometheus package brought no promtool"
}

# free_port: a loopback port nothing listens on. Bash's /dev/tcp connects
# to probe it; the window before Prometheus binds it is small, and a lost
# race fails start with Prometheus's bind error in its log.
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  die "no free port found"
}

# wait_for TRIES CHECK...: runs CHECK every 0.1 s until it succeeds or
# either service has died.
wait_for() {
  local tries=$1 s pid
  shift
  for _ in $(seq 1 "$tries"); do
    for s in "${SERVICES[@]}"; do
      pid="$(cat "$RUN_DIR/$s.pid" 2>/dev/null)" || continue
      kill -0 "$pid" 2>/dev/null || return 1
    done
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}

scraped() {
  curl -sf --max-time 2 "$1/api/v1/query" --data-urlencode 'query=up{job="tally-test-exporter"} == 1' |
    grep -q '"value"'
}

fail() {
  log "$*"
  tail -n 20 "$RUN_DIR"/*.log >&2 || true
  stop
  exit 1
}

start() {
  command -v curl >/dev/null || die "curl is required"
  command -v go >/dev/null || die "go is required (to build the test exporter)"
  command -v "$PROMETHEUS" >/dev/null || die "prometheus is not installed: run $0 install"
  command -v "$PROMTOOL" >/dev/null || die "promtool is not installed: run $0 install"
  if running; then die "already running (see $RUN_DIR); run $0 stop first"; fi
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/data" "$DIR/bin"

  (cd "$ROOT" && go build -o "$EXPORTER" ./internal/rating/collect/prometheustest/exporter)
  "$EXPORTER" -openmetrics "$RUN_DIR/history.om"
  # Blocks are written straight into the data directory, which
  # Prometheus loads at start.
  "$PROMTOOL" tsdb create-blocks-from openmetrics "$RUN_DIR/history.om" "$RUN_DIR/data" >"$RUN_DIR/backfill.log" 2>&1 ||
    fail "backfill failed"

  spawn exporter "$EXPORTER" -listen 127.0.0.1:0 -addr-file "$RUN_DIR/exporter.addr"
  wait_for 300 test -s "$RUN_DIR/exporter.addr" || fail "the exporter did not start"
  local target port url
  target="$(cat "$RUN_DIR/exporter.addr")"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  cat >"$RUN_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tally-test-exporter
    static_configs:
      - targets: ['$target']
EOF
  # The retention keeps the 2024 history: it is measured from the newest
  # block, and live samples soon make one.
  spawn prometheus "$PROMETHEUS" --config.file="$RUN_DIR/prometheus.yml" \
    --storage.tsdb.path="$RUN_DIR/data" --storage.tsdb.retention.time=100y \
    --web.listen-address="127.0.0.1:$port" --log.level=warn

  if [ -n "${TALLY_PROMETHEUS_WATCH_PID:-}" ]; then
    local pids
    pids="$(cat "$RUN_DIR"/{exporter,prometheus}.pid | tr '\n' ' ')"
    setsid bash -c "while kill -0 $TALLY_PROMETHEUS_WATCH_PID 2>/dev/null; do sleep 1; done
      kill $pids 2>/dev/null; sleep 3
      for p in $pids; do kill -0 \$p 2>/dev/null && kill -9 \$p; done; rm -rf '$RUN_DIR'" \
      >/dev/null 2>&1 </dev/null &
    echo $! >"$RUN_DIR/watchdog.pid"
  fi

  wait_for 600 curl -sf -o /dev/null --max-time 2 "$url/-/ready" || fail "prometheus did not become ready"
  wait_for 300 scraped "$url" || fail "prometheus did not scrape the exporter"

  echo "TALLY_TEST_PROMETHEUS_URL=$url" >"$RUN_DIR/env.tmp"
  mv "$RUN_DIR/env.tmp" "$RUN_DIR/env"
  log "started; endpoint in $RUN_DIR/env"
  cat "$RUN_DIR/env"
}

main "$@"
