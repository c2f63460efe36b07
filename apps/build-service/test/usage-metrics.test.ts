// The build service's server projection and GET /api/servers/:id/metrics, on real Postgres and the embedded broker.
import { randomUUID } from 'node:crypto';
import { metricSchema, type Metric, type Server } from '@mcp-host/contracts';
import { waitFor } from '@mcp-host/platform/testing';
import { BuildServiceModule } from '../src';
import { UsageMetricRepository } from '../src/metrics/usage-metric.repository';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('build_service_test', (env) => BuildServiceModule.forRoot({ env }));
});

afterAll(async () => {
  await h?.close();
});

type Projected = { name: string; version: number; tier: string | null };

async function projected(id: string): Promise<Projected | undefined> {
  const rows = await h.serviceDb.query<Projected[]>('SELECT name, version, tier FROM servers WHERE id = $1', [
    id,
  ]);
  return rows[0];
}

/** A metrics page or an error body; each test asserts the half it expects. */
interface Body {
  items: Metric[];
  next_cursor: string | null;
  error: { code: string; message: string };
}

async function get(path: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${h.url}${path}`);
  return { status: res.status, body: (await res.json()) as Body };
}

let seq = 0;
function serverName(): string {
  seq += 1;
  return `bs-${Date.now().toString(36)}-${seq}`;
}

async function registered(): Promise<Server> {
  const server = await h.registerServer({ name: serverName(), server_type: 'Router' });
  await waitFor(() => projected(server.id), {
    timeoutMs: 15_000,
    what: 'the registered server in the projection',
  });
  return server;
}

describe('server projection', () => {
  it('when a server is registered and then updated, then the projection follows both versions', async () => {
    const server = await h.registerServer({ name: serverName(), server_type: 'Router', tier: 'bronze' });
    await expect(
      waitFor(() => projected(server.id), { timeoutMs: 15_000, what: 'registered server' }),
    ).resolves.toEqual({ name: server.name, version: 1, tier: 'bronze' });

    const updated = await h.updateServer(server.id, { tier: 'gold', version: 1 });
    expect(updated.version).toBe(2);
    await expect(
      waitFor(async () => ((await projected(server.id))?.version === 2 ? projected(server.id) : undefined), {
        timeoutMs: 15_000,
      }),
    ).resolves.toEqual({ name: server.name, version: 2, tier: 'gold' });
  });

  it('when an older snapshot arrives after a newer one, then the projection keeps the newer version', async () => {
    const server = await registered();
    const v2 = await h.updateServer(server.id, { tier: 'silver', version: 1 });
    await waitFor(async () => (await projected(server.id))?.version === 2, { timeoutMs: 15_000 });

    // A replayed registration and a reordered older update, each a distinct event the inbox has not seen.
    const replayed = await h.publishFromPolicy('server.registered', server);
    const stale = await h.publishFromPolicy('server.updated', { ...v2, version: 1, tier: 'stale' });
    await h.waitForInbox(replayed);
    await h.waitForInbox(stale);

    await expect(projected(server.id)).resolves.toEqual({ name: server.name, version: 2, tier: 'silver' });
  });

  it('when a server is deleted, then it leaves the projection and a late update does not bring it back', async () => {
    const server = await registered();
    await h.deleteServer(server.id);
    await waitFor(async () => (await projected(server.id)) === undefined, {
      timeoutMs: 15_000,
      what: 'deletion',
    });

    const late = await h.publishFromPolicy('server.updated', { ...server, version: 7, tier: 'zombie' });
    await h.waitForInbox(late);

    await expect(projected(server.id)).resolves.toBeUndefined();
    const res = await get(`/api/servers/${server.id}/metrics`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'SERVER_NOT_FOUND', message: expect.any(String) } });
  });

  it('when the deletion arrives before the registration, then the server never appears', async () => {
    const id = randomUUID();
    const now = new Date().toISOString();
    const snapshot = {
      id,
      name: serverName(),
      server_type: 'Slack',
      source_repository: null,
      source_branch: 'main',
      dockerfile_path: 'Dockerfile',
      tier: null,
      owner: null,
      status: 'registered',
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const deleted = await h.publishFromPolicy('server.deleted', {
      id,
      name: snapshot.name,
      version: 1,
      deleted_at: now,
    });
    await h.waitForInbox(deleted);
    const registration = await h.publishFromPolicy('server.registered', snapshot);
    await h.waitForInbox(registration);

    await expect(projected(id)).resolves.toBeUndefined();
  });
});

describe('GET /api/servers/:id/metrics', () => {
  it('when metrics exist, then pages come newest first with details whole and no row lost or repeated', async () => {
    const server = await registered();
    const other = await registered();
    const repo = h.service.app.get(UsageMetricRepository);
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const inserted: string[] = [];
    await h.serviceDb.transaction(async (m) => {
      // Microsecond timestamps inside one millisecond, and a tie, so the cursor must not round.
      const stamps = [
        '2026-01-01T00:00:00.000100Z',
        '2026-01-01T00:00:00.000200Z',
        '2026-01-01T00:00:00.000200Z',
        '2026-01-01T00:00:00.000300Z',
        new Date(base + 5000).toISOString(),
      ];
      for (const [i, created_at] of stamps.entries()) {
        const row = await repo.insert(m, {
          server_id: server.id,
          build_id: i === 0 ? null : randomUUID(),
          event: i % 2 === 0 ? 'push_retry' : 'push_failed',
          details: {
            attempt: i,
            retry_limit: 3,
            registry_endpoint: 'registry.local:5000',
            error_kind: i % 2 === 0 ? 'io' : null,
            auth_expired: false,
            platform: 'linux/amd64',
            reason: 'auth_refresh',
            nested: { scopes: ['repository:x:push'] },
          },
          created_at,
        });
        inserted.push(row.id);
      }
      await repo.insert(m, { server_id: other.id, build_id: null, event: 'tag_started', details: {} });
    });

    const seen: Metric[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/servers/${server.id}/metrics?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((r) => r.id))).toEqual(new Set(inserted));
    expect(seen[0]).toEqual({
      id: inserted[4],
      server_id: server.id,
      build_id: expect.any(String),
      event: 'push_retry',
      details: {
        attempt: 4,
        retry_limit: 3,
        registry_endpoint: 'registry.local:5000',
        error_kind: 'io',
        auth_expired: false,
        platform: 'linux/amd64',
        reason: 'auth_refresh',
        nested: { scopes: ['repository:x:push'] },
      },
      recorded_at: '2026-01-01T00:00:05.000Z',
    });
    // Rows whose details carry the telemetry keys are exactly the contracts' metric.
    for (const r of seen) expect(metricSchema.safeParse(r).error).toBeUndefined();
    expect(seen[4].id).toBe(inserted[0]);
    expect(seen[4].build_id).toBeNull();
    const times = seen.map((r) => Date.parse(r.recorded_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('when an event filter is given, then only that event comes back', async () => {
    const server = await registered();
    const repo = h.service.app.get(UsageMetricRepository);
    await h.serviceDb.transaction(async (m) => {
      for (const event of ['tag_started', 'tag_succeeded', 'push_failed', 'tag_started']) {
        await repo.insert(m, { server_id: server.id, build_id: null, event, details: { attempt: 0 } });
      }
    });
    const res = await get(`/api/servers/${server.id}/metrics?event=tag_started&limit=1`);
    expect(res.body.items.map((r) => r.event)).toEqual(['tag_started']);
    const rest = await get(
      `/api/servers/${server.id}/metrics?event=tag_started&cursor=${res.body.next_cursor}`,
    );
    expect(rest.body.items.map((r) => r.event)).toEqual(['tag_started']);
    expect(rest.body.next_cursor).toBeNull();
  });

  it('when no limit is given, then at most 50 rows come back with a cursor for the rest', async () => {
    const server = await registered();
    const repo = h.service.app.get(UsageMetricRepository);
    await h.serviceDb.transaction(async (m) => {
      for (let i = 0; i < 51; i++) {
        await repo.insert(m, { server_id: server.id, build_id: null, event: 'tag_started', details: { i } });
      }
    });
    const first = await get(`/api/servers/${server.id}/metrics`);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await get(`/api/servers/${server.id}/metrics?cursor=${first.body.next_cursor}`);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ server_id: server.id })],
      next_cursor: null,
    });
  });

  it('when the server has no metrics, then the page is empty', async () => {
    const server = await registered();
    await expect(get(`/api/servers/${server.id}/metrics`)).resolves.toEqual({
      status: 200,
      body: { items: [], next_cursor: null },
    });
  });

  it('when the server is unknown, then 404 SERVER_NOT_FOUND', async () => {
    const res = await get(`/api/servers/${randomUUID()}/metrics`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('SERVER_NOT_FOUND');
  });

  it.each([
    ['limit=0', 'VALIDATION_FAILED'],
    ['limit=201', 'VALIDATION_FAILED'],
    ['limit=abc', 'VALIDATION_FAILED'],
    ['cursor=not-a-cursor', 'INVALID_CURSOR'],
  ])('when the query has %s, then 400 %s', async (query, code) => {
    const server = await registered();
    const res = await get(`/api/servers/${server.id}/metrics?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  });

  it('when the id is not a UUID, then 400 INVALID_ID', async () => {
    const res = await get('/api/servers/not-a-uuid/metrics');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'INVALID_ID', message: 'The server id must be a UUID.' });
  });
});
