#!/usr/bin/env bash
# Installs the CloudKitty command-line client the end-to-end test of the
# CloudKitty dialect drives (internal/api/cloudkitty/pyclient): Debian's
# python3-cloudkittyclient (4.6.0 on Debian 12), whose `cloudkitty`
# command lands in /usr/bin with Debian's own Python. Idempotent: nothing
# happens when /usr/bin/cloudkitty is there. apt-get runs through sudo
# when not run as root.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG_NAME=install-cloudkitty-client
# shellcheck source=lib/services.sh
. "$ROOT/scripts/lib/services.sh"
if [ -x /usr/bin/cloudkitty ]; then
  exit 0
fi
apt_install python3-cloudkittyclient
