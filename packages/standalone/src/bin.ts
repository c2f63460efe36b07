#!/usr/bin/env node
// The `mcp-host` executable.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // Tracing must patch http and pg before anything loads them; without an exporter it would only cost start time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('@mcp-host/platform/telemetry') as { startTelemetry: (name: string) => void }).startTelemetry(
    'mcp-host',
  );
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
void (require('./cli') as typeof import('./cli')).main();
