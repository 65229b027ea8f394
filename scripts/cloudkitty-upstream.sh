#!/usr/bin/env bash
# The real CloudKitty API (17.0.0, Debian bookworm's cloudkitty-api), run
# beside Tally for side-by-side checks and the issue 20 benchmark
# (BENCHMARKS.md). No Keystone, no RabbitMQ, no processor: the API alone,
# in no-auth mode, over v1 SQL storage (rated_data_frames) in a SQLite
# file, with oslo.messaging's in-process fake transport.
#
# Usage: scripts/cloudkitty-upstream.sh install|start|stop|status|env|load CSV|reset
#
#   install  idempotent: apt-get installs cloudkitty-api, python3-cloudkitty,
#            uwsgi-plugin-python3 and sqlite3 when missing (through sudo when
#            not root).
#   start    writes the configuration into $RUN_DIR, creates the schema
#            (cloudkitty-dbsync upgrade, cloudkitty-storage-init) on first
#            use, starts the API under uwsgi on a free loopback port, waits
#            until GET /v1/report/total answers, and writes $RUN_DIR/env
#            (TALLY_CLOUDKITTY_URL=http://127.0.0.1:PORT). Data already in
#            the database is kept. Fails if already running.
#   stop     stops what start started (by its recorded PID only).
#   status   says whether it runs, and prints env.
#   env      prints the env file.
#   load CSV replaces the rows of rated_data_frames with CSV (the columns
#            of "tally bench cloudkitty gen --csv": tenant_id, begin, end,
#            unit, qty, res_type, rate, desc; no header) in one bulk SQLite
#            import, then rebuilds upstream's indexes. Works whether the API
#            runs or not (SQLite readers see the new rows at commit).
#   reset    deletes the database (stop first).
#
# Environment:
#   TALLY_CLOUDKITTY_DIR          state dir (default <repo>/.cache/cloudkitty-upstream)
#   TALLY_CLOUDKITTY_RUN_DIR      config, PID, log, env (default $TALLY_CLOUDKITTY_DIR/run)
#   TALLY_CLOUDKITTY_PROCESSES    uwsgi worker processes (default 1: the
#                                 benchmark sends one request at a time)
#   TALLY_CLOUDKITTY_WATCH_PID    if set, a watchdog stops the API once that
#                                 process is gone (for tests).
#   TALLY_CLOUDKITTY_DB           sqlite (default) or postgresql: the
#                                 latter runs a private PostgreSQL 15
#                                 cluster (Debian's postgresql-15, as the
#                                 postgres user, so as root) in
#                                 $TALLY_CLOUDKITTY_DIR/pg on a Unix socket
#                                 there, started by start and stopped by stop.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${TALLY_CLOUDKITTY_DIR:-$ROOT/.cache/cloudkitty-upstream}"
RUN_DIR="${TALLY_CLOUDKITTY_RUN_DIR:-$DIR/run}"
DB="$DIR/cloudkitty.sqlite"
ENGINE="${TALLY_CLOUDKITTY_DB:-sqlite}"
PG="$DIR/pg"
PGBIN=/usr/lib/postgresql/15/bin
PROCESSES="${TALLY_CLOUDKITTY_PROCESSES:-1}"
# Debian's own Python: the packages live in /usr/lib/python3/dist-packages,
# which a pyenv or virtualenv python3 earlier in PATH would not see.
PY=/usr/bin/python3

LOG_NAME=cloudkitty-upstream
# shellcheck source=lib/services.sh
. "$ROOT/scripts/lib/services.sh"

install() {
  local need=()
  [ -x /usr/bin/cloudkitty-api ] || need+=(cloudkitty-api python3-cloudkitty)
  [ -f /usr/lib/uwsgi/plugins/python3_plugin.so ] || need+=(uwsgi-core uwsgi-plugin-python3)
  command -v sqlite3 >/dev/null || need+=(sqlite3)
  command -v curl >/dev/null || need+=(curl)
  if [ "$ENGINE" = postgresql ]; then
    [ -x "$PGBIN/initdb" ] || need+=(postgresql-15)
    /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
  fi
  if [ ${#need[@]} -eq 0 ]; then
    log "installed: $(dpkg-query -W -f '${Version}' python3-cloudkitty)"
    return
  fi
  apt_install "${need[@]}"
  # The package's init script may have started a system-wide API on
  # port 8889 (not in containers without an init system); ours is separate.
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

running() {
  local pid
  pid="$(cat "$RUN_DIR/api.pid" 2>/dev/null)" || return 1
  kill -0 "$pid" 2>/dev/null
}

# pg_start: a private cluster, listening on a Unix socket only (in $PG),
# created on first use. The postgres user must reach $PG.
pg_start() {
  [ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 is not installed: run TALLY_CLOUDKITTY_DB=postgresql $0 install"
  [ "$(id -u)" -eq 0 ] || die "TALLY_CLOUDKITTY_DB=postgresql runs the cluster as the postgres user: run as root"
  mkdir -p "$PG"
  chown postgres "$PG"
  if [ ! -f "$PG/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PGBIN/initdb" -D "$PG/data" -A trust -U postgres >"$PG/initdb.log" 2>&1 ||
      { cat "$PG/initdb.log" >&2; die "initdb failed"; }
  fi
  if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG/data" status >/dev/null 2>&1; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG/data" -w -l "$PG/server.log" \
      -o "-c listen_addresses='' -k $PG -p 5432 -c fsync=off" start >/dev/null ||
      { tail -n 20 "$PG/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  if ! psql -h "$PG" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='cloudkitty'" | grep -q 1; then
    psql -h "$PG" -U postgres -qc "CREATE DATABASE cloudkitty" >/dev/null
  fi
}

pg_stop() {
  if [ -f "$PG/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG/data" -m fast stop >/dev/null 2>&1 || true
  fi
}

db_url() {
  if [ "$ENGINE" = postgresql ]; then
    echo "postgresql+psycopg2://postgres@/cloudkitty?host=$PG"
  else
    echo "sqlite:///$DB"
  fi
}

# sql runs SQL from stdin on the database.
sql() {
  if [ "$ENGINE" = postgresql ]; then
    psql -h "$PG" -U postgres -d cloudkitty -v ON_ERROR_STOP=1 -q "$@"
  else
    sqlite3 "$DB" "$@"
  fi
}

write_config() {
  mkdir -p "$RUN_DIR" "$DIR"
  # metrics.yml: only the info endpoints read it; the two types the
  # benchmark's data set rates.
  cat >"$RUN_DIR/metrics.yml" <<'EOF'
metrics:
  instance:
    unit: instance
    groupby: [id, project_id]
    metadata: [flavor_name]
  volume.size:
    unit: GiB
    groupby: [id, project_id]
    metadata: [volume_type]
EOF
  cat >"$RUN_DIR/cloudkitty.conf" <<EOF
[DEFAULT]
auth_strategy = noauth
# oslo.messaging's in-process driver: the API starts without RabbitMQ
# (quote and the module casts would have no processor to reach).
transport_url = fake://
api_paste_config = /etc/cloudkitty/api_paste.ini
use_stderr = true
debug = false

[database]
connection = $(db_url)

[storage]
version = 1
backend = sqlalchemy

[collect]
metrics_conf = $RUN_DIR/metrics.yml

[oslo_concurrency]
lock_path = $RUN_DIR/lock
EOF
  cat >"$RUN_DIR/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
master = true
processes = $PROCESSES
threads = 1
lazy-apps = true
die-on-term = true
need-app = true
buffer-size = 65535
http-socket = 127.0.0.1:%(port)
wsgi-file = /usr/bin/cloudkitty-api
pyargv = --config-file $RUN_DIR/cloudkitty.conf
EOF
}

schema() {
  if [ "$ENGINE" = postgresql ]; then
    pg_start
    if [ -f "$DIR/.schema-pg" ]; then return; fi
  elif [ -f "$DIR/.schema" ] && [ -f "$DB" ]; then return; fi
  log "creating the schema in $(db_url)"
  /usr/bin/cloudkitty-dbsync --config-file "$RUN_DIR/cloudkitty.conf" upgrade >"$RUN_DIR/dbsync.log" 2>&1 ||
    { tail -n 30 "$RUN_DIR/dbsync.log" >&2; die "cloudkitty-dbsync upgrade failed"; }
  /usr/bin/cloudkitty-storage-init --config-file "$RUN_DIR/cloudkitty.conf" >"$RUN_DIR/storage-init.log" 2>&1 ||
    { tail -n 30 "$RUN_DIR/storage-init.log" >&2; die "cloudkitty-storage-init failed"; }
  echo "SELECT count(*) FROM rated_data_frames;" | sql >/dev/null || die "no rated_data_frames table after storage-init"
  if [ "$ENGINE" = postgresql ]; then touch "$DIR/.schema-pg"; else touch "$DIR/.schema"; fi
}

start() {
  [ -x /usr/bin/cloudkitty-api ] && [ -f /usr/lib/uwsgi/plugins/python3_plugin.so ] || die "not installed: run $0 install"
  if running; then die "already running (see $RUN_DIR); run $0 stop first"; fi
  rm -f "$RUN_DIR/env"
  write_config
  schema
  local port pid
  port="$(free_port)"
  # A session of its own, so that signals meant for the caller's process
  # group do not reach it.
  setsid /usr/bin/uwsgi --ini "$RUN_DIR/uwsgi.ini" --set-ph "port=$port" \
    >"$RUN_DIR/api.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$RUN_DIR/api.pid"
  if [ -n "${TALLY_CLOUDKITTY_WATCH_PID:-}" ]; then
    setsid bash -c "while kill -0 $TALLY_CLOUDKITTY_WATCH_PID 2>/dev/null; do sleep 1; done
      kill $pid 2>/dev/null" >/dev/null 2>&1 </dev/null &
    echo $! >"$RUN_DIR/watchdog.pid"
  fi
  local url="http://127.0.0.1:$port" ok=0
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || break
    # The check the brief asks for: the report endpoint answers 200
    # (a JSON string decimal), not merely the port.
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url/v1/report/total?all_tenants=True")" = 200 ]; then
      ok=1
      break
    fi
    sleep 0.2
  done
  if [ $ok -ne 1 ]; then
    tail -n 40 "$RUN_DIR/api.log" >&2 || true
    stop
    die "the API did not answer GET /v1/report/total"
  fi
  echo "TALLY_CLOUDKITTY_URL=$url" >"$RUN_DIR/env.tmp"
  mv "$RUN_DIR/env.tmp" "$RUN_DIR/env"
  log "CloudKitty $(dpkg-query -W -f '${Version}' python3-cloudkitty) API on $url (pid $pid, database $(db_url))"
  cat "$RUN_DIR/env"
}

stop() {
  local s pid
  for s in api watchdog; do
    pid="$(cat "$RUN_DIR/$s.pid" 2>/dev/null)" || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN_DIR/$s.pid"
  done
  rm -f "$RUN_DIR/env"
  if [ "$ENGINE" = postgresql ]; then pg_stop; fi
  log "stopped"
}

status() {
  if running; then echo "api: running (pid $(cat "$RUN_DIR/api.pid"))"; else echo "api: not running"; fi
  if [ -f "$RUN_DIR/env" ]; then cat "$RUN_DIR/env"; fi
}

# load CSV: one transaction, indexes dropped during the insert and built
# again after (upstream's alembic migrations create them on begin, end,
# tenant_id and res_type; building them once is much faster than
# maintaining them row by row). SQLAlchemy stores DateTime on SQLite as
# "YYYY-MM-DD HH:MM:SS.ffffff" text and compares strings, so the CSV
# writes that exact form.
load() {
  local csv=$1
  [ -f "$csv" ] || die "load: no file $csv"
  write_config
  schema
  if [ "$ENGINE" = postgresql ]; then
    # psql's \copy reads the file as this user, so the server needs no
    # access to it.
    log "loading $csv into rated_data_frames (PostgreSQL)"
    sql <<EOF
BEGIN;
TRUNCATE rated_data_frames;
\\copy rated_data_frames(tenant_id, "begin", "end", unit, qty, res_type, rate, "desc") FROM '$csv' WITH (FORMAT csv)
COMMIT;
ANALYZE rated_data_frames;
EOF
    log "rated_data_frames: $(echo 'SELECT count(*) FROM rated_data_frames;' | sql -At) rows"
    return
  fi
  local idx
  idx="$(sqlite3 "$DB" "SELECT sql || ';' FROM sqlite_master WHERE type='index' AND tbl_name='rated_data_frames' AND sql IS NOT NULL")"
  local drops
  drops="$(sqlite3 "$DB" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type='index' AND tbl_name='rated_data_frames' AND sql IS NOT NULL")"
  log "loading $csv into rated_data_frames"
  sqlite3 "$DB" >/dev/null <<EOF
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
BEGIN;
DELETE FROM rated_data_frames;
$drops
CREATE TEMP TABLE csv_in(tenant_id TEXT, "begin" TEXT, "end" TEXT, unit TEXT, qty TEXT, res_type TEXT, rate TEXT, "desc" TEXT);
.mode csv
.import $csv csv_in
INSERT INTO rated_data_frames(tenant_id, "begin", "end", unit, qty, res_type, rate, "desc")
  SELECT tenant_id, "begin", "end", unit, CAST(qty AS NUMERIC), res_type, CAST(rate AS REAL), "desc" FROM csv_in;
$idx
COMMIT;
ANALYZE;
EOF
  log "rated_data_frames: $(sqlite3 "$DB" 'SELECT count(*) FROM rated_data_frames') rows"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) status ;;
env) cat "$RUN_DIR/env" ;;
load)
  [ $# -eq 2 ] || die "usage: $0 load CSV"
  load "$2"
  ;;
reset)
  if running; then die "running: stop first"; fi
  pg_stop
  rm -rf "$DB" "$DB-wal" "$DB-shm" "$DIR/.schema" "$DIR/.schema-pg" "$PG"
  log "database removed"
  ;;
*) die "usage: $0 install|start|stop|status|env|load CSV|reset" ;;
esac
