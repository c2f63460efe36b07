// The rerun-evaluation remediation executor on real Postgres and the embedded broker: governance's request (a run of
// it moving to running, published through an outbox as governance does) puts the certification back to pending,
// requests its evaluation again, and is answered with remediation.action.completed; a bad request is answered failed
// and a re-announcement of a running run (an SLA mark) changes nothing.
import { randomUUID } from 'node:crypto';
import { TOPICS, type EvaluationCertificationView, type EventPayload } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { MarketplaceModule } from '../src';
import { apiCall, artifactRun, projectedServer, storeRuns } from './support/catalog-fixtures';

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

const call = apiCall(() => h);

/** A passed certification of a recorded artifact run. */
async function passedCertification(): Promise<EvaluationCertificationView> {
  const s = await projectedServer(h, { name: `rem-${Date.now().toString(36)}`, server_type: 'RemEval' });
  const run = artifactRun(s, {}, { platforms: [] });
  await storeRuns(h, run);
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
