// The runtime API and the projections through the broker: starting (held or dispatched), the redeploy a completed
// governance run triggers, bad input, decision lists, concurrent starts, and redelivered events changing nothing.
import { randomUUID } from 'node:crypto';
import {
  EVENT_EXAMPLES,
  TOPICS,
  type PolicyDecision,
  type Server,
  type StartServerResponse,
  type StopServerResponse,
} from '@mcp-host/contracts';
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

/** Any answer of these routes, loosely. */
type ApiBody = StartServerResponse &
  StopServerResponse &
  Omit<Server, 'status'> &
  PolicyDecision & {
    items: PolicyDecision[];
    next_cursor: string | null;
    error: { code: string; message: string; details?: Record<string, unknown> };
  };

const hex = () => randomUUID().replace(/-/g, '');

describe('runtime API', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;
  let decisions: EventCollector;
  let lifecycle: EventCollector;
  const executor = new RecordingExecutor({
    name: 'docker-test',
    kind: 'docker',
    capabilities: ['container', 'gpu'],
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };

  const register = async (name: string, tier?: string) =>
    (await call('POST', '/api/servers', { name, server_type: 'Router', tier })).body as unknown as Server;

  const statusOf = async (id: string) =>
    ((await call('GET', `/api/servers/${id}`)).body as unknown as Server).status;

  /** Publishes the facts of a gold artifact: its ledger row and a passing certification. */
  async function goldArtifact(server: Server) {
    const artifactId = randomUUID();
    const digest = `sha256:${hex()}${hex()}`;
    const at = new Date().toISOString();
    await publishTestEvent(kafka.brokers, 'artifact.recorded', {
      id: artifactId,
      server_id: server.id,
      build_id: null,
      source_repo: 'https://example.test/r.git',
      source_branch: 'main',
      source_revision: null,
      local_image: 'local/r:1',
      registry_image: `127.0.0.1:5000/mcp/${server.name}:1`,
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
    const certId = randomUUID();
    await publishTestEvent(kafka.brokers, 'evaluation.certification.upserted', {
      id: certId,
      artifact_run_id: artifactId,
      manifest_digest: digest,
      tier: 'gold',
      policy_requirement: 'security-scan',
      status: 'pass',
      evidence: null,
      valid_from: at,
      valid_until: new Date(Date.now() + 86_400_000).toISOString(),
      created_at: at,
      updated_at: at,
    });
    await waitFor(
      async () =>
        ((await ds.query('SELECT 1 FROM policy_certifications WHERE id = $1', [certId])) as unknown[])
          .length > 0 &&
        ((await ds.query('SELECT 1 FROM policy_artifacts WHERE id = $1', [artifactId])) as unknown[]).length >
          0,
      { what: 'artifact and certification projections' },
    );
    return { artifactId, digest, certId, at };
  }

  beforeAll(async () => {
    db = await createTestDatabase('policy_runtime_api');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          RUNTIME_TIER_REQUIREMENTS: 'gold=security-scan',
          RUNTIME_DEFAULT_IMAGES: 'Router=localhost/mcp-host/router:latest',
          RUNTIME_RECONCILE_INTERVAL_MS: '300',
        },
      }),
    );
    service.app.get(ExecutorRegistry).register(executor);
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
    decisions = await collectEvents(kafka.brokers, TOPICS.policyDecisions.name);
    lifecycle = await collectEvents(kafka.brokers, TOPICS.runtimeLifecycle.name);
  });

  afterAll(async () => {
    await decisions.stop();
    await lifecycle.stop();
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when the server, tier or capability does not exist, then 404 or 422 naming it, and a malformed start is 400', async () => {
    const server = await register('bad-input');
    const unknown = await call('POST', `/api/servers/${randomUUID()}/start`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body!.error.code).toBe('SERVER_NOT_FOUND');

    const tier = await call('POST', `/api/servers/${server.id}/start`, { tier: 'platinum' });
    expect(tier.status).toBe(422);
    expect(tier.body!.error).toMatchObject({ code: 'UNKNOWN_TIER', message: 'Unknown tier "platinum".' });

    const cap = await call('POST', `/api/servers/${server.id}/start`, { capabilities: ['confidential'] });
    expect(cap.status).toBe(422);
    expect(cap.body!.error.code).toBe('CAPABILITY_UNAVAILABLE');
    expect(cap.body!.error.message).toContain('"confidential"');

    const backend = await call('POST', `/api/servers/${server.id}/start`, { backend: 'mainframe' });
    expect(backend.status).toBe(422);
    expect(backend.body!.error.code).toBe('UNKNOWN_BACKEND');

    const bad = await call('POST', `/api/servers/${server.id}/start`, { capabilities: 'gpu' });
    expect(bad.status).toBe(400);
    expect(bad.body!.error.code).toBe('VALIDATION_FAILED');
    expect((await call('POST', '/api/servers/not-a-uuid/start', {})).body!.error.code).toBe('INVALID_ID');
    expect((await call('POST', `/api/servers/${randomUUID()}/stop`, {})).status).toBe(404);

    // Nothing was decided for any of them.
    const listed = await call('GET', `/api/servers/${server.id}/decisions`);
    expect(listed.body!.items).toEqual([]);
    expect(await statusOf(server.id)).toBe('registered');
  });

  it('when a server that never ran is stopped, then the stop answers 200 and changes nothing', async () => {
    const server = await register('never-ran');
    const res = await call('POST', `/api/servers/${server.id}/stop`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stopped: false, status: 'registered' });
    expect((await call('GET', `/api/servers/${server.id}`)).body!.version).toBe(1);
  });

  it('when a gold launch lacks governance, then it is held pending-governance with its notes, published, and listed', async () => {
    const server = await register('held-gold', 'gold');
    const { digest } = await goldArtifact(server);

    const res = await call('POST', `/api/servers/${server.id}/start`, { capabilities: ['gpu'] });
    expect(res.status).toBe(202);
    expect(res.body!.status).toBe('pending-governance');
    expect(res.body!.decision).toMatchObject({
      tier: 'gold',
      evaluation_required: false,
      governance_required: true,
      capability_requirements: ['gpu'],
      capabilities_satisfied: true,
      executor_name: 'docker-test',
      manifest_digest: digest,
    });
    expect(res.body!.decision.policy_notes).toEqual(
      expect.arrayContaining([
        'evaluation:certified:gold:security-scan',
        `governance:missing-promotion:gold:${digest}`,
        `promotion:none:gold:${digest}`,
      ]),
    );
    expect(res.body!.server.status).toBe('pending-governance');

    const id = res.body!.decision.id;
    await waitFor(() => decisions.events.some((e) => (e.payload as { id?: string }).id === id), {
      what: 'policy.decision.recorded',
    });
    await waitFor(
      () =>
        lifecycle.events.find(
          (e) =>
            e.type === 'runtime.launch.paused' &&
            (e.payload as { policy_decision_id?: string }).policy_decision_id === id,
        ),
      { what: 'runtime.launch.paused' },
    );
    expect(executor.launched.some((l) => l.serverId === server.id)).toBe(false);

    expect((await call('GET', `/api/policy/decisions/${id}`)).body).toMatchObject({
      id,
      server_id: server.id,
    });
    expect((await call('GET', `/api/policy/decisions/${randomUUID()}`)).body!.error.code).toBe(
      'DECISION_NOT_FOUND',
    );
    const gated = await call('GET', `/api/policy/decisions?server_id=${server.id}&gated=true&tier=gold`);
    expect(gated.body!.items.map((d) => d.id)).toEqual([id]);
    const ungated = await call('GET', `/api/policy/decisions?server_id=${server.id}&gated=false`);
    expect(ungated.body!.items).toEqual([]);
  });

  it('when the governance run of a held launch completes and its promotion turns active, then the launch starts by itself', async () => {
    const server = await register('redeploy-gold', 'gold');
    const { artifactId, digest } = await goldArtifact(server);
    const held = await call('POST', `/api/servers/${server.id}/start`, {});
    expect(held.body!.status).toBe('pending-governance');
    const decisionId = held.body!.decision.id;

    const runId = randomUUID();
    const promotionId = randomUUID();
    const at = new Date().toISOString();
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
      reason: 'governance run succeeded',
      version: 4,
      changed_at: at,
    });
    await publishTestEvent(kafka.brokers, 'governance.run.completed', {
      run_id: runId,
      workflow_id: randomUUID(),
      status: 'succeeded',
      tier: 'gold',
      artifact_run_id: artifactId,
      manifest_digest: digest,
      promotion_id: promotionId,
      policy_decision_id: decisionId,
      redeploy_requested: true,
      version: 3,
      completed_at: at,
    });

    await waitFor(() => executor.launched.find((l) => l.serverId === server.id), {
      what: 'the redeployed launch',
    });
    await waitFor(async () => (await statusOf(server.id)) === 'running', { what: 'running' });
    const list = await call('GET', `/api/servers/${server.id}/decisions`);
    const latest = list.body!.items[list.body!.items.length - 1];
    expect(latest).toMatchObject({
      governance_required: false,
      evaluation_required: false,
      governance_run_id: runId,
    });
    expect(latest.policy_notes).toEqual(
      expect.arrayContaining([`governance:completed:gold:${runId}`, `promotion:active:gold:${promotionId}`]),
    );
    // The held decision now names the run that certified the placement.
    expect((await call('GET', `/api/policy/decisions/${decisionId}`)).body!.governance_run_id).toBe(runId);
  });

  it('when a governance event is delivered twice, then the second delivery changes nothing', async () => {
    const server = await register('redelivery-gold', 'gold');
    const { artifactId, digest } = await goldArtifact(server);
    const held = await call('POST', `/api/servers/${server.id}/start`, {});
    expect(held.body!.status).toBe('pending-governance');
    const payload = {
      run_id: randomUUID(),
      workflow_id: randomUUID(),
      status: 'failed' as const,
      tier: 'gold',
      artifact_run_id: artifactId,
      manifest_digest: digest,
      promotion_id: null,
      policy_decision_id: null,
      redeploy_requested: false,
      version: 2,
      completed_at: new Date().toISOString(),
    };
    const eventId = randomUUID();
    await publishTestEvent(kafka.brokers, 'governance.run.completed', payload, { id: eventId });
    await publishTestEvent(kafka.brokers, 'governance.run.completed', payload, { id: eventId });
    // A later marker on the same partition (same workflow key): once it is applied, both deliveries were handled.
    const marker = { ...payload, run_id: randomUUID(), version: 1 };
    await publishTestEvent(kafka.brokers, 'governance.run.completed', marker);
    await waitFor(
      async () =>
        (
          (await ds.query('SELECT 1 FROM policy_governance_runs WHERE run_id = $1', [
            marker.run_id,
          ])) as unknown[]
        ).length > 0,
      { what: 'the marker run' },
    );
    const rows = (await ds.query('SELECT status, version FROM policy_governance_runs WHERE run_id = $1', [
      payload.run_id,
    ])) as { status: string; version: number }[];
    expect(rows).toEqual([{ status: 'failed', version: 2 }]);
    const inbox = (await ds.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = $1', [eventId])) as {
      n: number;
    }[];
    expect(inbox[0].n).toBe(1);
    expect((await call('GET', `/api/servers/${server.id}/decisions`)).body!.items).toHaveLength(1);
    expect(await statusOf(server.id)).toBe('pending-governance');
  });

  it('when a tier gets requirements by event, then it is known and a launch lacking them is held pending-evaluation', async () => {
    const server = await register('platinum-one');
    expect((await call('POST', `/api/servers/${server.id}/start`, { tier: 'platinum' })).status).toBe(422);
    await publishTestEvent(kafka.brokers, 'evaluation.requirements.set', {
      tier: 'platinum',
      requirements: ['conformance', 'security-scan'],
      version: 1,
      updated_by: 'admin',
      updated_at: new Date().toISOString(),
    });
    await waitFor(
      async () =>
        ((await ds.query(`SELECT 1 FROM policy_tier_requirements WHERE tier = 'platinum'`)) as unknown[])
          .length > 0,
      { what: 'the tier requirements projection' },
    );
    const res = await call('POST', `/api/servers/${server.id}/start`, { tier: 'platinum' });
    expect(res.status).toBe(202);
    expect(res.body!.status).toBe('pending-evaluation');
    expect(res.body!.decision.policy_notes).toEqual([
      'image:default:catalog',
      'evaluation:missing:platinum:conformance',
      'evaluation:missing:platinum:security-scan',
      'governance:missing-promotion:platinum:unbuilt',
    ]);
    expect(res.body!.decision).toMatchObject({
      requires_build: true,
      evaluation_required: true,
      governance_required: true,
    });
  });

  it('when a passing certification expires, then the next decision says evaluation:expired and holds the launch', async () => {
    const server = await register('expiring-gold', 'gold');
    const { artifactId, digest, certId, at } = await goldArtifact(server);
    await publishTestEvent(kafka.brokers, 'evaluation.certification.expired', {
      id: certId,
      artifact_run_id: artifactId,
      manifest_digest: digest,
      tier: 'gold',
      policy_requirement: 'security-scan',
      status: 'pass',
      evidence: null,
      valid_from: at,
      valid_until: new Date(Date.now() + 86_400_000).toISOString(),
      created_at: at,
      updated_at: at,
      server_id: server.id,
      version: 1,
      expired_at: new Date().toISOString(),
    });
    await waitFor(
      async () =>
        (
          (await ds.query('SELECT expired FROM policy_certifications WHERE id = $1', [certId])) as {
            expired: boolean;
          }[]
        )[0]?.expired === true,
      { what: 'the expiry projected' },
    );
    const res = await call('POST', `/api/servers/${server.id}/start`, {});
    expect(res.body!.status).toBe('pending-evaluation');
    expect(res.body!.decision.policy_notes).toContain('evaluation:expired:gold:security-scan');
  });

  it('when a run starts and moves, a promotion is scheduled and approved, a certification is retried and the marketplace grades the server, then the decision reflects each', async () => {
    const server = await register('lifecycle-gold', 'gold');
    const { artifactId, digest, certId, at } = await goldArtifact(server);
    const runId = randomUUID();
    const workflowId = randomUUID();
    const promotionId = randomUUID();
    const trackId = randomUUID();
    const later = (s: number) => new Date(Date.parse(at) + s * 1000).toISOString();
    await publishTestEvent(kafka.brokers, 'evaluation.certification.retried', {
      ...EVENT_EXAMPLES['evaluation.certification.retried'],
      id: certId,
      artifact_run_id: artifactId,
      manifest_digest: digest,
      tier: 'gold',
      policy_requirement: 'security-scan',
      status: 'pending',
      previous_status: 'pass',
      valid_from: null,
      valid_until: null,
      created_at: at,
      updated_at: later(1),
      version: 2,
    });
    await publishTestEvent(kafka.brokers, 'governance.run.started', {
      ...EVENT_EXAMPLES['governance.run.started'],
      run_id: runId,
      workflow_id: workflowId,
      tier: 'gold',
      artifact_run_id: artifactId,
      manifest_digest: digest,
      promotion_id: promotionId,
      policy_decision_id: null,
      status: 'pending',
      version: 1,
      started_at: later(2),
    });
    await publishTestEvent(kafka.brokers, 'governance.run.transitioned', {
      ...EVENT_EXAMPLES['governance.run.transitioned'],
      run_id: runId,
      workflow_id: workflowId,
      from_status: 'pending',
      to_status: 'in_progress',
      step: null,
      version: 2,
      transitioned_at: later(3),
    });
    await publishTestEvent(kafka.brokers, 'promotion.scheduled', {
      ...EVENT_EXAMPLES['promotion.scheduled'],
      promotion_id: promotionId,
      track_id: trackId,
      manifest_digest: digest,
      tier: 'gold',
      artifact_run_id: artifactId,
      status: 'scheduled',
      governance_run_id: runId,
      version: 1,
      scheduled_at: later(2),
    });
    await publishTestEvent(kafka.brokers, 'promotion.approved', {
      ...EVENT_EXAMPLES['promotion.approved'],
      promotion_id: promotionId,
      track_id: trackId,
      manifest_digest: digest,
      tier: 'gold',
      status: 'approved',
      version: 2,
      approved_at: later(4),
    });
    await publishTestEvent(kafka.brokers, 'marketplace.entry.upserted', {
      ...EVENT_EXAMPLES['marketplace.entry.upserted'],
      server_id: server.id,
      server_name: server.name,
      artifact_run_id: artifactId,
      manifest_digest: digest,
      tier: 'gold:Router',
      updated_at: later(5),
    });
    const facts = async () => {
      const [row] = (await ds.query(
        `SELECT (SELECT status FROM policy_certifications WHERE id = $1) AS cert,
                (SELECT status FROM policy_governance_runs WHERE run_id = $2) AS run,
                (SELECT status FROM policy_promotions WHERE promotion_id = $3) AS promotion,
                (SELECT health_tier FROM policy_marketplace_health WHERE server_id = $4) AS health`,
        [certId, runId, promotionId, server.id],
      )) as { cert: string; run: string; promotion: string; health: string }[];
      return row;
    };
    await waitFor(
      async () => {
        const f = await facts();
        return (
          f.cert === 'pending' &&
          f.run === 'in_progress' &&
          f.promotion === 'approved' &&
          f.health === 'gold:Router'
        );
      },
      { what: 'every projection updated' },
    );

    const res = await call('POST', `/api/servers/${server.id}/start`, {});
    expect(res.body!.status).toBe('pending-evaluation');
    expect(res.body!.decision.policy_notes).toEqual([
      `image:ledger:${artifactId}`,
      'marketplace:tier:gold:Router',
      'evaluation:pending:gold:security-scan',
      `governance:missing-promotion:gold:${digest}`,
      `governance:run-in_progress:${runId}`,
      `promotion:approved:gold:${promotionId}`,
    ]);
  });

  it('when decisions are listed in pages, then keyset pages cover each decision once', async () => {
    const server = await register('paged');
    for (let i = 0; i < 5; i++) {
      await call('POST', `/api/servers/${server.id}/start`, {});
      await call('POST', `/api/servers/${server.id}/stop`, {});
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        'GET',
        `/api/policy/decisions?server_id=${server.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      ids.push(...page.body!.items.map((d) => d.id));
      cursor = page.body!.next_cursor;
    } while (cursor);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect((await call('GET', '/api/policy/decisions?cursor=bogus')).body!.error.code).toBe('INVALID_CURSOR');
  });

  it('when a running server is deleted, then its instance is stopped and its assignment forgotten', async () => {
    const server = await register('deleted-while-running');
    await call('POST', `/api/servers/${server.id}/start`, {});
    await waitFor(async () => (await statusOf(server.id)) === 'running', { what: 'running' });
    const launched = executor.launched.filter((l) => l.serverId === server.id);
    expect(launched).toHaveLength(1);
    const ref = `rec-${executor.launched.indexOf(launched[0]) + 1}`;

    expect((await call('DELETE', `/api/servers/${server.id}`)).status).toBe(204);

    await waitFor(() => executor.stopped.includes(ref), { what: 'the instance stopped' });
    await waitFor(
      async () =>
        ((await ds.query('SELECT 1 FROM runtime_assignments WHERE server_id = $1', [server.id])) as unknown[])
          .length === 0,
      { what: 'the assignment forgotten' },
    );
  });

  it('when 50 starts of one server race, then exactly one is dispatched, the rest get 409, all within 5 s', async () => {
    const server = await register('racing');
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call('POST', `/api/servers/${server.id}/start`, {})),
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(49);
    expect(results.find((r) => r.status === 409)!.body!.error.code).toBe('SERVER_ALREADY_RUNNING');
    await waitFor(async () => (await statusOf(server.id)) === 'running', { what: 'running' });
    expect(executor.launched.filter((l) => l.serverId === server.id)).toHaveLength(1);
    // The service answers normally afterwards.
    const stop = await call('POST', `/api/servers/${server.id}/stop`, {});
    expect(stop.body).toMatchObject({ stopped: true, status: 'stopped' });
  });
});
