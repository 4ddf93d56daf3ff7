#!/usr/bin/env bash
# Installs what running and testing wa-gateway needs, when it is missing: Debian's Chromium
# (and fonts) and its headless shell; with --with-node (the test suite), Node.js/npm for the
# whatsapp-web.js compatibility check and that check's packages, and redis-server and nginx
# (the cluster test starts its own of each); with --with-fuzz, schemathesis (from PyPI, in a
# venv under the target dir) for scripts/fuzz.sh. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

with_node=false
with_fuzz=false
for arg in "$@"; do
  case "$arg" in
    --with-node) with_node=true ;;
    --with-fuzz) with_fuzz=true ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-freefont-ttf)
# The default browser while HEADLESS is TRUE (see README, "Chromium per session").
command -v chromium-headless-shell >/dev/null 2>&1 || missing+=(chromium-headless-shell)
if $with_node; then
  # The cluster end-to-end test runs a Redis and a stock nginx in front of three nodes (not for
  # running the gateway: Debian's packages start system services).
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
fi
if $with_fuzz; then
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
fi
if $with_node; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

if $with_node && [ ! -d tests/wwebjs-compat/node_modules/whatsapp-web.js ]; then
  echo "setup: installing the compatibility check's packages"
  (cd tests/wwebjs-compat && PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund)
fi

# The fuzzer's version is pinned: a new release may check more and fail CI on its own.
SCHEMATHESIS_VERSION=4.32.5
venv="${CARGO_TARGET_DIR:-target}/fuzz-venv"
if $with_fuzz && ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "setup: installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
