#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: a C
# compiler for cgo (DuckDB), curl, Node.js and npm for Azurite, then the
# storage emulators themselves (scripts/emulators.sh install), never by
# hand, Prometheus from Debian's package for the Prometheus collector's
# tests (scripts/prometheus.sh install) and the CloudKitty client
# (scripts/install-cloudkitty-client.sh), and Chromium with the DejaVu
# fonts for the web UI's browser tests. Missing Debian packages are
# installed with apt-get, through sudo when not run as root, so that
# "make test" does all the set-up.
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v git >/dev/null || need+=(git)
command -v curl >/dev/null || need+=(curl)
# Node.js and npm apart: Node.js from another source (NodeSource) brings
# its own npm, which Debian's npm package would conflict with.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# The web UI's browser tests (internal/web/browsertest) drive Debian's
# Chromium headless; DejaVu gives its screenshots readable text.
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "missing: ${need[*]} (install them, run as root, or install sudo)" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "installing from Debian's packages: ${need[*]}" >&2
  ${sudo[@]+"${sudo[@]}"} apt-get update -qq
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
# Azurite 3.35 declares Node.js 20 or newer (Debian 13 ships 20; Debian
# 12 ships 18, on which npm warns and Azurite may not start).
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "warning: Node.js $(node --version) is older than the 20 Azurite needs; the Azure Blob tests may fail" >&2
fi
command -v go >/dev/null || { echo "Go 1.26 or newer is required" >&2; exit 1; }
"$(dirname "$0")/emulators.sh" install
"$(dirname "$0")/prometheus.sh" install
# The CloudKitty dialect's end-to-end test drives Debian's
# python3-cloudkittyclient (skipped without it, except under CI).
"$(dirname "$0")/install-cloudkitty-client.sh"
# The real CloudKitty API (Debian's cloudkitty-api 17), which
# internal/rating/ckbench's smoke test runs beside Tally on the same
# rated data (skipped without it, except under CI).
"$(dirname "$0")/cloudkitty-upstream.sh" install
