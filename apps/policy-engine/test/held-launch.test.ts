// A held launch re-evaluated after a new event: still held for another reason, it moves to its new held status with
// a new stored decision and a pause event; held for the same reasons (or the event replayed), nothing is recorded.
import { randomUUID } from 'node:crypto';
import { TOPICS, type PolicyDecision, type Server, type StartServerResponse } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { ExecutorRegistry } from '../src/runtime/executor-registry';
import { RecordingExecutor } from './support/recording-executor';

const hex = () => randomUUID().replace(/-/g, '');

interface StatusChanged {
  server_id: string;
  from_status: string;
  to_status: string;
  reason: string | null;
}
interface Paused {
  server_id: string;
  policy_decision_id: string;
  status: string;
  notes: string[];
}

describe('held launches', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let lifecycle: EventCollector;
  let ds: DataSource;
  const executor = new RecordingExecutor();

  const call = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const server = async (id: string) =>
    (
      (await ds.query('SELECT status, status_reason FROM servers WHERE id = $1', [id])) as {
        status: string;
        status_reason: string | null;
      }[]
    )[0];
  const decisionsOf = async (id: string) =>
    (await call<{ items: PolicyDecision[] }>('GET', `/api/servers/${id}/decisions`)).body.items;

  beforeAll(async () => {
    db = await createTestDatabase('policy_held');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          RUNTIME_TIER_REQUIREMENTS: 'gold=security-scan',
          RUNTIME_RECONCILE_INTERVAL_MS: '300',
        },
      }),
    );
    service.app.get(ExecutorRegistry).register(executor);
    url = await service.listen(0, '127.0.0.1');
    lifecycle = await collectEvents(kafka.brokers, TOPICS.runtimeLifecycle.name);
    ds = service.app.get(DataSource);
  });

  afterAll(async () => {
    await lifecycle.stop();
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  const paused = (serverId: string) =>
    lifecycle.events
      .filter((e) => e.type === 'runtime.launch.paused')
      .map((e) => e.payload as unknown as Paused)
      .filter((p) => p.server_id === serverId);
  const moves = (serverId: string) =>
    lifecycle.events
      .filter((e) => e.type === 'runtime.server.status_changed')
      .map((e) => e.payload as unknown as StatusChanged)
      .filter((p) => p.server_id === serverId);

  it('when a launch held for its evaluation gets its certification but still lacks governance, then it is held pending-governance with a new decision and events; a replay or an equal event records nothing', async () => {
    const registered = (
      await call<Server>('POST', '/api/servers', { name: 'held-moves', server_type: 'Router', tier: 'gold' })
    ).body;
    const artifactId = randomUUID();
    const digest = `sha256:${hex()}${hex()}`;
    const at = new Date().toISOString();
    await publishTestEvent(kafka.brokers, 'artifact.recorded', {
      id: artifactId,
      server_id: registered.id,
      build_id: null,
      source_repo: 'https://example.test/r.git',
      source_branch: 'main',
      source_revision: null,
      local_image: 'local/r:1',
      registry_image: `127.0.0.1:5000/mcp/held-moves:1`,
      manifest_tag: '1',
      manifest_digest: digest,
      started_at: at,
      completed_at: at,
      multi_arch: false,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: 'healthy',
      status: 'succeeded',
      platforms: [],
    });
    // The artifact is projected once a start sees it (its image is the ledger's, not a default).
    let first!: StartServerResponse;
    await waitFor(
      async () => {
        const res = await call<StartServerResponse>('POST', `/api/servers/${registered.id}/start`, {});
        if (res.status !== 202) return false;
        first = res.body;
        return true;
      },
      { what: 'the artifact projected' },
    );
    expect(first.status).toBe('pending-evaluation');
    expect(first.decision.policy_notes).toEqual(
      expect.arrayContaining([
        'evaluation:missing:gold:security-scan',
        `governance:missing-promotion:gold:${digest}`,
        `promotion:none:gold:${digest}`,
      ]),
    );

    // The certification passes: the launch is re-evaluated and still held, now by governance.
    const certification = {
      id: randomUUID(),
      artifact_run_id: artifactId,
      manifest_digest: digest,
      tier: 'gold',
      policy_requirement: 'security-scan',
      status: 'pass' as const,
      evidence: null,
      valid_from: at,
      valid_until: new Date(Date.now() + 86_400_000).toISOString(),
      created_at: at,
      updated_at: at,
    };
    const certEventId = await publishTestEvent(
      kafka.brokers,
      'evaluation.certification.upserted',
      certification,
    );
    await waitFor(async () => (await server(registered.id)).status === 'pending-governance', {
      what: 'pending-governance',
    });
    const afterCert = await server(registered.id);
    expect(afterCert.status_reason).toBe(
      [`governance:missing-promotion:gold:${digest}`, `promotion:none:gold:${digest}`].join(', '),
    );
    const stored = await decisionsOf(registered.id);
    expect(stored).toHaveLength(2);
    const second = stored[1];
    expect(second).toMatchObject({
      evaluation_required: false,
      governance_required: true,
      manifest_digest: digest,
      tier: 'gold',
    });
    expect(second.policy_notes).toEqual(
      expect.arrayContaining([
        'evaluation:certified:gold:security-scan',
        `governance:missing-promotion:gold:${digest}`,
      ]),
    );
    expect(second.policy_notes).not.toContain('evaluation:missing:gold:security-scan');
    await waitFor(() => paused(registered.id).some((p) => p.policy_decision_id === second.id), {
      what: 'the pause event of the new decision',
    });
    expect(paused(registered.id).find((p) => p.policy_decision_id === second.id)).toMatchObject({
      status: 'pending-governance',
      notes: [`governance:missing-promotion:gold:${digest}`, `promotion:none:gold:${digest}`],
    });
    await waitFor(
      () =>
        moves(registered.id).some(
          (p) => p.from_status === 'pending-evaluation' && p.to_status === 'pending-governance',
        ),
      { what: 'the status change pending-evaluation → pending-governance' },
    );

    // The same event again (a redelivery) and an equal certification under a new id change nothing.
    await publishTestEvent(kafka.brokers, 'evaluation.certification.upserted', certification, {
      id: certEventId,
    });
    const equal = { ...certification, id: randomUUID() };
    await publishTestEvent(kafka.brokers, 'evaluation.certification.upserted', equal);
    // The equal certification follows the redelivery on the same partition: once it is projected (with its
    // re-evaluation, in the same transaction), both were handled.
    await waitFor(
      async () =>
        ((await ds.query('SELECT 1 FROM policy_certifications WHERE id = $1', [equal.id])) as unknown[])
          .length > 0,
      { what: 'the equal certification projected' },
    );
    expect(await decisionsOf(registered.id)).toHaveLength(2);
    expect((await server(registered.id)).status).toBe('pending-governance');

    // The promotion turns active while the run has not completed: still held by governance, for another reason.
    const promotionId = randomUUID();
    const runId = randomUUID();
    await publishTestEvent(kafka.brokers, 'promotion.status_changed', {
      promotion_id: promotionId,
      track_id: randomUUID(),
      manifest_digest: digest,
      stage: 'production',
      tier: 'gold',
      artifact_run_id: artifactId,
      from_status: 'approved',
      to_status: 'active',
      governance_run_id: runId,
      reason: 'approved',
      version: 4,
      changed_at: new Date().toISOString(),
    });
    await waitFor(async () => (await decisionsOf(registered.id)).length === 3, { what: 'a third decision' });
    const third = (await decisionsOf(registered.id))[2];
    expect(third.policy_notes).toEqual(
      expect.arrayContaining([
        `promotion:active:gold:${promotionId}`,
        `governance:missing-promotion:gold:${digest}`,
      ]),
    );
    const held = await server(registered.id);
    expect(held.status).toBe('pending-governance');
    expect(held.status_reason).toBe(`governance:missing-promotion:gold:${digest}`);
    await waitFor(
      () =>
        moves(registered.id).some(
          (p) =>
            p.from_status === 'pending-governance' &&
            p.to_status === 'pending-governance' &&
            p.reason === `governance:missing-promotion:gold:${digest}`,
        ),
      { what: 'the held status with its new reason' },
    );
    expect(executor.launched.some((l) => l.serverId === registered.id)).toBe(false);

    // The run completes: every gate passes and the launch goes out.
    await publishTestEvent(kafka.brokers, 'governance.run.completed', {
      run_id: runId,
      workflow_id: randomUUID(),
      status: 'succeeded',
      tier: 'gold',
      artifact_run_id: artifactId,
      manifest_digest: digest,
      promotion_id: promotionId,
      policy_decision_id: third.id,
      redeploy_requested: true,
      version: 3,
      completed_at: new Date().toISOString(),
    });
    await waitFor(() => executor.launched.some((l) => l.serverId === registered.id), { what: 'the launch' });
    const all = await decisionsOf(registered.id);
    expect(all).toHaveLength(4);
    expect(all[3]).toMatchObject({
      evaluation_required: false,
      governance_required: false,
      governance_run_id: runId,
    });
  });
});
