# Shared by the scripts that install and start test services
# (emulators.sh, prometheus.sh): sourced, never run. The sourcing script
# sets LOG_NAME, RUN_DIR and SERVICES (the names of its processes, whose
# pids live in $RUN_DIR/NAME.pid; a "watchdog" pid is stopped with them)
# and defines install and start; main dispatches the commands.

log() { echo "$LOG_NAME: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# apt_install PACKAGE...: installs Debian packages with apt-get, through
# sudo when not root. The lock timeout waits for another apt-get (two
# scripts installing at once) instead of failing; recommends stay out,
# so that no other service (such as prometheus-node-exporter) comes along.
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing: $* (install them, run as root, or install sudo)"
    sudo=(sudo)
  fi
  log "installing from Debian's packages: $*"
  ${sudo[@]+"${sudo[@]}"} apt-get -o DPkg::Lock::Timeout=600 update -qq
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends "$@"
}

# running: whether any of the services runs.
running() {
  local s pid
  for s in "${SERVICES[@]}"; do
    pid="$(cat "$RUN_DIR/$s.pid" 2>/dev/null)" || continue
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

# spawn NAME CMD...: starts CMD in a session of its own (so that signals
# meant for the caller's process group do not reach it), output to NAME.log.
spawn() {
  local name=$1
  shift
  setsid "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

stop() {
  local s pid pids=()
  for s in "${SERVICES[@]}" watchdog; do
    pid="$(cat "$RUN_DIR/$s.pid" 2>/dev/null)" || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$RUN_DIR/$s.pid"
  done
  # All at once: each takes a second or two to shut down cleanly.
  for pid in ${pids[@]+"${pids[@]}"}; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$RUN_DIR/env"
  log "stopped"
}

status() {
  local s pid
  for s in "${SERVICES[@]}"; do
    pid="$(cat "$RUN_DIR/$s.pid" 2>/dev/null)" || {
      echo "$s: not started"
      continue
    }
    if kill -0 "$pid" 2>/dev/null; then echo "$s: running (pid $pid)"; else echo "$s: dead (pid $pid)"; fi
  done
  if [ -f "$RUN_DIR/env" ]; then cat "$RUN_DIR/env"; fi
}

# main COMMAND: install, start, stop, status or env (the started
# services' endpoints, as NAME=VALUE lines).
main() {
  case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) cat "$RUN_DIR/env" ;;
  *) die "usage: $0 install|start|stop|status|env" ;;
  esac
}
