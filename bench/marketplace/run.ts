// Marketplace benchmark. Seeds a catalog (default 1,000,000 entries and 3,000,000 certifications) with COPY, then
// drives each list query open-loop at a fixed rate (default 500 req/s) straight to the marketplace service, and, as
// the baseline in the same run, the same SQL the service runs for that page (one statement over the entries' stored
// renderings) straight to Postgres with `pg`, on a pool of the service's size. Prints p50/p99 per query and the
// plan check (no sequential scan on the catalog or certification tables).
//   pnpm --filter @mcp-host/bench marketplace [--entries N] [--certifications N] [--rate R] [--seconds S]
import { fork, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { percentile, printTable } from '../lib/stats';
import { imageNodeFlags, serviceFlags } from '../lib/children';
import { RawHttpClient } from '../lib/raw-http';
import { describePauses, recordGcPauses, type GcPause } from '../lib/gc-pauses';
import { seedCatalog, type PgLikeClient } from '../../apps/marketplace/test/support/seed-catalog';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`BENCH_${name.toUpperCase()}`];
  return raw === undefined ? fallback : Number(raw);
}

const ENTRIES = flag('entries', 1_000_000);
const CERTIFICATIONS = flag('certifications', 3_000_000);
const RATE = flag('rate', 500);
const SECONDS = flag('seconds', 10);
const WARMUP_SECONDS = flag('warmup', 3);
const SERIAL = flag('serial', 200);
const POOL = 10;
const HERE = __dirname;
const DIST = resolve(HERE, '..', '..', 'apps', 'marketplace', 'dist');
const WATCHED = new Set(['catalog_entries', 'catalog_artifacts', 'evaluation_certifications']);

/* eslint-disable @typescript-eslint/no-require-imports */
type Manager = { query(sql: string, params?: unknown[]): Promise<unknown> };
interface CatalogFilter {
  limit: number;
  after?: { serverName: string; serverId: string; sortRank: string; entryId: string };
  serverType?: string;
  status?: string;
  tier?: string;
  q?: string;
}
const { CatalogRepository } = require(`${DIST}/catalog/catalog.repository.js`) as {
  CatalogRepository: new () => {
    list(m: Manager, f: CatalogFilter, now: Date): Promise<{ list_row: string | null; stale: boolean }[]>;
    listQuery(f: CatalogFilter, now?: Date): { sql: string; params: unknown[] };
  };
};
const { EvaluationRepository } = require(`${DIST}/evaluations/evaluation.repository.js`) as {
  EvaluationRepository: new () => {
    list(m: Manager, f: { limit: number; status?: string }, now: Date): Promise<unknown[]>;
    listQuery(f: { limit: number; status?: string }, now: Date): { sql: string; params: unknown[] };
  };
};
/* eslint-enable @typescript-eslint/no-require-imports */

interface LoadResult {
  p50: number;
  p99: number;
  achieved: number;
  errors: number;
  lagMs: number;
  /** When the run started, as epoch milliseconds. */
  startEpochMs: number;
  /** Answers slower than the goal, grouped into bursts (ms from the run's start, how many, the slowest). */
  bursts: { atMs: number; count: number; worstMs: number }[];
}

const GOAL_MS = 15;

/** Groups the answers slower than the goal that were due within 50 ms of each other. */
function burstsOf(slow: [number, number][]): LoadResult['bursts'] {
  const out: LoadResult['bursts'] = [];
  let last = -Infinity;
  for (const [at, ms] of slow.sort((a, b) => a[0] - b[0])) {
    const b = out[out.length - 1];
    if (b && at - last <= 50) {
      b.count += 1;
      b.worstMs = Math.max(b.worstMs, ms);
    } else out.push({ atMs: at, count: 1, worstMs: ms });
    last = at;
  }
  return out;
}

/** Open loop: sends on a fixed schedule whatever the answers do, and measures each from its scheduled send. */
async function openLoop(send: () => Promise<boolean>, rate: number, seconds: number): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const slow: [number, number][] = [];
  let errors = 0;
  let done = 0;
  let lag = 0;
  const start = performance.now();
  await new Promise<void>((finish) => {
    let i = 0;
    const fire = () => {
      const now = performance.now();
      while (i < total && start + (i * 1000) / rate <= now) {
        const scheduled = start + (i * 1000) / rate;
        lag = Math.max(lag, now - scheduled);
        i += 1;
        send()
          .then((ok) => {
            const ms = performance.now() - scheduled;
            if (!ok) errors += 1;
            else {
              latencies.push(ms);
              if (ms > GOAL_MS) slow.push([scheduled - start, ms]);
            }
          })
          .catch(() => {
            errors += 1;
          })
          .finally(() => {
            if (++done === total) finish();
          });
      }
      if (i < total) setTimeout(fire, Math.max(0, start + (i * 1000) / rate - performance.now()));
    };
    fire();
  });
  const elapsed = (performance.now() - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    achieved: latencies.length / elapsed,
    errors,
    lagMs: lag,
    bursts: burstsOf(slow),
    startEpochMs: performance.timeOrigin + start,
  };
}

/** One request at a time: what a single page costs on each path when nothing queues. */
async function serial(send: () => Promise<boolean>, n: number): Promise<{ p50: number; p99: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    if (await send()) latencies.push(performance.now() - t0);
  }
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function startService(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  // The service runs with its image's Node flags. SERVICE_PROF=DIR writes a V8 CPU profile of the service process
  // into DIR; SERVICE_FLAGS adds Node flags after the image's (a later flag wins: `--max-semi-space-size=16` measures
  // Node's default young generation).
  const prof = process.env.SERVICE_PROF;
  const child = fork(join(HERE, 'service-process.ts'), [], {
    execArgv: [
      '--import',
      'tsx',
      ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []),
      ...imageNodeFlags('marketplace'),
      ...serviceFlags(),
    ],
    cwd: resolve(HERE, '..'),
    env: { ...process.env, ...env },
  });
  const url = await new Promise<string>((res, rej) => {
    child.once('message', (m: { url: string }) => res(m.url));
    child.once('exit', (code) => rej(new Error(`marketplace exited with ${code}`)));
  });
  return { child, url };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const seqScans = (n: PlanNode): string[] => [
  ...(n['Node Type'] === 'Seq Scan' && WATCHED.has(n['Relation Name'] ?? '')
    ? [n['Relation Name'] as string]
    : []),
  ...(n.Plans ?? []).flatMap(seqScans),
];

/** Filter values that hit, read back from a database an earlier run seeded. */
async function sampleOf(c: PoolClient) {
  const row = (
    await c.query(
      `SELECT e.server_type, e.tier_key, a.manifest_digest, e.server_name, e.server_id::text
         FROM catalog_entries e JOIN catalog_artifacts a ON a.id = e.artifact_run_id
        ORDER BY e.entry_id OFFSET $1 LIMIT 1`,
      [Math.floor(ENTRIES / 2)],
    )
  ).rows[0];
  return {
    serverType: row.server_type as string,
    tier: row.tier_key as string,
    digest: row.manifest_digest as string,
    serverName: row.server_name as string,
    serverId: row.server_id as string,
  };
}

async function main() {
  // BENCH_DATABASE_URL: a database an earlier run seeded (kept, not dropped), to measure again without reseeding.
  const reuse = process.env.BENCH_DATABASE_URL;
  const db = reuse
    ? { url: reuse, drop: async () => undefined }
    : await createTestDatabase('bench_marketplace');
  const service = await startService({
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(POOL),
    KAFKA_BROKERS: '127.0.0.1:1',
    EVENT_CONSUMER_ENABLED: 'false',
    OUTBOX_RELAY_ENABLED: 'false',
    EVALUATION_EXPIRY_SWEEP_MS: '0',
    LOG_LEVEL: 'warn',
    BIND_PORT: '0',
    BIND_ADDRESS: '127.0.0.1',
  });
  const pool = new Pool({
    connectionString: db.url,
    max: POOL,
    options: '-c search_path=marketplace,public',
  });
  try {
    const seedStart = performance.now();
    const seeder: PoolClient = await pool.connect();
    let sample;
    try {
      const existing = Number((await seeder.query('SELECT count(*) AS n FROM catalog_entries')).rows[0].n);
      if (existing > 0 && existing !== ENTRIES)
        throw new Error(`the database holds ${existing} entries, not ${ENTRIES}`);
      sample =
        existing > 0
          ? await sampleOf(seeder)
          : (
              await seedCatalog(
                seeder as unknown as PgLikeClient & { query(sql: string): Promise<unknown> },
                {
                  entries: ENTRIES,
                  certifications: CERTIFICATIONS,
                },
              )
            ).sample;
      // The bulk load leaves every page of the seeded tables for autovacuum to visit and the next checkpoint to write:
      // both would land inside the measured pages on two cores. Vacuum (which also sets the visibility map the
      // index-only plans read) and checkpoint now instead.
      await seeder.query('SET statement_timeout = 0');
      await seeder.query(
        'VACUUM ANALYZE servers, catalog_artifacts, catalog_entries, evaluation_certifications',
      );
      await seeder.query('CHECKPOINT');
      await seeder.query('RESET statement_timeout');
    } finally {
      seeder.release();
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    console.log(
      reuse
        ? `reusing ${ENTRIES} seeded entries`
        : `seeded ${ENTRIES} entries and ${CERTIFICATIONS} certifications with COPY, vacuumed and checkpointed, in ${seedSeconds.toFixed(1)} s`,
    );

    const deep = (
      await pool.query<{ n: string; s: string; r: string; e: string }>(
        `SELECT server_name AS n, server_id AS s, sort_rank::text AS r, entry_id AS e FROM catalog_entries
          ORDER BY server_name, server_id, sort_rank, entry_id OFFSET $1 LIMIT 1`,
        [Math.floor(ENTRIES * 0.9)],
      )
    ).rows[0];
    const deepCursor = Buffer.from(JSON.stringify(deep)).toString('base64url');
    const deepKey = { serverName: deep.n, serverId: deep.s, sortRank: deep.r, entryId: deep.e };

    const m: Manager = { query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows };
    const catalog = new CatalogRepository();
    const evaluations = new EvaluationRepository();
    const now = new Date();
    /** The SQL the service runs for one catalog page: one statement over the stored renderings. */
    const catalogPage = async (f: Omit<CatalogFilter, 'limit'>): Promise<boolean> => {
      const rows = await catalog.list(m, { ...f, limit: 51 }, now);
      if (rows.some((r) => r.stale)) throw new Error('a seeded row is stale: the page would be built live');
      return true;
    };

    const queries: {
      name: string;
      path: string;
      direct: () => Promise<boolean>;
      plan?: { sql: string; params: unknown[] };
    }[] = [
      {
        name: 'catalog first page',
        path: '/api/marketplace',
        direct: () => catalogPage({}),
        plan: catalog.listQuery({ limit: 51 }),
      },
      {
        name: 'server_type',
        path: `/api/marketplace?server_type=${sample.serverType}`,
        direct: () => catalogPage({ serverType: sample.serverType }),
        plan: catalog.listQuery({ limit: 51, serverType: sample.serverType }),
      },
      {
        name: 'status=failed',
        path: '/api/marketplace?status=failed',
        direct: () => catalogPage({ status: 'failed' }),
        plan: catalog.listQuery({ limit: 51, status: 'failed' }),
      },
      {
        name: 'tier',
        path: `/api/marketplace?tier=${encodeURIComponent(sample.tier)}`,
        direct: () => catalogPage({ tier: sample.tier }),
        plan: catalog.listQuery({ limit: 51, tier: sample.tier }),
      },
      {
        name: 'q hit (digest)',
        path: `/api/marketplace?q=${sample.digest.slice(7, 23)}`,
        direct: () => catalogPage({ q: sample.digest.slice(7, 23) }),
        plan: catalog.listQuery({ limit: 51, q: sample.digest.slice(7, 23) }),
      },
      {
        name: 'q no hit',
        path: '/api/marketplace?q=no-such-artifact-anywhere',
        direct: () => catalogPage({ q: 'no-such-artifact-anywhere' }),
        plan: catalog.listQuery({ limit: 51, q: 'no-such-artifact-anywhere' }),
      },
      {
        name: 'deep keyset page (90%)',
        path: `/api/marketplace?cursor=${deepCursor}`,
        direct: () => catalogPage({ after: deepKey }),
        plan: catalog.listQuery({ limit: 51, after: deepKey }),
      },
      {
        name: 'evaluations first page',
        path: '/api/evaluations',
        direct: async () => (await evaluations.list(m, { limit: 51 }, now), true),
        plan: evaluations.listQuery({ limit: 51 }, now),
      },
      {
        name: 'evaluations status=expired',
        path: '/api/evaluations?status=expired',
        direct: async () => (await evaluations.list(m, { limit: 51, status: 'expired' }, now), true),
        plan: evaluations.listQuery({ limit: 51, status: 'expired' }, now),
      },
    ];

    // The service path's client reads every answer into one shared buffer: the measuring process's own garbage
    // collection stays out of the service's figures (lib/raw-http.ts).
    const client = new RawHttpClient(new URL(service.url));
    const rows: Record<string, string | number>[] = [];
    // BENCH_ONLY=a,b: only the queries whose names contain one of these; BENCH_TIMELINE=1: when the slow answers fell.
    const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
    const benchPauses = recordGcPauses();
    for (const q of queries.filter((x) => !only || only.some((o) => x.name.includes(o)))) {
      const viaService = () => client.get(q.path);
      await openLoop(viaService, Math.min(RATE, 200), WARMUP_SECONDS);
      await openLoop(q.direct, Math.min(RATE, 200), WARMUP_SECONDS);
      const svcSerial = await serial(viaService, SERIAL);
      const pgSerial = await serial(q.direct, SERIAL);
      const svc = await openLoop(viaService, RATE, SECONDS);
      const pg = await openLoop(q.direct, RATE, SECONDS);
      const explain = q.plan
        ? (await pool.query(`EXPLAIN (FORMAT JSON) ${q.plan.sql}`, q.plan.params)).rows[0]['QUERY PLAN'][0]
            .Plan
        : undefined;
      rows.push({
        query: q.name,
        'serial svc p50': svcSerial.p50,
        'serial pg p50': pgSerial.p50,
        'service p50 ms': svc.p50,
        'service p99 ms': svc.p99,
        'pg p50 ms': pg.p50,
        'pg p99 ms': pg.p99,
        'service req/s': svc.achieved,
        errors: svc.errors + pg.errors,
        'seq scans': explain ? seqScans(explain as PlanNode).join(',') || 'none' : '-',
      });
      console.log(`${q.name}: service p99 ${svc.p99.toFixed(2)} ms, pg p99 ${pg.p99.toFixed(2)} ms`);
      if (process.env.BENCH_TIMELINE === '1') {
        const show = (b: LoadResult['bursts']) =>
          b.map((x) => `${(x.atMs / 1000).toFixed(2)}s ${x.count}x<=${x.worstMs.toFixed(0)}ms`).join(', ') ||
          'none';
        const end = (r: LoadResult) => r.startEpochMs + SECONDS * 1000 + 1000;
        const servicePauses = await new Promise<GcPause[]>((res) => {
          service.child.once('message', (m: { gc: GcPause[] }) => res(m.gc));
          service.child.send({ ask: 'gc' });
        });
        console.log(`  service path, answers over ${GOAL_MS} ms: ${show(svc.bursts)}`);
        console.log(
          `    service GC pauses >= 2 ms: ${describePauses(servicePauses, svc.startEpochMs, end(svc))}`,
        );
        console.log(
          `    bench GC pauses >= 2 ms: ${describePauses(benchPauses(), svc.startEpochMs, end(svc))}`,
        );
        console.log(`  pg path, answers over ${GOAL_MS} ms: ${show(pg.bursts)}`);
        console.log(
          `    bench GC pauses >= 2 ms: ${describePauses(benchPauses(), pg.startEpochMs, end(pg))}`,
        );
      }
    }
    client.close();
    printTable(
      `Marketplace, ${ENTRIES.toLocaleString('en')} entries / ${CERTIFICATIONS.toLocaleString('en')} certifications, open loop at ${RATE} req/s for ${SECONDS} s (goal: p99 ≤ 15 ms, no seq scan)`,
      rows,
    );
  } finally {
    await pool.end();
    service.child.send({ ask: 'stop' });
    await new Promise((r) => service.child.once('exit', r));
    await db.drop();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
