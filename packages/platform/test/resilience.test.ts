// The bus under the failures that used to stop or drop it: batches past the broker's limit, a record the broker
// refuses for good, a database outage under a consumer, and a batch mixing duplicates with a failing handler.
import { randomUUID } from 'node:crypto';
import { TOPICS, deadLetterTopicOf, newEventAttributes, toKafkaHeaders } from '@mcp-host/contracts';
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import {
  TcpFaultProxy,
  collectEvents,
  createTestDatabase,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '../src/testing';
import { fixture, query, quietLogs, rawKafka, serviceEnv } from './helpers';

const { createServiceApp } = fixture.platform;
const topic = TOPICS.servers.name;

async function count(url: string, sql: string): Promise<number> {
  const [r] = await query<{ n: number }>(url, sql);
  return r.n;
}

describe('event bus resilience', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('platform_resilience');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('when 2,000 events of 200 KiB under one key are written while the relay runs, then all arrive in order and none is refused', async () => {
    const kafka = await startTestKafka();
    const schema = 'large';
    const app = await createServiceApp(
      fixture.ledgerModule({ env: serviceEnv(db.url, kafka.brokers), schema, logDestination: quietLogs() }),
    );
    const w = await fixture.writer(db.url, schema);
    try {
      const blob = 'x'.repeat(200 * 1024);
      const id = randomUUID();
      const names: string[] = [];
      for (let batch = 0; batch < 100; batch++) {
        const payloads = [];
        for (let i = 0; i < 20; i++) {
          const p = fixture.serverPayload(`large-${String(batch * 20 + i).padStart(4, '0')}`);
          // One key (the server id) for all, so every event lands in one partition and order is checkable.
          payloads.push({ ...p, id, source_repository: blob });
          names.push(p.name);
        }
        await w.writePayloads(payloads);
      }
      await waitFor(
        async () =>
          (await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.effects`)) >= 2000
            ? true
            : undefined,
        { timeoutMs: 240_000, intervalMs: 500, what: '2,000 large effects' },
      );
      const applied = await query<{ name: string }>(db.url, `SELECT name FROM ${schema}.effects ORDER BY id`);
      expect(applied.map((r) => r.name)).toEqual(names);
      expect(await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox_parked`)).toBe(0);
      expect(await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`)).toBe(0);
    } finally {
      await w.close();
      await app.close();
      await kafka.stop();
    }
  }, 300_000);

  it('when the broker refuses one record for good, then it is parked with its reason and the events around it still flow', async () => {
    // A broker whose record-batch limit is below the event, as a stricter production cluster might be.
    const broker = await startEmbeddedKafka({ port: 0, host: '127.0.0.1', maxMessageBytes: 64 * 1024 });
    const schema = 'refused';
    const app = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, broker.brokers),
        schema,
        logDestination: process.env.DEBUG_LOGS ? undefined : quietLogs(),
      }),
    );
    const w = await fixture.writer(db.url, schema);
    const dlq = await collectEvents(broker.brokers, deadLetterTopicOf(topic));
    try {
      // One key, so the three share a partition and their order is checkable.
      const id = randomUUID();
      const before = { ...fixture.serverPayload('refused-before'), id };
      const big = { ...fixture.serverPayload('refused-big'), id, source_repository: 'y'.repeat(100 * 1024) };
      const after = { ...fixture.serverPayload('refused-after'), id };
      const [, bigId] = await w.writePayloads([before, big, after]);

      await waitFor(
        async () =>
          (await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.effects`)) >= 2 ? true : undefined,
        { timeoutMs: 30_000, what: 'the events around the refused one' },
      );
      const parked = await query<{ event_id: string; reason: string }>(
        db.url,
        `SELECT event_id, reason FROM ${schema}.outbox_parked`,
      );
      expect(parked).toEqual([{ event_id: bigId, reason: expect.stringContaining('MESSAGE_TOO_LARGE') }]);
      expect(await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`)).toBe(0);
      const names = await query<{ name: string }>(db.url, `SELECT name FROM ${schema}.effects ORDER BY id`);
      expect(names.map((r) => r.name)).toEqual(['refused-before', 'refused-after']);
      // The dead-letter twin carries the refusal (the payload itself is too big for the broker, so headers only).
      const dead = await waitFor(async () => dlq.events.find((e) => e.attributes.id === bigId), {
        timeoutMs: 15_000,
        what: 'the parked event on the dead-letter topic',
      });
      expect(dead.headers.dlq_reason).toBe('publish_refused');

      // The relay is not wedged: a later event still goes out.
      await w.writePayloads([{ ...fixture.serverPayload('refused-later'), id }]);
      await waitFor(
        async () =>
          (await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.effects`)) >= 3 ? true : undefined,
        { timeoutMs: 30_000, what: 'a later event' },
      );
    } finally {
      await dlq.stop();
      await w.close();
      await app.close();
      await broker.stop();
    }
  }, 90_000);

  it('when Postgres is unreachable for 30 s while 1,000 events flow, then none is dead-lettered and each is applied once', async () => {
    const kafka = await startTestKafka();
    const proxy = await TcpFaultProxy.start('127.0.0.1', 5432);
    // The producer keeps its direct connection; the consumer reaches Postgres only through the proxy.
    const producer = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, kafka.brokers, { EVENT_CONSUMER_ENABLED: 'false' }),
        schema: 'outage_src',
        logDestination: quietLogs(),
      }),
    );
    const consumer = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(proxy.url(db.url), kafka.brokers, {
          OUTBOX_RELAY_ENABLED: 'false',
          DATABASE_ACQUIRE_TIMEOUT_MS: '1000',
          EVENT_MAX_ATTEMPTS: '3',
        }),
        schema: 'outage_dst',
        logDestination: quietLogs(),
      }),
    );
    const consumerUrl = await consumer.listen(0, '127.0.0.1');
    const dlq = await collectEvents(kafka.brokers, deadLetterTopicOf(topic));
    const w = await fixture.writer(db.url, 'outage_src');
    try {
      const ids: string[] = [];
      ids.push(...(await w.write(200)));
      await waitFor(
        async () =>
          (await count(db.url, `SELECT count(*)::int AS n FROM outage_dst.effects`)) >= 1 ? true : undefined,
        { timeoutMs: 30_000, what: 'the consumer applying events' },
      );

      proxy.cut();
      const cutAt = Date.now();
      let degradedSeen = false;
      for (let i = 0; i < 8; i++) {
        ids.push(...(await w.write(100)));
        const ready = await fetch(`${consumerUrl}/readyz`).then(
          (r) => r.json() as Promise<{ status: string }>,
        );
        if (ready.status !== 'ready') degradedSeen = true;
        await new Promise((r) => setTimeout(r, 3000));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - cutAt))));
      proxy.restore();
      expect(degradedSeen).toBe(true);

      await waitFor(
        async () =>
          (await count(db.url, `SELECT count(*)::int AS n FROM outage_dst.effects`)) >= 1000
            ? true
            : undefined,
        { timeoutMs: 90_000, intervalMs: 500, what: '1,000 effects after the outage' },
      );
      // A marker written after everything else: once it is applied, nothing earlier is still in flight.
      const [marker] = await w.write(1, 'outage-marker');
      await waitFor(
        async () => {
          const [r] = await query<{ n: number }>(
            db.url,
            'SELECT count(*)::int AS n FROM outage_dst.effects WHERE event_id = $1',
            [marker],
          );
          return r.n === 1 ? true : undefined;
        },
        { timeoutMs: 30_000, what: 'the marker' },
      );
      const rows = await query<{ event_id: string; n: number }>(
        db.url,
        `SELECT event_id, count(*)::int AS n FROM outage_dst.effects WHERE name <> 'outage-marker' GROUP BY event_id`,
      );
      expect(rows).toHaveLength(1000);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
      expect(dlq.events).toHaveLength(0);
      const ready = await fetch(`${consumerUrl}/readyz`).then((r) => r.json() as Promise<{ status: string }>);
      expect(ready.status).toBe('ready');
    } finally {
      await dlq.stop();
      await w.close();
      await consumer.close();
      await producer.close();
      await proxy.stop();
      await kafka.stop();
    }
  }, 240_000);

  it('when a batch of 500 carries 3 duplicates and 1 failing event, then every good event is applied once in order and the bad one is dead-lettered', async () => {
    const kafka: TestKafka = await startTestKafka();
    const schema = 'batch';
    const app = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, kafka.brokers, { EVENT_MAX_ATTEMPTS: '3' }),
        schema,
        logDestination: quietLogs(),
      }),
    );
    const dlq = await collectEvents(kafka.brokers, deadLetterTopicOf(topic));
    const producer = rawKafka(kafka.brokers).producer();
    await producer.connect();
    try {
      const key = randomUUID();
      const messages: { key: string; value: string; headers: Record<string, string> }[] = [];
      const sent: { id: string; name: string }[] = [];
      for (let i = 0; i < 496; i++) {
        const p = { ...fixture.serverPayload(`batch-${String(i).padStart(3, '0')}`), id: key };
        const attrs = newEventAttributes({ type: 'server.registered', source: 'test', subject: key });
        messages.push({ key, value: JSON.stringify(p), headers: toKafkaHeaders(attrs) });
        sent.push({ id: attrs.id, name: p.name });
        if (i === 100) {
          const bad = { ...fixture.serverPayload('always-fails-in-batch'), id: key };
          const badAttrs = newEventAttributes({ type: 'server.registered', source: 'test', subject: key });
          messages.push({ key, value: JSON.stringify(bad), headers: toKafkaHeaders(badAttrs) });
        }
        // Three redeliveries of earlier events, with the same id.
        if (i === 150 || i === 300 || i === 450) messages.push({ ...messages[i - 10] });
      }
      expect(messages).toHaveLength(500);
      await producer.send({ topic, acks: -1, messages });

      const dead = await waitFor(
        async () => dlq.events.find((e) => e.payload.name === 'always-fails-in-batch'),
        { timeoutMs: 60_000, what: 'the failing event on the dead-letter topic' },
      );
      expect(dead.headers.dlq_reason).toBe('handler_failed');
      await waitFor(
        async () =>
          (await count(db.url, `SELECT count(*)::int AS n FROM ${schema}.effects`)) >= 496 ? true : undefined,
        { timeoutMs: 60_000, what: '496 effects' },
      );
      const rows = await query<{ event_id: string; name: string }>(
        db.url,
        `SELECT event_id, name FROM ${schema}.effects ORDER BY id`,
      );
      expect(rows).toEqual(sent.map((s) => ({ event_id: s.id, name: s.name })));
      expect(dlq.events).toHaveLength(1);
    } finally {
      await producer.disconnect();
      await dlq.stop();
      await app.close();
      await kafka.stop();
    }
  }, 120_000);
});
