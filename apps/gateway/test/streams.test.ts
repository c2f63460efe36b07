// SSE streams served from Kafka on the embedded broker: frame format, order, server-side filters, heartbeats,
// Last-Event-ID resume (also across a gateway restart), and a slow consumer cut off with an `overflow` event.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { newEventAttributes, toKafkaHeaders, TOPICS } from '@mcp-host/contracts';
import { createServiceApp, KafkaConnection, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
  SseClient,
  type SseEvent,
} from '@mcp-host/platform/testing';
import { GatewayModule } from '../src';
import { StreamHub } from '../src/streams/stream-hub.service';
import { decodeCursor } from '../src/streams/stream-cursor';

const TOPIC = TOPICS.trustRegistry.name;
const TYPE = 'trust.registry.transitioned';

describe('SSE streams', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let producer: KafkaConnection;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let token: string;
  let env: Record<string, string>;
  const clients: SseClient[] = [];
  let seq = 0;

  const startGateway = async () => {
    gateway = await createServiceApp(GatewayModule.forRoot({ env }));
    base = await gateway.listen(0, '127.0.0.1');
  };

  const open = async (path: string, headers: Record<string, string> = {}) => {
    const c = await SseClient.open(base, path, { authorization: `Bearer ${token}`, ...headers });
    clients.push(c);
    return c;
  };

  /** Publishes trust transitions; each key keeps its own order (and lands on one partition). */
  const publish = async (items: { vm: string; server: string; extra?: Record<string, unknown> }[]) => {
    const messages = items.map(({ vm, server, extra }) => {
      seq += 1;
      const payload = { vm_instance_id: vm, server_id: server, seq, ...extra };
      return {
        key: vm,
        value: JSON.stringify(payload),
        headers: toKafkaHeaders(newEventAttributes({ type: TYPE, source: 'test' })),
      };
    });
    await producer.send(new Map([[TOPIC, messages]]));
    return messages.map((m) => m.value);
  };

  const seqs = (events: SseEvent[]) =>
    events.filter((e) => e.event === TYPE).map((e) => (JSON.parse(e.data) as { seq: number }).seq);

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_sse'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-sse-'));
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      LOG_LEVEL: 'warn',
      GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
      SSE_HEARTBEAT_MS: '200',
      SSE_MAX_BUFFER_BYTES: String(256 * 1024),
      SSE_REPLAY_BUFFER_BYTES: String(64 * 1024),
    };
    producer = new KafkaConnection({
      clientId: 'sse-test-producer',
      brokers: kafka.brokers,
      logger: pino({ level: 'silent' }),
    });
    await producer.ensureTopics([TOPIC]);
    await startGateway();
    token = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(async () => {
    await gateway?.close();
    await producer?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when no token is sent, then the stream answers 401; a bad Last-Event-ID answers 400 INVALID_CURSOR', async () => {
    const anonymous = await SseClient.open(base, '/api/trust/stream', {});
    clients.push(anonymous);
    expect(anonymous.status).toBe(401);
    const bad = await open('/api/trust/stream', { 'last-event-id': 'not!a!cursor' });
    expect(bad.status).toBe(400);
    await bad.waitFor((c) => c.ended);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'INVALID_CURSOR' } });
  });

  it('when events are published, then each arrives once, in order per key, as id/event/data with the payload exactly as on Kafka', async () => {
    const client = await open('/api/trust/stream');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    const items = Array.from({ length: 30 }, (_, i) => ({ vm: `vm-${i % 5}`, server: 'srv-order' }));
    const values = await publish(items);
    await client.waitFor((c) => seqs(c.events).length >= 30, 15_000, '30 events');
    const got = client.events.filter((e) => e.event === TYPE);
    expect(got).toHaveLength(30);
    expect(new Set(got.map((e) => e.data))).toEqual(new Set(values));
    for (const e of got) expect(decodeCursor(e.id ?? '')).toBeDefined();
    // Per key (so per partition), the order is the publishing order.
    for (let k = 0; k < 5; k++) {
      const perKey = got
        .map((e) => JSON.parse(e.data) as { vm_instance_id: string; seq: number })
        .filter((p) => p.vm_instance_id === `vm-${k}`)
        .map((p) => p.seq);
      expect(perKey).toEqual([...perKey].sort((a, b) => a - b));
      expect(perKey).toHaveLength(6);
    }
  });

  it('when a stream names filters, then only matching events are sent', async () => {
    const filtered = await open('/api/trust/stream?server_id=srv-a');
    await publish([
      { vm: 'vm-f1', server: 'srv-a' },
      { vm: 'vm-f2', server: 'srv-b' },
      { vm: 'vm-f3', server: 'srv-a' },
    ]);
    await filtered.waitFor((c) => seqs(c.events).length >= 2, 15_000, 'filtered events');
    await new Promise((r) => setTimeout(r, 300));
    const servers = filtered.events.map((e) => (JSON.parse(e.data) as { server_id: string }).server_id);
    expect(servers).toEqual(['srv-a', 'srv-a']);
  });

  it('when a client is idle, then heartbeat comments arrive at the configured interval', async () => {
    const client = await open('/api/trust/stream?server_id=nobody');
    await client.waitFor((c) => c.comments >= 3, 5_000, 'three heartbeats');
    expect(client.events).toHaveLength(0);
  });

  it('when a client reconnects with Last-Event-ID, then it gets exactly the events after it, none twice', async () => {
    const first = await open('/api/trust/stream?server_id=srv-resume');
    const before = await publish(
      Array.from({ length: 12 }, (_, i) => ({ vm: `vm-r${i % 4}`, server: 'srv-resume' })),
    );
    await first.waitFor((c) => c.events.length >= 12);
    const cut = first.events[5];
    first.close();
    const after = await publish(
      Array.from({ length: 12 }, (_, i) => ({ vm: `vm-r${i % 4}`, server: 'srv-resume' })),
    );
    const second = await open('/api/trust/stream?server_id=srv-resume', { 'last-event-id': cut.id ?? '' });
    const expected = new Set([...first.events.slice(6).map((e) => e.data), ...after]);
    await second.waitFor((c) => c.events.length >= expected.size, 15_000, 'resumed events');
    await new Promise((r) => setTimeout(r, 300));
    expect(second.events.map((e) => e.data).sort()).toEqual([...expected].sort());
    expect(new Set([...before, ...after]).size).toBe(24);
  });

  it('when the gateway restarts while events are published, then Last-Event-ID resumes with nothing missed and nothing repeated', async () => {
    const client = await open('/api/trust/stream?server_id=srv-restart');
    const early = await publish(
      Array.from({ length: 10 }, (_, i) => ({ vm: `vm-x${i % 6}`, server: 'srv-restart' })),
    );
    await client.waitFor((c) => c.events.length >= 10);
    const lastId = client.lastId ?? '';

    await gateway.close();
    await client.waitFor((c) => c.ended, 10_000, 'the stream to end with the gateway');
    // Published while no gateway runs: only the cursor can find these again.
    const missed = await publish(
      Array.from({ length: 15 }, (_, i) => ({ vm: `vm-x${i % 6}`, server: 'srv-restart' })),
    );
    await startGateway();

    const again = await open('/api/trust/stream?server_id=srv-restart', { 'last-event-id': lastId });
    expect(again.status).toBe(200);
    await again.waitFor((c) => c.events.length >= 15, 20_000, 'missed events');
    const live = await publish(
      Array.from({ length: 5 }, (_, i) => ({ vm: `vm-x${i % 6}`, server: 'srv-restart' })),
    );
    await again.waitFor((c) => c.events.length >= 20, 20_000, 'live events after the replay');
    await new Promise((r) => setTimeout(r, 300));
    const got = again.events.map((e) => e.data);
    expect(got.sort()).toEqual([...missed, ...live].sort());
    expect(got.some((d) => early.includes(d))).toBe(false);
  });

  it('when a client starts with from=earliest, then it replays the topic from the beginning and then follows it', async () => {
    const client = await open('/api/trust/stream?server_id=srv-order&from=earliest');
    await client.waitFor((c) => c.events.length >= 30, 20_000, 'history');
    await publish([{ vm: 'vm-0', server: 'srv-order' }]);
    await client.waitFor((c) => c.events.length >= 31, 20_000, 'live event after history');
    expect(seqs(client.events)).toHaveLength(31);
  });

  it('when a client stops reading, then it is sent an overflow event with a resume cursor and disconnected, and the cursor resumes it', async () => {
    const slow = await open('/api/trust/stream?server_id=srv-slow');
    slow.pause();
    const blob = 'x'.repeat(60 * 1024);
    const hub = gateway.app.get(StreamHub);
    const overflowsBefore = hub.ended.overflow;
    const published: string[] = [];
    // Enough to fill the socket buffers of both ends on loopback, and then the gateway's allowance.
    for (let round = 0; round < 40 && hub.ended.overflow === overflowsBefore; round++) {
      published.push(
        ...(await publish(
          Array.from({ length: 20 }, (_, i) => ({ vm: `vm-s${i % 3}`, server: 'srv-slow', extra: { blob } })),
        )),
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(hub.ended.overflow).toBe(overflowsBefore + 1);
    slow.resume();
    await slow.waitFor((c) => c.ended, 15_000, 'the slow stream to end');
    const last = slow.events[slow.events.length - 1];
    expect(last.event).toBe('overflow');
    const info = JSON.parse(last.data) as { reason: string; cursor: string };
    expect(info.reason).toBe('slow_consumer');
    expect(last.id).toBe(info.cursor);
    const received = slow.events.filter((e) => e.event === TYPE).map((e) => e.data);
    expect(received.length).toBeLessThan(published.length);

    const resumed = await open('/api/trust/stream?server_id=srv-slow', { 'last-event-id': info.cursor });
    await resumed
      .waitFor((c) => c.events.length >= published.length - received.length, 30_000, 'the rest')
      .catch((err: Error) => {
        throw new Error(`${err.message}; feeds ${JSON.stringify(hub.describe())}`);
      });
    expect([...received, ...resumed.events.map((e) => e.data)].sort()).toEqual([...published].sort());
  });

  it('when streams run, then /metrics counts them open, opened, ended by reason, and times the fan-out', async () => {
    const client = await open('/api/trust/stream');
    expect(client.status).toBe(200);
    await publish([{ vm: 'vm-metrics', server: 'srv-metrics' }]);
    await client.waitFor((c) => c.events.some((e) => e.event === TYPE), 15_000, 'one event');
    const text = await (
      await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    const value = (name: string, ...labels: string[]) => {
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const topic = `topic="${TOPIC}"`;
    expect(value('mcp_host_sse_streams', topic, 'state="live"')).toBeGreaterThanOrEqual(1);
    expect(value('mcp_host_sse_streams_opened_total', topic)).toBeGreaterThanOrEqual(1);
    // The slow client of the test before was cut off.
    expect(value('mcp_host_sse_streams_ended_total', topic, 'reason="overflow"')).toBeGreaterThanOrEqual(1);
    expect(value('mcp_host_sse_fanout_seconds_count', topic)).toBeGreaterThanOrEqual(1);
  });
});
