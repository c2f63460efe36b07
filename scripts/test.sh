#!/usr/bin/env bash
# Runs every check and test: types, lint, contract drift, then each package's Jest suite on real Postgres,
# Redis and the embedded broker. Expects PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
SETUP_STRICT=1 bash scripts/setup.sh

for probe in "127.0.0.1 5432 PostgreSQL" "127.0.0.1 6379 Redis"; do
  set -- $probe
  if ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then
    echo "test: $3 is not reachable on $1:$2" >&2
    exit 1
  fi
done

echo "== workspace commands"
pnpm exec mcpctl --help >/dev/null
pnpm exec mcp-host --help >/dev/null
echo "mcpctl and mcp-host run from the workspace"
echo "== typecheck and lint"
pnpm exec turbo run typecheck lint --output-logs=errors-only
echo "== contract drift"
node packages/contracts/dist/generate-schemas.js --check
echo "== tests"
# The whole log is long, and a CI page often shows only its end: on failure, the failing tests are printed
# again last, with their first lines of cause.
log="$(mktemp "${TMPDIR:-/tmp}/mcp-host-test.XXXXXX")"
trap 'rm -f "$log"' EXIT
status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=full 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo
  echo "== failing tests (repeated from above)"
  grep -E '^[^ ]+:test: (FAIL |  ●|Tests: )' "$log" | grep -v '● Console' | head -80 || true
  awk '/:test:   ● / && !/● Console/ {n = 25} n > 0 {print; n--}' "$log" | head -200 || true
fi
exit "$status"
