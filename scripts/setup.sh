#!/usr/bin/env bash
# Installs everything the platform and its tests need on a fresh Debian machine with Node 20, then builds.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI="${CI:-}"

# Debian packages: kcat is the second Kafka client (librdkafka) the broker conformance suite uses.
declare -A PKG_FOR=([kcat]=kcat [podman]=podman [docker-registry]=docker-registry [runc]=runc [git]=git)
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
    echo "setup: please install these Debian packages as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm through npm"
  npm install -g pnpm@9.15.9 >/dev/null
fi

pnpm install --frozen-lockfile --reporter=append-only
pnpm exec turbo run build --output-logs=errors-only
