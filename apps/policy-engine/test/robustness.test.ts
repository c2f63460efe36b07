// The server registry under the requests that used to freeze it or earn a 500: racing deletes and same-version
// updates on a small pool, values Postgres cannot store, an event past EVENT_MAX_BYTES, and a database outage.
// Every later versioned resource copies the racing-writes pattern.
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  TcpFaultProxy,
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { PolicyEngineModule } from '../src';

interface Answer {
  status: number;
  headers: Headers;
  body: { id?: string; version?: number; items?: unknown[]; error?: { code: string; message: string } };
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Answer> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Answer['body']) : {},
    };
  };
}

describe('server registry robustness', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let proxy: TcpFaultProxy;
  let service: ServiceApp;
  let url = '';
  const call = client(() => url);

  beforeAll(async () => {
    db = await createTestDatabase('policy_robust');
    kafka = await startTestKafka();
    proxy = await TcpFaultProxy.start('127.0.0.1', 5432);
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: proxy.url(db.url),
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'fatal',
          // A small pool is where a transaction waiting for a second connection used to freeze everything.
          DATABASE_POOL_SIZE: '4',
          DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
          EVENT_MAX_BYTES: '2048',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await service?.close();
    await proxy?.stop();
    await kafka?.stop();
    await db?.drop();
  });

  const register = async (name: string) => {
    const res = await call('POST', '/api/servers', { name, server_type: 'Router' });
    expect(res.status).toBe(201);
    return res.body as { id: string; version: number };
  };

  it('when 50 deletes race on one server, then exactly one succeeds, the rest get 404 or 409 within 5 s, and the service answers after', async () => {
    const s = await register('race-delete');
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call('DELETE', `/api/servers/${s.id}?version=${s.version}`)),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((x) => x === 204)).toHaveLength(1);
    expect(statuses.every((x) => x === 204 || x === 404 || x === 409)).toBe(true);
    expect((await call('GET', '/api/servers?limit=5')).status).toBe(200);
  });

  it('when 50 same-version updates race, then exactly one succeeds, the rest get 409 within 5 s, and the service answers after', async () => {
    const s = await register('race-patch');
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('PATCH', `/api/servers/${s.id}`, { owner: `owner-${i}`, version: s.version }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(49);
    expect(answers.find((a) => a.status === 409)?.body.error?.code).toBe('VERSION_CONFLICT');
    const after = await call('GET', `/api/servers/${s.id}`);
    expect(after.status).toBe(200);
    expect(after.body.version).toBe(s.version + 1);
  });

  it.each([
    ['a NUL in a name', 'POST', '/api/servers', { name: 'a\u0000b', server_type: 'Router' }],
    [
      'a NUL in a text field',
      'POST',
      '/api/servers',
      { name: 'nul-owner', server_type: 'Router', owner: 'x\u0000' },
    ],
    [
      'a control character in a text field',
      'POST',
      '/api/servers',
      { name: 'esc', server_type: '\u001b[31m' },
    ],
    [
      'a million-character owner',
      'POST',
      '/api/servers',
      { name: 'huge', server_type: 'R', owner: 'o'.repeat(1e6) },
    ],
    ['a NUL in the search', 'GET', '/api/servers?q=%00', undefined],
    ['a NUL in a filter', 'GET', '/api/servers?status=a%00', undefined],
  ])(
    'when the request carries %s, then 400 VALIDATION_FAILED and nothing is stored',
    async (_what, method, path, body) => {
      const res = await call(method, path, body);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('VALIDATION_FAILED');
    },
  );

  it('when a version is past the integer range, then 400 and the server is unchanged', async () => {
    const s = await register('big-version');
    const res = await call('PATCH', `/api/servers/${s.id}`, { owner: 'x', version: 3_000_000_000 });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('VALIDATION_FAILED');
    const del = await call('DELETE', `/api/servers/${s.id}?version=3000000000`);
    expect(del.status).toBe(400);
    expect((await call('GET', `/api/servers/${s.id}`)).body.version).toBe(s.version);
  });

  it('when a write would publish an event past EVENT_MAX_BYTES, then 413 EVENT_TOO_LARGE and nothing is committed', async () => {
    const res = await call('POST', '/api/servers', {
      name: 'too-large-event',
      server_type: 'Router',
      source_repository: `https://example.test/${'r'.repeat(2000)}.git`,
    });
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('EVENT_TOO_LARGE');
    const list = await call('GET', '/api/servers?q=too-large-event');
    expect(list.body.items).toEqual([]);
  });

  it('when Postgres is refused for 3 s, then writes get 503 with Retry-After, and what was written before and after is intact', async () => {
    const before = await register('outage-before');
    proxy.cut();
    try {
      const during = await call('POST', '/api/servers', { name: 'outage-during', server_type: 'Router' });
      expect(during.status).toBe(503);
      expect(during.body.error?.code).toMatch(/^(DEPENDENCY_UNAVAILABLE|SERVICE_BUSY)$/);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
      const read = await call('GET', `/api/servers/${before.id}`);
      expect(read.status).toBe(503);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      proxy.restore();
    }
    let after: Answer | undefined;
    for (let i = 0; i < 50; i++) {
      after = await call('POST', '/api/servers', { name: 'outage-after', server_type: 'Router' });
      if (after.status !== 503) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(after?.status).toBe(201);
    expect((await call('GET', `/api/servers/${before.id}`)).status).toBe(200);
    const during = await call('GET', '/api/servers?q=outage-during');
    expect(during.body.items).toEqual([]);
  });
});
