// Carries the W3C traceparent from an HTTP request or a consumed event to the events it causes.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import { context, propagation, trace, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

export interface RequestScope {
  requestId?: string;
  traceparent?: string;
}

const scope = new AsyncLocalStorage<RequestScope>();
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

export function runInScope<T>(s: RequestScope, fn: () => T): T {
  return scope.run(s, fn);
}

export function currentScope(): RequestScope | undefined {
  return scope.getStore();
}

// Ids come from a pool of random bytes filled 170 traceparents at a time: one getrandom call per request costs
// more than the rest of making the id (the same batching crypto.randomUUID does).
const POOL = Buffer.alloc(24 * 170);
let poolOffset = POOL.length;
const ZERO_TRACE = '0'.repeat(32);

export function newTraceparent(): string {
  for (;;) {
    if (poolOffset === POOL.length) {
      randomFillSync(POOL);
      poolOffset = 0;
    }
    const traceId = POOL.toString('hex', poolOffset, poolOffset + 16);
    const spanId = POOL.toString('hex', poolOffset + 16, poolOffset + 24);
    poolOffset += 24;
    // An all-zero id is invalid in W3C trace context; the chance is 2^-128, but it costs one comparison.
    if (traceId !== ZERO_TRACE && spanId !== '0000000000000000') return `00-${traceId}-${spanId}-01`;
  }
}

export function isTraceparent(v: unknown): v is string {
  return typeof v === 'string' && TRACEPARENT.test(v) && !v.includes('-00000000000000000000000000000000-');
}

/** The traceparent to stamp on an outgoing event: the active span's, else the request's, else a new trace. */
export function outgoingTraceparent(): string {
  const carrier: Record<string, string> = {};
  if (trace.getSpan(context.active())) propagation.inject(context.active(), carrier);
  if (isTraceparent(carrier.traceparent)) return carrier.traceparent;
  const fromScope = scope.getStore()?.traceparent;
  return isTraceparent(fromScope) ? fromScope : newTraceparent();
}

/** The OpenTelemetry context a consumed event's handlers run under, so their spans join the producer's trace. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** Binds a scope to the rest of the current async chain (used by HTTP hooks, which cannot wrap the handler). */
export function enterScope(s: RequestScope): void {
  scope.enterWith(s);
}
