#!/usr/bin/env bash
# Installs Mesa's lavapipe (a CPU Vulkan driver) from bookworm-backports so that Dawn (the `webgpu`
# npm package) finds a real adapter on machines without a GPU. Bookworm's own Mesa 22 is too old for
# Dawn; backports carries Mesa 25. The mirror and keyring are read from the system's debian.sources so
# that no host name lives in this repository. Idempotent; quiet unless something fails.
set -euo pipefail

. "$(dirname "$0")/apt.sh"
require_root install-lavapipe

have_lavapipe() {
  local v
  v="$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)"
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25 && dpkg-query -W libvulkan1 >/dev/null 2>&1
}

if have_lavapipe; then
  exit 0
fi

src=/etc/apt/sources.list.d/debian.sources
dst=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$dst" ]; then
  if [ ! -f "$src" ]; then
    echo "install-lavapipe: $src not found; cannot derive the backports source" >&2
    exit 1
  fi
  # The first stanza's URIs/Signed-By lines are the main archive (the security archive comes later).
  uris="$(grep -m1 '^URIs:' "$src" || true)"
  signed="$(grep -m1 '^Signed-By:' "$src" || true)"
  if [ -z "$uris" ]; then
    echo "install-lavapipe: no URIs: line in $src" >&2
    exit 1
  fi
  {
    echo 'Types: deb'
    echo "$uris"
    echo 'Suites: bookworm-backports'
    echo 'Components: main'
    [ -n "$signed" ] && echo "$signed"
  } >"$dst"
fi

quiet_apt_install install-lavapipe -t bookworm-backports mesa-vulkan-drivers libvulkan1

if ! have_lavapipe; then
  echo "install-lavapipe: mesa-vulkan-drivers >= 25 still missing after install" >&2
  exit 1
fi
