#!/usr/bin/env bash
# The gateway's benchmark: builds the release daemon and the benchmark, then runs it against the
# simulator and a loopback webhook receiver. Arguments go to the benchmark
# (--sessions N --messages N --seconds N --connections N --capacity N); see
# examples/gateway_bench.rs. Installs wrk when it can (the load tool behind the req/s figures).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) ||
      echo "bench: wrk not installed; using the built-in client"
  else
    echo "bench: wrk not installed; using the built-in client"
  fi
fi
cargo build --release --locked --bin wa-gateway --example gateway_bench
target_dir="${CARGO_TARGET_DIR:-target}"
exec "$target_dir/release/examples/gateway_bench" --daemon "$target_dir/release/wa-gateway" "$@"
