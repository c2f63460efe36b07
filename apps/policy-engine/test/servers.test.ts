// The server registry through HTTP on real Postgres and the embedded broker, including its events.
import { TOPICS, type Server } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type CollectedEvent,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { PolicyEngineModule } from '../src';

/** Any answer of this API, loosely: a server, a page of servers, or an error. */
type ApiBody = Server & {
  items: Server[];
  next_cursor: string | null;
  error: { code: string; message: string; details?: unknown };
};

describe('server registry', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let seen: CollectedEvent[];
  let reader: EventCollector;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase('policy_servers');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '200',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    reader = await collectEvents(kafka.brokers, TOPICS.servers.name);
    seen = reader.events;
  });

  afterAll(async () => {
    await reader.stop();
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when a server is registered, changed and deleted, then each step is answered and published', async () => {
    const created = await call('POST', '/api/servers', {
      name: 'weather',
      server_type: 'Router',
      source_repository: 'https://example.test/weather.git',
    });
    expect(created.status).toBe(201);
    const server = created.body as Server;
    expect(server).toMatchObject({
      name: 'weather',
      status: 'registered',
      version: 1,
      source_branch: 'main',
    });

    const fetched = await call('GET', `/api/servers/${server.id}`);
    expect(fetched.body).toEqual(server);

    const updated = await call('PATCH', `/api/servers/${server.id}`, { tier: 'gold', version: 1 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ tier: 'gold', version: 2 });

    const deleted = await call('DELETE', `/api/servers/${server.id}?version=2`);
    expect(deleted.status).toBe(204);
    expect((await call('GET', `/api/servers/${server.id}`)).status).toBe(404);

    await waitFor(() => (seen.filter((e) => e.key === server.id).length >= 3 ? true : undefined), {
      what: 'three server events',
    });
    const mine = seen.filter((e) => e.key === server.id);
    expect(mine.map((e) => e.type)).toEqual(['server.registered', 'server.updated', 'server.deleted']);
    expect(mine[1].payload).toMatchObject({ tier: 'gold', version: 2 });
  });

  it('when a stale version is written, then 409 VERSION_CONFLICT names the current version', async () => {
    const { body: s } = await call('POST', '/api/servers', { name: 'stale', server_type: 'Slack' });
    await call('PATCH', `/api/servers/${s!.id}`, { owner: 'ops', version: 1 });
    const res = await call('PATCH', `/api/servers/${s!.id}`, { owner: 'someone-else', version: 1 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'VERSION_CONFLICT', details: { current_version: 2 } } });
    const del = await call('DELETE', `/api/servers/${s!.id}?version=1`);
    expect(del.status).toBe(409);
  });

  it('when a name is taken, then 409 SERVER_NAME_TAKEN and no event is published for the rolled-back write', async () => {
    await call('POST', '/api/servers', { name: 'unique-one', server_type: 'Router' });
    const before = seen.length;
    const res = await call('POST', '/api/servers', { name: 'Unique-One', server_type: 'Router' });
    expect(res.status).toBe(409);
    expect(res.body?.error.code).toBe('SERVER_NAME_TAKEN');
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.slice(before).some((e) => (e.payload as { name?: string }).name === 'Unique-One')).toBe(
      false,
    );
  });

  it('when input is malformed, then 400 with a code and a message naming the field', async () => {
    const bad = await call('POST', '/api/servers', { name: '../etc', server_type: 'Router' });
    expect(bad.status).toBe(400);
    expect(bad.body?.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body?.error.message).toMatch(/name/);
    expect((await call('GET', '/api/servers/not-a-uuid')).body?.error.code).toBe('INVALID_ID');
    expect((await call('GET', '/api/servers?cursor=bogus')).body?.error.code).toBe('INVALID_CURSOR');
    const notJson = await fetch(`${url}/api/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it('when listing, then keyset pages cover every server once and q filters by substring', async () => {
    for (let i = 0; i < 7; i++)
      await call('POST', '/api/servers', { name: `page-${i}`, server_type: 'Router' });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/api/servers?limit=3&q=page-${cursor ? `&cursor=${cursor}` : ''}`);
      names.push(...(res.body!.items as Server[]).map((s) => s.name));
      cursor = res.body!.next_cursor as string | null;
    } while (cursor);
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  });

  it('when probed, then health, readiness and metrics answer', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { checks: { database: 'up', kafka: 'up' } } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('mcp_host_http_requests_total');
    expect(metrics).toContain('mcp_host_events_published_total');
    expect(metrics).toContain('mcp_host_outbox_lag_events');
  });
});

describe('server build status', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('policy_build_status');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '200',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when the build-service reports a run, then the server goes building → error → built and each step is republished', async () => {
    const created = (await (
      await fetch(`${url}/api/servers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'built-one', server_type: 'Router' }),
      })
    ).json()) as Server;
    const collector = await collectEvents(kafka.brokers, TOPICS.servers.name);
    const status = async () =>
      ((await (await fetch(`${url}/api/servers/${created.id}`)).json()) as Server).status;
    const buildId = '0b9c6c32-7a2e-4c7e-9a55-3f0c0a1d2e01';
    try {
      await publishTestEvent(kafka.brokers, 'build.started', {
        build_id: buildId,
        server_id: created.id,
        source_repository: null,
        source_branch: null,
        dockerfile_path: 'Dockerfile',
        platforms: ['linux/amd64'],
        requested_by: null,
        started_at: new Date().toISOString(),
      });
      await waitFor(async () => ((await status()) === 'building' ? true : undefined), { what: 'building' });
      await publishTestEvent(kafka.brokers, 'build.failed', {
        build_id: buildId,
        server_id: created.id,
        stage: 'push',
        error_kind: 'registry_5xx',
        message: 'registry answered 500 three times',
        completed_at: new Date().toISOString(),
      });
      await waitFor(async () => ((await status()) === 'error' ? true : undefined), { what: 'error' });
      await publishTestEvent(kafka.brokers, 'build.succeeded', {
        build_id: buildId,
        server_id: created.id,
        artifact_run_id: null,
        registry_image: null,
        manifest_digest: null,
        completed_at: new Date().toISOString(),
      });
      await waitFor(async () => ((await status()) === 'built' ? true : undefined), { what: 'built' });
      await waitFor(
        () =>
          collector.events.filter((e) => e.key === created.id && e.type === 'server.updated').length >= 3
            ? true
            : undefined,
        { what: 'three server.updated events' },
      );
      const updates = collector.events.filter((e) => e.key === created.id && e.type === 'server.updated');
      expect(updates.map((e) => e.payload.status)).toEqual(['building', 'error', 'built']);
      expect(updates.map((e) => e.payload.version)).toEqual([2, 3, 4]);
    } finally {
      await collector.stop();
    }
  });
});
