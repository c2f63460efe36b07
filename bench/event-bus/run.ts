// Event bus benchmark: outbox → relay → embedded broker (acks=all, idempotent producer) → consumer → effect table.
// Baseline in the same run: the same messages through a bare kafkajs idempotent producer and consumer, no database.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS, newEventAttributes, toKafkaHeaders } from '@mcp-host/contracts';
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import {
  EventHandler,
  OutboxService,
  PlatformModule,
  createServiceApp,
  createServiceDataSource,
  type EventContext,
} from '@mcp-host/platform';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { percentile, printTable, rssMiB } from '../lib/stats';

const N = Number(process.env.BENCH_EVENTS ?? 20000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SCHEMA = 'bench_bus';

class Effects {
  async apply(payload: { id: string; name: string }, ctx: EventContext) {
    await ctx.manager.query('INSERT INTO effects (event_id, written_at) VALUES ($1, $2)', [
      ctx.attributes.id,
      ctx.attributes.time,
    ]);
  }
}
EventHandler('server.registered')(Effects.prototype, 'apply', Object.getOwnPropertyDescriptor(Effects.prototype, 'apply')!);

class CreateEffects1763870000000 {
  name = 'CreateEffects1763870000000';
  async up(q: { query(sql: string): Promise<unknown> }) {
    await q.query(`CREATE TABLE effects (event_id uuid PRIMARY KEY, written_at timestamptz NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  }
  async down() {}
}

function benchModule(env: Record<string, string>): DynamicModule {
  class BenchBusModule {}
  Module({})(BenchBusModule);
  return {
    module: BenchBusModule,
    imports: [
      PlatformModule.forRoot({
        service: 'bench-bus',
        dbSchema: SCHEMA,
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
    source_repository: null,
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

async function baseline(brokers: string[]): Promise<{ throughput: number; p50: number; p99: number }> {
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
  const t0 = Date.now();
  for (let i = 0; i < N; i += 500) {
    const messages = Array.from({ length: Math.min(500, N - i) }, () => {
      const attrs = newEventAttributes({ type: 'server.registered', source: 'bench' });
      return { key: randomUUID(), value: JSON.stringify(payload()), headers: toKafkaHeaders(attrs) };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  while (received < N) await new Promise((r) => setTimeout(r, 10));
  const throughput = N / ((Date.now() - t0) / 1000);
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
      messages: [{ key: randomUUID(), value: JSON.stringify(payload()), headers: { ...toKafkaHeaders(attrs), sent_at: String(Date.now()) } }],
    });
  }
  while (received < target) await new Promise((r) => setTimeout(r, 10));
  await consumer.disconnect();
  await producer.disconnect();
  const sorted = latencies.sort((a, b) => a - b);
  return { throughput, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-bus-'));
  const broker = await startEmbeddedKafka({ port: 0, host: '127.0.0.1', dataDir, defaultPartitions: TOPICS.servers.partitions });
  const db = await createTestDatabase('bench_bus');
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: broker.brokers.join(','),
    LOG_LEVEL: 'error',
    OUTBOX_POLL_INTERVAL_MS: '1000',
  };
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    // Migrate and warm up the consumer group with the app, then stop it and pre-fill the outbox.
    let app = await createServiceApp(benchModule(env));
    const ds = createServiceDataSource({ url: db.url, schema: SCHEMA, poolSize: 4 });
    await ds.initialize();
    const outbox = new OutboxService('bench', SCHEMA);
    const write = (n: number) =>
      ds.transaction(async (m) => {
        await outbox.publishMany(m, Array.from({ length: n }, () => ({ type: 'server.registered' as const, payload: payload() })));
      });
    await write(100);
    await until(async () => (await count(pg)) >= 100, 60_000);
    await app.close();
    await pg.query(`TRUNCATE ${SCHEMA}.effects`);

    for (let i = 0; i < N; i += 500) await write(Math.min(500, N - i));
    const t0 = Date.now();
    app = await createServiceApp(benchModule(env));
    await until(async () => (await count(pg)) >= N, 300_000);
    const busThroughput = N / ((Date.now() - t0) / 1000);
    await pg.query(`TRUNCATE ${SCHEMA}.effects`);

    // Steady rate: one event per transaction, RATE per second.
    const steadyN = RATE * STEADY_SECONDS;
    const start = Date.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < steadyN; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(write(1));
    }
    await Promise.all(pending);
    await until(async () => (await count(pg)) >= steadyN, 120_000);
    const lat = (
      await pg.query<{ ms: number }>(
        `SELECT EXTRACT(EPOCH FROM applied_at - written_at) * 1000 AS ms FROM ${SCHEMA}.effects ORDER BY 1`,
      )
    ).rows.map((r) => Number(r.ms));
    const rss = rssMiB();
    await app.close();
    await ds.destroy();

    const base = await baseline(broker.brokers);
    printTable(`Event bus, ${N} events of ~350 B, embedded broker on disk, acks=all, idempotent producer`, [
      { path: 'kafkajs produce → consume (baseline)', 'events/s': Math.round(base.throughput), [`p50 ms @${RATE}/s`]: base.p50, [`p99 ms @${RATE}/s`]: base.p99 },
      {
        path: 'outbox → relay → consumer → effect row',
        'events/s': Math.round(busThroughput),
        [`p50 ms @${RATE}/s`]: percentile(lat, 50),
        [`p99 ms @${RATE}/s`]: percentile(lat, 99),
      },
    ]);
    console.log(`\nratio (bus / baseline throughput): ${(busThroughput / base.throughput).toFixed(2)}`);
    console.log(`process RSS after the run: ${rssMiB().toFixed(0)} MiB (during: ${rss.toFixed(0)} MiB)`);
    console.log('goals: ≥ 2,000 events/s through the bus, p99 ≤ 250 ms');
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
