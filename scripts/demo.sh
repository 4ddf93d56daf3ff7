#!/usr/bin/env bash
# One command, no phone: the WhatsApp Web simulator (tests/wa-sim) and the gateway pointed at
# it, with the dashboard. Open the printed URL, paste the API key, start a session, scan it
# with the simulated phone, have a simulated contact write, and answer from the dashboard.
# Ctrl-C stops both. The simulator keeps its network in memory, so demo sessions live in a
# temporary folder removed on exit, apart from real ones.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

PORT="${PORT:-3000}"
SIM_PORT="${SIM_PORT:-8585}"
cargo build --release --locked --bin wa-gateway --bin wa-sim --workspace
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release"

sessions="$(mktemp -d)"
"$bin/wa-sim" --port "$SIM_PORT" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$sessions"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$SIM_PORT/_sim/health" >/dev/null 2>&1 && break
  sleep 0.1
done

api_key="${API_KEY:-demo-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')}"
echo
echo "  wa-gateway demo: open http://localhost:$PORT/dashboard/ and use the API key $api_key"
echo

# Only these settings count: a .env of yours is not read (ENV_PATH=/dev/null).
ENV_PATH=/dev/null \
PORT="$PORT" \
API_KEY="$api_key" \
WHATSAPP_WEB_URL="http://127.0.0.1:$SIM_PORT/" \
SESSIONS_PATH="$sessions" \
ENABLE_WEB_UI=TRUE \
ENABLE_SWAGGER_ENDPOINT=TRUE \
ENABLE_WEBSOCKET=TRUE \
ENABLE_LOCAL_CALLBACK_EXAMPLE=TRUE \
BASE_WEBHOOK_URL="http://localhost:$PORT/localCallbackExample" \
  "$bin/wa-gateway"
