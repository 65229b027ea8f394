#!/usr/bin/env bash
# Storage emulators for the integration tests of internal/source, all real
# servers listening on loopback ports:
#   versitygw         S3 gateway on a local directory; verifies SigV4
#                     signatures (root keys below)
#   azurite-blob      Azure Blob API; verifies SharedKey and SAS, account
#                     devstoreaccount1 with its well-known key
#   fake-gcs-server   GCS JSON and XML APIs; no authentication
#
# Usage: scripts/emulators.sh install|start|stop|status|env
#
#   install  idempotent. Azurite (pinned by scripts/emulators/package-lock.json)
#            goes to .cache/emulators/node_modules, versitygw and
#            fake-gcs-server to .cache/emulators/bin (go install, GOBIN).
#            Nothing is installed globally. Needs go, node >= 20 and npm.
#   start    starts the three on free loopback ports, waits until each answers
#            HTTP, writes $RUN_DIR/env (TALLY_TEST_*=..., one per line) and
#            $RUN_DIR/*.pid. Fails if they are already running.
#   stop     stops what start started (by the recorded PIDs only).
#   status   says which are running.
#   env      prints the env file (KEY=VALUE lines).
#
# Environment:
#   TALLY_EMULATORS_DIR        install dir (default <repo>/.cache/emulators)
#   TALLY_EMULATORS_RUN_DIR    where start keeps env, PIDs, logs and data
#                              (default $TALLY_EMULATORS_DIR/run)
#   TALLY_EMULATORS_WATCH_PID  if set, a watchdog stops the emulators once that
#                              process is gone (the Go TestMain of
#                              internal/source sets it to itself, so a killed
#                              test binary leaves nothing behind).
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
FAKE_GCS_SERVER_VERSION=v1.56.1
S3_ACCESS_KEY_ID=tallytest
S3_SECRET_ACCESS_KEY=tallytestsecret

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${TALLY_EMULATORS_DIR:-$ROOT/.cache/emulators}"
RUN_DIR="${TALLY_EMULATORS_RUN_DIR:-$DIR/run}"
NODE_BIN="$DIR/node_modules/.bin"
SERVICES=(s3 azurite gcs)
LOG_NAME=emulators
# shellcheck source=lib/services.sh
. "$ROOT/scripts/lib/services.sh"

# go_tool NAME MODULE/PATH VERSION: go install into $DIR/bin unless that
# version is already there.
go_tool() {
  local name=$1 pkg=$2 version=$3 stamp="$DIR/bin/.$1.version"
  if [ -x "$DIR/bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    log "$name $version up to date"
    return
  fi
  log "go install $pkg@$version into $DIR/bin"
  # Run outside the module: Tally's go.mod is neither read nor changed.
  (cd "$DIR" && GOBIN="$DIR/bin" GOFLAGS=-mod=mod GOWORK=off go install "$pkg@$version")
  echo "$version" >"$stamp"
}

install() {
  command -v go >/dev/null || die "go is required"
  command -v node >/dev/null || die "node is required (Node.js 20 or newer)"
  command -v npm >/dev/null || die "npm is required"
  command -v curl >/dev/null || die "curl is required (start uses it)"
  mkdir -p "$DIR/bin"

  # npm: reinstall only when package.json or the lock file changed.
  local want stamp="$DIR/.npm-stamp"
  want="$(cat "$ROOT/scripts/emulators/package.json" "$ROOT/scripts/emulators/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ -x "$NODE_BIN/azurite-blob" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    log "npm packages up to date"
  else
    cp "$ROOT/scripts/emulators/package.json" "$ROOT/scripts/emulators/package-lock.json" "$DIR/"
    log "npm ci (azurite) into $DIR"
    (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" >"$stamp"
  fi

  go_tool versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION"
  go_tool fake-gcs-server github.com/fsouza/fake-gcs-server "$FAKE_GCS_SERVER_VERSION"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_http URL PID: waits until URL answers with any HTTP status, or PID dies.
wait_http() {
  local url=$1 pid=$2
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.1
  done
  return 1
}

start() {
  command -v curl >/dev/null || die "curl is required"
  if ! [ -x "$NODE_BIN/azurite-blob" ] || ! [ -x "$DIR/bin/versitygw" ] || ! [ -x "$DIR/bin/fake-gcs-server" ]; then
    die "not installed: run $0 install"
  fi
  if running; then die "already running (see $RUN_DIR); run $0 stop first"; fi
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/s3/data" "$RUN_DIR/s3/meta" "$RUN_DIR/azurite"

  local s3p azp gcsp
  s3p="$(free_port)"
  azp="$(free_port)"
  gcsp="$(free_port)"

  # --sidecar keeps object metadata (ETags) in files, so the data
  # directory needs no extended attributes (tmpfs, overlayfs).
  spawn s3 "$DIR/bin/versitygw" --port "127.0.0.1:$s3p" --access "$S3_ACCESS_KEY_ID" \
    --secret "$S3_SECRET_ACCESS_KEY" --region us-east-1 --quiet \
    posix --sidecar "$RUN_DIR/s3/meta" "$RUN_DIR/s3/data"
  spawn azurite "$NODE_BIN/azurite-blob" --blobHost 127.0.0.1 --blobPort "$azp" \
    --location "$RUN_DIR/azurite" --skipApiVersionCheck --loose --silent
  spawn gcs "$DIR/bin/fake-gcs-server" -scheme http -host 127.0.0.1 -port "$gcsp" \
    -backend memory -public-host "127.0.0.1:$gcsp" -external-url "http://127.0.0.1:$gcsp" \
    -log-level warn

  if [ -n "${TALLY_EMULATORS_WATCH_PID:-}" ]; then
    # The watchdog stops only the PIDs this start recorded, then removes
    # their data (a normal stop leaves it for debugging).
    local pids
    pids="$(cat "$RUN_DIR"/{s3,azurite,gcs}.pid | tr '\n' ' ')"
    setsid bash -c "while kill -0 $TALLY_EMULATORS_WATCH_PID 2>/dev/null; do sleep 1; done
      kill $pids 2>/dev/null; sleep 3
      for p in $pids; do kill -0 \$p 2>/dev/null && kill -9 \$p; done; rm -rf '$RUN_DIR'" \
      >/dev/null 2>&1 </dev/null &
    echo $! >"$RUN_DIR/watchdog.pid"
  fi

  local ok=1
  wait_http "http://127.0.0.1:$s3p/" "$(cat "$RUN_DIR/s3.pid")" || {
    log "versitygw did not start"
    ok=0
  }
  wait_http "http://127.0.0.1:$azp/devstoreaccount1?comp=list" "$(cat "$RUN_DIR/azurite.pid")" || {
    log "azurite did not start"
    ok=0
  }
  wait_http "http://127.0.0.1:$gcsp/storage/v1/b" "$(cat "$RUN_DIR/gcs.pid")" || {
    log "fake-gcs-server did not start"
    ok=0
  }
  if [ $ok -ne 1 ]; then
    tail -n 20 "$RUN_DIR"/*.log >&2 || true
    stop
    exit 1
  fi

  cat >"$RUN_DIR/env.tmp" <<EOF
TALLY_TEST_S3_ENDPOINT=http://127.0.0.1:$s3p
TALLY_TEST_S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
TALLY_TEST_S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
TALLY_TEST_AZURITE_ENDPOINT=http://127.0.0.1:$azp/devstoreaccount1
TALLY_TEST_GCS_ENDPOINT=http://127.0.0.1:$gcsp
EOF
  mv "$RUN_DIR/env.tmp" "$RUN_DIR/env"
  log "started; endpoints in $RUN_DIR/env"
  cat "$RUN_DIR/env"
}

main "$@"
