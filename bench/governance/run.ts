// Governance benchmark: a promotion from schedule to `active`, at BENCH_RATE promotions/s for BENCH_SECONDS, in one run:
// 1. the full path: POST /api/promotions/schedule, then the run moved to success over HTTP (run in_progress, step
//    in_progress, step succeeded, run succeeded; the promotion follows its run in the run's transaction), until
//    promotion.status_changed → active has come through the outbox and the broker to a consumer here;
// 2. the baseline: the same service code's database writes alone (schedule, the four transitions and the completion
//    handler, called inside the service process: no HTTP, no broker), at the same rate.
// The built governance service runs in its own process (bench/governance/service-process.ts) and the embedded broker
// in another, on a fresh local database. Build first: pnpm --filter @mcp-host/governance build
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@mcp-host/contracts';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { nextMessage, serviceFlags, sleep, startKafkaProcess, stopChild } from '../lib/children';
import { percentile, printTable } from '../lib/stats';
import type { BaselineAsk, BaselineResult } from './service-process';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const TRACKS = Number(process.env.BENCH_TRACKS ?? 10);
const GOAL_P99_MS = 500;
const CALLER = { subject: 'bench@example.com', role: 'operator' };

interface Result {
  latencies: number[];
  errors: number;
  missing: number;
}

const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

async function ask<T>(child: ChildProcess, msg: Record<string, unknown>, key: string): Promise<T> {
  const answer = nextMessage<Record<string, unknown>>(child, (m) => key in m);
  child.send(msg);
  return (await answer)[key] as T;
}

/** Fires `work(i)` RATE times a second for SECONDS, without waiting for one to finish before the next starts. */
async function paced(work: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < RATE * SECONDS; i++) {
    const wait = start + (i * 1000) / RATE - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(work(i));
  }
  await Promise.all(inFlight);
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_governance');
  const {
    child: kafkaChild,
    brokers: [broker],
  } = await startKafkaProcess();
  // SERVICE_PROF=DIR writes a V8 CPU profile of the service process into DIR; SERVICE_FLAGS adds Node flags to it.
  const prof = process.env.SERVICE_PROF;
  const service = fork(join(__dirname, 'service-process.ts'), [], {
    execArgv: ['--import', 'tsx', ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...serviceFlags()],
    cwd: resolve(__dirname, '..'),
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: broker,
      BIND_ADDRESS: '127.0.0.1',
      BIND_PORT: '0',
      LOG_LEVEL: 'error',
      OTEL_SDK_DISABLED: 'true',
      OUTBOX_POLL_INTERVAL_MS: '100',
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '20',
    },
  });
  const { url } = await nextMessage<{ url: string }>(service, (m) => typeof m.url === 'string');

  try {
    const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mcp-host-subject': CALLER.subject,
          'x-mcp-host-role': CALLER.role,
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };

    const workflow = await call('/api/governance/workflows', {
      name: 'bench-promotion',
      tier: 'gold',
      steps: [{ name: 'check' }],
    });
    const tracks: string[] = [];
    for (let t = 0; t < TRACKS; t++)
      tracks.push(
        (
          await call('/api/promotions/tracks', {
            name: `bench-track-${t}`,
            stages: ['dev', 'prod'],
            workflow_id: workflow.id,
          })
        ).id as string,
      );
    // The ledger projection, seeded directly: every promotion below schedules a digest the ledger has recorded.
    const total = RATE * SECONDS;
    const digests = {
      http: Array.from({ length: total }, digest),
      baseline: Array.from({ length: total }, digest),
    };
    await ask(service, { ask: 'seed', digests: [...digests.http, ...digests.baseline] }, 'seeded');

    const baselineAsk: BaselineAsk = {
      ask: 'baseline',
      rate: RATE,
      seconds: SECONDS,
      tracks,
      digests: digests.baseline,
      caller: CALLER,
    };
    const baseline = await ask<BaselineResult>(service, { ...baselineAsk }, 'baseline');
    if (baseline.firstError) console.error('baseline: first error:', baseline.firstError);

    // The baseline's events must be relayed and consumed first, or the full path would queue behind them.
    const drainDeadline = Date.now() + 120_000;
    while (Date.now() < drainDeadline && (await ask<number>(service, { ask: 'outbox' }, 'outbox')) > 0)
      await sleep(200);
    // Relayed is not consumed: the service's own consumer then works through those events (run completions,
    // lifecycle updates). Wait until its inbox has stopped growing for 2 s.
    let consumed = -1;
    let stableSince = Date.now();
    while (Date.now() < drainDeadline) {
      const n = await ask<number>(service, { ask: 'inbox' }, 'inbox');
      if (n !== consumed) {
        consumed = n;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= 2_000) break;
      await sleep(250);
    }

    const full: Result = { latencies: [], errors: 0, missing: 0 };
    const startedAt = new Map<string, number>();
    const activatedAt = new Map<string, number>();
    const consumer = new Kafka({
      clientId: 'bench-governance',
      brokers: [broker],
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId: `bench-governance-${Date.now()}`,
      maxWaitTimeInMs: 20,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.promotions.name, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.headers?.ce_type?.toString() !== 'promotion.status_changed') return;
        const p = JSON.parse(String(message.value)) as { promotion_id: string; to_status: string };
        if (p.to_status === 'active' && !activatedAt.has(p.promotion_id))
          activatedAt.set(p.promotion_id, performance.now());
      },
    });
    // Let the group settle so the first promotions are not timed against a rebalance.
    await sleep(3000);

    await paced(async (i) => {
      const t0 = performance.now();
      try {
        const p = await call('/api/promotions/schedule', {
          track_id: tracks[i % TRACKS],
          manifest_digest: digests.http[i],
          stage: 'dev',
        });
        startedAt.set(p.id as string, t0);
        const path = `/api/governance/runs/${String(p.governance_run_id)}/status`;
        await call(path, { status: 'in_progress' });
        await call(path, { status: 'in_progress', step_position: 0 });
        await call(path, { status: 'succeeded', step_position: 0 });
        await call(path, { status: 'succeeded' });
      } catch (err) {
        if (full.errors++ === 0) console.error('full path: first error:', (err as Error).message);
      }
    });
    const seenDeadline = Date.now() + 60_000;
    while (Date.now() < seenDeadline && [...startedAt.keys()].some((id) => !activatedAt.has(id)))
      await sleep(100);
    for (const [id, t0] of startedAt) {
      const t1 = activatedAt.get(id);
      if (t1 === undefined) full.missing += 1;
      else full.latencies.push(t1 - t0);
    }
    await consumer.disconnect();

    const row = (path: string, r: Result) => {
      const s = [...r.latencies].sort((a, b) => a - b);
      return {
        path,
        promotions: s.length,
        'p50 ms': percentile(s, 50),
        'p99 ms': percentile(s, 99),
        'max ms': s[s.length - 1] ?? NaN,
        'errors / not active': `${r.errors} / ${r.missing}`,
      };
    };
    const fullRow = row('HTTP + run completion + event on the broker (full path)', full);
    printTable(`Governance: schedule → active at ${RATE} promotions/s for ${SECONDS} s, ${TRACKS} tracks`, [
      fullRow,
      row('database writes alone, in the service process (baseline)', baseline),
    ]);
    const p99 = fullRow['p99 ms'];
    console.log(
      `\nGoal p99 ≤ ${GOAL_P99_MS} ms: ${p99 <= GOAL_P99_MS ? 'met' : 'missed'} (${p99.toFixed(0)} ms).`,
    );
  } finally {
    await stopChild(service);
    kafkaChild.kill('SIGTERM');
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
