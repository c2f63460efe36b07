// Carries the W3C traceparent from an HTTP request or a consumed event to the events it causes.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
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

export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
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
