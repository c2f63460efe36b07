// Runs the built governance service in its own process, as in production, and on request the benchmark's baseline
// inside it: the same service code's database writes for schedule → active, called in-process, no HTTP or broker.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DynamicModule } from '@nestjs/common';
import { Transactions, createServiceApp, type ServiceApp } from '@mcp-host/platform';

interface Caller {
  subject: string | null;
  role: string | null;
}
interface RunView {
  workflow_id: string;
  tier: string;
  artifact_run_id: string | null;
  manifest_digest: string | null;
  version: number;
}
interface PromotionServiceLike {
  schedule(
    body: { track_id: string; manifest_digest: string; stage: string },
    caller: Caller,
  ): Promise<{ id: string; governance_run_id: string | null }>;
  get(id: string): Promise<{ activated_at: string | null }>;
  onRunCompleted(m: unknown, p: Record<string, unknown>): Promise<void>;
}
interface RunServiceLike {
  transition(id: string, body: Record<string, unknown>, actor: string | null): Promise<RunView>;
}

const dist = resolve(__dirname, '..', '..', 'apps', 'governance', 'dist');
/* eslint-disable @typescript-eslint/no-require-imports */
const { GovernanceModule } = require(`${dist}/index.js`) as {
  GovernanceModule: { forRoot(): DynamicModule };
};
const { PromotionService } = require(`${dist}/promotions/promotion.service.js`) as {
  PromotionService: unknown;
};
const { RunService } = require(`${dist}/runs/run.service.js`) as { RunService: unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

export interface BaselineAsk {
  ask: 'baseline';
  rate: number;
  seconds: number;
  tracks: string[];
  digests: string[];
  caller: Caller;
}

export interface BaselineResult {
  latencies: number[];
  errors: number;
  missing: number;
  firstError?: string;
}

async function paced(rate: number, total: number, work: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(work(i));
  }
  await Promise.all(inFlight);
}

async function baseline(service: ServiceApp, a: BaselineAsk): Promise<BaselineResult> {
  const promotions = service.app.get(PromotionService as never) as PromotionServiceLike;
  const runs = service.app.get(RunService as never) as RunServiceLike;
  const tx = service.app.get(Transactions);
  const r: BaselineResult = { latencies: [], errors: 0, missing: 0 };
  const actor = a.caller.subject;
  await paced(a.rate, a.rate * a.seconds, async (i) => {
    const t0 = performance.now();
    try {
      const p = await promotions.schedule(
        { track_id: a.tracks[i % a.tracks.length], manifest_digest: a.digests[i], stage: 'dev' },
        a.caller,
      );
      const runId = p.governance_run_id!;
      await runs.transition(runId, { status: 'in_progress' }, actor);
      await runs.transition(runId, { status: 'in_progress', step_position: 0 }, actor);
      await runs.transition(runId, { status: 'succeeded', step_position: 0 }, actor);
      const run = await runs.transition(runId, { status: 'succeeded' }, actor);
      // Already applied by the run's own transaction; the completion handler's lookups are part of the path.
      await tx.run((m) =>
        promotions.onRunCompleted(m, {
          run_id: runId,
          workflow_id: run.workflow_id,
          status: 'succeeded',
          tier: run.tier,
          artifact_run_id: run.artifact_run_id,
          manifest_digest: run.manifest_digest,
          promotion_id: p.id,
          policy_decision_id: null,
          redeploy_requested: false,
          version: run.version,
          completed_at: new Date().toISOString(),
          actor,
          note: null,
        }),
      );
      // Activated (a later promotion on the same track may already have superseded it).
      if ((await promotions.get(p.id)).activated_at === null) r.missing += 1;
      else r.latencies.push(performance.now() - t0);
    } catch (err) {
      if (r.errors++ === 0) r.firstError = (err as Error).message;
    }
  });
  return r;
}

/**
 * BENCH_PROFILE_QUERIES=1: times every statement the service sends (from send to answer, so lock waits count) by its
 * text with literals and whitespace folded, and prints the totals to stderr when the process is asked to stop.
 */
function profileQueries(service: ServiceApp): () => void {
  interface Pg {
    Client: { prototype: { query(...args: unknown[]): unknown } };
  }
  // The driver module TypeORM loaded, reached through the service's own data source.
  const source = (service.app.get(Transactions) as unknown as { dataSource: { driver: { postgres: Pg } } })
    .dataSource;
  const pg = source.driver.postgres;
  const proto = pg.Client.prototype;
  const original = proto.query;
  const totals = new Map<string, { n: number; ms: number; max: number }>();
  const record = (sql: string, ms: number) => {
    const key = sql
      .replace(/\s+/g, ' ')
      .replace(/'[^']*'/g, "'?'")
      .slice(0, 160);
    const t = totals.get(key) ?? { n: 0, ms: 0, max: 0 };
    t.n += 1;
    t.ms += ms;
    t.max = Math.max(t.max, ms);
    totals.set(key, t);
  };
  proto.query = function (this: unknown, ...args: unknown[]) {
    const sql = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '?');
    const t0 = performance.now();
    const out = original.apply(this, args);
    if (out && typeof (out as Promise<unknown>).then === 'function')
      void (out as Promise<unknown>).then(
        () => record(sql, performance.now() - t0),
        () => record(sql, performance.now() - t0),
      );
    return out;
  };
  return () => {
    const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40);
    process.stderr.write('\nstatements by total time (ms total, count, ms mean, ms max):\n');
    for (const [sql, t] of rows)
      process.stderr.write(
        `${t.ms.toFixed(0).padStart(8)} ${String(t.n).padStart(6)} ${(t.ms / t.n).toFixed(2).padStart(8)} ${t.max.toFixed(0).padStart(6)}  ${sql}\n`,
      );
  };
}

async function main() {
  const service = await createServiceApp(GovernanceModule.forRoot());
  const url = await service.listen();
  const tx = service.app.get(Transactions);
  const printProfile = process.env.BENCH_PROFILE_QUERIES === '1' ? profileQueries(service) : undefined;
  process.on('message', (msg: { ask: string } & Record<string, unknown>) => {
    if (msg.ask === 'stop') {
      printProfile?.();
      void service.close().then(() => process.exit(0));
    }
    if (msg.ask === 'seed')
      void (async () => {
        const digests = msg.digests as string[];
        for (let at = 0; at < digests.length; at += 5000)
          await tx.run((m) =>
            m.query(
              `INSERT INTO ledger_artifacts (artifact_run_id, server_id, manifest_digest, status, completed_at)
               SELECT gen_random_uuid(), gen_random_uuid(), d, 'succeeded', now() FROM unnest($1::text[]) AS d`,
              [digests.slice(at, at + 5000)],
            ),
          );
        process.send?.({ seeded: true });
      })();
    if (msg.ask === 'outbox')
      void tx
        .run((m) => m.query('SELECT count(*)::int AS n FROM outbox') as Promise<{ n: number }[]>)
        .then(([row]) => process.send?.({ outbox: row.n }));
    if (msg.ask === 'inbox')
      void tx
        .run((m) => m.query('SELECT count(*)::int AS n FROM inbox') as Promise<{ n: number }[]>)
        .then(([row]) => process.send?.({ inbox: row.n }));
    if (msg.ask === 'cpu') {
      // The process's CPU time so far (user + system), so the bench can report CPU per promotion.
      const u = process.cpuUsage();
      process.send?.({ cpu: (u.user + u.system) / 1000 });
    }
    if (msg.ask === 'baseline')
      void baseline(service, msg as unknown as BaselineAsk).then((result) =>
        process.send?.({ baseline: result }),
      );
  });
  process.send?.({ url });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
