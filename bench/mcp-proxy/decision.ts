// The gateway's decision function alone (CompiledGrants.decide over 1,000 grants, for the principal the door builds)
// against a no-op of the same call shape, timed per call with hrtime (so both rows carry the timer's own cost), and
// a tight untimed loop for decisions per second. The tools rotate over an allowed, a denied and an ungranted one.
import { CompiledGrants, principalSubjects, type GrantRule } from '../../apps/gateway/src/mcp/grant-decision';
import { median, percentile } from '../lib/stats';

export interface DecisionRow {
  [key: string]: string | number;
}

const ROTATION = ['echo', 'wipe', 'nope'];

function timedPerCall(
  fn: (subjects: readonly string[], tool: string) => unknown,
  subjects: string[],
  n: number,
) {
  const ns: number[] = new Array<number>(n);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const tool = ROTATION[i % 3];
    const t0 = process.hrtime.bigint();
    const r = fn(subjects, tool);
    const t1 = process.hrtime.bigint();
    if (r !== undefined) sink += 1;
    ns[i] = Number(t1 - t0);
  }
  ns.sort((a, b) => a - b);
  return {
    p50us: percentile(ns, 50) / 1000,
    p99us: percentile(ns, 99) / 1000,
    maxus: ns[n - 1] / 1000,
    sink,
  };
}

function perSecond(
  fn: (subjects: readonly string[], tool: string) => unknown,
  subjects: string[],
  n: number,
) {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (fn(subjects, ROTATION[i % 3]) !== undefined) sink += 1;
  const s = (performance.now() - t0) / 1000;
  return { rate: n / s, sink };
}

export function decisionBench(
  grants: GrantRule[],
  caller: { tokenId: string; subject: string },
  iterations: number,
): { rows: DecisionRow[]; p99us: number; compileMs: number } {
  const subjects = principalSubjects({ tokenId: caller.tokenId, subject: caller.subject, role: 'operator' });
  const compileTimes: number[] = [];
  let compiled = new CompiledGrants(grants);
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    compiled = new CompiledGrants(grants);
    compileTimes.push(performance.now() - t0);
  }
  const decide = (s: readonly string[], tool: string) => compiled.decide(s, tool);
  const withSubjects = (_s: readonly string[], tool: string) =>
    compiled.decide(
      principalSubjects({ tokenId: caller.tokenId, subject: caller.subject, role: 'operator' }),
      tool,
    );
  const noop = (s: readonly string[], tool: string) => (s.length + tool.length > 0 ? s : undefined);
  const expect = ROTATION.map((t) => compiled.decide(subjects, t));
  if (!expect[0].allowed || expect[1].allowed || expect[2].allowed) {
    throw new Error(`unexpected decisions: ${JSON.stringify(expect)}`);
  }
  // Warm-up so every path is optimised before it is timed.
  for (const fn of [decide, withSubjects, noop]) {
    timedPerCall(fn, subjects, 50_000);
    perSecond(fn, subjects, 200_000);
  }
  const rows: DecisionRow[] = [];
  let p99us = NaN;
  for (const [name, fn] of [
    ['no-op (same call shape)', noop],
    ['decide(subjects, tool)', decide],
    ['principalSubjects + decide', withSubjects],
  ] as const) {
    const timed = timedPerCall(fn, subjects, iterations);
    const rate = perSecond(fn, subjects, iterations * 5);
    if (name === 'decide(subjects, tool)') p99us = timed.p99us;
    rows.push({
      function: name,
      grants: grants.length,
      calls: iterations,
      'p50 µs': timed.p50us,
      'p99 µs': timed.p99us,
      'max µs': timed.maxus,
      'calls/s (untimed loop)': Math.round(rate.rate),
    });
    if (timed.sink + rate.sink < 0) console.log('');
  }
  return { rows, p99us, compileMs: median(compileTimes) };
}
