// Key posture in launch decisions: every decision carries the posture of the keys bound to its server, and a launch
// bound to a key whose rotation is overdue, or to a revoked key, is vetoed with `key:*` notes.
import { createHash, randomBytes } from 'node:crypto';
import { TOPICS, type PolicyDecision, type ProviderKey, type StartServerResponse } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  startTestKafka,
  waitFor,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { ProviderKeyClock } from '../src/provider-keys/provider-key.posture';
import { ExecutorRegistry } from '../src/runtime/executor-registry';
import { RecordingExecutor } from './support/recording-executor';

type ApiBody = StartServerResponse & ProviderKey & { id: string; error: { code: string; message: string } };
const DAY = 86_400_000;

describe('provider key gating', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;
  let lifecycle: EventCollector;
  let now = new Date();

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };

  const registerKey = async (provider: string, rotationDue: Date) => {
    const bundle = randomBytes(64);
    const res = await call('POST', `/api/providers/${provider}/keys`, {
      attestation_digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
      attestation_signature: bundle.toString('base64'),
      rotation_due: rotationDue.toISOString(),
    });
    expect(res.status).toBe(201);
    return res.body as ProviderKey;
  };

  beforeAll(async () => {
    db = await createTestDatabase('policy_key_gating');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          RUNTIME_DEFAULT_IMAGES: 'Router=localhost/mcp-host/router:latest',
          PROVIDER_KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        },
      }),
    );
    service.app.get(ExecutorRegistry).register(new RecordingExecutor());
    jest.spyOn(service.app.get(ProviderKeyClock), 'now').mockImplementation(() => new Date(now));
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
    lifecycle = await collectEvents(kafka.brokers, TOPICS.runtimeLifecycle.name);
  });

  afterAll(async () => {
    await lifecycle.stop();
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when no key is bound, then the decision carries an unbound, unvetoed posture and the launch proceeds', async () => {
    const { body: server } = await call('POST', '/api/servers', { name: 'no-keys', server_type: 'Router' });
    const res = await call('POST', `/api/servers/${server!.id}/start`, {});
    expect(res.status).toBe(202);
    expect(res.body!.status).toBe('starting');
    expect(res.body!.decision.key_posture).toMatchObject({ state: 'unbound', key_id: null, vetoed: false });
  });

  it('when the bound key moves active → due soon → overdue, then the decision vetoes the launch with key:rotation_overdue', async () => {
    const start = now;
    const { body: server } = await call('POST', '/api/servers', { name: 'keyed', server_type: 'Router' });
    const key = await registerKey('openai', new Date(start.getTime() + 30 * DAY));
    const bound = await call('POST', `/api/providers/openai/keys/${key.id}/bindings`, {
      binding_type: 'server',
      binding_target: server!.id,
    });
    expect(bound.status).toBe(201);

    const first = await call('POST', `/api/servers/${server!.id}/start`, {});
    expect(first.body!.status).toBe('starting');
    expect(first.body!.decision.key_posture).toMatchObject({
      provider_id: 'openai',
      key_id: key.id,
      state: 'active',
      rotation_due: key.rotation_due,
      vetoed: false,
    });
    await call('POST', `/api/servers/${server!.id}/stop`, {});

    now = new Date(start.getTime() + 25 * DAY);
    const soon = await call('POST', `/api/servers/${server!.id}/start`, {});
    expect(soon.body!.status).toBe('starting');
    expect(soon.body!.decision.key_posture).toMatchObject({ state: 'rotation_due_soon', vetoed: false });
    expect(soon.body!.decision.policy_notes.filter((n) => n.startsWith('key:'))).toEqual([]);
    await call('POST', `/api/servers/${server!.id}/stop`, {});

    now = new Date(start.getTime() + 31 * DAY);
    const vetoed = await call('POST', `/api/servers/${server!.id}/start`, {});
    expect(vetoed.status).toBe(202);
    expect(vetoed.body!.status).toBe('error');
    const decision: PolicyDecision = vetoed.body!.decision;
    expect(decision.key_posture).toMatchObject({ state: 'rotation_overdue', vetoed: true });
    expect(decision.policy_notes).toContain(`key:rotation_overdue:openai:${key.id}`);
    expect(vetoed.body!.server.status).toBe('error');

    await waitFor(
      () =>
        lifecycle.events.find(
          (e) => e.type === 'runtime.launch.failed' && e.payload.launch_id === vetoed.body!.launch_id,
        ),
      { what: 'the vetoed launch failure' },
    );
    const failed = lifecycle.events.find(
      (e) => e.payload.launch_id === vetoed.body!.launch_id && e.type === 'runtime.launch.failed',
    );
    expect(failed!.payload).toMatchObject({
      error_kind: 'key_vetoed',
      message: `key:rotation_overdue:openai:${key.id}`,
    });
    now = start;
  });

  it('when a bound key is revoked, then the launch is vetoed with key:revoked', async () => {
    const { body: server } = await call('POST', '/api/servers', {
      name: 'revoked-key',
      server_type: 'Router',
    });
    const key = await registerKey('anthropic', new Date(now.getTime() + 365 * DAY));
    await call('POST', `/api/providers/anthropic/keys/${key.id}/bindings`, {
      binding_type: 'server',
      binding_target: server!.id,
    });
    // No route revokes a key yet; the state is set where the revocation would write it.
    await ds.query(`UPDATE provider_keys SET state = 'revoked' WHERE id = $1`, [key.id]);
    const res = await call('POST', `/api/servers/${server!.id}/start`, {});
    expect(res.body!.status).toBe('error');
    expect(res.body!.decision.key_posture).toMatchObject({ state: 'revoked', vetoed: true });
    expect(res.body!.decision.policy_notes).toContain(`key:revoked:anthropic:${key.id}`);
  });
});
