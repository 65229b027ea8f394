#!/usr/bin/env bash
# Installs the CloudKitty command-line client the end-to-end test of the
# CloudKitty dialect drives (internal/api/cloudkitty/pyclient): Debian's
# python3-cloudkittyclient (4.6.0 on Debian 12), whose `cloudkitty`
# command lands in /usr/bin with Debian's own Python. Idempotent: nothing
# happens when /usr/bin/cloudkitty is there. apt-get runs through sudo
# when not run as root.
set -euo pipefail
if [ -x /usr/bin/cloudkitty ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "python3-cloudkittyclient: apt-get not found; install the package (Debian 12: 4.6.0) by hand" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "missing: python3-cloudkittyclient (install it, run as root, or install sudo)" >&2
    exit 1
  fi
  sudo=(sudo)
fi
echo "installing from Debian's packages: python3-cloudkittyclient" >&2
${sudo[@]+"${sudo[@]}"} apt-get update -qq
${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cloudkittyclient
