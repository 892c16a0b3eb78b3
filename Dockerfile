# Cahoot container image, three stages:
#   web     Node builds the Svelte UI (web/dist)
#   build   Rust builds the `cahoot` binary with web/dist embedded (rust-embed)
#   runtime debian:bookworm-slim + the binary, non-root (uid 10001)
#
#   docker build -t cahoot .
#   docker run --rm -p 8080:8080 cahoot          # embedded mode: SQLite + in-process live store
# Distributed mode (PostgreSQL + Valkey behind HAProxy): see compose.yaml and deploy/README.md.

# ---- web UI -------------------------------------------------------------------------------------------
# Node 24 = current LTS (Vite 8 needs ^20.19 || >=22.12).
FROM node:24-bookworm-slim AS web
WORKDIR /src/web
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# ---- Rust binary --------------------------------------------------------------------------------------
# Keep this tag >= the workspace `rust-version` (Cargo.toml).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates/ crates/
COPY --from=web /src/web/dist/ web/dist/
# BuildKit caches (registry, git, target) make rebuilds incremental; the binary is copied out of the
# cached target dir inside the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release -p cahoot-server --locked \
    && install -D -m 0755 target/release/cahoot /out/cahoot

# ---- runtime ------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to managed PostgreSQL/Valkey. busybox (one ~0.8 MB binary, needs only libc) gives
# the HEALTHCHECK its HTTP client; curl would pull in libcurl and a dozen TLS/IDN/LDAP libraries for the
# same job. Use `busybox wget -q --spider URL` (GET, exit 1 on refused or any non-2xx): in bookworm's
# busybox 1.35, `-T` segfaults and `-O /dev/null` exits 1 even on 200 (both tried); Docker's --timeout
# bounds the probe instead. Versions come from the pinned Debian
# release's security-updated archive, hence no per-package version pins (DL3008).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates busybox \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 cahoot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/cahoot --no-create-home \
       --shell /usr/sbin/nologin cahoot \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/cahoot \
    && install -d -o 10001 -g 10001 -m 0700 /keys
COPY --from=build /out/cahoot /usr/local/bin/cahoot

# /var/lib/cahoot: SQLite database (embedded mode) and other local state. /keys: signing keys; a fresh
# named volume mounted there inherits the 10001 ownership above (compose key-init service).
ENV CAHOOT_HOST=0.0.0.0 \
    CAHOOT_PORT=8080 \
    CAHOOT_DATA_DIR=/var/lib/cahoot
WORKDIR /var/lib/cahoot
USER 10001:10001
EXPOSE 8080
# Liveness only (/healthz has no dependencies); orchestrators check readiness (/readyz) themselves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "busybox wget -q --spider \"http://127.0.0.1:${CAHOOT_PORT:-8080}/healthz\""]
ENTRYPOINT ["cahoot"]
CMD ["serve"]
