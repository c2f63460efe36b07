// Provider BYOK keys through HTTP on real Postgres and the embedded broker: register, rotate, approve, bind, posture
// against a moved clock, secret material never in clear, bad input and a 50-way rotation race.
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { TOPICS, type ProviderKey, type ProviderKeyBinding } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  startTestKafka,
  waitFor,
  type CollectedEvent,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { ProviderKeyClock } from '../src/provider-keys/provider-key.posture';
import { PROVIDER_KEY_SECRETS } from '../src/provider-keys/provider-key.service';
import type { SecretBackend } from '../src/provider-keys/secret-store';

type ApiBody = ProviderKey &
  ProviderKeyBinding & {
    items: (ProviderKey & ProviderKeyBinding)[];
    next_cursor: string | null;
    error: { code: string; message: string; details?: unknown };
  };

const DAY = 86_400_000;
const logs: string[] = [];
const logDestination = new Writable({
  write(chunk: Buffer, _enc, done) {
    logs.push(chunk.toString());
    done();
  },
});

function attestation(text: string): { attestation_digest: string; attestation_signature: string } {
  const bundle = Buffer.from(text, 'utf8');
  return {
    attestation_digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
    attestation_signature: bundle.toString('base64'),
  };
}

describe('provider keys', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let reader: EventCollector;
  let seen: CollectedEvent[];
  let clock: ProviderKeyClock;
  let dataSource: DataSource;
  let now = new Date('2030-01-01T00:00:00Z');

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };
  const eventsOf = (keyId: string) => seen.filter((e) => e.key === keyId);

  beforeAll(async () => {
    db = await createTestDatabase('policy_provider_keys');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'debug',
          OUTBOX_POLL_INTERVAL_MS: '100',
          PROVIDER_KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          PROVIDER_KEYS_ROTATION_SOON_DAYS: '7',
        },
        logDestination,
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    clock = service.app.get(ProviderKeyClock);
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(now));
    dataSource = service.app.get(DataSource);
    reader = await collectEvents(kafka.brokers, TOPICS.providerKeys.name);
    seen = reader.events;
  });

  afterAll(async () => {
    await reader.stop();
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when a signature does not hash to the sent digest, then 422 and nothing is stored', async () => {
    const att = attestation('bundle-a');
    const res = await call('POST', '/api/providers/openai/keys', {
      attestation_digest: att.attestation_digest,
      attestation_signature: Buffer.from('another bundle').toString('base64'),
    });
    expect(res.status).toBe(422);
    expect(res.body?.error.code).toBe('ATTESTATION_SIGNATURE_MISMATCH');
    expect((await call('GET', '/api/providers/openai/keys')).body?.items).toEqual([]);
  });

  it('when bodies, ids or providers are wrong, then 400 or 404 with a code', async () => {
    const bad = await call('POST', '/api/providers/openai/keys', { attestation_digest: 'nope' });
    expect(bad.status).toBe(400);
    expect((await call('POST', '/api/providers/bad%20id/keys', attestation('x'))).status).toBe(400);
    expect((await call('GET', '/api/providers/openai/keys/not-a-uuid')).status).toBe(400);
    const missing = await call('GET', '/api/providers/openai/keys/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body?.error.code).toBe('PROVIDER_KEY_NOT_FOUND');

    const { body: key } = await call('POST', '/api/providers/openai/keys', attestation('wrong-provider'));
    const other = await call('GET', `/api/providers/anthropic/keys/${key!.id}`);
    expect(other.status).toBe(404);
    expect(
      (
        await call('POST', `/api/providers/anthropic/keys/${key!.id}/bindings`, {
          binding_type: 'server',
          binding_target: 'x',
        })
      ).status,
    ).toBe(404);
    const badType = await call('POST', `/api/providers/openai/keys/${key!.id}/bindings`, {
      binding_type: 'galaxy',
      binding_target: 'x',
    });
    expect(badType.status).toBe(400);
    const noActor = await call('POST', `/api/providers/openai/keys/${key!.id}/rotate`, attestation('next'));
    expect(noActor.status).toBe(400);
    expect((await call('GET', '/api/providers/openai/keys?cursor=garbage')).status).toBe(400);
  });

  it('when a key is registered, rotated, approved and bound, then each step is answered and published', async () => {
    const created = await call('POST', '/api/providers/openai/keys', {
      alias: 'prod',
      ...attestation('bundle-1'),
      rotation_due: new Date(now.getTime() + 90 * DAY).toISOString(),
    });
    expect(created.status).toBe(201);
    const key = created.body!;
    expect(key).toMatchObject({
      alias: 'prod',
      posture: 'active',
      signature_verified: true,
      version: 1,
      vetoed: false,
    });
    expect((await call('GET', `/api/providers/openai/keys/${key.id}`)).body).toEqual(key);

    const rotated = await call('POST', `/api/providers/openai/keys/${key.id}/rotate`, {
      ...attestation('bundle-2'),
      actor_ref: 'alice-ops',
      rotation_due: new Date(now.getTime() + 180 * DAY).toISOString(),
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({
      posture: 'rotating',
      attestation_digest: attestation('bundle-1').attestation_digest,
      pending_rotation: {
        attestation_digest: attestation('bundle-2').attestation_digest,
        requested_by: 'alice-ops',
      },
    });

    const again = await call('POST', `/api/providers/openai/keys/${key.id}/rotate`, {
      ...attestation('bundle-3'),
      actor_ref: 'bob-ops',
    });
    expect(again.status).toBe(409);
    expect(again.body?.error.code).toBe('ROTATION_PENDING');

    const self = await call('POST', `/api/providers/openai/keys/${key.id}/rotation/approve`, {
      actor_ref: 'alice-ops',
    });
    expect(self.status).toBe(403);
    expect(self.body?.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
    const selfByHeader = await call(
      'POST',
      `/api/providers/openai/keys/${key.id}/rotation/approve`,
      {},
      {
        'x-mcp-host-subject': 'alice-ops',
      },
    );
    expect(selfByHeader.status).toBe(403);
    const nobody = await call('POST', `/api/providers/openai/keys/${key.id}/rotation/approve`, {});
    expect(nobody.status).toBe(400);

    const approved = await call('POST', `/api/providers/openai/keys/${key.id}/rotation/approve`, {
      actor_ref: 'bob-sec',
      note: 'checked the bundle',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      posture: 'active',
      attestation_digest: attestation('bundle-2').attestation_digest,
      pending_rotation: null,
      rotation_due: new Date(now.getTime() + 180 * DAY).toISOString(),
    });
    const twice = await call('POST', `/api/providers/openai/keys/${key.id}/rotation/approve`, {
      actor_ref: 'carol',
    });
    expect(twice.status).toBe(409);
    expect(twice.body?.error.code).toBe('NO_PENDING_ROTATION');

    const bound = await call('POST', `/api/providers/openai/keys/${key.id}/bindings`, {
      binding_type: 'server',
      binding_target: '11111111-1111-4111-8111-111111111111',
      context: { reason: 'weather server' },
    });
    expect(bound.status).toBe(201);
    await call('POST', `/api/providers/openai/keys/${key.id}/bindings`, {
      binding_type: 'workspace',
      binding_target: 'team-a',
    });
    const page1 = await call('GET', `/api/providers/openai/keys/${key.id}/bindings?limit=1`);
    expect(page1.body?.items).toHaveLength(1);
    expect(page1.body?.items[0]).toMatchObject({
      binding_type: 'server',
      context: { reason: 'weather server' },
    });
    const page2 = await call(
      'GET',
      `/api/providers/openai/keys/${key.id}/bindings?limit=1&cursor=${page1.body!.next_cursor}`,
    );
    expect(page2.body?.items.map((b) => b.binding_target)).toEqual(['team-a']);
    expect(page2.body?.next_cursor).toBeNull();

    await waitFor(() => (eventsOf(key.id).length >= 8 ? true : undefined), { what: 'eight key events' });
    expect(eventsOf(key.id).map((e) => e.type)).toEqual([
      'provider_key.registered',
      'provider_key.posture_changed',
      'provider_key.rotated',
      'provider_key.posture_changed',
      'provider_key.rotated',
      'provider_key.posture_changed',
      'provider_key.bound',
      'provider_key.bound',
    ]);
    const events = eventsOf(key.id);
    expect(events[2].payload).toMatchObject({ actor_ref: 'alice-ops', state: 'rotating' });
    expect(events[4].payload).toMatchObject({ actor_ref: 'bob-sec', state: 'active' });
    expect(events[5].payload).toMatchObject({ from_state: 'rotating', state: 'active', vetoed: false });
  });

  it('when the clock passes the rotation deadline, then posture moves active → due soon → overdue, each change published', async () => {
    const { body: key } = await call('POST', '/api/providers/azure/keys', {
      ...attestation('aging'),
      rotation_due: new Date(now.getTime() + 30 * DAY).toISOString(),
    });
    expect(key!.posture).toBe('active');
    const start = now;
    try {
      now = new Date(start.getTime() + 25 * DAY);
      expect((await call('GET', `/api/providers/azure/keys/${key!.id}`)).body).toMatchObject({
        posture: 'rotation_due_soon',
        vetoed: false,
      });
      now = new Date(start.getTime() + 31 * DAY);
      const service_ = service.app.get(
        (await import('../src/provider-keys/provider-key.service')).ProviderKeyService,
      );
      expect(await service_.sweep()).toBeGreaterThanOrEqual(1);
      const listed = await call('GET', '/api/providers/azure/keys');
      expect(listed.body?.items[0]).toMatchObject({ id: key!.id, posture: 'rotation_overdue', vetoed: true });
      await waitFor(
        () =>
          eventsOf(key!.id).filter((e) => e.type === 'provider_key.posture_changed').length >= 3
            ? true
            : undefined,
        { what: 'three posture changes' },
      );
      const postures = eventsOf(key!.id)
        .filter((e) => e.type === 'provider_key.posture_changed')
        .map((e) => [e.payload.from_state, e.payload.state, e.payload.reason]);
      expect(postures).toEqual([
        [null, 'active', null],
        ['active', 'rotation_due_soon', null],
        ['rotation_due_soon', 'rotation_overdue', 'key:rotation_overdue'],
      ]);
    } finally {
      now = start;
    }
  });

  it('when secret material is registered, then no table, event or log line holds it in clear, and it decrypts', async () => {
    const material = `sk-live-${randomBytes(24).toString('hex')}`;
    const created = await call('POST', '/api/providers/openai/keys', {
      ...attestation('secretive'),
      secret_material: material,
    });
    expect(created.status).toBe(201);
    expect(created.body?.has_secret).toBe(true);
    expect(JSON.stringify(created.body)).not.toContain(material);
    expect(
      JSON.stringify((await call('GET', `/api/providers/openai/keys/${created.body!.id}`)).body),
    ).not.toContain(material);
    const rotated = await call('POST', `/api/providers/openai/keys/${created.body!.id}/rotate`, {
      ...attestation('secretive-2'),
      actor_ref: 'ops-1',
      secret_material: `${material}-next`,
    });
    expect(JSON.stringify(rotated.body)).not.toContain(material);
    await waitFor(() => (eventsOf(created.body!.id).length >= 4 ? true : undefined), {
      what: 'the key events',
    });

    const tables = (await dataSource.query(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
    )) as { table_schema: string; table_name: string }[];
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['provider_keys', 'provider_key_secrets', 'outbox']),
    );
    for (const t of tables) {
      const hits = (await dataSource.query(
        `SELECT count(*)::int AS n FROM "${t.table_schema}"."${t.table_name}" r WHERE r::text LIKE $1`,
        [`%${material}%`],
      )) as { n: number }[];
      expect({ table: t.table_name, hits: hits[0].n }).toEqual({ table: t.table_name, hits: 0 });
    }
    expect(JSON.stringify(seen)).not.toContain(material);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(material);

    const secrets = service.app.get<SecretBackend>(PROVIDER_KEY_SECRETS);
    const [row] = (await dataSource.query(
      'SELECT secret_ref, pending_secret_ref FROM provider_keys WHERE id = $1',
      [created.body!.id],
    )) as { secret_ref: string; pending_secret_ref: string }[];
    await expect(secrets.get(dataSource.manager, row.secret_ref)).resolves.toBe(material);
    await expect(secrets.get(dataSource.manager, row.pending_secret_ref)).resolves.toBe(`${material}-next`);
  });

  it('when 50 rotations of one key race, then exactly one wins, the rest get 409 within 5 s, and the key still answers', async () => {
    const { body: key } = await call('POST', '/api/providers/race/keys', attestation('race'));
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', `/api/providers/race/keys/${key!.id}/rotate`, {
          ...attestation(`race-${i}`),
          actor_ref: `op-${i}`,
        }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(49);
    const after = await call('GET', `/api/providers/race/keys/${key!.id}`);
    expect(after.body).toMatchObject({ posture: 'rotating', version: 2 });
  });

  it('when 50 approvals of one rotation race, then exactly one applies it, the rest get 409 within 5 s', async () => {
    const { body: key } = await call('POST', '/api/providers/race-approve/keys', attestation('ra'));
    await call('POST', `/api/providers/race-approve/keys/${key!.id}/rotate`, {
      ...attestation('ra-2'),
      actor_ref: 'requester',
    });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', `/api/providers/race-approve/keys/${key!.id}/rotation/approve`, {
          actor_ref: `approver-${i}`,
        }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(49);
    const after = await call('GET', `/api/providers/race-approve/keys/${key!.id}`);
    expect(after.body).toMatchObject({
      posture: 'active',
      version: 3,
      attestation_digest: attestation('ra-2').attestation_digest,
    });
  });
});
