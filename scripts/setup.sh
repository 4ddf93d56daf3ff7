#!/usr/bin/env bash
# Installs what running and testing wa-gateway needs, when it is missing: Debian's Chromium
# (and fonts), redis-server and nginx (the cluster test starts its own of each), Node.js/npm for the whatsapp-web.js compatibility check, and that check's
# packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-freefont-ttf)
# The default browser while HEADLESS is TRUE (see README, "Chromium per session").
command -v chromium-headless-shell >/dev/null 2>&1 || missing+=(chromium-headless-shell)
# The cluster end-to-end test runs a Redis and a stock nginx in front of three nodes.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${1:-}" = "--with-node" ]; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

if [ "${1:-}" = "--with-node" ] && [ ! -d tests/wwebjs-compat/node_modules/whatsapp-web.js ]; then
  echo "setup: installing the compatibility check's packages"
  (cd tests/wwebjs-compat && PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund)
fi
