// The governance service's server projection and /api/governance/workflows, on real Postgres and the embedded broker.
import { randomUUID } from 'node:crypto';
import { TOPICS, type Server } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { GovernanceModule } from '../src';
import type { Workflow } from '../src/workflows/workflow.dto';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';

let h: Harness;
let events: EventCollector;

beforeAll(async () => {
  h = await startHarness('governance_test', (env) => GovernanceModule.forRoot({ env }));
  events = await collectEvents(h.kafka.brokers, TOPICS.governanceRuns.name);
});

afterAll(async () => {
  await events?.stop();
  await h?.close();
});

/** A workflow page, a workflow or an error body; each test asserts the part it expects. */
type Body = Workflow & {
  items: Workflow[];
  next_cursor: string | null;
  error: { code: string; message: string };
};

async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

let seq = 0;
function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`;
}

async function createWorkflow(over: Record<string, unknown> = {}): Promise<Workflow> {
  const res = await call('POST', '/api/governance/workflows', {
    name: unique('wf'),
    tier: 'production',
    steps: [{ name: 'review' }],
    ...over,
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

type Projected = { name: string; version: number };

async function projected(id: string): Promise<Projected | undefined> {
  const rows = await h.serviceDb.query<Projected[]>('SELECT name, version FROM servers WHERE id = $1', [id]);
  return rows[0];
}

describe('server projection', () => {
  it('when a server is registered, updated and deleted, then the projection follows each step', async () => {
    const server: Server = await h.registerServer({ name: unique('gov'), server_type: 'Router' });
    await expect(waitFor(() => projected(server.id), { timeoutMs: 15_000 })).resolves.toEqual({
      name: server.name,
      version: 1,
    });
    const name = unique('gov');
    await h.updateServer(server.id, { name, version: 1 });
    await waitFor(async () => (await projected(server.id))?.version === 2, { timeoutMs: 15_000 });
    await expect(projected(server.id)).resolves.toEqual({ name, version: 2 });

    await h.deleteServer(server.id);
    await waitFor(async () => (await projected(server.id)) === undefined, { timeoutMs: 15_000 });
  });

  it('when older or late events arrive, then the projection neither regresses nor resurrects', async () => {
    const server = await h.registerServer({ name: unique('gov'), server_type: 'Router' });
    const v2 = await h.updateServer(server.id, { name: unique('gov'), version: 1 });
    await waitFor(async () => (await projected(server.id))?.version === 2, { timeoutMs: 15_000 });

    await h.waitForInbox(await h.publishFromPolicy('server.updated', { ...v2, name: 'older', version: 1 }));
    await expect(projected(server.id)).resolves.toEqual({ name: v2.name, version: 2 });

    await h.deleteServer(server.id);
    await waitFor(async () => (await projected(server.id)) === undefined, { timeoutMs: 15_000 });
    await h.waitForInbox(await h.publishFromPolicy('server.updated', { ...v2, version: 3 }));
    await expect(projected(server.id)).resolves.toBeUndefined();
  });
});

describe('POST /api/governance/workflows', () => {
  it('when a workflow is created, then it is stored with ordered steps and its event is published', async () => {
    const name = unique('promote');
    const res = await call(
      'POST',
      '/api/governance/workflows',
      {
        name,
        kind: 'rollback',
        tier: 'gold',
        description: 'Roll back a bad digest',
        steps: [
          { name: 'freeze', action: 'pause-deploys' },
          { name: 'approve', description: 'An operator signs off' },
          { name: 'redeploy', action: 'redeploy' },
        ],
      },
      { 'x-mcp-host-subject': 'alice@example.com' },
    );
    expect(res.status).toBe(201);
    const wf = res.body;
    expect(wf).toEqual({
      id: expect.any(String),
      name,
      kind: 'rollback',
      tier: 'gold',
      description: 'Roll back a bad digest',
      created_by: 'alice@example.com',
      steps: [
        { position: 0, name: 'freeze', action: 'pause-deploys', description: null },
        { position: 1, name: 'approve', action: null, description: 'An operator signs off' },
        { position: 2, name: 'redeploy', action: 'redeploy', description: null },
      ],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    await expect(call('GET', `/api/governance/workflows/${wf.id}`)).resolves.toEqual({
      status: 200,
      body: wf,
    });

    const event = await waitFor(
      () =>
        events.events.find(
          (e) => e.type === 'governance.workflow.created' && e.payload.workflow_id === wf.id,
        ),
      { timeoutMs: 15_000, what: 'the governance.workflow.created event' },
    );
    expect(event.attributes.subject).toBe(wf.id);
    expect(event.key).toBe(wf.id);
    expect(event.payload).toEqual({
      workflow_id: wf.id,
      name,
      kind: 'rollback',
      tier: 'gold',
      description: 'Roll back a bad digest',
      steps: [
        { position: 0, name: 'freeze', description: null },
        { position: 1, name: 'approve', description: 'An operator signs off' },
        { position: 2, name: 'redeploy', description: null },
      ],
      created_by: 'alice@example.com',
      created_at: wf.created_at,
    });
  });

  it('when kind and the subject header are absent, then kind is promotion and created_by is null', async () => {
    const wf = await createWorkflow();
    expect(wf).toMatchObject({ kind: 'promotion', created_by: null, description: null });
  });

  it('when the name is taken in any case, then 409 WORKFLOW_NAME_TAKEN and nothing is written or published', async () => {
    const wf = await createWorkflow({ steps: [{ name: 'a' }, { name: 'b' }] });
    const res = await call('POST', '/api/governance/workflows', {
      name: wf.name.toUpperCase(),
      tier: 'silver',
      steps: [{ name: 'other' }],
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: {
        code: 'WORKFLOW_NAME_TAKEN',
        message: `A workflow named "${wf.name.toUpperCase()}" already exists.`,
      },
    });

    const [{ count }] = await h.serviceDb.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM governance_workflows WHERE lower(name) = lower($1)`,
      [wf.name],
    );
    expect(count).toBe(1);
    const [{ outbox }] = await h.serviceDb.query<{ outbox: number }[]>(
      `SELECT count(*)::int AS outbox FROM outbox WHERE payload->>'name' = $1`,
      [wf.name.toUpperCase()],
    );
    expect(outbox).toBe(0);
    await waitFor(() => events.events.some((e) => e.payload.workflow_id === wf.id), { timeoutMs: 15_000 });
    expect(
      events.events.filter((e) => String(e.payload.name).toLowerCase() === wf.name.toLowerCase()),
    ).toHaveLength(1);
  });

  it.each([
    ['no steps', { name: 'x', tier: 'gold', steps: [] }],
    ['a step without a name', { name: 'x', tier: 'gold', steps: [{ action: 'approve' }] }],
    ['no tier', { name: 'x', steps: [{ name: 'a' }] }],
    ['an unknown kind', { name: 'x', tier: 'gold', kind: 'deploy', steps: [{ name: 'a' }] }],
    ['a blank name', { name: '  ', tier: 'gold', steps: [{ name: 'a' }] }],
  ])('when the body has %s, then 400 VALIDATION_FAILED', async (_case, body) => {
    const res = await call('POST', '/api/governance/workflows', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: expect.arrayContaining([]) },
    });
  });

  it('when the body is not JSON, then 400 with the error shape', async () => {
    const res = await fetch(`${h.url}/api/governance/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toEqual({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  });
});

describe('GET /api/governance/workflows', () => {
  it('when listing with filters and a small limit, then keyset pages cover each match once in creation order', async () => {
    const tier = unique('tier');
    const made: Workflow[] = [];
    for (let i = 0; i < 5; i++)
      made.push(await createWorkflow({ tier, kind: i === 4 ? 'rollback' : 'promotion' }));

    const seen: Workflow[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(
        'GET',
        `/api/governance/workflows?tier=${tier}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((w) => w.id)).toEqual(made.map((w) => w.id));

    const rollbacks = await call('GET', `/api/governance/workflows?tier=${tier}&kind=rollback`);
    expect(rollbacks.body).toEqual({ items: [made[4]], next_cursor: null });
  });

  it('when the workflow is unknown, then 404 WORKFLOW_NOT_FOUND', async () => {
    const res = await call('GET', `/api/governance/workflows/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it.each([
    ['/api/governance/workflows/not-a-uuid', 'INVALID_ID'],
    ['/api/governance/workflows?cursor=garbage', 'INVALID_CURSOR'],
    ['/api/governance/workflows?limit=201', 'VALIDATION_FAILED'],
    ['/api/governance/workflows?kind=deploy', 'VALIDATION_FAILED'],
  ])('when GET %s, then 400 %s', async (path, code) => {
    const res = await call('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  });
});
