// A Vault/OpenBao KV v2 store that fails a write (sealed: 503, an internal error: 500) or is down answers the
// registration with 503 DEPENDENCY_UNAVAILABLE naming the store and what went wrong, stores no key and publishes
// nothing; once the store is back the same registration succeeds.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import { createTestDatabase, freePort, type TestDatabase } from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';

const TOKEN = 'hvs.unavailable-test';

/** The KV v2 write path of Vault, answering as the test sets it: healthy, sealed (503) or broken (500). */
function kvStandIn() {
  const state = { mode: 'ok' as 'ok' | 'sealed' | 'broken', writes: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers['x-vault-token'] !== TOKEN) return send(403, { errors: ['permission denied'] });
      if (state.mode === 'sealed') return send(503, { errors: ['Vault is sealed'] });
      if (state.mode === 'broken')
        return send(500, { errors: ['1 error occurred:\n\t* failed to persist: storage backend error\n\n'] });
      state.writes += 1;
      send(200, {
        request_id: 'r',
        data: { created_time: new Date().toISOString(), deletion_time: '', destroyed: false, version: 1 },
      });
    });
  });
  return { server, state };
}

describe('provider keys when the KV v2 store fails', () => {
  let db: TestDatabase;
  let service: ServiceApp;
  let url: string;
  let port: number;
  let kv: ReturnType<typeof kvStandIn>;
  let listening: HttpServer | undefined;
  const material = `sk-${randomBytes(20).toString('hex')}`;

  const listen = async () => {
    await new Promise<void>((r) => kv.server.listen(port, '127.0.0.1', r));
    listening = kv.server;
  };
  const close = async () => {
    kv.server.closeAllConnections();
    await new Promise((r) => kv.server.close(r));
    listening = undefined;
  };

  const register = async () => {
    const bundle = randomBytes(40);
    const res = await fetch(`${url}/api/providers/openai/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        alias: 'prod',
        attestation_digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
        attestation_signature: bundle.toString('base64'),
        secret_material: material,
      }),
    });
    const text = await res.text();
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      text,
      body: JSON.parse(text) as { id?: string; error?: { code: string; message: string } },
    };
  };

  const stored = async () => {
    const ds = service.app.get(DataSource);
    const [keys] = (await ds.query('SELECT count(*)::int AS n FROM provider_keys')) as { n: number }[];
    const [secrets] = (await ds.query('SELECT count(*)::int AS n FROM provider_key_secrets')) as {
      n: number;
    }[];
    const [outbox] = (await ds.query(
      `SELECT count(*)::int AS n FROM outbox WHERE event_type LIKE 'provider\_key.%'`,
    )) as { n: number }[];
    return { keys: keys.n, secrets: secrets.n, events: outbox.n };
  };

  beforeAll(async () => {
    kv = kvStandIn();
    port = await freePort();
    await listen();
    db = await createTestDatabase('policy_vault_down');
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: '127.0.0.1:1',
          EVENT_CONSUMER_ENABLED: 'false',
          OUTBOX_RELAY_ENABLED: 'false',
          LOG_LEVEL: 'warn',
          PROVIDER_KEYS_SECRET_BACKEND: 'vault',
          PROVIDER_KEYS_VAULT_ADDR: `http://127.0.0.1:${port}`,
          PROVIDER_KEYS_VAULT_TOKEN: TOKEN,
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await service?.close();
    await db?.drop();
    if (listening) await close();
  });

  it('when the store is sealed (503), then the registration is 503 DEPENDENCY_UNAVAILABLE naming the store and its answer, and nothing is stored', async () => {
    kv.state.mode = 'sealed';
    const res = await register();
    expect(res.status).toBe(503);
    expect(res.retryAfter).toBe('5');
    expect(res.body.error!.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(res.body.error!.message).toBe(
      `the secret store (vault-kv2 at http://127.0.0.1:${port}) answered 503 writing a provider key secret: Vault is sealed; nothing was stored, retry shortly.`,
    );
    expect(res.text).not.toContain(material);
    expect(await stored()).toEqual({ keys: 0, secrets: 0, events: 0 });
  });

  it('when the store fails internally (500), then the registration is 503 naming the status', async () => {
    kv.state.mode = 'broken';
    const res = await register();
    expect(res.status).toBe(503);
    expect(res.body.error!.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(res.body.error!.message).toContain('answered 500 writing a provider key secret');
    expect(res.body.error!.message).toContain('storage backend error');
    expect(await stored()).toEqual({ keys: 0, secrets: 0, events: 0 });
  });

  it('when the store is down, then the registration is 503 saying it cannot be reached; once it is back, the same registration succeeds', async () => {
    await close();
    const down = await register();
    expect(down.status).toBe(503);
    expect(down.body.error!.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(down.body.error!.message).toBe(
      `the secret store (vault-kv2 at http://127.0.0.1:${port}) cannot be reached (ECONNREFUSED) writing a provider key secret; nothing was stored, retry shortly.`,
    );
    expect(await stored()).toEqual({ keys: 0, secrets: 0, events: 0 });

    kv.state.mode = 'ok';
    await listen();
    const ok = await register();
    expect(ok.status).toBe(201);
    expect(kv.state.writes).toBe(1);
    const after = await stored();
    expect(after).toMatchObject({ keys: 1, secrets: 1 });
    expect(after.events).toBeGreaterThan(0);
  });
});
