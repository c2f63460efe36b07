// Capability intelligence through the broker: injected build, push, credential, certification and runtime signals
// move the scores, a burst against the baseline becomes an anomaly note, and a redelivered event changes nothing.
import { randomUUID } from 'node:crypto';
import type { Server, ServerIntelligence } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';

type ApiBody = ServerIntelligence & Server & { error: { code: string } };
const HOUR = 3_600_000;

describe('capability intelligence', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const inInbox = async (id: string) =>
    ((await ds.query('SELECT 1 FROM inbox WHERE event_id = $1', [id])) as unknown[]).length > 0;

  const build = (serverId: string, ok: boolean, at: string) =>
    ok
      ? publishTestEvent(kafka.brokers, 'build.succeeded', {
          build_id: randomUUID(),
          server_id: serverId,
          artifact_run_id: null,
          registry_image: null,
          manifest_digest: null,
          completed_at: at,
        })
      : publishTestEvent(kafka.brokers, 'build.failed', {
          build_id: randomUUID(),
          server_id: serverId,
          stage: 'push',
          error_kind: 'registry',
          message: 'push refused',
          completed_at: at,
        });
  const telemetry = (serverId: string, event: 'push_retry' | 'auth_health_reported', authExpired = false) =>
    publishTestEvent(kafka.brokers, 'build.telemetry', {
      server_id: serverId,
      build_id: null,
      event,
      details: {
        attempt: 1,
        retry_limit: 3,
        registry_endpoint: '127.0.0.1:5000',
        error_kind: null,
        auth_expired: authExpired,
        platform: 'linux/amd64',
      },
      recorded_at: ago(60_000),
    });
  const status = (serverId: string, from: string, to: string, version: number) =>
    publishTestEvent(kafka.brokers, 'runtime.server.status_changed', {
      server_id: serverId,
      from_status: from,
      to_status: to,
      reason: null,
      version,
      changed_at: ago(120_000),
    });

  beforeAll(async () => {
    db = await createTestDatabase('policy_intelligence');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
  });

  afterAll(async () => {
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when the server is unknown or the id malformed, then 404 or 400; with no signal the status is unknown', async () => {
    const missing = await call('GET', `/api/servers/${randomUUID()}/intelligence`);
    expect(missing.status).toBe(404);
    expect(missing.body?.error.code).toBe('SERVER_NOT_FOUND');
    expect((await call('GET', '/api/servers/nope/intelligence')).status).toBe(400);
    const { body: server } = await call('POST', '/api/servers', { name: 'quiet', server_type: 'Router' });
    const quiet = await call('GET', `/api/servers/${server!.id}/intelligence`);
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({
      status: 'unknown',
      overall_score: null,
      anomalies: [],
      scores: { build_success: null, push_reliability: null, credential_health: null },
    });
  });

  it('when failed builds, push retries and restarts are injected, then the scores move and anomaly notes appear', async () => {
    const { body: server } = await call('POST', '/api/servers', { name: 'noisy', server_type: 'Router' });
    const id = server!.id;
    for (let i = 0; i < 4; i++) await build(id, true, ago((10 + i) * HOUR));
    await build(id, false, ago(5 * HOUR));
    await waitFor(
      async () =>
        (await call('GET', `/api/servers/${id}/intelligence`)).body!.signals.build_failed === 1
          ? true
          : undefined,
      { what: 'the baseline builds' },
    );
    const before = (await call('GET', `/api/servers/${id}/intelligence`)).body!;
    expect(before.scores.build_success).toBe(80);
    expect(before.anomalies).toEqual([]);

    for (let i = 0; i < 4; i++) await build(id, false, ago((10 + i) * 60_000));
    for (let i = 0; i < 4; i++) await telemetry(id, 'push_retry');
    await telemetry(id, 'auth_health_reported', true);
    await status(id, 'running', 'unhealthy', 5);
    await status(id, 'unhealthy', 'starting', 6);
    const certAt = ago(30_000);
    await publishTestEvent(kafka.brokers, 'evaluation.certification.upserted', {
      id: randomUUID(),
      artifact_run_id: randomUUID(),
      manifest_digest: 'sha256:aa',
      tier: 'gold',
      policy_requirement: 'security-scan',
      status: 'pass',
      evidence: null,
      valid_from: certAt,
      valid_until: null,
      created_at: certAt,
      updated_at: certAt,
      server_id: id,
    });

    const after = await waitFor(
      async () => {
        const b = (await call('GET', `/api/servers/${id}/intelligence`)).body!;
        return b.signals.certification_pass === 1 &&
          b.signals.runtime_restart === 1 &&
          b.signals.push_retry === 4
          ? b
          : undefined;
      },
      { what: 'every injected signal' },
    );
    expect(after.signals).toMatchObject({ build_succeeded: 4, build_failed: 5, credential_unhealthy: 1 });
    expect(after.scores).toEqual({
      build_success: 44,
      push_reliability: 89,
      credential_health: 0,
      certification: 100,
      runtime_stability: 70,
    });
    expect(after.overall_score).toBe(61);
    expect(after.status).toBe('degraded');
    const bySignal = Object.fromEntries(after.anomalies.map((a) => [a.signal, a]));
    expect(Object.keys(bySignal).sort()).toEqual(['build_failed', 'push_retry']);
    expect(bySignal.build_failed).toMatchObject({ last_hour: 4 });
    expect(bySignal.build_failed.baseline_per_hour).toBeCloseTo(1 / 23);
    expect(bySignal.build_failed.note).toMatch(/^anomaly:build_failed: 4 in the last hour/);
  });

  it('when an event is redelivered, then nothing changes', async () => {
    const { body: server } = await call('POST', '/api/servers', { name: 'replayed', server_type: 'Router' });
    const id = server!.id;
    const payload = {
      build_id: randomUUID(),
      server_id: id,
      stage: 'build' as const,
      error_kind: 'dockerfile',
      message: 'bad',
      completed_at: ago(60_000),
    };
    const eventId = await publishTestEvent(kafka.brokers, 'build.failed', payload);
    await waitFor(() => inInbox(eventId), { what: 'the first delivery' });
    await publishTestEvent(kafka.brokers, 'build.failed', payload, { id: eventId });
    const marker = await build(id, true, ago(30_000));
    await waitFor(() => inInbox(marker), { what: 'the later marker' });
    const b = (await call('GET', `/api/servers/${id}/intelligence`)).body!;
    expect(b.signals).toEqual({ build_failed: 1, build_succeeded: 1 });
  });
});
