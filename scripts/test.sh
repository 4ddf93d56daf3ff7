#!/usr/bin/env bash
# The whole test suite: Rust unit and end-to-end tests (real daemon, real Chromium, the
# simulator), unmodified whatsapp-web.js against the simulator, then a bounded fuzzing run of
# the API (scripts/fuzz.sh, FUZZ_SECONDS, default 180; FUZZ_SECONDS=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-node --with-fuzz

# Two cores: browsers are heavy and timing-sensitive, so end-to-end tests run one at a time.
cargo test --workspace --locked -- --test-threads="${TEST_THREADS:-1}"

cargo build --locked -p wa-sim --bin wa-sim
cargo build --locked --bin wa-gateway --example gateway_bench
bin_dir="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug"
# The benchmark once with tiny numbers, so it keeps working (figures are not checked).
"$bin_dir/examples/gateway_bench" --daemon "$bin_dir/wa-gateway" --sessions 1 --messages 5 --seconds 1 --connections 4

# The simulator's fidelity check, then the value-level differential against wwebjs-api.
(cd tests/wwebjs-compat && WA_SIM_BIN="$bin_dir/wa-sim" WA_GATEWAY_BIN="$bin_dir/wa-gateway" npm test)

if [ "${FUZZ_SECONDS:-180}" != 0 ]; then
  scripts/fuzz.sh
fi
