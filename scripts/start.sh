#!/usr/bin/env bash
# Installs, builds and starts MCP Host in standalone mode: embedded Postgres and Kafka, all five services, one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node packages/standalone/dist/bin.js start "$@"
