// The rerun-evaluation remediation executor on real Postgres and the embedded broker: governance's request (a run of
// it moving to running, published through an outbox as governance does) puts the certification back to pending,
// requests its evaluation again, and is answered with remediation.action.completed; a bad request is answered failed
// and a re-announcement of a running run (an SLA mark) changes nothing.
import { randomUUID } from 'node:crypto';
import {
  TOPICS,
  type ArtifactRun,
  type EvaluationCertificationView,
  type EventPayload,
} from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { MarketplaceModule } from '../src';
import { CatalogHealth } from '../src/catalog/catalog-health.service';
import { CatalogRepository } from '../src/catalog/catalog.repository';

jest.setTimeout(60_000);

let h: Harness;
let remediation: EventCollector;
let evaluations: EventCollector;

beforeAll(async () => {
  h = await startHarness('marketplace_remediation', (env) => MarketplaceModule.forRoot({ env }), {
    EVALUATION_EXPIRY_SWEEP_MS: '0',
  });
  remediation = await collectEvents(h.kafka.brokers, TOPICS.remediation.name);
  evaluations = await collectEvents(h.kafka.brokers, TOPICS.evaluations.name);
});

afterAll(async () => {
  await remediation?.stop();
  await evaluations?.stop();
  await h?.close();
});

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A passed certification of a recorded artifact run. */
async function passedCertification(): Promise<EvaluationCertificationView> {
  const s = await h.registerServer({ name: `rem-${Date.now().toString(36)}`, server_type: 'RemEval' });
  await waitFor(
    async () =>
      (await h.serviceDb.query<unknown[]>('SELECT 1 FROM servers WHERE id = $1', [s.id])).length > 0,
    { timeoutMs: 15_000, what: 'the server in the marketplace projection' },
  );
  const digest = `sha256:${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
  const run: ArtifactRun = {
    id: randomUUID(),
    server_id: s.id,
    build_id: randomUUID(),
    source_repo: 'https://git.example/acme/router.git',
    source_branch: 'main',
    source_revision: 'abc123',
    local_image: `mcp-host/${s.name}:local`,
    registry_image: `registry.example:5000/mcp/${s.name}:v1`,
    manifest_tag: 'v1',
    manifest_digest: digest,
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:01:00.000Z',
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'unconfigured',
    status: 'succeeded',
    platforms: [],
  };
  await h.serviceDb.transaction(async (m) => {
    await h.service.app.get(CatalogRepository).upsertArtifact(m, run);
    await h.service.app.get(CatalogHealth).refreshServers(m, [run.server_id]);
  });
  const cert = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
    tier: 'gold',
    policy_requirement: 'conformance',
    status: 'pass',
  });
  expect(cert.status).toBe(200);
  return cert.body;
}

/** Governance's request: the run moving to running with its executor and payload. */
function request(
  runId: string,
  payload: Record<string, unknown>,
  from: 'pending' | 'running' = 'pending',
): EventPayload<'remediation.run.status_changed'> {
  return {
    run_id: runId,
    instance_id: randomUUID(),
    from_status: from,
    to_status: 'running',
    attempt: 1,
    duration_ms: null,
    reason: from === 'running' ? 'sla_breached' : 'executing rerun-evaluation',
    version: from === 'running' ? 3 : 2,
    changed_at: new Date().toISOString(),
    executor_type: 'rerun-evaluation',
    payload,
    sla_breached: from === 'running',
  };
}

const answersTo = (runId: string) =>
  remediation.events.filter((e) => e.type === 'remediation.action.completed' && e.payload.run_id === runId);

describe('rerun-evaluation remediation', () => {
  it('when a rerun-evaluation run starts, then its certification is pending again, its evaluation is requested, and governance is answered succeeded', async () => {
    const cert = await passedCertification();
    const runId = randomUUID();
    const eventId = await h.publishFromPolicy(
      'remediation.run.status_changed',
      request(runId, { certification_id: cert.id }),
    );
    await h.waitForInbox(eventId);

    const answer = await waitFor(() => answersTo(runId)[0], { what: 'the answer', timeoutMs: 15_000 });
    expect(answer.payload).toMatchObject({
      executor_type: 'rerun-evaluation',
      attempt: 1,
      outcome: 'succeeded',
      actor: 'marketplace',
      evidence: { certification_id: cert.id, status: 'pending', version: cert.version + 1 },
    });
    const now = await call<EvaluationCertificationView>('GET', `/api/evaluations/${cert.id}`);
    expect(now.body).toMatchObject({ status: 'pending', version: cert.version + 1, valid_from: null });
    const requested = await waitFor(
      () => evaluations.events.find((e) => e.type === 'evaluation.requested' && e.payload.id === cert.id),
      { what: 'evaluation.requested', timeoutMs: 15_000 },
    );
    expect(requested.payload).toMatchObject({ reason: 'retry', status: 'pending' });

    // The SLA mark re-announces the running run: not a second request.
    const again = await h.publishFromPolicy(
      'remediation.run.status_changed',
      request(runId, { certification_id: cert.id }, 'running'),
    );
    await h.waitForInbox(again);
    expect((await call<EvaluationCertificationView>('GET', `/api/evaluations/${cert.id}`)).body.version).toBe(
      cert.version + 1,
    );
    expect(answersTo(runId)).toHaveLength(1);
  });

  it('when the certification does not exist or the payload names none, then governance is answered failed with the reason', async () => {
    const unknownRun = randomUUID();
    const missing = randomUUID();
    await h.publishFromPolicy(
      'remediation.run.status_changed',
      request(unknownRun, { certification_id: missing }),
    );
    const badRun = randomUUID();
    await h.publishFromPolicy('remediation.run.status_changed', request(badRun, { server_id: missing }));

    const unknown = await waitFor(() => answersTo(unknownRun)[0], { what: 'the answer', timeoutMs: 15_000 });
    expect(unknown.payload).toMatchObject({
      outcome: 'failed',
      evidence: { certification_id: missing, error: { code: expect.any(String) } },
    });
    expect(unknown.payload.detail).toContain('evaluation rerun refused');
    const bad = await waitFor(() => answersTo(badRun)[0], { what: 'the answer', timeoutMs: 15_000 });
    expect(bad.payload).toMatchObject({
      outcome: 'failed',
      detail: 'payload.certification_id is not a certification id',
    });
  });
});
