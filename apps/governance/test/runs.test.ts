// Governance workflow runs: start with seeded steps, the run and step state machines, the audit log, the completion
// event, keyset lists and racing transitions, on real Postgres and the embedded broker.
import { randomUUID } from 'node:crypto';
import { TOPICS } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';
import type { RunDetail, RunPage } from '../src/runs/run.dto';
import type { Workflow } from '../src/workflows/workflow.dto';
import { api, newDigest, unique } from './support/api';

let h: Harness;
let events: EventCollector;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  h = await startHarness('governance_runs_test', (env) => GovernanceModule.forRoot({ env }));
  events = await collectEvents(h.kafka.brokers, TOPICS.governanceRuns.name);
  http = api(h);
});

afterAll(async () => {
  await events?.stop();
  await h?.close();
});

async function workflow(steps = ['review', 'sign-off'], tier = 'gold'): Promise<Workflow> {
  return http.ok<Workflow>('POST', '/api/governance/workflows', {
    name: unique('wf'),
    tier,
    steps: steps.map((name) => ({ name })),
  });
}

async function startRun(wf: Workflow, body: Record<string, unknown> = {}): Promise<RunDetail> {
  return http.ok<RunDetail>('POST', `/api/governance/workflows/${wf.id}/runs`, {
    manifest_digest: newDigest(),
    ...body,
  });
}

function transition(id: string, body: Record<string, unknown>, subject = 'alice@example.com') {
  return http.call<RunDetail>('POST', `/api/governance/runs/${id}/status`, body, {
    subject,
    role: 'operator',
  });
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const [{ n }] = await h.serviceDb.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

describe('POST /api/governance/workflows/:id/runs', () => {
  it('when a run starts, then it is pending with one pending step per workflow step, an audit entry and its event', async () => {
    const wf = await workflow(['scan', 'approve', 'redeploy']);
    const digest = newDigest();
    const artifactRunId = randomUUID();
    const res = await http.call<RunDetail>(
      'POST',
      `/api/governance/workflows/${wf.id}/runs`,
      { manifest_digest: digest, artifact_run_id: artifactRunId, context: { ticket: 'CHG-1' } },
      { subject: 'bob@example.com', role: 'operator' },
    );

    expect(res.status).toBe(201);
    const run = res.body;
    expect(run).toMatchObject({
      workflow_id: wf.id,
      tier: 'gold',
      manifest_digest: digest,
      artifact_run_id: artifactRunId,
      status: 'pending',
      context: { ticket: 'CHG-1' },
      started_by: 'bob@example.com',
      version: 1,
      completed_at: null,
    });
    expect(run.steps.map((s) => [s.position, s.name, s.status])).toEqual([
      [0, 'scan', 'pending'],
      [1, 'approve', 'pending'],
      [2, 'redeploy', 'pending'],
    ]);
    expect(run.audit_log).toEqual([
      expect.objectContaining({
        from_status: null,
        to_status: 'pending',
        actor: 'bob@example.com',
        version: 1,
      }),
    ]);
    await expect(http.ok('GET', `/api/governance/runs/${run.id}`)).resolves.toEqual(run);
    const started = await waitFor(
      () => events.events.find((e) => e.type === 'governance.run.started' && e.payload.run_id === run.id),
      { timeoutMs: 15_000, what: 'governance.run.started' },
    );
    expect(started.payload).toMatchObject({
      workflow_id: wf.id,
      tier: 'gold',
      manifest_digest: digest,
      artifact_run_id: artifactRunId,
      status: 'pending',
      version: 1,
    });
  });

  it('when the tier is given, then it overrides the workflow tier', async () => {
    const run = await startRun(await workflow(), { tier: 'silver' });
    expect(run.tier).toBe('silver');
  });

  it.each([
    ['neither a digest nor an artifact run', {}],
    ['a malformed digest', { manifest_digest: 'not-a-digest' }],
    ['a malformed artifact run id', { artifact_run_id: 'nope' }],
    ['a context that is not an object', { manifest_digest: 'sha256:abc', context: [1] }],
    ['a tier with a control character', { manifest_digest: 'sha256:abc', tier: 'go\u0007ld' }],
  ])('when the body has %s, then 400 VALIDATION_FAILED and no run is stored', async (_case, body) => {
    const wf = await workflow();
    const res = await http.call('POST', `/api/governance/workflows/${wf.id}/runs`, body);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('VALIDATION_FAILED');
    await expect(count('governance_runs WHERE workflow_id = $1', [wf.id])).resolves.toBe(0);
  });

  it('when the workflow is unknown, then 404 WORKFLOW_NOT_FOUND and nothing is stored', async () => {
    const digest = newDigest();
    const res = await http.call('POST', `/api/governance/workflows/${randomUUID()}/runs`, {
      manifest_digest: digest,
    });
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe('WORKFLOW_NOT_FOUND');
    await expect(count('governance_runs WHERE manifest_digest = $1', [digest])).resolves.toBe(0);
  });
});

describe('POST /api/governance/runs/:id/status', () => {
  it('when a run moves through its steps to success, then each move is audited with its actor and completion is published', async () => {
    const wf = await workflow(['review']);
    const run = await startRun(wf);

    const moves = [
      { status: 'in_progress', version: 1, note: 'starting' },
      { status: 'in_progress', step_position: 0, version: 2 },
      { status: 'succeeded', step_position: 0, version: 3, note: 'looks good' },
      { status: 'succeeded', version: 4 },
    ];
    let last: RunDetail | undefined;
    for (const move of moves) {
      const res = await transition(run.id, move);
      expect(res.status).toBe(200);
      last = res.body;
      // The answer is the read before the move with the move applied: it must be what a fresh read returns.
      await expect(http.ok('GET', `/api/governance/runs/${run.id}`)).resolves.toEqual(res.body);
    }

    expect(last).toMatchObject({ status: 'succeeded', version: 5, completed_at: expect.any(String) });
    expect(last!.steps[0].status).toBe('succeeded');
    expect(
      last!.audit_log.map((a) => [a.step_position, a.from_status, a.to_status, a.actor, a.version]),
    ).toEqual([
      [null, null, 'pending', 'operator@example.com', 1],
      [null, 'pending', 'in_progress', 'alice@example.com', 2],
      [0, 'pending', 'in_progress', 'alice@example.com', 3],
      [0, 'in_progress', 'succeeded', 'alice@example.com', 4],
      [null, 'in_progress', 'succeeded', 'alice@example.com', 5],
    ]);
    const completed = await waitFor(
      () => events.events.find((e) => e.type === 'governance.run.completed' && e.payload.run_id === run.id),
      { timeoutMs: 15_000, what: 'governance.run.completed' },
    );
    expect(completed.payload).toMatchObject({
      workflow_id: wf.id,
      status: 'succeeded',
      tier: 'gold',
      manifest_digest: run.manifest_digest,
      redeploy_requested: true,
      version: 5,
    });
    await waitFor(
      () =>
        events.events.filter((e) => e.type === 'governance.run.transitioned' && e.payload.run_id === run.id)
          .length === 4,
      { timeoutMs: 15_000, what: 'four transitioned events' },
    );
  });

  it('when the run moves from a final status, then 409 INVALID_TRANSITION names both states and nothing changes', async () => {
    const run = await startRun(await workflow());
    expect((await transition(run.id, { status: 'cancelled' })).status).toBe(200);

    const res = await transition(run.id, { status: 'in_progress' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: expect.stringMatching(/cancelled.*in_progress/),
      details: { from: 'cancelled', to: 'in_progress' },
    });
    const after = await http.ok<RunDetail>('GET', `/api/governance/runs/${run.id}`);
    expect(after).toMatchObject({ status: 'cancelled', version: 2 });
    expect(after.audit_log).toHaveLength(2);
  });

  it('when a move skips a state (pending to succeeded), then 409 INVALID_TRANSITION', async () => {
    const run = await startRun(await workflow());
    const res = await transition(run.id, { status: 'succeeded' });
    expect(res.status).toBe(409);
    expect(res.body.error?.message).toContain('pending to succeeded');
  });

  it('when a step moves while the run is pending, or from a final step status, then 409 INVALID_TRANSITION', async () => {
    const run = await startRun(await workflow(['one']));
    const early = await transition(run.id, { status: 'in_progress', step_position: 0 });
    expect(early.status).toBe(409);
    expect(early.body.error?.code).toBe('INVALID_TRANSITION');

    await transition(run.id, { status: 'in_progress' });
    await transition(run.id, { status: 'skipped', step_position: 0 });
    const late = await transition(run.id, { status: 'in_progress', step_position: 0 });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'skipped' } });
  });

  it('when the run would succeed with steps not done, then 409 STEPS_INCOMPLETE', async () => {
    const run = await startRun(await workflow(['a', 'b']));
    await transition(run.id, { status: 'in_progress' });
    await transition(run.id, { status: 'skipped', step_position: 0 });
    const res = await transition(run.id, { status: 'succeeded' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'STEPS_INCOMPLETE', details: { steps: [{ position: 1 }] } });
  });

  it('when the version is stale, then 409 VERSION_CONFLICT naming the current version', async () => {
    const run = await startRun(await workflow());
    await transition(run.id, { status: 'in_progress', version: 1 });
    const res = await transition(run.id, { status: 'cancelled', version: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { current_version: 2 } });
  });

  it.each([
    ['skipped for a run', { status: 'skipped' }, 400, 'INVALID_STATUS'],
    ['cancelled for a step', { status: 'cancelled', step_position: 0 }, 400, 'INVALID_STATUS'],
    ['an unknown step', { status: 'in_progress', step_position: 9 }, 404, 'STEP_NOT_FOUND'],
    ['an unknown status', { status: 'done' }, 400, 'VALIDATION_FAILED'],
    [
      'a version past the integer range',
      { status: 'in_progress', version: 2 ** 31 },
      400,
      'VALIDATION_FAILED',
    ],
  ])('when the body names %s (%j), then %i %s', async (_case, body, status, code) => {
    const run = await startRun(await workflow());
    if (code === 'STEP_NOT_FOUND' || body.status === 'cancelled')
      await transition(run.id, { status: 'in_progress' });
    const res = await transition(run.id, body);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
  });

  it('when the run is unknown or the id malformed, then 404 RUN_NOT_FOUND or 400 INVALID_ID', async () => {
    const missing = await transition(randomUUID(), { status: 'in_progress' });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('RUN_NOT_FOUND');
    const bad = await http.call('GET', '/api/governance/runs/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('INVALID_ID');
  });

  it('when 50 callers move the same run at the same version, then exactly one wins, the rest get 409 within 5 s, and the run answers after', async () => {
    const run = await startRun(await workflow());
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        transition(
          run.id,
          { status: 'in_progress', version: 1, note: `caller ${i}` },
          `caller-${i}@example.com`,
        ),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const losers = answers.filter((a) => a.status !== 200);
    expect(losers).toHaveLength(49);
    for (const l of losers) {
      expect(l.status).toBe(409);
      expect(['VERSION_CONFLICT', 'INVALID_TRANSITION']).toContain(l.body.error?.code);
    }
    const after = await http.ok<RunDetail>('GET', `/api/governance/runs/${run.id}`);
    expect(after).toMatchObject({ status: 'in_progress', version: 2 });
    expect(after.audit_log).toHaveLength(2);
    expect((await transition(run.id, { status: 'cancelled', version: 2 })).status).toBe(200);
  });
});

describe('GET /api/governance/runs', () => {
  it('when listing with filters and a small limit, then keyset pages cover each match once in start order', async () => {
    const wf = await workflow(['x'], unique('tier'));
    const digest = newDigest();
    const made: RunDetail[] = [];
    for (let i = 0; i < 5; i++)
      made.push(await startRun(wf, { manifest_digest: i < 4 ? digest : newDigest() }));
    await transition(made[1].id, { status: 'cancelled' });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: RunPage = await http.ok<RunPage>(
        'GET',
        `/api/governance/runs?workflow_id=${wf.id}&manifest_digest=${digest}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((r) => r.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual(made.slice(0, 4).map((r) => r.id));

    const cancelled = await http.ok<RunPage>(
      'GET',
      `/api/governance/runs?workflow_id=${wf.id}&status=cancelled`,
    );
    expect(cancelled.items.map((r) => r.id)).toEqual([made[1].id]);
    const byTier = await http.ok<RunPage>('GET', `/api/governance/runs?tier=${wf.tier}`);
    expect(byTier.items).toHaveLength(5);
  });

  it.each([
    ['/api/governance/runs?cursor=garbage', 'INVALID_CURSOR'],
    ['/api/governance/runs?status=done', 'VALIDATION_FAILED'],
    ['/api/governance/runs?workflow_id=nope', 'VALIDATION_FAILED'],
    ['/api/governance/runs?limit=0', 'VALIDATION_FAILED'],
  ])('when GET %s, then 400 %s', async (path, code) => {
    const res = await http.call('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
  });
});
