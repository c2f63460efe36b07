// Agent sessions and grant enable/disable in the policy engine: REST with optimistic locking, each change published
// for the gateway (agent.session.* on the sessions topic, grant.enabled / grant.disabled on the grants topic).
import { randomUUID } from 'node:crypto';
import { TOPICS, type AgentSession, type Grant } from '@mcp-host/contracts';
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
import { PolicyEngineModule } from '../src';

type ApiBody = AgentSession &
  Grant & {
    items: AgentSession[];
    next_cursor: string | null;
    error: { code: string; message: string; details?: Record<string, unknown> };
  };

describe('agent sessions and grant enable/disable', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let sessionEvents: EventCollector;
  let grantEvents: EventCollector;
  const serverId = randomUUID();

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'x-mcp-host-subject': 'admin@example.com',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };

  const open = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/api/sessions', body);
    expect(res.status).toBe(201);
    return res.body as AgentSession;
  };

  const published = (c: EventCollector, type: string, id: string, version: number) =>
    waitFor(
      () =>
        c.events.some(
          (e) =>
            e.type === type &&
            (e.payload as { id: string }).id === id &&
            (e.payload as { version: number }).version === version,
        ),
      { timeoutMs: 15_000, what: `${type} v${version}` },
    );

  beforeAll(async () => {
    db = await createTestDatabase('policy_agent_sessions');
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
    [sessionEvents, grantEvents] = await Promise.all([
      collectEvents(kafka.brokers, TOPICS.accessSessions.name),
      collectEvents(kafka.brokers, TOPICS.accessGrants.name),
    ]);
  });

  afterAll(async () => {
    await sessionEvents?.stop();
    await grantEvents?.stop();
    await service?.close();
    await kafka?.stop();
    await db?.drop();
  });

  it('when a session is opened, read, revoked and unrevoked, then each step moves its version and is published', async () => {
    const before = Date.now();
    const session = await open({
      agent_id: 'forecast-agent',
      subject: 'subject:agent@example.com',
      server_id: serverId,
      trust_level: 'medium',
      ttl_seconds: 600,
    });
    expect(session).toMatchObject({
      agent_id: 'forecast-agent',
      subject: 'subject:agent@example.com',
      server_id: serverId,
      trust_level: 'medium',
      revoked: false,
      revoked_at: null,
      version: 1,
      created_by: 'admin@example.com',
    });
    const ttl = Date.parse(session.expires_at) - before;
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThan(660_000);
    expect((await call('GET', `/api/sessions/${session.id}`)).body).toEqual(session);
    await published(sessionEvents, 'agent.session.created', session.id, 1);
    expect(sessionEvents.events.find((e) => e.type === 'agent.session.created')?.payload).toEqual(session);

    const revoked = await call('POST', `/api/sessions/${session.id}/revoke`, { version: 1 });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: session.id, revoked: true, version: 2 });
    expect(revoked.body?.revoked_at).toEqual(expect.any(String));
    await published(sessionEvents, 'agent.session.revoked', session.id, 2);

    // Revoking a revoked session at its version changes nothing.
    const again = await call('POST', `/api/sessions/${session.id}/revoke`, { version: 2 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ revoked: true, version: 2 });

    const restored = await call('POST', `/api/sessions/${session.id}/unrevoke`, { version: 2 });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ revoked: false, revoked_at: null, version: 3 });
    await published(sessionEvents, 'agent.session.unrevoked', session.id, 3);
    expect(
      sessionEvents.events.filter((e) => (e.payload as { id: string }).id === session.id).map((e) => e.type),
    ).toEqual(['agent.session.created', 'agent.session.revoked', 'agent.session.unrevoked']);
  });

  it('when a revoke names a stale version or a missing session, then 409 naming the current version, or 404', async () => {
    const session = await open({ agent_id: 'a', subject: 'token:t-1' });
    expect(session).toMatchObject({ trust_level: 'low', server_id: null });
    const stale = await call('POST', `/api/sessions/${session.id}/revoke`, { version: 5 });
    expect(stale.status).toBe(409);
    expect(stale.body?.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { current_version: 1 } });
    const missing = await call('POST', `/api/sessions/${randomUUID()}/unrevoke`, { version: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body?.error.code).toBe('AGENT_SESSION_NOT_FOUND');
  });

  it('when 30 revokes race on one version, then exactly one moves it and the rest 409 or change nothing', async () => {
    const session = await open({ agent_id: 'racer', subject: 'subject:racer' });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => call('POST', `/api/sessions/${session.id}/revoke`, { version: 1 })),
    );
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect((await call('GET', `/api/sessions/${session.id}`)).body).toMatchObject({
      revoked: true,
      version: 2,
    });
    await published(sessionEvents, 'agent.session.revoked', session.id, 2);
    expect(
      sessionEvents.events.filter(
        (e) => e.type === 'agent.session.revoked' && (e.payload as { id: string }).id === session.id,
      ),
    ).toHaveLength(1);
  });

  it('when the input is bad, then the answer is 400 with the validation code', async () => {
    const cases: unknown[] = [
      {},
      { agent_id: 'a', subject: 'role:admin' },
      { agent_id: 'a', subject: 'nobody' },
      { agent_id: 'a', subject: 'token:x', trust_level: 'absolute' },
      { agent_id: 'a', subject: 'token:x', ttl_seconds: 0 },
      { agent_id: 'a', subject: 'token:x', ttl_seconds: 31 * 24 * 3600 },
      { agent_id: 'a', subject: 'token:x', server_id: 'nope' },
      { agent_id: 'bad\u0000id', subject: 'token:x' },
      { agent_id: 'a', subject: 'token:x', extra: 1 },
    ];
    for (const body of cases) {
      const res = await call('POST', '/api/sessions', body);
      expect(res.status).toBe(400);
      expect(res.body?.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await call('GET', '/api/sessions/not-a-uuid')).status).toBe(400);
    expect((await call('GET', '/api/sessions?cursor=garbage')).body?.error.code).toBe('INVALID_CURSOR');
    expect((await call('GET', '/api/sessions?state=sleeping')).status).toBe(400);
    expect((await call('POST', `/api/sessions/${randomUUID()}/revoke`, {})).status).toBe(400);
  });

  it('when sessions are listed with filters in pages, then the pages cover them once in creation order', async () => {
    const agent = `agent-${randomUUID()}`;
    const made: AgentSession[] = [];
    for (let i = 0; i < 5; i++) made.push(await open({ agent_id: agent, subject: `subject:s-${i}` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        'GET',
        `/api/sessions?agent_id=${agent}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...(res.body?.items ?? []).map((s) => s.id));
      cursor = res.body?.next_cursor ?? null;
    } while (cursor);
    expect(seen).toEqual(made.map((s) => s.id));

    expect((await call('POST', `/api/sessions/${made[1].id}/revoke`, { version: 1 })).status).toBe(200);
    const ids = async (query: string) =>
      ((await call('GET', `/api/sessions?agent_id=${agent}&${query}`)).body?.items ?? []).map((s) => s.id);
    expect(await ids('state=revoked')).toEqual([made[1].id]);
    expect(await ids('state=active')).toEqual(made.filter((_, i) => i !== 1).map((s) => s.id));
    expect(await ids('state=expired')).toEqual([]);
    expect(await ids(`subject=${encodeURIComponent('subject:s-3')}`)).toEqual([made[3].id]);
  });

  it('when a session outlives its TTL, then it is listed as expired, not active', async () => {
    const agent = `short-${randomUUID()}`;
    const session = await open({ agent_id: agent, subject: 'subject:brief', ttl_seconds: 1 });
    await waitFor(
      async () =>
        ((await call('GET', `/api/sessions?agent_id=${agent}&state=expired`)).body?.items ?? []).some(
          (s) => s.id === session.id,
        ),
      { timeoutMs: 15_000, what: 'the session to expire' },
    );
    expect((await call('GET', `/api/sessions?agent_id=${agent}&state=active`)).body?.items).toEqual([]);
  });

  it('when a grant is disabled and enabled, then its version moves, a stale version is 409 and each change is published', async () => {
    const created = await call('POST', '/api/grants', {
      server_id: serverId,
      subject: 'subject:agent@example.com',
      allow_tools: ['echo'],
    });
    expect(created.status).toBe(201);
    const grant = created.body as Grant;
    expect(grant.enabled).toBe(true);

    const disabled = await call('POST', `/api/grants/${grant.id}/disable`, { version: 1 });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: grant.id, enabled: false, version: 2, allow_tools: ['echo'] });
    expect((await call('GET', `/api/grants/${grant.id}`)).body).toMatchObject({ enabled: false, version: 2 });
    await published(grantEvents, 'grant.disabled', grant.id, 2);

    const stale = await call('POST', `/api/grants/${grant.id}/enable`, { version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body?.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { current_version: 2 } });
    expect((await call('POST', `/api/grants/${randomUUID()}/enable`, { version: 1 })).status).toBe(404);

    const enabled = await call('POST', `/api/grants/${grant.id}/enable`, { version: 2 });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, version: 3 });
    await published(grantEvents, 'grant.enabled', grant.id, 3);
    expect(grantEvents.events.find((e) => e.type === 'grant.enabled')?.payload).toEqual(enabled.body);

    // Enabling an enabled grant changes nothing; a delete then needs the current version.
    expect((await call('POST', `/api/grants/${grant.id}/enable`, { version: 3 })).body).toMatchObject({
      version: 3,
    });
    expect((await call('DELETE', `/api/grants/${grant.id}?version=3`)).status).toBe(204);
  });
});
