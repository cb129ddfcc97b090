#!/usr/bin/env bash
# Installs Debian's Chromium for @tessera/webgpu's browser test (headless, WebGPU on its own Dawn).
# Idempotent; quiet unless something fails. Playwright drives it through playwright-core with
# executablePath /usr/bin/chromium, so no browser download happens.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: must run as root" >&2
  exit 1
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-chromium: apt-get failed" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium still missing after install" >&2
  exit 1
fi
