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

async function main() {
  const service = await createServiceApp(GovernanceModule.forRoot());
  const url = await service.listen();
  const tx = service.app.get(Transactions);
  process.on('message', (msg: { ask: string } & Record<string, unknown>) => {
    if (msg.ask === 'stop') void service.close().then(() => process.exit(0));
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
