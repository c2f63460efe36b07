// Bounds on SSE streams: per token and per gateway (429 with Retry-After past either), and a stream that ends with an
// `unauthorized` event when its token is revoked (here, through this gateway, or in the database as another replica
// would) or expires.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  SseClient,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { GatewayModule } from '../src';
import { StreamHub } from '../src/streams/stream-hub.service';

const STREAM = '/api/trust/stream';

describe('SSE stream bounds', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let adminToken: string;
  const clients: SseClient[] = [];

  const open = async (token: string, path = STREAM) => {
    const c = await SseClient.open(base, path, { authorization: `Bearer ${token}` });
    clients.push(c);
    return c;
  };

  const createToken = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role: 'viewer', ...extra }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; token: string };
  };

  const openStreams = () => gateway.app.get(StreamHub).streamCount;

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_bounds'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-bounds-'));
    gateway = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
          SSE_MAX_STREAMS_PER_TOKEN: '20',
          SSE_MAX_STREAMS: '30',
        },
      }),
    );
    base = await gateway.listen(0, '127.0.0.1');
    adminToken = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await waitFor(() => openStreams() === 0, { timeoutMs: 5_000, what: 'every stream to close' });
  });

  afterAll(async () => {
    await gateway?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when one token opens its 21st stream, then the answer is 429 TOO_MANY_STREAMS with Retry-After, and a closed stream frees a place', async () => {
    const { token } = await createToken('twenty');
    const streams = await Promise.all(Array.from({ length: 20 }, () => open(token)));
    expect(streams.map((s) => s.status)).toEqual(Array(20).fill(200));

    const refused = await open(token);
    await refused.waitFor((c) => c.ended, 5_000, 'the refusal');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({
      error: { code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SSE_MAX_STREAMS_PER_TOKEN') },
    });

    // Another token is not held back by this one's streams.
    const other = await createToken('other');
    expect((await open(other.token)).status).toBe(200);

    streams[0].close();
    await waitFor(() => openStreams() === 20, { timeoutMs: 5_000, what: 'the closed stream to be let go' });
    expect((await open(token)).status).toBe(200);
  });

  it('when the gateway holds SSE_MAX_STREAMS streams, then any token’s next stream is 429 with Retry-After', async () => {
    const a = await createToken('fill-a');
    const b = await createToken('fill-b');
    const c = await createToken('fill-c');
    await Promise.all([
      ...Array.from({ length: 20 }, () => open(a.token)),
      ...Array.from({ length: 10 }, () => open(b.token)),
    ]);
    expect(openStreams()).toBe(30);

    const refused = await open(c.token);
    await refused.waitFor((x) => x.ended, 5_000, 'the refusal');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body)).toMatchObject({
      error: { code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SSE_MAX_STREAMS') },
    });
    const metrics = await (
      await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(metrics).toMatch(/mcp_host_sse_streams_refused_total\{bound="gateway"[^}]*\} [1-9]/);
  });

  it('when concurrent opens race for the last places of a token, then exactly the allowed number open', async () => {
    const { token } = await createToken('race');
    const all = await Promise.all(Array.from({ length: 40 }, () => open(token)));
    const statuses = all.map((s) => s.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('when a token is revoked in the database (as by another replica), then its open stream ends with an unauthorized event within 5 s', async () => {
    const { id, token } = await createToken('revoked-elsewhere');
    const stream = await open(token);
    expect(stream.status).toBe(200);
    const keeper = await open(adminToken);

    const revokedAt = Date.now();
    await gateway.app.get(DataSource).query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [id]);
    await stream.waitFor((c) => c.ended, 5_000, 'the revoked stream to end');
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    const last = stream.events[stream.events.length - 1];
    expect(last.event).toBe('unauthorized');
    expect(JSON.parse(last.data)).toMatchObject({ code: 'UNAUTHENTICATED' });
    // The admin's stream, on the same topic, goes on.
    expect(keeper.ended).toBe(false);
  });

  it('when a token is revoked through this gateway, then its streams end at once', async () => {
    const { id, token } = await createToken('revoked-here');
    const streams = await Promise.all([open(token), open(token)]);
    const res = await fetch(`${base}/api/tokens/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(204);
    for (const s of streams) {
      await s.waitFor((c) => c.ended, 1_000, 'the stream to end');
      expect(s.events.map((e) => e.event)).toContain('unauthorized');
    }
    const metrics = await (
      await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(metrics).toMatch(
      new RegExp(
        `mcp_host_sse_streams_ended_total\\{topic="${TOPICS.trustRegistry.name}",reason="unauthorized"[^}]*\\} [1-9]`,
      ),
    );
  });

  it('when a token expires while its stream is open, then the stream ends with an unauthorized event', async () => {
    const { token } = await createToken('short-lived', {
      expires_at: new Date(Date.now() + 1_500).toISOString(),
    });
    const stream = await open(token);
    expect(stream.status).toBe(200);
    await stream.waitFor((c) => c.ended, 5_000, 'the expired stream to end');
    expect(stream.events[stream.events.length - 1].event).toBe('unauthorized');
  });
});
