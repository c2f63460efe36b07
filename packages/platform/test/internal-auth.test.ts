// Internal traffic: with an internal token configured, a service answers only callers that present it, whatever
// identity headers they send; the probes and the scrape stay open. In production the token is required to start.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, baseConfigShape, internalTokenOf, loadConfig } from '../src';
import { createTestDatabase, startTestKafka, type TestDatabase, type TestKafka } from '../src/testing';
import { fixture, quietLogs, serviceEnv } from './helpers';

const { createServiceApp } = fixture.platform;
const TOKEN = 'a'.repeat(20) + 'internal-token-0123456789';

const configOf = (env: Record<string, string>) => loadConfig(z.object(baseConfigShape), env);
const errorOf = (fn: () => unknown): ConfigError | undefined => {
  try {
    fn();
  } catch (err) {
    return err as ConfigError;
  }
  return undefined;
};

describe('internal token configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'internal-auth-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when NODE_ENV=production and no token is set, then the start fails naming INTERNAL_AUTH_TOKEN', () => {
    const err = errorOf(() => internalTokenOf(configOf({ NODE_ENV: 'production' })));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.variable).toBe('INTERNAL_AUTH_TOKEN');
    expect(err?.message).toMatch(/distributed mode/);
  });

  it('when production opts out with INTERNAL_AUTH_REQUIRED=false, or it is not production, then no token is needed', () => {
    expect(
      internalTokenOf(configOf({ NODE_ENV: 'production', INTERNAL_AUTH_REQUIRED: 'false' })),
    ).toBeUndefined();
    expect(internalTokenOf(configOf({}))).toBeUndefined();
    const err = errorOf(() => internalTokenOf(configOf({ INTERNAL_AUTH_REQUIRED: 'true' })));
    expect(err?.variable).toBe('INTERNAL_AUTH_TOKEN');
  });

  it('when the token is short, then the config names INTERNAL_AUTH_TOKEN', () => {
    const err = errorOf(() => configOf({ INTERNAL_AUTH_TOKEN: 'short' }));
    expect(err?.variable).toBe('INTERNAL_AUTH_TOKEN');
    expect(err?.message).toMatch(/at least 32 characters/);
  });

  it('when the token comes from a file, then it is read trimmed; a missing or short file, or both set, is refused', async () => {
    const file = join(dir, 'token');
    await fs.writeFile(file, `${TOKEN}\n`, { mode: 0o600 });
    expect(internalTokenOf(configOf({ INTERNAL_AUTH_TOKEN_FILE: file, NODE_ENV: 'production' }))).toBe(TOKEN);

    expect(
      errorOf(() => internalTokenOf(configOf({ INTERNAL_AUTH_TOKEN_FILE: join(dir, 'none') })))?.message,
    ).toMatch(/INTERNAL_AUTH_TOKEN_FILE cannot be read: ENOENT/);
    const short = join(dir, 'short');
    await fs.writeFile(short, 'x\n');
    expect(errorOf(() => internalTokenOf(configOf({ INTERNAL_AUTH_TOKEN_FILE: short })))?.variable).toBe(
      'INTERNAL_AUTH_TOKEN_FILE',
    );
    expect(
      errorOf(() => internalTokenOf(configOf({ INTERNAL_AUTH_TOKEN_FILE: file, INTERNAL_AUTH_TOKEN: TOKEN })))
        ?.message,
    ).toMatch(/together/);
  });
});

describe('a service with an internal token', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let app: Awaited<ReturnType<typeof createServiceApp>>;
  let base: string;

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('platform_internal'), startTestKafka()]);
    app = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, kafka.brokers, { INTERNAL_AUTH_TOKEN: TOKEN }),
        schema: 'internal_auth',
        logDestination: quietLogs(),
      }),
    );
    base = await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await kafka?.stop();
    await db?.drop();
  });

  it('when a caller sends the identity headers of an admin but no token, then it gets 401 INTERNAL_AUTH_REQUIRED', async () => {
    const res = await fetch(`${base}/api/servers`, {
      headers: { 'x-mcp-host-role': 'admin', 'x-mcp-host-subject': 'root', 'x-mcp-host-token-id': 'forged' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'INTERNAL_AUTH_REQUIRED', message: expect.stringMatching(/through the gateway/) },
    });
  });

  it.each([
    ['a wrong token', 'b'.repeat(45)],
    ['a prefix of the token', TOKEN.slice(0, -1)],
    ['the token with a suffix', `${TOKEN}x`],
    ['an empty token', ''],
  ])('when a caller presents %s, then it gets 401', async (_what, presented) => {
    const res = await fetch(`${base}/api/servers`, {
      method: 'POST',
      headers: { 'x-mcp-host-internal-token': presented, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('when the gateway presents the token, then the request reaches the routes (here: no such route, 404)', async () => {
    const res = await fetch(`${base}/api/servers`, { headers: { 'x-mcp-host-internal-token': TOKEN } });
    expect(res.status).toBe(404);
  });

  it('when an orchestrator probes or Prometheus scrapes, then /healthz, /readyz and /metrics need no token', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${base}/readyz`)).status);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    // A query string does not turn a probe path into something else, nor another path into a probe.
    expect((await fetch(`${base}/healthz?x=1`)).status).toBe(200);
    expect((await fetch(`${base}/healthzz`)).status).toBe(401);
  });
});
