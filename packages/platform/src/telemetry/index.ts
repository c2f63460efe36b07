// Starts the OpenTelemetry NodeSDK; import this entry first (`@mcp-host/platform/telemetry`) so http and pg are patched.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let sdk: NodeSDK | undefined;

/**
 * Starts tracing once per process. Spans are exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * otherwise context still propagates (traceparent in and out) without exporting anything.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  if (sdk || env.OTEL_SDK_DISABLED === 'true') return;
  sdk = new NodeSDK({
    serviceName,
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation()],
    // Without an endpoint the SDK would try localhost:4318; an empty exporter list keeps it quiet.
    ...(env.OTEL_EXPORTER_OTLP_ENDPOINT ? {} : { traceExporter: undefined, spanProcessors: [] }),
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  const s = sdk;
  sdk = undefined;
  if (s) await s.shutdown();
}

export * from './trace-context';
