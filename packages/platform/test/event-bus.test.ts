// The event bus end to end on real Postgres and the embedded broker: outbox through outage, poison, duplicates.
import { randomUUID } from 'node:crypto';
import { TOPICS, deadLetterTopicOf, newEventAttributes, toKafkaHeaders } from '@mcp-host/contracts';
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import {
  collectEvents,
  createTestDatabase,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '../src/testing';
import { fixture, freePort, query, quietLogs, rawKafka, serviceEnv } from './helpers';

const { createServiceApp } = fixture.platform;
const topic = TOPICS.servers.name;

describe('event bus', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('platform_bus');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('when the broker is down while 1,000 events are written, then each arrives exactly once after it starts', async () => {
    const port = await freePort();
    const brokers = [`127.0.0.1:${port}`];
    const schema = 'outage';
    const app = await createServiceApp(
      fixture.ledgerModule({ env: serviceEnv(db.url, brokers), schema, logDestination: quietLogs() }),
    );
    const w = await fixture.writer(db.url, schema);
    let broker: Awaited<ReturnType<typeof startEmbeddedKafka>> | undefined;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(...(await w.write(100)));
      expect(ids).toHaveLength(1000);
      const [pending] = await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`);
      expect(pending.n).toBe(1000);

      broker = await startEmbeddedKafka({ port, host: '127.0.0.1' });
      await waitFor(
        async () => {
          const [r] = await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.effects`);
          return r.n >= 1000 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: '1,000 effects' },
      );
      // Give a late duplicate the chance to show up before counting.
      await new Promise((r) => setTimeout(r, 500));
      const rows = await query<{ event_id: string; n: number }>(
        db.url,
        `SELECT event_id, count(*)::int AS n FROM ${schema}.effects GROUP BY event_id`,
      );
      expect(rows).toHaveLength(1000);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
      const [left] = await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`);
      expect(left.n).toBe(0);
    } finally {
      await w.close();
      await app.close();
      await broker?.stop();
    }
  });

  describe('with a running broker', () => {
    let kafka: TestKafka;
    let app: Awaited<ReturnType<typeof createServiceApp>>;
    const schema = 'poison';

    beforeAll(async () => {
      kafka = await startTestKafka();
      app = await createServiceApp(
        fixture.ledgerModule({
          env: serviceEnv(db.url, kafka.brokers, { EVENT_MAX_ATTEMPTS: '3' }),
          schema,
          logDestination: quietLogs(),
        }),
      );
    });
    afterAll(async () => {
      await app.close();
      await kafka.stop();
    });

    async function produce(messages: { key: string; value: string; headers: Record<string, string> }[]) {
      const producer = rawKafka(kafka.brokers).producer();
      await producer.connect();
      await producer.send({ topic, messages, acks: -1 });
      await producer.disconnect();
    }

    function validMessage(name: string, id?: string) {
      const payload = fixture.serverPayload(name);
      const attrs = newEventAttributes({ type: 'server.registered', source: 'test', id });
      return {
        key: 'same-key',
        value: JSON.stringify(payload),
        headers: toKafkaHeaders(attrs),
        id: attrs.id,
      };
    }

    async function effectNames(): Promise<string[]> {
      return (await query<{ name: string }>(db.url, `SELECT name FROM ${schema}.effects ORDER BY id`)).map(
        (r) => r.name,
      );
    }

    async function deadLetters(expected: number) {
      const consumer = rawKafka(kafka.brokers).consumer({
        groupId: `dlq-reader-${Date.now()}`,
        maxWaitTimeInMs: 100,
      });
      const seen: { reason: string; error: string; value: string }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: deadLetterTopicOf(topic), fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({
            reason: String(message.headers?.dlq_reason),
            error: String(message.headers?.dlq_error),
            value: String(message.value),
          });
        },
      });
      try {
        await waitFor(() => (seen.length >= expected ? true : undefined), {
          timeoutMs: 30_000,
          what: 'dead letters',
        });
      } finally {
        await consumer.disconnect();
      }
      return seen;
    }

    it('when poison messages arrive, then they are dead-lettered with a reason and the next message is still applied', async () => {
      const badSchema = validMessage('poison-schema');
      badSchema.value = JSON.stringify({ id: 'not-a-uuid' });
      const notJson = validMessage('poison-json');
      notJson.value = '{not json';
      const noEnvelope = { key: 'same-key', value: '{}', headers: { 'content-type': 'application/json' } };
      const handlerFails = validMessage('always-fails-1');
      const good = validMessage('after-the-poison');
      await produce([badSchema, notJson, noEnvelope, handlerFails, good]);

      await waitFor(async () => ((await effectNames()).includes('after-the-poison') ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the message after the poison',
      });
      const dlq = await deadLetters(4);
      expect(dlq.map((d) => d.reason).sort()).toEqual(
        ['envelope_invalid', 'handler_failed', 'payload_not_json', 'schema_invalid'].sort(),
      );
      const handlerFailure = dlq.find((d) => d.reason === 'handler_failed');
      expect(handlerFailure?.error).toContain('after 3 attempts');
      expect(handlerFailure?.error).toContain('handler refuses always-fails-1');
      expect(dlq.find((d) => d.reason === 'schema_invalid')?.error).toMatch(/id/);
      expect(await effectNames()).not.toContain('always-fails-1');
    });

    it('when the same event id is delivered twice, then it is applied once', async () => {
      const first = validMessage('delivered-twice');
      const again = { ...first };
      const marker = validMessage('after-the-duplicate');
      await produce([first]);
      await produce([again, marker]);
      await waitFor(async () => ((await effectNames()).includes('after-the-duplicate') ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the marker event',
      });
      const rows = await query<{ n: number }>(
        db.url,
        `SELECT count(*)::int AS n FROM ${schema}.effects WHERE event_id = $1`,
        [first.id],
      );
      expect(rows[0].n).toBe(1);
      const metrics = await (await fetch(`${await app.listen(0, '127.0.0.1')}/metrics`)).text();
      expect(metrics).toMatch(/mcp_host_events_consumed_total\{[^}]*outcome="duplicate"[^}]*\} 1/);
      expect(metrics).toMatch(/mcp_host_events_dead_lettered_total/);
    });

    it('when a batch of 500 over five keys carries 3 duplicates and 1 failing event, then each good event is applied once in its key order and the failing one is retried, then dead-lettered', async () => {
      await multiKeyScenario(kafka, db.url, schema);
    });
  });

  describe('with a batch handler (@EventBatchHandler)', () => {
    let kafka: TestKafka;
    let app: Awaited<ReturnType<typeof createServiceApp>>;
    const schema = 'batched';

    beforeAll(async () => {
      kafka = await startTestKafka();
      app = await createServiceApp(
        fixture.ledgerModule({
          env: serviceEnv(db.url, kafka.brokers, { EVENT_MAX_ATTEMPTS: '3' }),
          schema,
          batch: true,
          logDestination: quietLogs(),
        }),
      );
    });
    afterAll(async () => {
      await app.close();
      await kafka.stop();
    });

    it('when a batch of 500 over five keys carries 3 duplicates and 1 failing event, then the handler takes runs of events, each good one is applied once in its key order and the failing one alone is dead-lettered', async () => {
      await multiKeyScenario(kafka, db.url, schema);
      // Runs of events, not one call per event: the cheap path handed groups to the handler.
      const sizes = await query<{ size: number }>(
        db.url,
        `SELECT size FROM ${schema}.handler_calls ORDER BY id`,
      );
      expect(Math.max(...sizes.map((r) => r.size))).toBeGreaterThan(1);
      // The failing event was also handed over alone (the isolating path and its retries).
      expect(sizes.filter((r) => r.size === 1).length).toBeGreaterThanOrEqual(1);
    });
  });
});

/**
 * 496 good events over five keys, 3 redeliveries inside the batch and 1 event whose handler throws, produced as one
 * batch; checks each good event applied once in its key order and the failing one alone dead-lettered.
 */
async function multiKeyScenario(kafka: TestKafka, dbUrl: string, schema: string): Promise<void> {
  const db = { url: dbUrl };
  const produce = async (messages: { key: string; value: string; headers: Record<string, string> }[]) => {
    const producer = rawKafka(kafka.brokers).producer();
    await producer.connect();
    await producer.send({ topic, messages, acks: -1 });
    await producer.disconnect();
  };
  const keys = Array.from({ length: 5 }, () => randomUUID());
  const messages: { key: string; value: string; headers: Record<string, string> }[] = [];
  const sent: { id: string; key: string; name: string }[] = [];
  for (let i = 0; i < 496; i++) {
    const key = keys[i % keys.length];
    const payload = { ...fixture.serverPayload(`multi-${String(i).padStart(3, '0')}`), id: key };
    const attrs = newEventAttributes({ type: 'server.registered', source: 'test', subject: key });
    messages.push({ key, value: JSON.stringify(payload), headers: toKafkaHeaders(attrs) });
    sent.push({ id: attrs.id, key, name: payload.name });
    if (i === 250) {
      // Between good events of the same key: the ones after it must still apply, in order.
      const bad = { ...fixture.serverPayload('always-fails-multi'), id: keys[0] };
      const badAttrs = newEventAttributes({ type: 'server.registered', source: 'test', subject: keys[0] });
      messages.push({ key: keys[0], value: JSON.stringify(bad), headers: toKafkaHeaders(badAttrs) });
    }
    // Redeliveries of earlier events (same id, key and bytes) inside the same batch.
    if (i === 100 || i === 200 || i === 400) messages.push({ ...messages[i - 7] });
  }
  expect(messages).toHaveLength(500);
  const dlq = await collectEvents(kafka.brokers, deadLetterTopicOf(topic));
  try {
    await produce(messages);
    const dead = await waitFor(async () => dlq.events.find((e) => e.payload.name === 'always-fails-multi'), {
      timeoutMs: 60_000,
      what: 'the failing event on the dead-letter topic',
    });
    expect(dead.headers.dlq_reason).toBe('handler_failed');
    expect(dead.headers.dlq_error).toMatch(/^after 3 attempts: handler refuses always-fails-multi/);
    const applied = async () =>
      query<{ event_id: string; server_id: string; name: string }>(
        db.url,
        `SELECT event_id, server_id, name FROM ${schema}.effects WHERE name LIKE 'multi-%' ORDER BY id`,
      );
    await waitFor(async () => ((await applied()).length >= 496 ? true : undefined), {
      timeoutMs: 60_000,
      what: '496 effects',
    });
    const rows = await applied();
    expect(rows).toHaveLength(496);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(496);
    for (const key of keys) {
      expect(rows.filter((r) => r.server_id === key).map((r) => [r.event_id, r.name])).toEqual(
        sent.filter((s) => s.key === key).map((s) => [s.id, s.name]),
      );
    }
    expect(dlq.events.filter((e) => e.payload.name === 'always-fails-multi')).toHaveLength(1);
    expect(dlq.events.filter((e) => String(e.payload.name).startsWith('multi-'))).toEqual([]);
  } finally {
    await dlq.stop();
  }
}
