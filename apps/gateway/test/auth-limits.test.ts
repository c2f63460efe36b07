// OIDC bearer JWTs against a loopback issuer (with a key rotation), per-token rate limits in memory and in the real
// Redis shared by two gateways, and the OpenAPI document at /api/docs.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Redis from 'ioredis';
import { buildOpenApiDocument, tokenSelfSchema } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';

import { DataSource } from 'typeorm';
import { GatewayModule } from '../src';
import { TokenRepository } from '../src/tokens/token.repository';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A loopback OIDC issuer: discovery document and a JWKS whose keys the test swaps to rotate. */
async function startIssuer() {
  let jwks: { keys: JWK[] } = { keys: [] };
  let jwksFetches = 0;
  const server = http.createServer((req, res) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const newKey = async (kid: string) => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
    return { pair, kid, jwk };
  };
  return {
    issuer,
    newKey,
    publish(keys: { jwk: JWK }[]) {
      jwks = { keys: keys.map((k) => k.jwk) };
    },
    get fetches() {
      return jwksFetches;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

async function jwt(
  key: { pair: KeyPair; kid: string },
  issuer: string,
  claims: Record<string, unknown>,
  opts: { expiresIn?: string; audience?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(issuer)
    .setAudience(opts.audience ?? 'mcp-host')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(key.pair.privateKey);
}

/** A loopback issuer whose discovery document says what the test wants (or that is down), counting its asks. */
async function startOddIssuer(doc: (self: string) => Record<string, unknown> | 'down') {
  let discoveries = 0;
  const server = http.createServer((req, res) => {
    const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') {
      discoveries += 1;
      const body = doc(self);
      if (body === 'down') {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get discoveries() {
      return discoveries;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

const FAKE_TOKEN = `mcph_${'A'.repeat(43)}`;

describe('authentication, rate limits and docs', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let dir: string;
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let redis: Redis;
  const prefix = `mcp-host:test:${randomUUID()}:`;
  const apps: ServiceApp[] = [];
  let memory: string;
  let sharedA: string;
  let sharedB: string;
  let admin: string;

  const start = async (extra: Record<string, string>) => {
    const app = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'silent',
          GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
          ...extra,
        },
      }),
    );
    apps.push(app);
    return app.listen(0, '127.0.0.1');
  };

  const call = (base: string, path: string, token: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });

  const viewerToken = async (base: string) => {
    const res = await call(base, '/api/tokens', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `rl-${randomUUID()}`, role: 'viewer' }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    [db, kafka, issuer] = await Promise.all([
      createTestDatabase('gateway_auth'),
      startTestKafka(),
      startIssuer(),
    ]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-auth-'));
    redis = new Redis(REDIS_URL);
    memory = await start({
      RATE_LIMIT_PER_MINUTE: '60',
      RATE_LIMIT_BURST: '5',
      OIDC_ISSUER: issuer.issuer,
      OIDC_AUDIENCE: 'mcp-host',
      OIDC_JWKS_COOLDOWN_MS: '0',
    });
    admin = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const shared = {
      RATE_LIMIT_PER_MINUTE: '60',
      RATE_LIMIT_BURST: '4',
      REDIS_URL,
      RATE_LIMIT_REDIS_PREFIX: prefix,
    };
    [sharedA, sharedB] = await Promise.all([start(shared), start(shared)]);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await issuer?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  describe('OIDC', () => {
    it('when a JWT from the issuer carries a role claim, then it is accepted with that role and its subject', async () => {
      const key = await issuer.newKey('k1');
      issuer.publish([key]);
      const token = await jwt(key, issuer.issuer, { sub: 'alice@example.test', mcp_host_role: 'operator' });
      const res = await call(memory, '/api/tokens/me', token);
      expect(res.status).toBe(200);
      const me = tokenSelfSchema.parse(await res.json());
      expect(me).toMatchObject({ subject: 'alice@example.test', role: 'operator' });
      // An operator may not manage tokens.
      expect((await call(memory, '/api/tokens', token)).status).toBe(403);
    });

    it('when a JWT is expired, from another issuer, for another audience, unsigned by the issuer or without a role, then it is refused', async () => {
      const key = await issuer.newKey('k-bad');
      issuer.publish([key]);
      const stranger = await issuer.newKey('k-bad');
      const cases: [string, number][] = [
        [await jwt(key, issuer.issuer, { sub: 'a', mcp_host_role: 'admin' }, { expiresIn: '-1m' }), 401],
        [await jwt(key, 'http://elsewhere.test', { sub: 'a', mcp_host_role: 'admin' }), 401],
        [await jwt(key, issuer.issuer, { sub: 'a', mcp_host_role: 'admin' }, { audience: 'other' }), 401],
        [await jwt(stranger, issuer.issuer, { sub: 'a', mcp_host_role: 'admin' }), 401],
        [await jwt(key, issuer.issuer, { sub: 'a' }), 403],
        [await jwt(key, issuer.issuer, { sub: 'a', mcp_host_role: 'root' }), 403],
      ];
      for (const [token, status] of cases) {
        const res = await call(memory, '/api/tokens/me', token);
        expect(res.status).toBe(status);
      }
    });

    it('when the issuer rotates its signing key, then tokens signed with the new key are accepted without a restart', async () => {
      const old = await issuer.newKey('rot-1');
      issuer.publish([old]);
      const first = await jwt(old, issuer.issuer, { sub: 'bob', mcp_host_role: 'viewer' });
      expect((await call(memory, '/api/tokens/me', first)).status).toBe(200);
      const fetchesBefore = issuer.fetches;

      const fresh = await issuer.newKey('rot-2');
      issuer.publish([fresh]);
      const second = await jwt(fresh, issuer.issuer, { sub: 'bob', mcp_host_role: 'viewer' });
      const res = await call(memory, '/api/tokens/me', second);
      expect(res.status).toBe(200);
      expect(issuer.fetches).toBeGreaterThan(fetchesBefore);
      // The retired key is gone from the JWKS, so its tokens no longer verify once the set was re-read.
      expect((await call(memory, '/api/tokens/me', first)).status).toBe(401);
    });
  });

  describe('OIDC hardening', () => {
    it('when OIDC_ISSUER is set without OIDC_AUDIENCE, or OIDC_ALGORITHMS lists HS256, then the gateway does not start', async () => {
      await expect(start({ OIDC_ISSUER: issuer.issuer })).rejects.toThrow(
        'Invalid configuration: OIDC_AUDIENCE is required when OIDC_ISSUER is set',
      );
      await expect(
        start({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: 'mcp-host', OIDC_ALGORITHMS: 'RS256,HS256' }),
      ).rejects.toThrow(/OIDC_ALGORITHMS must list signature algorithms/);
    });

    it('when a JWT has no exp, or is signed with an algorithm outside the allowlist, then it is refused', async () => {
      const key = await issuer.newKey('k-noexp');
      const es = await generateKeyPair('ES384', { extractable: true });
      const esJwk = { ...(await exportJWK(es.publicKey)), kid: 'k-es384', alg: 'ES384', use: 'sig' };
      issuer.publish([key, { jwk: esJwk }]);
      const noExp = await new SignJWT({ sub: 'eve', mcp_host_role: 'admin' })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer(issuer.issuer)
        .setAudience('mcp-host')
        .setIssuedAt()
        .sign(key.pair.privateKey);
      expect((await call(memory, '/api/tokens/me', noExp)).status).toBe(401);
      const es384 = await new SignJWT({ sub: 'eve', mcp_host_role: 'admin' })
        .setProtectedHeader({ alg: 'ES384', kid: 'k-es384' })
        .setIssuer(issuer.issuer)
        .setAudience('mcp-host')
        .setExpirationTime('5m')
        .sign(es.privateKey);
      expect((await call(memory, '/api/tokens/me', es384)).status).toBe(401);
      // The same claims with an allowed algorithm and an expiry pass: the refusals were for exp and alg.
      const good = await jwt(key, issuer.issuer, { sub: 'eve', mcp_host_role: 'admin' });
      expect((await call(memory, '/api/tokens/me', good)).status).toBe(200);
    });

    it('when discovery names another issuer or a plain-http jwks_uri elsewhere, then tokens get 503 OIDC_UNAVAILABLE and the issuer is asked again only after a backoff', async () => {
      const key = await issuer.newKey('k-odd');
      const impostor = await startOddIssuer(() => ({
        issuer: issuer.issuer,
        jwks_uri: `${issuer.issuer}/jwks`,
      }));
      const remoteKeys = await startOddIssuer((self) => ({
        issuer: self,
        jwks_uri: 'http://keys.example.test/jwks',
      }));
      try {
        for (const odd of [impostor, remoteKeys]) {
          const base = await start({
            OIDC_ISSUER: odd.issuer,
            OIDC_AUDIENCE: 'mcp-host',
            AUTH_FAILURES_PER_MINUTE: '0',
          });
          const token = await jwt(key, odd.issuer, { sub: 'mallory', mcp_host_role: 'admin' });
          for (let i = 0; i < 5; i++) {
            const res = await call(base, '/api/tokens/me', token);
            expect(res.status).toBe(503);
            expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
            await expect(res.json()).resolves.toMatchObject({ error: { code: 'OIDC_UNAVAILABLE' } });
          }
          // Five requests inside the first second of backoff: one discovery, not five.
          expect(odd.discoveries).toBe(1);
        }
      } finally {
        await impostor.close();
        await remoteKeys.close();
      }
    });
  });

  describe('failed authentication', () => {
    it('when one address keeps failing to authenticate, then it gets 429 AUTH_RATE_LIMITED before any lookup, even with a valid token', async () => {
      const base = await start({ AUTH_FAILURES_PER_MINUTE: '6' });
      const app = apps[apps.length - 1];
      const repository = app.app.get(TokenRepository);
      const lookups = jest.spyOn(repository, 'findByHash');
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 6; i++) {
        const res = await call(
          base,
          '/api/tokens/me',
          `mcph_${randomUUID().replace(/-/g, '').padEnd(43, 'x')}`,
        );
        statuses.push(res.status);
        if (res.status === 429) limited ??= res;
        else await res.arrayBuffer();
      }
      // Burst of 2 (a third of 6 per minute): two 401s, then 429 from the failure that exhausts it on.
      expect(statuses).toEqual([401, 401, 429, 429, 429, 429]);
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expect(limited?.json()).resolves.toMatchObject({ error: { code: 'AUTH_RATE_LIMITED' } });
      // Three lookups: the two 401s and the failure that exhausted the budget; the blocked ones cost none.
      expect(lookups).toHaveBeenCalledTimes(3);
      expect((await call(base, '/api/tokens/me', admin)).status).toBe(429);
      lookups.mockRestore();
    });

    it('when the same unknown token is presented again and again, then the database is asked once', async () => {
      const app = apps[0];
      const lookups = jest.spyOn(app.app.get(TokenRepository), 'findByHash');
      for (let i = 0; i < 5; i++) expect((await call(memory, '/api/tokens/me', FAKE_TOKEN)).status).toBe(401);
      expect(lookups).toHaveBeenCalledTimes(1);
      lookups.mockRestore();
    });
  });

  describe('the token cache', () => {
    it('when 50 requests present the same token at once and it is not cached, then the database is asked once', async () => {
      const base = await start({ RATE_LIMIT_PER_MINUTE: '0' });
      const app = apps[apps.length - 1];
      const token = await viewerToken(base);
      const lookups = jest.spyOn(app.app.get(TokenRepository), 'findByHash');
      const statuses = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await call(base, '/api/tokens/me', token);
          await res.arrayBuffer();
          return res.status;
        }),
      );
      expect(statuses).toEqual(Array(50).fill(200));
      expect(lookups).toHaveBeenCalledTimes(1);
      lookups.mockRestore();
    });

    it('when a token in steady use is revoked by another replica, then it is read again before its entry expires and refused within GATEWAY_TOKEN_CACHE_MS', async () => {
      const cacheMs = 600;
      const base = await start({ RATE_LIMIT_PER_MINUTE: '0', GATEWAY_TOKEN_CACHE_MS: String(cacheMs) });
      const app = apps[apps.length - 1];
      const token = await viewerToken(base);
      expect((await call(base, '/api/tokens/me', token)).status).toBe(200);
      const lookups = jest.spyOn(app.app.get(TokenRepository), 'findByHash');
      // Past half the entry's life, a call is answered from the cache and starts one read in the background.
      await new Promise((r) => setTimeout(r, cacheMs / 2 + 50));
      expect((await call(base, '/api/tokens/me', token)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      expect(lookups).toHaveBeenCalledTimes(1);

      // Revoked in the database directly, as another gateway replica would: this replica has no event of it.
      await app.app
        .get(DataSource)
        .query('UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1', [
          createHash('sha256').update(token).digest('hex'),
        ]);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < cacheMs * 4) {
        const res = await call(base, '/api/tokens/me', token);
        await res.arrayBuffer();
        status = res.status;
        if (status === 200) await new Promise((r) => setTimeout(r, 25));
      }
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(cacheMs + 400);
      lookups.mockRestore();
    });
  });

  describe('metrics access', () => {
    it('when /metrics is asked without a token, with a viewer token, or with an operator token, then 401, 403 and 200', async () => {
      expect((await fetch(`${memory}/metrics`)).status).toBe(401);
      // The same refusal by another spelling of the request: a query string, HEAD.
      expect((await fetch(`${memory}/metrics?name[]=mcp_host_http_requests_total`)).status).toBe(401);
      expect((await fetch(`${memory}/metrics`, { method: 'HEAD' })).status).toBe(401);
      const key = await issuer.newKey('k-metrics');
      issuer.publish([key]);
      const viewer = await jwt(key, issuer.issuer, { sub: 'curious', mcp_host_role: 'viewer' });
      expect((await call(memory, '/metrics', viewer)).status).toBe(403);
      const operator = await jwt(key, issuer.issuer, { sub: 'prometheus', mcp_host_role: 'operator' });
      const res = await call(memory, '/metrics', operator);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/mcp_host_http_requests_total/);
    });

    it('when GATEWAY_METRICS_ACCESS is off, then /metrics is 404 even for an admin', async () => {
      const base = await start({ GATEWAY_METRICS_ACCESS: 'off' });
      expect((await call(base, '/metrics', admin)).status).toBe(404);
    });
  });

  describe('rate limits', () => {
    it('when a token exceeds its in-memory bucket, then it gets 429 RATE_LIMITED with Retry-After, and other tokens do not', async () => {
      const token = await viewerToken(memory);
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 8; i++) {
        const res = await call(memory, '/api/tokens/me', token);
        statuses.push(res.status);
        if (res.status === 429) limited ??= res;
        else await res.arrayBuffer();
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expect(limited?.json()).resolves.toMatchObject({ error: { code: 'RATE_LIMITED' } });
      const other = await viewerToken(memory);
      expect((await call(memory, '/api/tokens/me', other)).status).toBe(200);
    });

    it('when two gateways share Redis, then a token has one bucket across both', async () => {
      const token = await viewerToken(sharedA);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await call(i % 2 === 0 ? sharedA : sharedB, '/api/tokens/me', token);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      const limited = await call(sharedB, '/api/tokens/me', token);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
    });
  });

  describe('OpenAPI', () => {
    it('when /api/docs is asked for JSON, then it is the committed OpenAPI 3.1 document, built from the contracts', async () => {
      const res = await call(memory, '/api/docs?format=json', admin);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const served = (await res.json()) as Record<string, unknown>;
      expect(served.openapi).toBe('3.1.0');
      expect(served).toEqual(buildOpenApiDocument());
      const committed = JSON.parse(
        readFileSync(resolve(__dirname, '../../../packages/contracts/schemas/openapi.json'), 'utf8'),
      ) as unknown;
      expect(served).toEqual(committed);
      const negotiated = await call(memory, '/api/docs', admin, { headers: { accept: 'application/json' } });
      expect(negotiated.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('when a browser asks for /api/docs, then it gets a readable page that loads nothing from elsewhere', async () => {
      const res = await call(memory, '/api/docs', admin, { headers: { accept: 'text/html,*/*' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('/api/servers/{id}');
      expect(html).toContain('/api/trust/stream');
      expect(html).not.toMatch(/<script|<link|https?:\/\/(?!json-schema)/i);
    });
  });
});
