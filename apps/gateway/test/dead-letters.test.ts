// Dead letters seen and redriven through the gateway: a real consumer (the kit's EventConsumer, with a handler that
// needs a row that is missing) dead-letters an event, the gateway collects it from the `.dlq` topic, and a redrive
// sends it back with its original bytes and id; the consumer's inbox applies it once however often it is redriven.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import {
  DEAD_LETTER_PAYLOAD_PREVIEW_BYTES,
  EVENT_EXAMPLES,
  TOPICS,
  newEventAttributes,
  toKafkaHeaders,
  deadLetterListResponseSchema,
  redriveDeadLettersResponseSchema,
  type EventType,
} from '@mcp-host/contracts';
import {
  EventConsumer,
  KafkaConnection,
  PlatformMetrics,
  TopicReader,
  createServiceApp,
  createServiceDataSource,
  type EventHandlerFn,
  type ServiceApp,
  type TopicRecord,
} from '@mcp-host/platform';
import {
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import type { DataSource } from 'typeorm';
import { GatewayModule } from '../src';

const TOPIC = TOPICS.servers.name;
const PROBE_SCHEMA = 'redrive_probe';

describe('dead letters', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let adminToken: string;
  let probeDb: DataSource;
  let probeKafka: KafkaConnection;
  let consumer: EventConsumer;
  let reader: TopicReader;
  const onTopic: TopicRecord[] = [];

  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${init.token ?? adminToken}`);
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${base}${path}`, { ...init, headers });
  };

  const redrive = (body: Record<string, unknown>, token?: string) =>
    api('/api/admin/dead-letters/redrive', { method: 'POST', body: JSON.stringify(body), token });

  const listDeadLetters = async (query = `topic=${TOPIC}`) => {
    const res = await api(`/api/admin/dead-letters?${query}`);
    expect(res.status).toBe(200);
    return deadLetterListResponseSchema.parse(await res.json());
  };

  const deadLetterOf = async (eventId: string) =>
    (await listDeadLetters(`topic=${TOPIC}&limit=200`)).items.find((d) => d.event_id === eventId);

  /** Publishes a server.registered for a new server owned by `owner`; the probe applies it only if the owner exists. */
  const publishServer = (owner: string) =>
    publishTestEvent(kafka.brokers, 'server.registered', {
      ...EVENT_EXAMPLES['server.registered'],
      id: randomUUID(),
      name: `srv-${randomUUID().slice(0, 8)}`,
      owner,
    });

  const applied = async (eventId: string) =>
    (
      await probeDb.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM applied WHERE event_id = $1`, [
        eventId,
      ])
    )[0].n;

  const waitApplied = (eventId: string) =>
    waitFor(async () => (await applied(eventId)) > 0, {
      timeoutMs: 20_000,
      what: `event ${eventId} applied`,
    });

  const waitDeadLetter = (eventId: string, count: number) =>
    waitFor(async () => ((await deadLetterOf(eventId))?.count ?? 0) >= count, {
      timeoutMs: 20_000,
      what: `event ${eventId} dead-lettered ${count} time(s)`,
    });

  const createToken = async (role: string) => {
    const res = await api('/api/tokens', { method: 'POST', body: JSON.stringify({ name: role, role }) });
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_dlq'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-dlq-'));
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      LOG_LEVEL: 'warn',
      GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
    };
    gateway = await createServiceApp(GatewayModule.forRoot({ env }));
    base = await gateway.listen(0, '127.0.0.1');
    adminToken = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();

    // The probe: a consumer of the servers topic with its own inbox, that applies a registration only when its
    // owner is known; an unknown owner makes the handler fail, so the event is dead-lettered.
    probeDb = createServiceDataSource({ url: db.url, schema: PROBE_SCHEMA, poolSize: 4 });
    await probeDb.initialize();
    await probeDb.query(`CREATE SCHEMA IF NOT EXISTS ${PROBE_SCHEMA}`);
    await probeDb.query(`
      CREATE TABLE ${PROBE_SCHEMA}.inbox (
        event_id uuid PRIMARY KEY, event_type text NOT NULL, topic text NOT NULL, kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL, processed_at timestamptz NOT NULL DEFAULT now())`);
    await probeDb.query(`CREATE TABLE ${PROBE_SCHEMA}.owners (name text PRIMARY KEY)`);
    await probeDb.query(
      `CREATE TABLE ${PROBE_SCHEMA}.applied (event_id uuid NOT NULL, server_id uuid NOT NULL)`,
    );
    const logger = pino({ level: 'silent' });
    probeKafka = new KafkaConnection({ clientId: 'redrive-probe', brokers: kafka.brokers, logger });
    const register: EventHandlerFn<'server.registered'> = async (payload, ctx) => {
      const owner = await ctx.manager.query<unknown[]>(`SELECT 1 FROM owners WHERE name = $1`, [
        payload.owner,
      ]);
      if (owner.length === 0) throw new Error(`owner ${String(payload.owner)} is not known`);
      await ctx.manager.query(`INSERT INTO applied (event_id, server_id) VALUES ($1, $2)`, [
        ctx.attributes.id,
        payload.id,
      ]);
    };
    consumer = new EventConsumer({
      groupId: 'redrive-probe',
      dataSource: probeDb,
      kafka: probeKafka,
      metrics: new PlatformMetrics('redrive-probe', { defaultMetrics: false }),
      logger,
      maxAttempts: 2,
      retryDelayMs: () => 10,
      handlers: new Map<EventType, EventHandlerFn[]>([['server.registered', [register as EventHandlerFn]]]),
    });
    consumer.start();
    // Every message on the servers topic, to check what a redrive sent.
    await probeKafka.ensureTopics([TOPIC]);
    reader = await TopicReader.open(probeKafka, {
      topic: TOPIC,
      from: 'earliest',
      onRecords: (_p, records) => {
        onTopic.push(...records);
      },
    });
    await waitFor(() => consumer.isConnected, { timeoutMs: 20_000, what: 'the probe consumer to join' });
  });

  afterAll(async () => {
    await reader?.close();
    await consumer?.stop();
    await probeKafka?.close();
    await probeDb?.destroy();
    await gateway?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when an event fails for a missing row, is redriven too early, then fixed and redriven twice, then it is applied exactly once', async () => {
    const id = await publishServer('team-late');

    // Dead-lettered for a real reason, and collected by the gateway.
    await waitDeadLetter(id, 1);
    const first = await deadLetterOf(id);
    expect(first).toMatchObject({
      topic: TOPIC,
      event_type: 'server.registered',
      reason: 'handler_failed',
      error: expect.stringContaining('owner team-late is not known'),
      consumer_group: 'redrive-probe',
      count: 1,
      redrive_count: 0,
      last_redriven_at: null,
    });
    expect(first?.headers.ce_id).toBe(id);
    expect(first?.payload_truncated).toBe(false);
    expect(Object.keys(first?.headers ?? {}).some((h) => h.startsWith('dlq_'))).toBe(false);
    expect(JSON.parse(first?.payload ?? '{}')).toMatchObject({ owner: 'team-late' });
    expect(await applied(id)).toBe(0);

    // Redriven before the cause is fixed: it fails again and is counted on the same row.
    const early = await redrive({ topic: TOPIC, event_ids: [id] });
    expect(early.status).toBe(200);
    expect(redriveDeadLettersResponseSchema.parse(await early.json())).toEqual({
      topic: TOPIC,
      count: 1,
      event_ids: [id],
      not_found: [],
      busy: [],
      more: false,
    });
    await waitDeadLetter(id, 2);
    expect(await deadLetterOf(id)).toMatchObject({ count: 2, redrive_count: 1 });

    // Fixed, then redriven: applied once.
    await probeDb.query(`INSERT INTO owners (name) VALUES ('team-late')`);
    expect((await redrive({ topic: TOPIC, event_ids: [id] })).status).toBe(200);
    await waitApplied(id);

    // Redriven once more: the inbox knows the id. A later event on the same key is the marker that it was read.
    expect((await redrive({ topic: `${TOPIC}.dlq`, event_ids: [id] })).status).toBe(200);
    const marker = await publishTestEvent(kafka.brokers, 'server.registered', {
      ...EVENT_EXAMPLES['server.registered'],
      id: (JSON.parse(first?.payload ?? '{}') as { id: string }).id,
      name: 'marker',
      owner: 'team-late',
    });
    await waitApplied(marker);
    expect(await applied(id)).toBe(1);
    const inbox = await probeDb.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM inbox WHERE event_id = $1`,
      [id],
    );
    expect(inbox[0].n).toBe(1);
    expect(await deadLetterOf(id)).toMatchObject({ count: 2, redrive_count: 3 });

    // What went back to the topic: the original bytes and id each time, with the redrive count.
    await waitFor(() => onTopic.filter((r) => r.headers.ce_id === id).length >= 4, {
      timeoutMs: 10_000,
      what: 'the original and three redriven copies on the topic',
    });
    const copies = onTopic.filter((r) => r.headers.ce_id === id);
    expect(copies.map((r) => r.headers.mcp_redrive_count)).toEqual([undefined, '1', '2', '3']);
    expect(new Set(copies.map((r) => r.value?.toString('utf8'))).size).toBe(1);
    expect(new Set(copies.map((r) => r.key)).size).toBe(1);
    expect(new Set(copies.map((r) => r.partition)).size).toBe(1);
  });

  it('when 50 redrives of one event race, then all are answered within 5 s, the event is sent by one call at a time and applied once', async () => {
    const id = await publishServer('team-race');
    await waitDeadLetter(id, 1);
    await probeDb.query(`INSERT INTO owners (name) VALUES ('team-race')`);

    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => redrive({ topic: TOPIC, event_ids: [id] })),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const bodies = await Promise.all(
      answers.map(async (a) => redriveDeadLettersResponseSchema.parse(await a.json())),
    );
    // Each call either sent the event or found another call sending it; none waited behind it.
    for (const b of bodies) expect([...b.event_ids, ...b.busy]).toEqual([id]);
    const sent = bodies.filter((b) => b.count === 1).length;
    expect(sent).toBeGreaterThanOrEqual(1);
    await waitApplied(id);

    // A later event on the same key is the marker that every sent copy was read.
    const payload = JSON.parse((await deadLetterOf(id))?.payload ?? '{}') as { id: string };
    const marker = await publishTestEvent(kafka.brokers, 'server.registered', {
      ...EVENT_EXAMPLES['server.registered'],
      id: payload.id,
      name: 'race-marker',
      owner: 'team-race',
    });
    await waitApplied(marker);
    expect(await applied(id)).toBe(1);
    expect(await deadLetterOf(id)).toMatchObject({ count: 1, redrive_count: sent });
    await waitFor(() => onTopic.some((r) => r.headers.ce_id === marker), {
      timeoutMs: 10_000,
      what: 'the marker on the topic',
    });
    expect(
      onTopic.filter((r) => r.headers.ce_id === id && r.headers.mcp_redrive_count !== undefined),
    ).toHaveLength(sent);
  });

  it('when the collector holds a dead letter while recording it again, then a redrive waits for it and sends it rather than calling it busy', async () => {
    const id = await publishServer('team-held');
    await waitDeadLetter(id, 1);
    await probeDb.query(`INSERT INTO owners (name) VALUES ('team-held')`);
    // The row lock the collector's upsert takes when another consumer group dead-letters the same event.
    const collector = probeDb.createQueryRunner();
    await collector.connect();
    await collector.startTransaction();
    try {
      await collector.query(
        'UPDATE gateway.dead_letters SET count = count + 1 WHERE topic = $1 AND event_id = $2',
        [TOPIC, id],
      );
      const pending = redrive({ topic: TOPIC, event_ids: [id] });
      await new Promise((r) => setTimeout(r, 300));
      await collector.commitTransaction();
      const res = await pending;
      expect(res.status).toBe(200);
      const body = redriveDeadLettersResponseSchema.parse(await res.json());
      expect(body).toMatchObject({ count: 1, event_ids: [id], busy: [] });
    } finally {
      if (collector.isTransactionActive) await collector.rollbackTransaction();
      await collector.release();
    }
    await waitApplied(id);
  });

  it('when a dead letter is large, then the list shows the first bytes and its size, and a redrive sends every byte', async () => {
    const attrs = newEventAttributes({ type: 'server.registered', source: 'test' });
    const value = JSON.stringify({ not_a_server: 'x'.repeat(40_000) });
    await probeKafka.send(new Map([[TOPIC, [{ key: 'big-one', value, headers: toKafkaHeaders(attrs) }]]]));
    await waitDeadLetter(attrs.id, 1);

    const listed = await deadLetterOf(attrs.id);
    expect(listed).toMatchObject({
      reason: 'schema_invalid',
      payload_bytes: Buffer.byteLength(value),
      payload_truncated: true,
    });
    expect(listed?.payload).toBe(value.slice(0, DEAD_LETTER_PAYLOAD_PREVIEW_BYTES));

    expect((await redrive({ topic: TOPIC, event_ids: [attrs.id] })).status).toBe(200);
    await waitFor(
      () => onTopic.some((r) => r.headers.ce_id === attrs.id && r.headers.mcp_redrive_count === '1'),
      {
        timeoutMs: 10_000,
        what: 'the redriven copy on the topic',
      },
    );
    const copy = onTopic.find((r) => r.headers.ce_id === attrs.id && r.headers.mcp_redrive_count === '1');
    expect(copy?.value?.toString('utf8')).toBe(value);
  });

  it('when dead letters are redriven by a time range, then the ones not redriven since are sent, once', async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const ids = [await publishServer('team-range'), await publishServer('team-range')];
    for (const id of ids) await waitDeadLetter(id, 1);
    await probeDb.query(`INSERT INTO owners (name) VALUES ('team-range')`);
    const until = new Date(Date.now() + 60_000).toISOString();

    const res = await redrive({ topic: TOPIC, since, until });
    expect(res.status).toBe(200);
    const body = redriveDeadLettersResponseSchema.parse(await res.json());
    expect(body.event_ids).toEqual(expect.arrayContaining(ids));
    for (const id of ids) await waitApplied(id);

    const again = redriveDeadLettersResponseSchema.parse(
      await (await redrive({ topic: TOPIC, since, until })).json(),
    );
    expect(again.event_ids.filter((id) => ids.includes(id))).toEqual([]);
  });

  it('when dead letters are listed one per page with filters, then each appears exactly once', async () => {
    const id = await publishServer('team-paged');
    await waitDeadLetter(id, 1);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listDeadLetters(
        `topic=${TOPIC}&reason=handler_failed&type=server.registered&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((d) => d.event_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
    const other = (await listDeadLetters(`topic=${TOPIC}&reason=schema_invalid&limit=200`)).items;
    expect(other.every((d) => d.reason === 'schema_invalid')).toBe(true);
    expect(other.map((d) => d.event_id)).not.toContain(id);
    expect((await listDeadLetters(`topic=${TOPIC}&until=2000-01-01T00:00:00Z`)).items).toEqual([]);
  });

  it('when the request is not one the API takes, then the answer is a 4xx with its code and nothing is sent', async () => {
    const unknownTopic = await redrive({ topic: 'mcp-host.nope.v1', event_ids: [randomUUID()] });
    expect(unknownTopic.status).toBe(400);
    await expect(unknownTopic.json()).resolves.toMatchObject({ error: { code: 'UNKNOWN_TOPIC' } });

    for (const body of [
      { topic: TOPIC },
      { topic: TOPIC, event_ids: [randomUUID()], since: new Date().toISOString() },
      { topic: TOPIC, since: new Date().toISOString() },
      { topic: TOPIC, since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' },
      { topic: TOPIC, event_ids: [] },
      { topic: TOPIC, event_ids: ['a\u0000b'] },
      { topic: TOPIC, event_ids: [randomUUID()], extra: true },
    ]) {
      const res = await redrive(body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }

    const missing = randomUUID();
    const none = redriveDeadLettersResponseSchema.parse(
      await (await redrive({ topic: TOPIC, event_ids: [missing] })).json(),
    );
    expect(none).toEqual({
      topic: TOPIC,
      count: 0,
      event_ids: [],
      not_found: [missing],
      busy: [],
      more: false,
    });

    const badCursor = await api('/api/admin/dead-letters?cursor=bogus');
    expect(badCursor.status).toBe(400);
    await expect(badCursor.json()).resolves.toMatchObject({ error: { code: 'INVALID_CURSOR' } });
    const badSince = await api('/api/admin/dead-letters?since=yesterday');
    expect(badSince.status).toBe(400);
  });

  it('when a token without the admin role calls either route, then the answer is 403', async () => {
    for (const role of ['viewer', 'operator']) {
      const token = await createToken(role);
      expect((await api('/api/admin/dead-letters', { token })).status).toBe(403);
      const res = await redrive({ topic: TOPIC, event_ids: [randomUUID()] }, token);
      expect(res.status).toBe(403);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });
});
