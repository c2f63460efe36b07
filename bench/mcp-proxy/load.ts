// The load generator both paths share: undici keep-alive pools POSTing one JSON-RPC tools/call per request.
// Open loop: call i is due at start + i/rate whatever happened to earlier calls, and its latency runs from that due
// time (not from when it was actually sent) to the end of the answer, so a stalled path cannot hide its queue
// (no coordinated omission). Closed loop: N callers each send their next call when the last one is answered.
import { BalancedPool, Pool } from 'undici';
import { percentile } from '../lib/stats';

export interface Target {
  name: string;
  url: URL;
  headers: Record<string, string>;
  /** Further origins serving the same path (gateway replicas on this host): calls are balanced over all of them. */
  replicas?: URL[];
}

/** Keep-alive connections to the target: one pool, or undici's balanced pool over its replicas. */
function poolOf(t: Target, options: Pool.Options): Pool | BalancedPool {
  if (!t.replicas?.length) return new Pool(t.url.origin, options);
  return new BalancedPool([t.url.origin, ...t.replicas.map((u) => u.origin)], options);
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** Answered calls per second over the whole run (first due time to last answer). */
  achieved: number;
  /** Worst lateness of an actual send behind its due time, ms (the generator's own lag). */
  lagMs: number;
  /** Time from the last due time to the last answer, ms: long when the path queues. */
  drainMs: number;
  /**
   * Calls still unanswered drainLimitMs after the last due time (then abandoned). They enter the percentiles with
   * their age at that moment, a lower bound of their latency, so an overloaded path is not flattered.
   */
  unanswered: number;
}

export interface ClosedLoopResult {
  concurrency: number;
  ok: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

let nextId = 0;

function callBody(): string {
  nextId += 1;
  return `{"jsonrpc":"2.0","id":${nextId},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello ${nextId}"}}}`;
}

/** Calls per target: issued to the client, answered (any HTTP answer came back), abandoned by an open loop. */
export interface CallCounts {
  issued: number;
  answered: number;
  abandoned: number;
}
export const callCounts = new Map<string, CallCounts>();
function counts(t: Target): CallCounts {
  let c = callCounts.get(t.name);
  if (!c) {
    c = { issued: 0, answered: 0, abandoned: 0 };
    callCounts.set(t.name, c);
  }
  return c;
}

/** One tools/call; resolves true when the answer is HTTP 200 with a JSON-RPC result that is not a tool error. */
async function call(pool: Pool | BalancedPool, t: Target): Promise<boolean> {
  const c = counts(t);
  c.issued += 1;
  try {
    const res = await pool.request({
      path: t.url.pathname,
      method: 'POST',
      headers: t.headers,
      body: callBody(),
    });
    const text = await res.body.text();
    c.answered += 1;
    return res.statusCode === 200 && text.includes('"result"') && !text.includes('"isError":true');
  } catch {
    return false;
  }
}

export function mcpHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
  };
}

export async function single(t: Target): Promise<boolean> {
  const pool = poolOf(t, { connections: 1 });
  const ok = await call(pool, t);
  await pool.close();
  return ok;
}

export async function openLoop(
  t: Target,
  rate: number,
  seconds: number,
  drainLimitMs = 10_000,
): Promise<OpenLoopResult> {
  const pool = poolOf(t, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const answered = new Uint8Array(total);
  let errors = 0;
  let done = 0;
  let lag = 0;
  let lastAnswer = 0;
  let abandoned = false;
  const due = (i: number) => start + (i * 1000) / rate;
  const start = performance.now() + 5;
  let cutoff: NodeJS.Timeout | undefined;
  await new Promise<void>((finish) => {
    cutoff = setTimeout(finish, seconds * 1000 + 5 + drainLimitMs);
    let i = 0;
    const fire = () => {
      const now = performance.now();
      while (i < total && due(i) <= now) {
        const scheduled = due(i);
        lag = Math.max(lag, now - scheduled);
        const n = i;
        i += 1;
        void call(pool, t).then((ok) => {
          if (abandoned) return;
          answered[n] = 1;
          const end = performance.now();
          lastAnswer = Math.max(lastAnswer, end);
          if (ok) latencies.push(end - scheduled);
          else errors += 1;
          if (++done === total) finish();
        });
      }
      // A timer, not a spin: a busy generator would take a core from the processes it measures.
      if (i < total) setTimeout(fire, Math.max(0, due(i) - performance.now()));
    };
    setTimeout(fire, 5);
  });
  clearTimeout(cutoff);
  abandoned = true;
  const now = performance.now();
  let unanswered = 0;
  for (let n = 0; n < total; n++) {
    if (answered[n]) continue;
    unanswered += 1;
    latencies.push(now - due(n));
  }
  if (unanswered > 0) {
    counts(t).abandoned += unanswered;
    lastAnswer = now;
    await pool.destroy();
  } else await pool.close();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    rate,
    sent: total,
    ok: latencies.length - unanswered,
    errors,
    unanswered,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    achieved: (latencies.length - unanswered) / ((lastAnswer - start) / 1000),
    lagMs: lag,
    drainMs: lastAnswer - due(total - 1),
  };
}

export async function closedLoop(t: Target, concurrency: number, seconds: number): Promise<ClosedLoopResult> {
  const pool = poolOf(t, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      if (await call(pool, t)) latencies.push(performance.now() - t0);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    concurrency,
    ok: sorted.length,
    errors,
    rps: sorted.length / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}
