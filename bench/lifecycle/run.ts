// Lifecycle console benchmark: GET /api/lifecycle over BENCH_SERVERS servers (default 10,000), each with 20
// remediation runs and a promotion history, open loop at BENCH_RATE req/s (default 200) for BENCH_SECONDS (default
// 10) per page shape, against, as the baseline in the same run, the same SQL the repository runs for that page
// (lifecycleListQuery from the built service) sent straight to Postgres with `pg`, at the same rate, on a pool of
// the service's size. The endpoint reads lifecycle_snapshots only (one stored row per server), so that is what the
// measured query touches; the tables a snapshot is computed from are seeded too and the snapshots are computed from
// them by the service's own computeSnapshot (bench/lifecycle/seed.ts). Latency is timed from each request's scheduled
// send, so queueing is counted; every answer must be a 200. Pages loaded: the first page, a lifecycle_state filter,
// a bare-track promotion_lane filter and a deep keyset page reached by following next_cursor; the owner_id filter, a
// track/stage lane and a filtered deep page are EXPLAINed only. Prints each plan (EXPLAIN ANALYZE) and any
// sequential scan on the seeded tables, and the median of one-at-a-time requests on both paths (no queueing).
// The built governance service runs in its own process (bench/governance/service-process.ts), the embedded broker
// in another, on a fresh local database. Build first: pnpm --filter @mcp-host/governance build
//   cd bench && pnpm exec tsx lifecycle/run.ts
import { fork } from 'node:child_process';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { decodeKeysetCursor } from '@mcp-host/platform';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { nextMessage, serviceFlags, sleep, startKafkaProcess, stopChild } from '../lib/children';
import { median, percentile, printTable } from '../lib/stats';
import { OWNERS, seed, TRACKS } from './seed';

const SERVERS = Number(process.env.BENCH_SERVERS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 5);
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 10);
const SERIAL = Number(process.env.BENCH_SERIAL ?? 20);
const POOL = Number(process.env.DATABASE_POOL_SIZE ?? 10);
const GOAL_P99_MS = 20;
const PAGE = 20; // the endpoint's default limit
const CALLER = { subject: 'bench@example.com', role: 'operator' };
const ROOT = resolve(__dirname, '..', '..');
const WATCHED = new Set([
  'lifecycle_snapshots',
  'lifecycle_run_ledger',
  'remediation_runs',
  'artifact_promotions',
  'ledger_artifacts',
  'servers',
]);

interface ListFilter {
  limit: number;
  after?: { createdAt: string; id: string };
  lifecycleState?: string;
  ownerId?: string;
  promotionLane?: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lifecycleListQuery } = require(
  join(ROOT, 'apps', 'governance', 'dist', 'lifecycle', 'lifecycle.repository.js'),
) as { lifecycleListQuery(f: ListFilter): { sql: string; params: unknown[] } };

interface LoadResult {
  p50: number;
  p99: number;
  max: number;
  achieved: number;
  errors: number;
  unanswered: number;
  firstError?: string;
}

/**
 * Open loop: request i is due at start + i*1000/rate whatever earlier answers do, and its latency runs from that
 * due time (not from when it was actually sent), so a stall shows up in every request it delays. Requests still
 * unanswered `drain` seconds after the last one was due are counted as unanswered and enter the percentiles with
 * the time they had waited by then (a lower bound); the run then waits up to `settle` seconds for them to finish,
 * so a backlog does not load the next phase.
 */
async function openLoop(
  send: () => Promise<void>,
  rate: number,
  seconds: number,
  drain = DRAIN_SECONDS,
  settle = SETTLE_SECONDS,
): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const pending = new Map<number, number>();
  let errors = 0;
  let firstError: string | undefined;
  let done = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));
  const start = performance.now();
  await new Promise<void>((scheduled) => {
    let i = 0;
    const fire = () => {
      const now = performance.now();
      while (i < total && start + (i * 1000) / rate <= now) {
        const due = start + (i * 1000) / rate;
        const id = i;
        i += 1;
        pending.set(id, due);
        send()
          .then(() => {
            if (pending.delete(id)) latencies.push(performance.now() - due);
          })
          .catch((err: unknown) => {
            if (pending.delete(id)) errors += 1;
            firstError ??= (err as Error).message;
          })
          .finally(() => {
            if (++done === total) allDone();
          });
      }
      if (i < total) setTimeout(fire, Math.max(0, start + (i * 1000) / rate - performance.now()));
      else scheduled();
    };
    fire();
  });
  await Promise.race([finished, sleep(drain * 1000)]);
  const cutoff = performance.now();
  const unanswered = pending.size;
  for (const due of pending.values()) latencies.push(cutoff - due);
  pending.clear();
  const elapsed = (cutoff - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  await Promise.race([finished, sleep(settle * 1000)]);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    achieved: (total - unanswered - errors) / elapsed,
    errors,
    unanswered,
    firstError,
  };
}

/** `fn`, tried once a second until it resolves, at most `tries` times. */
async function retry<T>(fn: () => Promise<T>, tries: number): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await sleep(1000);
    }
  }
}

/** One request at a time: what a page costs on each path when nothing queues. */
async function serial(send: () => Promise<void>, n: number): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    await send();
    latencies.push(performance.now() - t0);
  }
  return median(latencies);
}

/** GET with the identity headers the gateway adds; resolves with the body, rejects on anything but 200. */
function httpGet(agent: http.Agent, url: URL): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      url,
      { agent, headers: { 'x-mcp-host-subject': CALLER.subject, 'x-mcp-host-role': CALLER.role } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolvePromise(Buffer.concat(chunks));
          else reject(new Error(`${url.pathname}${url.search} answered ${res.statusCode}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const seqScans = (n: PlanNode): string[] => [
  ...(n['Node Type'] === 'Seq Scan' && WATCHED.has(n['Relation Name'] ?? '') ? [n['Relation Name']!] : []),
  ...(n.Plans ?? []).flatMap(seqScans),
];
const planShape = (n: PlanNode): string =>
  `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}` +
  (n.Plans?.length ? ` > ${n.Plans.map(planShape).join(' + ')}` : '');

async function main(): Promise<void> {
  const runStart = performance.now();
  const db = await createTestDatabase('bench_lifecycle');
  const {
    child: kafkaChild,
    brokers: [broker],
  } = await startKafkaProcess();
  // The service runs its migrations as it starts: the tables exist once it listens.
  // SERVICE_PROF=DIR writes a V8 CPU profile of the service process into DIR; SERVICE_FLAGS adds Node flags to it.
  const prof = process.env.SERVICE_PROF;
  const service = fork(join(ROOT, 'bench', 'governance', 'service-process.ts'), [], {
    execArgv: ['--import', 'tsx', ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...serviceFlags()],
    cwd: resolve(ROOT, 'bench'),
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: broker,
      BIND_ADDRESS: '127.0.0.1',
      BIND_PORT: '0',
      LOG_LEVEL: 'error',
      OTEL_SDK_DISABLED: 'true',
      DATABASE_POOL_SIZE: String(POOL),
    },
  });
  const pool = new Pool({ connectionString: db.url, max: POOL, options: '-c search_path=governance,public' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  try {
    const { url } = await nextMessage<{ url: string }>(service, (m) => typeof m.url === 'string');
    const seedPool = new Pool({
      connectionString: db.url,
      max: 16,
      options: '-c search_path=governance,public',
    });
    const seeded = await seed(seedPool, SERVERS).finally(() => seedPool.end());
    console.log(
      `seeded ${SERVERS.toLocaleString('en')} servers, ${seeded.runs.toLocaleString('en')} remediation runs, ` +
        `${seeded.promotions.toLocaleString('en')} promotions in ${seeded.sourceSeconds.toFixed(1)} s; ` +
        `${SERVERS.toLocaleString('en')} lifecycle_snapshots rows computed by the service's code in ` +
        `${seeded.snapshotSeconds.toFixed(1)} s (avg body ${(seeded.avgBodyBytes / 1024).toFixed(1)} KiB, ` +
        `avg list row ${(seeded.avgListRowBytes / 1024).toFixed(1)} KiB)`,
    );
    console.log(
      `lifecycle states: ${Object.entries(seeded.states)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(
      'GET /api/lifecycle reads lifecycle_snapshots.list_row only; the baseline runs its SQL on that table.',
    );

    const get = (path: string) => httpGet(agent, new URL(path, url));
    // The deep page's cursor: follow next_cursor from the first page, 200 rows at a time, to 90% of the list.
    let cursor: string | null = null;
    for (let seen = 0; seen < SERVERS * 0.9; seen += 200) {
      const page = JSON.parse(
        (await get(`/api/lifecycle?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).toString(),
      ) as { items: unknown[]; next_cursor: string | null };
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    if (!cursor) throw new Error('the list returned no cursor to follow');
    const decoded = decodeKeysetCursor(cursor);
    if (!decoded) throw new Error('the list returned a cursor that does not decode');

    const state = process.env.BENCH_STATE ?? 'promoting';
    const owner = `team-${7 % OWNERS}`;
    const track = `bench-track-${3 % TRACKS}`;
    // Loaded: measured open loop on both paths. Plan only: EXPLAINed, to check the other filters' plans.
    const shapes: { name: string; path: string; filter: ListFilter; load: boolean }[] = [
      { name: 'first page', path: '/api/lifecycle', filter: { limit: PAGE }, load: true },
      {
        name: `lifecycle_state=${state}`,
        path: `/api/lifecycle?lifecycle_state=${state}`,
        filter: { limit: PAGE, lifecycleState: state },
        load: true,
      },
      {
        name: `promotion_lane=${track} (bare track)`,
        path: `/api/lifecycle?promotion_lane=${track}`,
        filter: { limit: PAGE, promotionLane: track },
        load: true,
      },
      {
        name: 'deep keyset page (90%)',
        path: `/api/lifecycle?cursor=${cursor}`,
        filter: { limit: PAGE, after: { createdAt: decoded.key, id: decoded.id } },
        load: true,
      },
      {
        name: `owner_id=${owner}`,
        path: `/api/lifecycle?owner_id=${owner}`,
        filter: { limit: PAGE, ownerId: owner },
        load: false,
      },
      {
        name: `promotion_lane=${track}/prod`,
        path: `/api/lifecycle?promotion_lane=${track}/prod`,
        filter: { limit: PAGE, promotionLane: `${track}/prod` },
        load: false,
      },
      {
        name: `lifecycle_state=${state} + deep cursor`,
        path: `/api/lifecycle?lifecycle_state=${state}&cursor=${cursor}`,
        filter: { limit: PAGE, lifecycleState: state, after: { createdAt: decoded.key, id: decoded.id } },
        load: false,
      },
    ];

    const rows: Record<string, string | number>[] = [];
    const plans: string[] = [];
    const seqScanned: string[] = [];
    let worstP99 = 0;
    let errorsTotal = 0;
    for (const s of shapes) {
      const q = lifecycleListQuery(s.filter);
      const analyzed = (
        await pool.query<{ 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number }[] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`,
          q.params,
        )
      ).rows[0]['QUERY PLAN'][0];
      const scans = seqScans(analyzed.Plan);
      if (scans.length) seqScanned.push(`${s.name}: ${scans.join(',')}`);
      plans.push(
        `${s.name}: ${planShape(analyzed.Plan)} (executed in ${analyzed['Execution Time'].toFixed(2)} ms)`,
      );
      const viaService = async () => {
        await get(s.path);
      };
      const viaSql = async () => {
        await pool.query(q.sql, q.params);
      };
      // A backlog left by the previous page's load can still be answered 503 (request timeout): wait it out
      // rather than abort the run, so every page is measured on a service that has caught up.
      const sample = await retry(() => get(s.path), 30);
      const items = (JSON.parse(sample.toString()) as { items: unknown[] }).items.length;
      if (!s.load) continue;
      await openLoop(viaService, RATE, WARMUP_SECONDS, 1, 5);
      await openLoop(viaSql, RATE, WARMUP_SECONDS, 1, 5);
      const serialSvc = await serial(viaService, SERIAL);
      const serialSql = await serial(viaSql, SERIAL);
      const svc = await openLoop(viaService, RATE, SECONDS);
      const sql = await openLoop(viaSql, RATE, SECONDS);
      for (const r of [svc, sql]) if (r.firstError) console.error(`${s.name}: first error: ${r.firstError}`);
      errorsTotal += svc.errors + sql.errors + svc.unanswered + sql.unanswered;
      worstP99 = Math.max(worstP99, svc.p99);
      rows.push({
        page: s.name,
        rows: items,
        KiB: sample.length / 1024,
        'serial svc/SQL ms': `${serialSvc.toFixed(1)}/${serialSql.toFixed(1)}`,
        'service p50 ms': svc.p50,
        'service p99 ms': svc.p99,
        'SQL p50 ms': sql.p50,
        'SQL p99 ms': sql.p99,
        'service req/s': svc.achieved,
        'errors svc/SQL': `${svc.errors}/${sql.errors}`,
        'unanswered svc/SQL': `${svc.unanswered}/${sql.unanswered}`,
        'seq scans': scans.join(',') || 'none',
      });
      console.log(`${s.name}: service p99 ${svc.p99.toFixed(2)} ms, SQL p99 ${sql.p99.toFixed(2)} ms`);
    }
    printTable(
      `GET /api/lifecycle, ${SERVERS.toLocaleString('en')} servers × 20 remediation runs, open loop at ${RATE} req/s ` +
        `for ${SECONDS} s per page, service vs the same SQL through pg (pool ${POOL})`,
      rows,
    );
    console.log('\nPlans (EXPLAIN ANALYZE, the page and one more row, as the service asks):');
    for (const p of plans) console.log(`  ${p}`);
    console.log(
      `\nGoal p99 ≤ ${GOAL_P99_MS} ms: ${worstP99 <= GOAL_P99_MS && errorsTotal === 0 ? 'met' : 'missed'} ` +
        `(worst service p99 ${worstP99.toFixed(2)} ms, ${errorsTotal} errors or unanswered). ` +
        `Sequential scans on the seeded tables: ${seqScanned.length ? seqScanned.join('; ') : 'none'}. ` +
        `Total run ${((performance.now() - runStart) / 1000).toFixed(0)} s.`,
    );
  } finally {
    agent.destroy();
    await pool.end();
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
