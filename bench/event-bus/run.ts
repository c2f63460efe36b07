// Event bus benchmark: outbox → relay → embedded broker (acks=all, idempotent producer) → consumer → effect table,
// with 1 KiB and 200 KiB events, medians of BENCH_RUNS runs; throughput is a burst of N events committed at once to a
// warm service, timed from commit to the last effect row. Baseline in the same run: the same messages through a
// bare kafkajs idempotent producer and consumer, no database. Then recovery after a database outage under the
// consumer: seconds from the database coming back to a lag of 0, and how many events were dead-lettered.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS, deadLetterTopicOf, newEventAttributes, toKafkaHeaders } from '@mcp-host/contracts';
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import {
  EventHandler,
  EventBatchHandler,
  type EventBatchItem,
  OutboxService,
  PlatformModule,
  createServiceApp,
  createServiceDataSource,
  type EventContext,
} from '@mcp-host/platform';
import { TcpFaultProxy, createTestDatabase } from '@mcp-host/platform/testing';
import { median, percentile, printTable, rssMiB } from '../lib/stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 30);
const OUTAGE_EVENTS = Number(process.env.BENCH_OUTAGE_EVENTS ?? 1000);
const SCHEMA = 'bench_bus';
// BENCH_SIZES=1k or 200k runs one size only; BENCH_OUTAGE=0 skips the outage phase (for profiling runs).
const ONLY = process.env.BENCH_SIZES;
const WITH_OUTAGE = process.env.BENCH_OUTAGE !== '0';

interface Size {
  label: string;
  bytes: number;
  /** Events in the throughput phase. */
  n: number;
  /** Events per second in the steady (latency) phase, one per transaction. */
  rate: number;
}
const SIZES: Size[] = [
  {
    label: '1 KiB',
    bytes: 1024,
    n: Number(process.env.BENCH_EVENTS ?? 20000),
    rate: Number(process.env.BENCH_RATE ?? 500),
  },
  {
    label: '200 KiB',
    bytes: 200 * 1024,
    n: Number(process.env.BENCH_LARGE_EVENTS ?? 1000),
    rate: Number(process.env.BENCH_LARGE_RATE ?? 50),
  },
].filter((s) => !ONLY || ONLY.split(',').includes(s.label.replace(' KiB', 'k')));
let padding = '';
// BENCH_PROF=1: a V8 CPU profile of each bus run (relay, consumer and the in-process broker), in BENCH_PROF_DIR.
const PROF_DIR = process.env.BENCH_PROF
  ? (process.env.BENCH_PROF_DIR ?? join(tmpdir(), 'bench-event-bus-prof'))
  : undefined;

/** This process's CPU time (user + system) per event since `since`, in microseconds (Postgres's own is not counted). */
function cpuPerEvent(since: NodeJS.CpuUsage, n: number): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / n;
}

/** Starts a CPU profile when BENCH_PROF is set; the returned function stops it and writes the file. */
async function startProfile(name: string): Promise<() => Promise<void>> {
  if (!PROF_DIR) return async () => undefined;
  const dir = PROF_DIR;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`CPU profile: ${file}`);
    session.disconnect();
  };
}

/**
 * The effect row of each event. By default through the kit's batch handler (`@EventBatchHandler`: a run of
 * consecutive events in one multi-row insert, in the consumer's chunk transaction); `BENCH_HANDLER=event` measures
 * the per-event handler (`@EventHandler`: one insert per event) instead.
 */
const HANDLER = process.env.BENCH_HANDLER === 'event' ? 'event' : 'batch';

class Effects {
  async apply(payload: { id: string; name: string }, ctx: EventContext) {
    await ctx.manager.query('INSERT INTO effects (event_id, written_at) VALUES ($1, $2)', [
      ctx.attributes.id,
      ctx.attributes.time,
    ]);
  }

  async applyBatch(items: EventBatchItem<'server.registered'>[]) {
    const ids: string[] = [];
    const times: string[] = [];
    for (const { ctx } of items) {
      ids.push(ctx.attributes.id);
      times.push(ctx.attributes.time);
    }
    await items[0].ctx.manager.query(
      'INSERT INTO effects (event_id, written_at) SELECT * FROM unnest($1::uuid[], $2::timestamptz[])',
      [ids, times],
    );
  }
}
if (HANDLER === 'batch')
  EventBatchHandler('server.registered')(
    Effects.prototype,
    'applyBatch',
    Object.getOwnPropertyDescriptor(Effects.prototype, 'applyBatch')!,
  );
else
  EventHandler('server.registered')(
    Effects.prototype,
    'apply',
    Object.getOwnPropertyDescriptor(Effects.prototype, 'apply')!,
  );

class CreateEffects1763870000000 {
  name = 'CreateEffects1763870000000';
  async up(q: { query(sql: string): Promise<unknown> }) {
    await q.query(`CREATE TABLE effects (event_id uuid PRIMARY KEY, written_at timestamptz NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  }
  async down() {}
}

function benchModule(env: Record<string, string>, schema = SCHEMA): DynamicModule {
  class BenchBusModule {}
  Module({})(BenchBusModule);
  return {
    module: BenchBusModule,
    imports: [
      PlatformModule.forRoot({
        service: 'bench-bus',
        dbSchema: schema,
        consumerGroup: `bench-bus.${schema}`,
        env,
        migrations: [CreateEffects1763870000000],
      }),
    ],
    providers: [{ provide: Effects, useValue: new Effects() }],
  };
}

function payload() {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    name: `bench-${randomUUID().slice(0, 8)}`,
    server_type: 'Router',
    source_repository: padding,
    source_branch: 'main',
    dockerfile_path: 'Dockerfile',
    tier: null,
    owner: null,
    status: 'registered',
    version: 1,
    created_at: now,
    updated_at: now,
  };
}

async function count(pg: Client): Promise<number> {
  return (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects`)).rows[0].n;
}

async function until(pred: () => Promise<boolean>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function baseline(
  brokers: string[],
  size: Size,
): Promise<{ throughput: number; p50: number; p99: number; cpuUs: number }> {
  const N = size.n;
  const RATE = size.rate;
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench.baseline.${Date.now()}`;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-baseline-${Date.now()}`, maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  const latencies: number[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      received++;
      const sent = Number(message.headers?.sent_at?.toString());
      if (sent) latencies.push(Date.now() - sent);
    },
  });
  const stopProfile = await startProfile(`bare-${size.label.replace(' ', '')}-throughput`);
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const per = Math.max(1, Math.min(500, Math.floor((900 * 1024) / (size.bytes + 400))));
  for (let i = 0; i < N; i += per) {
    const messages = Array.from({ length: Math.min(per, N - i) }, () => {
      const attrs = newEventAttributes({ type: 'server.registered', source: 'bench' });
      return { key: randomUUID(), value: JSON.stringify(payload()), headers: toKafkaHeaders(attrs) };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  while (received < N) await new Promise((r) => setTimeout(r, 10));
  const throughput = N / ((Date.now() - t0) / 1000);
  const cpuUs = cpuPerEvent(cpu0, N);
  await stopProfile();
  // Steady-rate latency, one message per send like one outbox write per transaction.
  latencies.length = 0;
  const steadyN = RATE * STEADY_SECONDS;
  const start = Date.now();
  const target = received + steadyN;
  for (let i = 0; i < steadyN; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const attrs = newEventAttributes({ type: 'server.registered', source: 'bench' });
    void producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: randomUUID(),
          value: JSON.stringify(payload()),
          headers: { ...toKafkaHeaders(attrs), sent_at: String(Date.now()) },
        },
      ],
    });
  }
  while (received < target) await new Promise((r) => setTimeout(r, 10));
  await consumer.disconnect();
  await producer.disconnect();
  const sorted = latencies.sort((a, b) => a - b);
  return { throughput, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUs };
}

async function busRun(
  db: { url: string },
  brokers: string[],
  size: Size,
  pg: Client,
): Promise<{ throughput: number; p50: number; p99: number; rss: number; cpuUs: number }> {
  const N = size.n;
  const RATE = size.rate;
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers.join(','),
    LOG_LEVEL: 'error',
    OUTBOX_POLL_INTERVAL_MS: '1000',
    INTERNAL_AUTH: 'off',
  };
  // The app runs warm (migrated, consumer group joined, relay listening), as a service does. The throughput phase
  // commits N events as one burst, in one transaction, and times commit → last effect row: the bus's delivery work
  // alone, as the baseline times a warm producer and consumer from the first send.
  const app = await createServiceApp(benchModule(env));
  const ds = createServiceDataSource({ url: db.url, schema: SCHEMA, poolSize: 4 });
  await ds.initialize();
  const outbox = new OutboxService('bench', SCHEMA, 1024 * 1024);
  const perStatement = Math.max(1, Math.min(500, Math.floor((4 * 1024 * 1024) / size.bytes)));
  const events = (n: number) =>
    Array.from({ length: n }, () => ({ type: 'server.registered' as const, payload: payload() }));
  const write = (n: number) => ds.transaction((m) => outbox.publishMany(m, events(n)));
  try {
    await write(10);
    await until(async () => (await count(pg)) >= 10, 60_000);
    await pg.query(`TRUNCATE ${SCHEMA}.effects`);

    const tag = size.label.replace(' ', '');
    await ds.transaction(async (m) => {
      for (let i = 0; i < N; i += perStatement)
        await outbox.publishMany(m, events(Math.min(perStatement, N - i)));
    });
    let stopProfile = await startProfile(`bus-${tag}-throughput`);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await until(async () => (await count(pg)) >= N, 600_000);
    const throughput = N / ((Date.now() - t0) / 1000);
    const cpuUs = cpuPerEvent(cpu0, N);
    await stopProfile();
    await pg.query(`TRUNCATE ${SCHEMA}.effects`);

    // Steady rate: one event per transaction.
    const steadyN = RATE * STEADY_SECONDS;
    stopProfile = await startProfile(`bus-${tag}-steady`);
    const start = Date.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < steadyN; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(write(1));
    }
    await Promise.all(pending);
    await until(async () => (await count(pg)) >= steadyN, 300_000);
    await stopProfile();
    const lat = (
      await pg.query<{ ms: number }>(
        `SELECT EXTRACT(EPOCH FROM applied_at - written_at) * 1000 AS ms FROM ${SCHEMA}.effects ORDER BY 1`,
      )
    ).rows.map((r) => Number(r.ms));
    const rss = rssMiB();
    await pg.query(`TRUNCATE ${SCHEMA}.effects`);
    return { throughput, p50: percentile(lat, 50), p99: percentile(lat, 99), rss, cpuUs };
  } finally {
    await app.close();
    await ds.destroy();
  }
}

/** Seconds from the database coming back to a lag of 0, with events written during an outage under the consumer. */
async function outageRecovery(): Promise<{ seconds: number; deadLettered: number; applied: number }> {
  // A broker of its own, so the topic holds only this phase's events.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-bus-outage-'));
  const broker = await startEmbeddedKafka({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    defaultPartitions: TOPICS.servers.partitions,
  });
  const brokers = broker.brokers;
  const db = await createTestDatabase('bench_bus_outage');
  const proxy = await TcpFaultProxy.start('127.0.0.1', 5432);
  padding = 'p'.repeat(700);
  const env = (url: string, extra: Record<string, string>) => ({
    DATABASE_URL: url,
    KAFKA_BROKERS: brokers.join(','),
    LOG_LEVEL: 'fatal',
    INTERNAL_AUTH: 'off',
    OUTBOX_POLL_INTERVAL_MS: '200',
    ...extra,
  });
  // The producer writes straight to Postgres; the consumer reaches it only through the proxy.
  const producer = await createServiceApp(
    benchModule(env(db.url, { EVENT_CONSUMER_ENABLED: 'false' }), 'bench_src'),
  );
  const consumer = await createServiceApp(
    benchModule(
      env(proxy.url(db.url), { OUTBOX_RELAY_ENABLED: 'false', DATABASE_ACQUIRE_TIMEOUT_MS: '1000' }),
      'bench_dst',
    ),
  );
  const ds = createServiceDataSource({ url: db.url, schema: 'bench_src', poolSize: 2 });
  await ds.initialize();
  const outbox = new OutboxService('bench', 'bench_src');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const dst = async () =>
    (await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_dst.effects')).rows[0].n;
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const dlqSize = async () => {
    try {
      const offsets = await admin.fetchTopicOffsets(deadLetterTopicOf(TOPICS.servers.name));
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } catch {
      return 0;
    }
  };
  try {
    await ds.transaction((m) => outbox.publish(m, 'server.registered', payload()));
    await until(async () => (await dst()) >= 1, 60_000);
    const dlqBefore = await dlqSize();
    proxy.cut();
    const per = Math.max(1, Math.floor(OUTAGE_EVENTS / OUTAGE_SECONDS));
    for (let s = 0, written = 0; s < OUTAGE_SECONDS; s++) {
      const n = s === OUTAGE_SECONDS - 1 ? OUTAGE_EVENTS - written : Math.min(per, OUTAGE_EVENTS - written);
      if (n > 0)
        await ds.transaction((m) =>
          outbox.publishMany(
            m,
            Array.from({ length: n }, () => ({ type: 'server.registered' as const, payload: payload() })),
          ),
        );
      written += n;
      await new Promise((r) => setTimeout(r, 1000));
    }
    proxy.restore();
    const back = Date.now();
    await until(async () => (await dst()) >= OUTAGE_EVENTS + 1, 300_000);
    const seconds = (Date.now() - back) / 1000;
    return { seconds, deadLettered: (await dlqSize()) - dlqBefore, applied: (await dst()) - 1 };
  } finally {
    await admin.disconnect();
    await pg.end();
    await ds.destroy();
    await consumer.close();
    await producer.close();
    await proxy.stop();
    await db.drop();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-bus-'));
  const broker = await startEmbeddedKafka({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    defaultPartitions: TOPICS.servers.partitions,
  });
  const db = await createTestDatabase('bench_bus');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const rows: Record<string, string | number>[] = [];
  let rss = 0;
  try {
    for (const size of SIZES) {
      padding = 'p'.repeat(Math.max(0, size.bytes - 330));
      const bus: { throughput: number; p50: number; p99: number }[] = [];
      const base: { throughput: number; p50: number; p99: number }[] = [];
      const ratios: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const b = await busRun(db, broker.brokers, size, pg);
        const k = await baseline(broker.brokers, size);
        rss = Math.max(rss, b.rss);
        bus.push(b);
        base.push(k);
        ratios.push(b.throughput / k.throughput);
        console.log(
          `${size.label} run ${r + 1}: bus ${Math.round(b.throughput)}/s, baseline ${Math.round(k.throughput)}/s, ratio ${(b.throughput / k.throughput).toFixed(2)}, bus p99 ${b.p99.toFixed(1)} ms, process CPU per event: bus ${b.cpuUs.toFixed(0)} µs, baseline ${k.cpuUs.toFixed(0)} µs`,
        );
      }
      const med = (xs: number[]) => median(xs);
      rows.push({
        events: `${size.label} × ${size.n}`,
        path: 'kafkajs produce → consume (baseline)',
        'events/s': Math.round(med(base.map((x) => x.throughput))),
        'p50 ms': med(base.map((x) => x.p50)),
        'p99 ms': med(base.map((x) => x.p99)),
        '@ rate': `${size.rate}/s`,
        ratio: '1.00',
      });
      rows.push({
        events: `${size.label} × ${size.n}`,
        path: 'outbox → relay → consumer → effect row',
        'events/s': Math.round(med(bus.map((x) => x.throughput))),
        'p50 ms': med(bus.map((x) => x.p50)),
        'p99 ms': med(bus.map((x) => x.p99)),
        '@ rate': `${size.rate}/s`,
        ratio: `${med(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      });
    }
    printTable(
      `Event bus, medians of ${RUNS} runs, embedded broker on disk, acks=all, idempotent producer, ${HANDLER} handler`,
      rows,
    );
    console.log(`\nprocess RSS during the runs: ${rss.toFixed(0)} MiB`);
    if (WITH_OUTAGE) {
      const outage = await outageRecovery();
      printTable(
        `Recovery after a ${OUTAGE_SECONDS} s database outage under the consumer (${OUTAGE_EVENTS} events written meanwhile)`,
        [
          {
            'seconds to lag 0 after the database returns': outage.seconds,
            'events applied': outage.applied,
            'dead-lettered': outage.deadLettered,
          },
        ],
      );
    }
    console.log(
      'goals: bus ≥ 0.6× the bare pipeline, p99 ≤ 100 ms at 500 events/s (1 KiB); 0 dead-lettered after an outage',
    );
  } finally {
    await pg.end();
    await db.drop();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
