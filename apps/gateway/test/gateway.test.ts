// The gateway on real Postgres and the embedded broker, in front of tiny node:http upstreams that echo, hang, reset or are gone.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { statusResponseSchema, tokenListResponseSchema, tokenSelfSchema } from '@mcp-host/contracts';
import { GatewayModule } from '../src';
import { AdminTokenBootstrap } from '../src/tokens/admin-token.bootstrap';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** An upstream that answers /readyz and echoes every request; streaming requests are echoed chunk by chunk. */
function echoUpstream(seen: Seen[], onChunk: (chunk: string) => void) {
  return http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (req.url === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ready', checks: { database: 'up', kafka: 'up' } }));
      return;
    }
    if (req.url === '/api/servers/sink/start') {
      // Answers only after the whole body, like a service that parses JSON.
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () =>
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes })),
      );
      return;
    }
    if (req.method === 'POST') {
      res.writeHead(201, {
        'content-type': 'application/octet-stream',
        'x-upstream': 'echo',
        connection: 'keep-alive',
      });
      req.on('data', (chunk: Buffer) => {
        onChunk(chunk.toString('utf8'));
        res.write(chunk);
      });
      req.on('end', () => res.end());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: [], next_cursor: null }));
  });
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function rawRequest(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const INTERNAL_TOKEN = `internal-${'x'.repeat(40)}`;

/** A request with `Expect: 100-continue` that sends its body only once the gateway says continue. */
function expectContinue(base: string, path: string, token: string, body: string) {
  const u = new URL(base);
  return new Promise<{ status: number; continued: boolean; body: string }>((resolve, reject) => {
    let continued = false;
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path,
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(Buffer.byteLength(body)),
        expect: '100-continue',
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, continued, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
  });
}

describe('gateway', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let tokenFile: string;
  let hangRequests = 0;
  const hangClosedAt: number[] = [];
  let adminToken: string;
  const seen: Seen[] = [];
  let chunkListener: (chunk: string) => void = () => undefined;
  const servers: http.Server[] = [];

  const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? adminToken : init.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${base}${path}`, { ...init, headers });
  };

  const createToken = async (role: 'viewer' | 'operator' | 'admin', name = `${role}-token`) => {
    const res = await api('/api/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, role, owner: `${role}@example.test` }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; token: string; prefix: string; role: string };
  };

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-test-'));
    tokenFile = join(dir, 'nested', 'admin-token');

    const echo = echoUpstream(seen, (c) => chunkListener(c));
    const hang = http.createServer((req) => {
      hangRequests += 1;
      req.socket.once('close', () => hangClosedAt.push(Date.now()));
    });
    const reset = http.createServer((req) => req.socket.destroy());
    const gone = http.createServer();
    servers.push(echo, hang, reset);
    const [echoUrl, hangUrl, resetUrl, goneUrl] = await Promise.all([echo, hang, reset, gone].map(listen));
    await new Promise((r) => gone.close(r));

    gateway = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          GATEWAY_ADMIN_TOKEN_FILE: tokenFile,
          GATEWAY_UPSTREAM_POLICY_ENGINE: echoUrl,
          GATEWAY_UPSTREAM_GOVERNANCE: hangUrl,
          GATEWAY_UPSTREAM_MARKETPLACE: resetUrl,
          GATEWAY_UPSTREAM_BUILD_SERVICE: goneUrl,
          GATEWAY_UPSTREAM_TIMEOUT_MS: '500',
          HTTP_BODY_LIMIT_BYTES: String(8 * 1024 * 1024),
          INTERNAL_AUTH_TOKEN: INTERNAL_TOKEN,
          GATEWAY_METRICS_ACCESS: 'open',
        },
      }),
    );
    base = await gateway.listen(0, '127.0.0.1');
    adminToken = (await fs.readFile(tokenFile, 'utf8')).trim();
  });

  afterAll(async () => {
    await gateway?.close();
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  describe('the first admin token', () => {
    it('when the gateway first starts, then it writes the admin token to a 0600 file and stores only its hash', async () => {
      const stat = await fs.stat(tokenFile);
      expect(stat.mode & 0o777).toBe(0o600);
      expect(adminToken).toMatch(/^mcph_[A-Za-z0-9_-]{43}$/);

      const rows = await gateway.app
        .get(DataSource)
        .query<{ token_hash: string; prefix: string; role: string }[]>(
          `SELECT token_hash, prefix, role FROM api_tokens WHERE name = 'bootstrap-admin'`,
        );
      expect(rows).toEqual([
        {
          token_hash: createHash('sha256').update(adminToken).digest('hex'),
          prefix: adminToken.slice(0, 12),
          role: 'admin',
        },
      ]);

      const me = await api('/api/tokens/me');
      expect(me.status).toBe(200);
      const self = await me.json();
      expect(tokenSelfSchema.parse(self)).toMatchObject({ role: 'admin', name: 'bootstrap-admin' });
    });

    it('when the gateway starts again, then it keeps the existing token and does not rewrite a missing file', async () => {
      const bootstrap = gateway.app.get(AdminTokenBootstrap);
      await fs.rm(tokenFile);
      await expect(bootstrap.ensureAdminToken()).resolves.toBe('kept');
      await expect(fs.access(tokenFile)).rejects.toThrow();
      await fs.writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });
    });

    it('when two starts race on a database without an admin token, then exactly one mints it', async () => {
      const ds = gateway.app.get(DataSource);
      const backupFile = `${tokenFile}.bak`;
      await fs.copyFile(tokenFile, backupFile);
      await ds.query(`UPDATE api_tokens SET revoked_at = now() WHERE role = 'admin'`);
      const bootstrap = gateway.app.get(AdminTokenBootstrap);
      const outcomes = await Promise.all([bootstrap.ensureAdminToken(), bootstrap.ensureAdminToken()]);
      expect(outcomes.sort()).toEqual(['created', 'kept']);
      const fresh = (await fs.readFile(tokenFile, 'utf8')).trim();
      expect(fresh).not.toBe(adminToken);
      const active = await ds.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL`,
      );
      expect(active[0].n).toBe(1);
      // Restore the original admin token for the other tests.
      await ds.query(`UPDATE api_tokens SET revoked_at = now() WHERE role = 'admin' AND revoked_at IS NULL`);
      await ds.query(
        `UPDATE api_tokens SET revoked_at = NULL WHERE name = 'bootstrap-admin' AND token_hash = $1`,
        [createHash('sha256').update(adminToken).digest('hex')],
      );
      await fs.rename(backupFile, tokenFile);
    });
  });

  describe('authentication', () => {
    it('when no token is sent, then every /api route answers 401 UNAUTHENTICATED', async () => {
      for (const path of ['/api/status', '/api/servers', '/api/tokens/me', '/api/nope']) {
        const res = await api(path, { token: null });
        expect(res.status).toBe(401);
        await expect(res.json()).resolves.toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      }
    });

    it('when an unknown, malformed or revoked token is sent, then the answer is 401', async () => {
      const unknown = await api('/api/servers', { token: `mcph_${randomBytes(32).toString('base64url')}` });
      expect(unknown.status).toBe(401);
      const malformed = await api('/api/servers', { token: 'not-a-token' });
      expect(malformed.status).toBe(401);

      const viewer = await createToken('viewer', 'to-revoke');
      expect((await api('/api/servers', { token: viewer.token })).status).toBe(200);
      expect((await api(`/api/tokens/${viewer.id}`, { method: 'DELETE' })).status).toBe(204);
      const revoked = await api('/api/servers', { token: viewer.token });
      expect(revoked.status).toBe(401);
      await expect(revoked.json()).resolves.toMatchObject({
        error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('revoked') },
      });
    });

    it('when an expired token is sent, then the answer is 401', async () => {
      const t = await createToken('viewer', 'to-expire');
      await gateway.app
        .get(DataSource)
        .query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [t.id]);
      const res = await api('/api/servers', { token: t.token });
      expect(res.status).toBe(401);
    });

    it('when probes call /healthz and /readyz, and metrics are open (GATEWAY_METRICS_ACCESS=open), then they need no token', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
    });
  });

  describe('authorisation and routing', () => {
    it('when a viewer token calls a mutation, then the answer is 403 FORBIDDEN and nothing is forwarded', async () => {
      const viewer = await createToken('viewer');
      const before = seen.length;
      const res = await api('/api/servers', {
        token: viewer.token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', server_type: 'node' }),
      });
      expect(res.status).toBe(403);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'FORBIDDEN' } });
      expect(seen.length).toBe(before);
    });

    it('when tokens are listed one per page, then every token appears exactly once', async () => {
      await Promise.all([1, 2, 3, 4].map((i) => createToken('viewer', `paged-${i}`)));
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api(`/api/tokens?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as { items: { id: string }[]; next_cursor: string | null };
        ids.push(...page.items.map((t) => t.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeGreaterThanOrEqual(5);
      expect((await api('/api/tokens?cursor=bogus')).status).toBe(400);
    });

    it('when an operator calls an admin route, then the answer is 403; an admin lists tokens without secrets', async () => {
      const operator = await createToken('operator');
      expect((await api('/api/tokens', { token: operator.token })).status).toBe(403);
      const list = await api('/api/tokens');
      expect(list.status).toBe(200);
      const body = (await list.json()) as { items: Record<string, unknown>[] };
      expect(tokenListResponseSchema.safeParse(body).success).toBe(true);
      expect(body.items.length).toBeGreaterThan(0);
      for (const item of body.items) {
        expect(item).not.toHaveProperty('token');
        expect(item).not.toHaveProperty('token_hash');
        expect(item.prefix).toMatch(/^mcph_/);
      }
    });

    it('when a path is not in the route table, then the answer is 404 ROUTE_NOT_FOUND', async () => {
      const res = await api('/api/does-not-exist');
      expect(res.status).toBe(404);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    });

    it('when a path holds dot segments or encoded slashes, then the answer is 400 before routing', async () => {
      for (const path of [
        '/api/../internal',
        '/api/%2e%2e%2finternal',
        '/api/servers/%2e%2e%2f%2e%2e%2finternal',
        '/api/servers/..',
        '/api/servers/%2e%2e/tokens',
        '/api/servers/a%2Fb',
        '/api/%2E%2E/x',
        '/api/servers/a%5cb',
      ]) {
        const res = await rawRequest(base, path, { headers: { authorization: `Bearer ${adminToken}` } });
        expect([path, res.status]).toEqual([path, 400]);
      }
      expect(seen.some((s) => s.url.includes('..') || /%2f|%2e/i.test(s.url))).toBe(false);
    });
  });

  describe('forwarding', () => {
    it('when a client fakes identity headers, then the upstream sees the verified ones, the request id and the trace', async () => {
      const viewer = await createToken('viewer', 'identity');
      const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
      const res = await api('/api/servers?limit=5', {
        token: viewer.token,
        headers: {
          'x-mcp-host-subject': 'root',
          'x-mcp-host-role': 'admin',
          'x-mcp-host-token-id': 'forged',
          'x-request-id': 'req-identity-1',
          traceparent,
        },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('req-identity-1');
      const got = seen.filter((s) => s.url === '/api/servers?limit=5').pop();
      expect(got).toBeDefined();
      // Identity values travel percent-encoded; the services' kit decodes them.
      expect(got!.headers['x-mcp-host-subject']).toBe(encodeURIComponent('viewer@example.test'));
      expect(got!.headers['x-mcp-host-role']).toBe('viewer');
      expect(got!.headers['x-mcp-host-token-id']).toBe(viewer.id);
      expect(got!.headers.authorization).toBeUndefined();
      expect(got!.headers['x-request-id']).toBe('req-identity-1');
      expect(String(got!.headers.traceparent).split('-')[1]).toBe(traceparent.split('-')[1]);
    });

    it('when a client sends hop, address and x-mcp-host-* headers, then none reaches the service, and the gateway adds its internal token', async () => {
      const viewer = await createToken('viewer', 'hop-headers');
      const res = await api('/api/servers?limit=6', {
        token: viewer.token,
        headers: {
          forwarded: 'for=10.0.0.1;proto=https',
          'x-real-ip': '10.0.0.2',
          'x-forwarded-for': '10.0.0.3',
          'x-forwarded-host': 'evil.example',
          'x-mcp-host-internal-token': 'forged-internal-token',
          'x-mcp-host-owner': 'root',
          'x-mcp-host-anything-new': 'forged',
          cookie: 'session=stolen',
          'x-kept': 'yes',
        },
      });
      expect(res.status).toBe(200);
      const got = seen.filter((s) => s.url === '/api/servers?limit=6').pop()!;
      expect(got.headers.forwarded).toBeUndefined();
      expect(got.headers['x-real-ip']).toBeUndefined();
      expect(got.headers.cookie).toBeUndefined();
      expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(got.headers['x-forwarded-host']).not.toBe('evil.example');
      expect(got.headers['x-mcp-host-owner']).toBeUndefined();
      expect(got.headers['x-mcp-host-anything-new']).toBeUndefined();
      expect(got.headers['x-mcp-host-internal-token']).toBe(INTERNAL_TOKEN);
      expect(got.headers['x-kept']).toBe('yes');
    });

    it('when a client sends Expect: 100-continue, then the gateway says continue and forwards the body', async () => {
      const operator = await createToken('operator', 'expect-continue');
      const result = await expectContinue(base, '/api/servers/sink/start', operator.token, 'x'.repeat(5000));
      expect(result.continued).toBe(true);
      expect(result.status).toBe(202);
      expect(JSON.parse(result.body)).toEqual({ bytes: 5000 });
      const got = seen.filter((s) => s.url === '/api/servers/sink/start').pop()!;
      expect(got.headers.expect).toBeUndefined();
    });

    it('when a body streams in, then the upstream gets each chunk before the client has finished, and the answer streams back', async () => {
      const u = new URL(base);
      const received: string[] = [];
      const result = await new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>(
        (resolve, reject) => {
          const req = http.request({
            host: u.hostname,
            port: u.port,
            path: '/api/servers',
            method: 'POST',
            agent: false,
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream' },
          });
          req.on('error', reject);
          req.on('response', (res) => {
            const chunks: string[] = [];
            res.on('data', (c: Buffer) => {
              chunks.push(c.toString('utf8'));
              // The first echoed chunk arrived while the request body is still open: stream both ways.
              if (chunks.length === 1) req.end('part-2');
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: chunks.join(''), headers: res.headers }),
            );
          });
          chunkListener = (c) => received.push(c);
          req.flushHeaders();
          req.write('part-1');
        },
      );
      expect(result.status).toBe(201);
      expect(result.body).toBe('part-1part-2');
      expect(received.join('')).toBe('part-1part-2');
      expect(result.headers['x-upstream']).toBe('echo');
      expect(result.headers['transfer-encoding']).toBe('chunked');
    });

    it('when a large body goes through, then it arrives intact', async () => {
      const payload = randomBytes(3 * 1024 * 1024);
      chunkListener = () => undefined;
      const res = await api('/api/servers', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: payload,
      });
      expect(res.status).toBe(201);
      const back = Buffer.from(await res.arrayBuffer());
      expect(createHash('sha256').update(back).digest('hex')).toBe(
        createHash('sha256').update(payload).digest('hex'),
      );
    });

    it('when a body is larger than HTTP_BODY_LIMIT_BYTES, declared or streamed, then the answer is 413 PAYLOAD_TOO_LARGE', async () => {
      const big = randomBytes(9 * 1024 * 1024);
      const declared = await api('/api/servers', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: big,
      });
      expect(declared.status).toBe(413);
      await expect(declared.json()).resolves.toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });

      const u = new URL(base);
      const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({
          host: u.hostname,
          port: u.port,
          path: '/api/servers/sink/start',
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream' },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        });
        chunkListener = () => undefined;
        // Chunked: no length is declared, so the gateway counts while it forwards.
        for (let i = 0; i < 9; i++) req.write(big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
        req.end();
      });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    });

    it('when the upstream refuses the connection, then the answer is 503 UPSTREAM_UNAVAILABLE', async () => {
      const res = await api('/api/builds/00000000-0000-4000-8000-000000000000');
      expect(res.status).toBe(503);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    });

    it('when the upstream does not answer in time, then the answer is 504 UPSTREAM_TIMEOUT', async () => {
      const started = Date.now();
      const res = await api('/api/governance/workflows');
      expect(res.status).toBe(504);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'UPSTREAM_TIMEOUT' } });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('when the client goes away before the upstream answers, then the upstream call is cancelled at once', async () => {
      const seenBefore = hangRequests;
      const closedBefore = hangClosedAt.length;
      const client = new AbortController();
      const pending = api('/api/governance/workflows', { signal: client.signal }).catch(() => undefined);
      await waitFor(() => hangRequests > seenBefore, {
        timeoutMs: 2_000,
        what: 'the upstream to get the request',
      });
      const abortedAt = Date.now();
      client.abort();
      await pending;
      await waitFor(() => hangClosedAt.length > closedBefore, {
        timeoutMs: 2_000,
        what: 'the upstream connection to close',
      });
      // GATEWAY_UPSTREAM_TIMEOUT_MS is 500: a close this soon is the cancel, not the timeout.
      expect(hangClosedAt[hangClosedAt.length - 1] - abortedAt).toBeLessThan(300);
    });

    it('when the upstream resets the connection, then the answer is 502 UPSTREAM_RESET', async () => {
      const res = await api('/api/marketplace');
      expect(res.status).toBe(502);
      await expect(res.json()).resolves.toMatchObject({ error: { code: 'UPSTREAM_RESET' } });
    });
  });

  describe('metrics', () => {
    it('when requests are forwarded, then the HTTP metrics carry the route table path, not /api/*', async () => {
      await (await api('/api/servers/abc')).arrayBuffer();
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/mcp_host_http_requests_total\{[^}]*route="\/api\/servers\/:id"/);
      expect(text).not.toMatch(/route="\/api\/\*"[^\n]*status="200"/);
    });
  });

  describe('status', () => {
    it('when some upstreams are down, then /api/status reports each service and an overall degraded status', async () => {
      const viewer = await createToken('viewer', 'status');
      const res = await api('/api/status', { token: viewer.token });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        status: string;
        services: Record<string, { status: string; checks?: object }>;
      };
      expect(statusResponseSchema.safeParse(body).success).toBe(true);
      expect(body.status).toBe('degraded');
      expect(body.services.gateway).toEqual({ status: 'ready', checks: { database: 'up', kafka: 'up' } });
      expect(body.services['policy-engine']).toEqual({
        status: 'ready',
        checks: { database: 'up', kafka: 'up' },
      });
      expect(body.services['build-service'].status).toBe('unreachable');
      expect(body.services.governance.status).toBe('unreachable');
      expect(body.services.marketplace.status).toBe('unreachable');
      // A class of failure, never the driver's words: no addresses, ports or error codes of the inside.
      expect(body.services['build-service']).toEqual({ status: 'unreachable', error: 'refused' });
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/127\.0\.0\.1|ECONN|:\d{4,5}/);
    });
  });
});
