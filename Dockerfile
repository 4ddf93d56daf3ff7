# syntax=docker/dockerfile:1
#
# wa-gateway: a drop-in, Rust replacement for wwebjs-api.
#
#   docker build -t wa-gateway .                      # the gateway (default, last stage)
#   docker build -t wa-sim --target sim .             # the WhatsApp Web simulator (tests, demos)
#
# The gateway drives Debian's Chromium; sessions (Chromium profiles) live in the
# volume /app/sessions. Configuration is by environment variables, exactly as in
# wwebjs-api (see .env.example).

# ---------------------------------------------------------------------------
# Builder: compiles the workspace (root package wa-gateway + member tests/wa-sim).
# ---------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /build

# 1. Dependencies only, cached until a manifest or the lockfile changes: build the
#    real dependency graph against stub crate roots.
COPY Cargo.toml Cargo.lock ./
COPY tests/wa-sim/Cargo.toml tests/wa-sim/Cargo.toml
RUN mkdir -p src tests/wa-sim/src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && echo 'fn main() {}' > tests/wa-sim/src/main.rs \
 && touch tests/wa-sim/src/lib.rs \
 && cargo fetch --locked \
 && cargo build --release --locked --bin wa-gateway \
 && rm -rf src tests/wa-sim/src

# 2. The real sources. The assets (bridge JS, dashboard) are compiled in with
#    include_str!, so they belong to the build, not to the runtime image.
COPY src src
COPY assets assets
COPY tests/wa-sim tests/wa-sim

# COPY keeps the files' original mtimes, which may be older than the stubs built
# above: touch the crate roots and drop our crates' fingerprints so cargo can never
# reuse a stub binary.
RUN touch src/main.rs src/lib.rs tests/wa-sim/src/main.rs tests/wa-sim/src/lib.rs \
 && rm -rf target/release/.fingerprint/wa-gateway-* target/release/.fingerprint/wa-sim-* \
 && cargo build --release --locked --bin wa-gateway \
 && install -D -m 0755 target/release/wa-gateway /out/wa-gateway

# ---------------------------------------------------------------------------
# Simulator builder (only built for `--target sim`).
# ---------------------------------------------------------------------------
FROM builder AS sim-builder
RUN cargo build --release --locked -p wa-sim --bin wa-sim \
 && install -D -m 0755 target/release/wa-sim /out/wa-sim

# ---------------------------------------------------------------------------
# Runtime base: Debian bookworm-slim, CA certificates, tini and the user wagw.
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime-base
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      tini \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user (uid/gid 10001); Chromium runs as this user too. A bind mount
# on /app/sessions must be writable by uid 10001 (`chown -R 10001:10001 ./sessions`).
RUN groupadd --system --gid 10001 wagw \
 && useradd --system --uid 10001 --gid wagw --home-dir /app --shell /usr/sbin/nologin wagw \
 && mkdir -p /app/sessions \
 && chown -R wagw:wagw /app

WORKDIR /app
# tini reaps Chromium's zombies and forwards SIGTERM so the gateway can close every
# browser before exiting. TINI_SUBREAPER keeps that working (and quiet) when tini is
# not PID 1, e.g. under `docker run --init` or compose `init: true`.
ENV TINI_SUBREAPER=1

# ---------------------------------------------------------------------------
# Simulator image: `docker build --target sim -t wa-sim .` (no Chromium needed:
# the sim only serves the page and the simulated network).
# wa-sim listens on 127.0.0.1 unless told otherwise; in a container it binds all
# interfaces (`--host 0.0.0.0`). Point the gateway at it with
# WHATSAPP_WEB_URL=http://<sim-host>:8585/
# ---------------------------------------------------------------------------
FROM runtime-base AS sim
COPY --from=sim-builder /out/wa-sim /usr/local/bin/wa-sim
USER wagw
EXPOSE 8585
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["wa-sim", "--host", "0.0.0.0", "--port", "8585"]

# ---------------------------------------------------------------------------
# Gateway image (the default target: keep it last).
# ---------------------------------------------------------------------------
FROM runtime-base AS gateway
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium \
      chromium-headless-shell \
      fonts-freefont-ttf \
 && rm -rf /var/lib/apt/lists/*

COPY --from=builder /out/wa-gateway /usr/local/bin/wa-gateway
COPY LICENSE /usr/share/doc/wa-gateway/LICENSE

# CHROME_BIN unset: the headless shell while HEADLESS is TRUE (about half the memory per
# session), the full chromium with HEADLESS=FALSE.
ENV SESSIONS_PATH=/app/sessions \
    PORT=3000

USER wagw
VOLUME /app/sessions
EXPOSE 3000

# `wa-gateway healthcheck` GETs http://127.0.0.1:$PORT${BASE_PATH}/ping and exits 0/1
# (no curl in the image).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["wa-gateway", "healthcheck"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["wa-gateway"]
