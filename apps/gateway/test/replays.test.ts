// Replays (`from=earliest`, or a Last-Event-ID older than the live tail's buffer) come from one shared reader per
// topic: a thousand replay requests from many positions each get exactly their events, in order, and leave no new
// consumer group on the broker. The replay buffer is small here, so the shared reader keeps seeking back.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { newEventAttributes, toKafkaHeaders, TOPICS } from '@mcp-host/contracts';
import { createServiceApp, KafkaConnection, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  SseClient,
  waitFor,
  type SseEvent,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { GatewayModule } from '../src';
import { DEAD_LETTER_GROUP } from '../src/dead-letters/dead-letter.collector';
import { StreamHub } from '../src/streams/stream-hub.service';

const TOPIC = TOPICS.trustRegistry.name;
const TYPE = 'trust.registry.transitioned';
const EVENTS = 30;
const WAVE = 50;

describe('SSE replays', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let conn: KafkaConnection;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let token: string;

  const listGroups = async (): Promise<string[]> => {
    const admin = conn.admin();
    await admin.connect();
    try {
      return (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    } finally {
      await admin.disconnect();
    }
  };

  const seqs = (events: SseEvent[]) =>
    events.filter((e) => e.event === TYPE).map((e) => (JSON.parse(e.data) as { seq: number }).seq);

  /** Opens a replay, reads until `count` events arrived, and closes it. */
  const replay = async (
    headers: Record<string, string>,
    path: string,
    count: number,
  ): Promise<SseEvent[]> => {
    const c = await SseClient.open(base, path, { authorization: `Bearer ${token}`, ...headers });
    try {
      expect(c.status).toBe(200);
      await c.waitFor((x) => seqs(x.events).length >= count, 20_000, `${count} replayed events`);
      return c.events.filter((e) => e.event === TYPE);
    } finally {
      c.close();
    }
  };

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_replays'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-replays-'));
    conn = new KafkaConnection({
      clientId: 'replays-test',
      brokers: kafka.brokers,
      logger: pino({ level: 'silent' }),
    });
    await conn.ensureTopics([TOPIC]);
    gateway = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
          // About six events: replays fall out of the buffer and new ones make the shared reader seek back.
          SSE_REPLAY_BUFFER_BYTES: String(8 * 1024),
          SSE_MAX_STREAMS_PER_TOKEN: String(WAVE),
        },
      }),
    );
    base = await gateway.listen(0, '127.0.0.1');
    token = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
    // Events with a padded payload, on several keys (so several partitions), published before any stream opens.
    const messages = Array.from({ length: EVENTS }, (_, i) => ({
      key: `vm-${i % 7}`,
      value: JSON.stringify({
        vm_instance_id: `vm-${i % 7}`,
        server_id: 'srv-replay',
        seq: i + 1,
        pad: 'p'.repeat(700),
      }),
      headers: toKafkaHeaders(newEventAttributes({ type: TYPE, source: 'test' })),
    }));
    await conn.send(new Map([[TOPIC, messages]]));
    await waitFor(async () => (await listGroups()).includes(DEAD_LETTER_GROUP), {
      timeoutMs: 20_000,
      what: 'the dead-letter collector to join its group',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await conn?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when 1,000 replays start from the earliest offset and from older cursors, then each gets exactly its events in order, from one reader per topic, and no consumer group per request', async () => {
    const before = await listGroups();

    // A reference replay: its cursors name positions in the middle of the topic.
    const reference = await replay({}, '/api/trust/stream?from=earliest', EVENTS);
    const all = seqs(reference);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));

    const perKeyInOrder = (got: number[]) => {
      for (let k = 0; k < 7; k++) {
        const mine = got.filter((s) => (s - 1) % 7 === k);
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    };

    let served = 1;
    for (let wave = 0; served < 1_000; wave++) {
      const requests = Array.from({ length: Math.min(WAVE, 1_000 - served) }, (_, i) => {
        const n = served + i;
        if (n % 2 === 0) {
          return replay({}, '/api/trust/stream?from=earliest', EVENTS).then((events) => {
            const got = seqs(events);
            expect(got).toHaveLength(EVENTS);
            expect(new Set(got).size).toBe(EVENTS);
            perKeyInOrder(got);
          });
        }
        // Resume after the k-th event of the reference: exactly the events the reference had not had yet.
        const k = n % (EVENTS - 1);
        const seen = new Set(all.slice(0, k + 1));
        return replay({ 'last-event-id': reference[k].id ?? '' }, '/api/trust/stream', EVENTS - k - 1).then(
          (events) => {
            const got = seqs(events);
            expect(got).toHaveLength(EVENTS - k - 1);
            expect(got.filter((s) => seen.has(s))).toEqual([]);
            perKeyInOrder(got);
          },
        );
      });
      await Promise.all(requests);
      served += requests.length;
    }

    // Replays fell out of the small buffer: the one reader served many subscriptions and was sent back often.
    const stats = gateway.app.get(StreamHub).replayStats(TOPIC);
    expect(stats?.subscriptions).toBeGreaterThan(10);
    expect(stats?.seeksBack).toBeGreaterThan(10);

    const after = await listGroups();
    // The gateway's own event consumer (grants, endpoints, dead letters) may join late; streams are what is counted.
    const added = after.filter((g) => !before.includes(g) && g !== 'mcp-host.gateway');
    // The topic's live tail and its one replay reader, whatever the number of replays.
    expect(added.filter((g) => g.startsWith('mcp-host.gateway.sse-replay.'))).toHaveLength(1);
    expect(added.filter((g) => g.startsWith('mcp-host.gateway.sse.'))).toHaveLength(1);
    expect(added).toHaveLength(2);
  }, 240_000);
});
