#!/usr/bin/env bash
# Fuzzes the gateway with schemathesis against its own OpenAPI document: the simulator and the
# gateway (debug builds) start, a session "fuzz" is linked, every operation is called with
# generated input on it for FUZZ_SECONDS (default 180), and then the daemon must still answer
# and the session still be CONNECTED. 5xx answers other than wwebjs-api's own error answers
# fail the run (tests/fuzz/hooks.py). Called by scripts/test.sh; setup.sh --with-fuzz installs
# schemathesis into target/fuzz-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

target="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
st="$target/fuzz-venv/bin/schemathesis"
[ -x "$st" ] || { echo "fuzz: schemathesis missing; run scripts/setup.sh --with-fuzz" >&2; exit 1; }
cargo build --locked --workspace --bin wa-gateway --bin wa-sim

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port="$(free_port)"
port="$(free_port)"
key="fuzz-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

"$target/debug/wa-sim" --port "$sim_port" >"$work/sim.log" 2>&1 &
pids+=($!)
ENV_PATH=/dev/null PORT="$port" API_KEY="$key" SESSIONS_PATH="$work/sessions" \
  WHATSAPP_WEB_URL="http://127.0.0.1:$sim_port/" ENABLE_SWAGGER_ENDPOINT=TRUE ENABLE_WEBHOOK=FALSE \
  RATE_LIMIT_MAX=100000 MEDIA_FETCH_TIMEOUT_MS=3000 \
  "$target/debug/wa-gateway" >"$work/gateway.log" 2>&1 &
gateway=$!
pids+=("$gateway")

api() { curl -sS -m 120 -H "x-api-key: $key" "$@"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1') or '')"; }
wait_for() { # what, command
  local what="$1"; shift
  for _ in $(seq 1 600); do "$@" && return 0; sleep 0.1; done
  echo "fuzz: timed out waiting for $what" >&2; tail -20 "$work/gateway.log" >&2; exit 1
}
wait_for "the simulator" curl -fsS -o /dev/null "http://127.0.0.1:$sim_port/_sim/health"
wait_for "the gateway" curl -fsS -o /dev/null "http://127.0.0.1:$port/ping"

api "http://127.0.0.1:$port/session/start/fuzz" >/dev/null
qr="$(api "http://127.0.0.1:$port/session/qr/fuzz" | json_field qr)"
[ -n "$qr" ] || { echo "fuzz: no QR" >&2; exit 1; }
curl -fsS -H 'content-type: application/json' \
  -d "{\"qr\":\"$qr\",\"phone\":\"15550001111\",\"pushname\":\"Fuzz\"}" "http://127.0.0.1:$sim_port/_sim/scan" >/dev/null
connected() { [ "$(api "http://127.0.0.1:$port/session/status/fuzz" | json_field state)" = CONNECTED ]; }
wait_for "the session CONNECTED" connected
# Some history for the fuzzer to find: a contact and a group.
curl -fsS -H 'content-type: application/json' \
  -d '{"from":"15550002222","to":"15550001111","body":"hello fuzzer"}' "http://127.0.0.1:$sim_port/_sim/messages" >/dev/null

echo "fuzz: schemathesis for ${FUZZ_SECONDS:-180} s on session fuzz"
status=0
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=tests/fuzz "$st" --config-file tests/fuzz/schemathesis.toml run \
  "http://127.0.0.1:$port/api-docs/openapi.json" \
  -H "x-api-key: $key" \
  --checks only_wwebjs_api_error_answers,response_schema_conformance \
  --exclude-path-regex '^/(session/(stop|terminate|restart)/|session/terminate(All|Inactive)$|apiKeys)' \
  --max-time "${FUZZ_SECONDS:-180}" \
  --request-timeout 60 \
  --workers 2 \
  --warnings off \
  --suppress-health-check all || status=$?

# Whatever the fuzzer sent: the daemon is up and the session still linked.
kill -0 "$gateway" || { echo "fuzz: the gateway died" >&2; tail -40 "$work/gateway.log" >&2; exit 1; }
curl -fsS -o /dev/null "http://127.0.0.1:$port/ping" || { echo "fuzz: /ping fails after the run" >&2; exit 1; }
connected || {
  echo "fuzz: the session is no longer CONNECTED: $(api "http://127.0.0.1:$port/session/status/fuzz")" >&2
  grep -iE 'warn|error|died|crash' "$work/gateway.log" | tail -20 >&2
  exit 1
}
[ "$(api -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/client/getContacts/fuzz")" = 200 ] \
  || { echo "fuzz: getContacts fails after the run" >&2; exit 1; }
exit "$status"
