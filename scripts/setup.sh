#!/usr/bin/env bash
# Installs everything the platform and its tests need on a fresh Debian machine with Node 20, then builds.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI="${CI:-}"

# Debian packages, keyed by the command that shows each is installed: kcat is the second Kafka client (librdkafka)
# of the broker conformance suite; podman (with runc) is the container engine and docker-registry the OCI registry
# the build tests start; git clones build sources. The standalone host runs without them (builds then report that
# no engine is reachable), so only the test run (SETUP_STRICT=1) insists on them.
declare -A PKG_FOR=([kcat]=kcat [podman]=podman [docker-registry]=docker-registry [runc]=runc [git]=git [jq]=jq)
missing=()
for cmd in "${!PKG_FOR[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_FOR[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: these Debian packages are missing (install them as root): apt-get install -y ${missing[*]}" >&2
    if [ "${SETUP_STRICT:-0}" = 1 ]; then exit 1; fi
  fi
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm through npm"
  npm install -g pnpm@9.15.9 >/dev/null
fi

pnpm install --frozen-lockfile --reporter=append-only
pnpm exec turbo run build --output-logs=errors-only
# The workspace bins (mcpctl, mcp-host) point into dist/, which exists only now: link them again.
pnpm install --frozen-lockfile --offline --reporter=silent
