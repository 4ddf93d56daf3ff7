#!/usr/bin/env bash
# Runs the gateway (release build) with the settings of .env or the environment.
# Installs Chromium first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release --locked --bin wa-gateway -- "$@"
