// The Vault/OpenBao KV v2 backend of provider key material, against a stand-in that speaks the KV v2 HTTP shapes
// (`POST /v1/<mount>/data/<path>` → `{ data: { version, … } }`, `GET …?version=N` → `{ data: { data, metadata } }`).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { PROVIDER_KEY_SECRETS } from '../src/provider-keys/provider-key.service';
import type { SecretBackend } from '../src/provider-keys/secret-store';

const TOKEN = 'hvs.test-token';

/** A KV v2 engine in memory: versions per path, the token checked on every call. */
function kvStandIn() {
  const store = new Map<string, { data: Record<string, unknown>; created_time: string }[]>();
  const seen: { method: string; url: string; namespace?: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        namespace: req.headers['x-vault-namespace'] as string,
      });
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers['x-vault-token'] !== TOKEN) return send(403, { errors: ['permission denied'] });
      const url = new URL(req.url ?? '/', 'http://kv');
      const m = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(url.pathname);
      if (!m) return send(404, { errors: [] });
      const path = `${m[1]}/${decodeURIComponent(m[2])}`;
      const versions = store.get(path) ?? [];
      if (req.method === 'POST' || req.method === 'PUT') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: Record<string, unknown> };
        const created_time = new Date().toISOString();
        versions.push({ data: body.data, created_time });
        store.set(path, versions);
        return send(200, {
          request_id: 'r',
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: {
            created_time,
            custom_metadata: null,
            deletion_time: '',
            destroyed: false,
            version: versions.length,
          },
          wrap_info: null,
          warnings: null,
          auth: null,
        });
      }
      if (req.method === 'GET') {
        const v = Number(url.searchParams.get('version') ?? versions.length);
        const entry = versions[v - 1];
        if (!entry) return send(404, { errors: [] });
        return send(200, {
          request_id: 'r',
          data: {
            data: entry.data,
            metadata: {
              created_time: entry.created_time,
              custom_metadata: null,
              deletion_time: '',
              destroyed: false,
              version: v,
            },
          },
        });
      }
      send(405, { errors: ['unsupported'] });
    });
  });
  return { server, store, seen };
}

describe('provider keys on a KV v2 secret store', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let kv: ReturnType<typeof kvStandIn>;

  beforeAll(async () => {
    kv = kvStandIn();
    await new Promise<void>((r) => kv.server.listen(0, '127.0.0.1', r));
    db = await createTestDatabase('policy_keys_vault');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          PROVIDER_KEYS_SECRET_BACKEND: 'vault',
          PROVIDER_KEYS_VAULT_ADDR: `http://127.0.0.1:${(kv.server.address() as AddressInfo).port}`,
          PROVIDER_KEYS_VAULT_TOKEN: TOKEN,
          PROVIDER_KEYS_VAULT_NAMESPACE: 'team-a',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await service.close();
    await kafka.stop();
    await db.drop();
    await new Promise((r) => kv.server.close(r));
  });

  it('when a key with material is registered, then the material lives in the KV store only and reads back', async () => {
    const material = `sk-${randomBytes(20).toString('hex')}`;
    const bundle = randomBytes(40);
    const res = await fetch(`${url}/api/providers/openai/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        attestation_digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
        attestation_signature: bundle.toString('base64'),
        secret_material: material,
      }),
    });
    expect(res.status).toBe(201);
    const key = (await res.json()) as { id: string; has_secret: boolean };
    expect(key.has_secret).toBe(true);

    const paths = [...kv.store.keys()];
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatch(/^secret\/mcp-host\/provider-keys\/[0-9a-f-]{36}$/);
    expect(kv.store.get(paths[0])![0].data).toEqual({ value: material });
    expect(kv.seen[0]).toMatchObject({ method: 'POST', namespace: 'team-a' });

    const ds = service.app.get(DataSource);
    const tables = (await ds.query(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
    )) as { table_schema: string; table_name: string }[];
    for (const t of tables) {
      const [{ n }] = (await ds.query(
        `SELECT count(*)::int AS n FROM "${t.table_schema}"."${t.table_name}" r WHERE r::text LIKE $1`,
        [`%${material}%`],
      )) as { n: number }[];
      expect({ table: t.table_name, n }).toEqual({ table: t.table_name, n: 0 });
    }

    const [{ secret_ref }] = (await ds.query('SELECT secret_ref FROM provider_keys WHERE id = $1', [
      key.id,
    ])) as {
      secret_ref: string;
    }[];
    const backend = service.app.get<SecretBackend>(PROVIDER_KEY_SECRETS);
    await expect(backend.get(ds.manager, secret_ref)).resolves.toBe(material);
    expect(kv.seen.at(-1)).toMatchObject({ method: 'GET' });
    expect(kv.seen.at(-1)!.url).toContain('?version=1');
  });
});
