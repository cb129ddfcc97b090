#!/usr/bin/env bash
# Installs Debian's Chromium for @tessera/webgpu's browser test (headless, WebGPU on its own Dawn).
# Idempotent; quiet unless something fails. Playwright drives it through playwright-core with
# executablePath /usr/bin/chromium, so no browser download happens.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
. "$(dirname "$0")/apt.sh"
require_root install-chromium
quiet_apt_install install-chromium chromium
if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium still missing after install" >&2
  exit 1
fi
