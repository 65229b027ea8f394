#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: a C
# compiler for cgo (DuckDB), curl, Node.js and npm for Azurite, then the
# storage emulators themselves (scripts/emulators.sh install), never by
# hand.
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v git >/dev/null || need+=(git)
command -v curl >/dev/null || need+=(curl)
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (install them, or run as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
command -v go >/dev/null || { echo "Go 1.26 or newer is required" >&2; exit 1; }
"$(dirname "$0")/emulators.sh" install
