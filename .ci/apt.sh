# Shared by the .ci/install-*.sh scripts (sourced, not run): root check and a quiet apt-get install
# whose output is shown only when it fails.

# require_root NAME: exits unless running as root.
require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1: must run as root" >&2
    exit 1
  fi
}

# quiet_apt_install NAME [apt-get install arguments…]: apt-get update, then install; on failure prints
# apt's output and exits.
quiet_apt_install() {
  local name="$1" log
  shift
  log="$(mktemp)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "$name: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
}
