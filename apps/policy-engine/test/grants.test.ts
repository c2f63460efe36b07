// The MCP tool grant store: REST create/list/get/delete with optimistic locking, each change published for the
// gateway on the grants topic.
import { randomUUID } from 'node:crypto';
import { TOPICS, type Grant } from '@mcp-host/contracts';
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

type ApiBody = Grant & {
  items: Grant[];
  next_cursor: string | null;
  error: { code: string; message: string; details?: Record<string, unknown> };
};

describe('grants', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let reader: EventCollector;
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

  const create = async (subject: string, allow: string[], deny: string[] = [], server = serverId) => {
    const res = await call('POST', '/api/grants', {
      server_id: server,
      subject,
      allow_tools: allow,
      deny_tools: deny,
    });
    expect(res.status).toBe(201);
    return res.body as Grant;
  };

  beforeAll(async () => {
    db = await createTestDatabase('policy_grants');
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
    reader = await collectEvents(kafka.brokers, TOPICS.accessGrants.name);
  });

  afterAll(async () => {
    await reader?.stop();
    await service?.close();
    await kafka?.stop();
    await db?.drop();
  });

  it('when a grant is created, read and deleted, then each step is answered and published', async () => {
    const grant = await create('subject:agent@example.com', ['echo', 'echo'], ['wipe']);
    expect(grant).toMatchObject({
      server_id: serverId,
      subject: 'subject:agent@example.com',
      allow_tools: ['echo'],
      deny_tools: ['wipe'],
      version: 1,
      created_by: 'admin@example.com',
    });
    expect((await call('GET', `/api/grants/${grant.id}`)).body).toEqual(grant);
    await waitFor(() => reader.events.some((e) => e.type === 'grant.created' && e.payload.id === grant.id), {
      timeoutMs: 15_000,
      what: 'grant.created',
    });
    expect(reader.events.find((e) => e.payload.id === grant.id)?.payload).toEqual(grant);

    expect((await call('DELETE', `/api/grants/${grant.id}?version=1`)).status).toBe(204);
    expect((await call('GET', `/api/grants/${grant.id}`)).status).toBe(404);
    await waitFor(() => reader.events.some((e) => e.type === 'grant.deleted' && e.payload.id === grant.id), {
      timeoutMs: 15_000,
      what: 'grant.deleted',
    });
    expect(
      reader.events.find((e) => e.type === 'grant.deleted' && e.payload.id === grant.id)?.payload,
    ).toMatchObject({
      server_id: serverId,
      version: 1,
      deleted_by: 'admin@example.com',
    });
  });

  it('when the input is bad, then the answer is 400 with the validation code', async () => {
    const cases: unknown[] = [
      { server_id: 'nope', subject: 'role:admin', allow_tools: ['x'] },
      { server_id: serverId, subject: 'someone', allow_tools: ['x'] },
      { server_id: serverId, subject: 'role:root', allow_tools: ['x'] },
      { server_id: serverId, subject: 'role:admin' },
      { server_id: serverId, subject: 'role:admin', allow_tools: ['bad\u0000name'] },
      { server_id: serverId, subject: 'role:admin', allow_tools: ['x'], extra: true },
    ];
    for (const body of cases) {
      const res = await call('POST', '/api/grants', body);
      expect(res.status).toBe(400);
      expect(res.body?.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await call('GET', '/api/grants/not-a-uuid')).status).toBe(400);
    expect((await call('GET', '/api/grants?cursor=garbage')).body?.error.code).toBe('INVALID_CURSOR');
    expect((await call('DELETE', `/api/grants/${randomUUID()}`)).status).toBe(400);
  });

  it('when a delete names a stale version or a missing grant, then 409 naming the current version, or 404', async () => {
    const grant = await create('role:operator', ['*']);
    const stale = await call('DELETE', `/api/grants/${grant.id}?version=2`);
    expect(stale.status).toBe(409);
    expect(stale.body?.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { current_version: 1 } });
    expect((await call('DELETE', `/api/grants/${randomUUID()}?version=1`)).status).toBe(404);
  });

  it('when grants are listed by server in pages, then the pages cover them once in creation order', async () => {
    const server = randomUUID();
    const made: Grant[] = [];
    for (let i = 0; i < 5; i++) made.push(await create(`token:${randomUUID()}`, [`tool-${i}`], [], server));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        'GET',
        `/api/grants?server_id=${server}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...(res.body?.items ?? []).map((g) => g.id));
      cursor = res.body?.next_cursor ?? null;
    } while (cursor);
    expect(seen).toEqual(made.map((g) => g.id));
    const bySubject = await call('GET', `/api/grants?subject=${encodeURIComponent(made[2].subject)}`);
    expect(bySubject.body?.items.map((g) => g.id)).toEqual([made[2].id]);
  });

  it('when 50 deletes race on one version, then exactly one wins, the rest 404 or 409, within 5 s', async () => {
    const grant = await create('role:viewer', ['read']);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call('DELETE', `/api/grants/${grant.id}?version=1`)),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.every((s) => s === 204 || s === 404 || s === 409)).toBe(true);
    expect((await call('GET', '/api/grants?limit=1')).status).toBe(200);
  });
});
