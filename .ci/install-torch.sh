#!/usr/bin/env bash
# Installs Debian's PyTorch (python3-torch 1.13) for interop/pytorch's test, which continues a
# Tessera decoder's training under torch.distributed (gloo, CPU). It runs with Debian's own
# /usr/bin/python3, not whatever python3 comes first on PATH. Idempotent; quiet unless it fails.
set -euo pipefail

if /usr/bin/python3 -c 'import torch, torch.distributed' >/dev/null 2>&1; then
  exit 0
fi
. "$(dirname "$0")/apt.sh"
require_root install-torch
quiet_apt_install install-torch --no-install-recommends python3-torch
/usr/bin/python3 -c 'import torch, torch.distributed' || {
  echo "install-torch: torch does not import after install" >&2
  exit 1
}
