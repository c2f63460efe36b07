// Answers at the edges of HTTP: every error the gateway sends has the API's error shape (also the parser's and the
// router's own: 431, 414, 417, bad request, bad URL), an oversize Content-Length on a local route is refused at once,
// and a Unicode subject travels to a real service (the policy engine) intact.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { createServiceApp, type Env, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { GatewayModule } from '../src';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** Sends bytes exactly as given and reads the answer until the server closes or a full body has arrived. */
function rawExchange(base: string, request: string, timeoutMs = 5_000): Promise<RawAnswer> {
  const u = new URL(base);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms: ${data.toString('utf8').slice(0, 200)}`));
    }, timeoutMs);
    const tryParse = (final: boolean) => {
      const text = data.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = text.slice(end + 4);
      const length = Number(headers['content-length'] ?? NaN);
      if (!final && !(Buffer.byteLength(body) >= length)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, ms: Date.now() - started });
    };
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', () => tryParse(true));
    socket.write(request);
  });
}

function expectErrorShape(a: RawAnswer, status: number, code?: string): void {
  expect([a.status, a.headers['content-type']]).toEqual([
    status,
    expect.stringMatching(/^application\/json/),
  ]);
  const body = JSON.parse(a.body) as { error: { code: string; message: string } };
  expect(body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) } });
}

describe('answers at the edges', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let policy: ServiceApp;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let adminToken: string;

  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${init.token ?? adminToken}`);
    return fetch(`${base}${path}`, { ...init, headers });
  };

  const createToken = (body: Record<string, unknown>) =>
    api('/api/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_edges'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-edges-'));
    const env: Env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '4',
    };
    // The real policy engine behind the gateway, loaded from its source as the standalone host does.
    const policyEngine = '@mcp-host/policy-engine';
    const { PolicyEngineModule } = (await import(policyEngine)) as {
      PolicyEngineModule: { forRoot(opts: { env: Env }): DynamicModule };
    };
    policy = await createServiceApp(PolicyEngineModule.forRoot({ env }));
    const policyUrl = await policy.listen(0, '127.0.0.1');
    gateway = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          ...env,
          GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
          GATEWAY_UPSTREAM_POLICY_ENGINE: policyUrl,
          GATEWAY_REQUEST_TIMEOUT_MS: '1000',
        },
      }),
    );
    base = await gateway.listen(0, '127.0.0.1');
    adminToken = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
  });

  afterAll(async () => {
    await gateway?.close();
    await policy?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  describe('the identity a service sees', () => {
    it('when a token owned by a non-Latin-1 subject registers a server, then the call succeeds and the owner is stored intact', async () => {
      const created = await createToken({ name: 'ops-cn', role: 'operator', owner: '运维' });
      expect(created.status).toBe(201);
      const { token } = (await created.json()) as { token: string };

      const me = await api('/api/tokens/me', { token });
      await expect(me.json()).resolves.toMatchObject({ subject: '运维' });

      const registered = await api('/api/servers', {
        token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'unicode-owner', server_type: 'node' }),
      });
      expect(registered.status).toBe(201);
      const server = (await registered.json()) as { id: string; owner: string };
      expect(server.owner).toBe('运维');

      const read = await api(`/api/servers/${server.id}`, { token });
      expect(read.status).toBe(200);
      await expect(read.json()).resolves.toMatchObject({ owner: '运维' });
      const stored = await policy.app
        .get(DataSource)
        .query<{ owner: string }[]>(`SELECT owner FROM servers WHERE id = $1`, [server.id]);
      expect(stored).toEqual([{ owner: '运维' }]);
    });

    it('when a subject holds characters that mean something in a header or a URL, then they reach the service as written', async () => {
      const owner = 'ops team%20/ä;x=1';
      const created = await createToken({ name: 'ops-odd', role: 'operator', owner });
      expect(created.status).toBe(201);
      const { token } = (await created.json()) as { token: string };
      const registered = await api('/api/servers', {
        token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'odd-owner', server_type: 'node' }),
      });
      expect(registered.status).toBe(201);
      await expect(registered.json()).resolves.toMatchObject({ owner });
    });

    it('when a token is created with a CR, LF or other control character in its owner or name, then the answer is 400 and nothing is stored', async () => {
      for (const body of [
        { name: 'crlf-owner', role: 'viewer', owner: 'ops\r\nx-mcp-host-role: admin' },
        { name: 'lf-owner', role: 'viewer', owner: 'ops\n' },
        { name: 'nul-owner', role: 'viewer', owner: 'ops\u0000' },
        { name: 'crlf\r\nname', role: 'viewer' },
        { name: 'tab\tname', role: 'viewer' },
      ]) {
        const res = await createToken(body);
        expect([body.name, res.status]).toEqual([body.name, 400]);
        await expect(res.json()).resolves.toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      }
      const rows = await gateway.app
        .get(DataSource)
        .query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM api_tokens WHERE name IN ('crlf-owner', 'lf-owner', 'nul-owner') OR name LIKE 'crlf%' OR name LIKE 'tab%'`,
        );
      expect(rows[0].n).toBe(0);
    });
  });

  describe('the error shape', () => {
    it('when the headers are larger than the parser accepts, then the answer is 431 in the error shape', async () => {
      const a = await rawExchange(
        base,
        `GET /api/status HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expectErrorShape(a, 431, 'HEADERS_TOO_LARGE');
    });

    it('when a path parameter is longer than the router takes, then the answer is 414 in the error shape', async () => {
      const a = await rawExchange(
        base,
        `GET /api/servers/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expectErrorShape(a, 414, 'URI_TOO_LONG');
    });

    it('when an Expect header other than 100-continue is sent, then the answer is 417 in the error shape', async () => {
      const a = await rawExchange(
        base,
        `GET /api/status HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n`,
      );
      expectErrorShape(a, 417, 'EXPECTATION_FAILED');
    });

    it('when the request is not valid HTTP, then the answer is 400 in the error shape', async () => {
      for (const request of [
        'BREW /api/status HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
        'GET /api/status HTTP/1.1\r\nbad header line\r\n\r\n',
      ]) {
        const a = await rawExchange(base, request);
        expectErrorShape(a, 400, 'BAD_REQUEST');
      }
    });

    it('when the URL is not valid percent-encoding, then the answer is 400 in the error shape', async () => {
      for (const path of ['/api/servers/%zz', '/%', '/api/%E0%A4%A']) {
        const a = await rawExchange(base, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expectErrorShape(a, 400, 'INVALID_PATH');
      }
    });

    it('when a path is outside /api and unknown, then the answer is 404 in the error shape', async () => {
      const a = await rawExchange(base, `GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expectErrorShape(a, 404);
    });
  });

  describe('the request deadline', () => {
    it('when a local route waits past GATEWAY_REQUEST_TIMEOUT_MS, then the answer is 503 SERVICE_BUSY with Retry-After, and later requests are answered', async () => {
      // Another connection holds a lock that blocks token inserts (reads still pass).
      const blocker = gateway.app.get(DataSource).createQueryRunner();
      await blocker.connect();
      await blocker.startTransaction();
      try {
        await blocker.query('LOCK TABLE api_tokens IN EXCLUSIVE MODE');
        const started = Date.now();
        const res = await createToken({ name: 'blocked', role: 'viewer' });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        await expect(res.json()).resolves.toEqual({
          error: { code: 'SERVICE_BUSY', message: expect.stringContaining('GATEWAY_REQUEST_TIMEOUT_MS') },
        });
        expect(Date.now() - started).toBeLessThan(2_500);
      } finally {
        await blocker.rollbackTransaction();
        await blocker.release();
      }
      expect((await api('/api/tokens?limit=1')).status).toBe(200);
    });
  });

  describe('oversize bodies on local routes', () => {
    it('when POST /api/tokens declares a huge Content-Length, then 413 comes at once without waiting for the body', async () => {
      const a = await rawExchange(
        base,
        `POST /api/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminToken}\r\n` +
          `Content-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n{"name":`,
      );
      expectErrorShape(a, 413, 'PAYLOAD_TOO_LARGE');
      expect(a.ms).toBeLessThan(2_000);
    });

    it('when a local body streams past the limit without a declared length, then the answer is 413', async () => {
      const res = await api('/api/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode(`{"name":"${'x'.repeat(128 * 1024)}"}`));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    });
  });
});
