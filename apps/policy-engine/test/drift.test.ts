// Drift on a real engine: a server image whose get_forecast description changes after certification (a rug pull
// from its second tools/list on) is certified by the conformance evaluator in its own container, then launched by
// the runtime; the refresh finds the changed description, flags the server `drifted` and names get_forecast in
// blocked_tools (the gateway refuses calls to it); once the server lists the certified tools again the drift clears.
import { randomUUID } from 'node:crypto';
import {
  TOPICS,
  type EvaluationResultRecorded,
  type Server,
  type ServerToolsDrifted,
  type ServerToolsResponse,
  sha256Hex,
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
import { startLocalEngine, type LocalEngine } from './support/local-engine';
import { buildVariantImage, FORECAST_DESCRIPTION, PULLED_DESCRIPTION } from './support/variant-images';

jest.setTimeout(300_000);

type ApiBody = ServerToolsResponse & Server & { error: { code: string; message: string } };

let engine: LocalEngine;
let kafka: TestKafka;

beforeAll(async () => {
  engine = await startLocalEngine();
  kafka = await startTestKafka();
});

afterAll(async () => {
  await kafka?.stop();
  await engine?.stop();
});

describe('drift of a certified server on a real engine', () => {
  let db: TestDatabase;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;
  let tools: EventCollector;
  let results: EventCollector;
  const instance = `d${randomUUID().slice(0, 8)}`;

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
    db = await createTestDatabase('policy_drift');
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          DOCKER_HOST: engine.dockerHost,
          RUNTIME_INSTANCE: instance,
          RUNTIME_DOCKER_NETWORK: `mcp-test-${instance}`,
          CONFORMANCE_NETWORK: `mcp-conf-${instance}`,
          RUNTIME_HEALTH_INTERVAL_MS: '2000',
          TOOLS_REFRESH_INTERVAL_SECONDS: '1',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
    tools = await collectEvents(kafka.brokers, TOPICS.mcpTools.name);
    results = await collectEvents(kafka.brokers, TOPICS.evaluationResults.name);
  });

  afterAll(async () => {
    await tools?.stop();
    await results?.stop();
    await service?.close();
    await db?.drop();
  });

  it('when a server image changes a tool description after certification, then it is flagged drifted and the changed tool is blocked', async () => {
    const image = buildVariantImage(engine, 'rugpull');
    const server = (await call('POST', '/api/servers', { name: 'rugpull', server_type: 'Weather' }))
      .body as Server;
    const artifactId = randomUUID();
    const at = new Date().toISOString();
    await publishTestEvent(kafka.brokers, 'artifact.recorded', {
      id: artifactId,
      server_id: server.id,
      build_id: null,
      source_repo: 'https://example.test/rugpull.git',
      source_branch: 'main',
      source_revision: null,
      local_image: 'localhost/mcp-host/variant-rugpull:test',
      registry_image: image.registryImage,
      manifest_tag: 'v1',
      manifest_digest: image.digest,
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
    // The marketplace's request for the tier's mcp-conformance requirement.
    const certificationId = randomUUID();
    await publishTestEvent(kafka.brokers, 'evaluation.requested', {
      id: certificationId,
      artifact_run_id: artifactId,
      server_id: server.id,
      manifest_digest: image.digest,
      tier: 'dev',
      policy_requirement: 'mcp-conformance',
      status: 'pending',
      evidence: null,
      valid_from: null,
      valid_until: null,
      created_at: at,
      updated_at: at,
      version: 1,
      reason: 'artifact_recorded',
    });
    const result = await waitFor(
      () =>
        results.events.find(
          (e) => (e.payload as { certification_id?: string }).certification_id === certificationId,
        ),
      { what: 'the conformance result', timeoutMs: 120_000 },
    );
    const r = result.payload as unknown as EvaluationResultRecorded;
    expect(r.status).toBe('pass');
    const certifiedForecast = r.tool_manifest!.tools.find((t) => t.name === 'get_forecast')!;
    expect(certifiedForecast.description_sha256).toBe(sha256Hex(FORECAST_DESCRIPTION));
    await waitFor(
      async () =>
        (
          (await ds.query(
            "SELECT 1 FROM certified_tool_manifests WHERE artifact_run_id = $1 AND status = 'pass'",
            [artifactId],
          )) as unknown[]
        ).length > 0,
      { what: 'the certified manifest' },
    );

    expect((await call('POST', `/api/servers/${server.id}/start`, { tier: 'dev' })).status).toBe(202);
    await waitFor(async () => (await call('GET', `/api/servers/${server.id}`)).body?.status === 'running', {
      what: 'running',
      timeoutMs: 120_000,
    });

    const drifted = await waitFor(
      () => tools.events.find((e) => e.key === server.id && e.type === 'server.tools.drifted'),
      { what: 'server.tools.drifted', timeoutMs: 60_000 },
    );
    const d = drifted.payload as unknown as ServerToolsDrifted;
    expect(d).toMatchObject({
      server_id: server.id,
      artifact_run_id: artifactId,
      certified_digest: r.tool_manifest!.digest,
      changed: [{ tool: 'get_forecast', change: 'description' }],
      blocked_tools: ['get_forecast'],
    });

    const flagged = (await call('GET', `/api/servers/${server.id}/tools`)).body!;
    expect(flagged.drifted).toBe(true);
    expect(flagged.certified_digest).toBe(r.tool_manifest!.digest);
    expect(flagged.tools.map((t) => [t.name, t.blocked])).toEqual([
      ['delete_city', false],
      ['get_forecast', true],
    ]);
    expect(flagged.tools.find((t) => t.name === 'get_forecast')!.description_sha256).toBe(
      sha256Hex(PULLED_DESCRIPTION),
    );

    // The server lists its certified tools again: the drift clears and nothing stays blocked.
    const restore = await fetch(new URL('/control/restore', flagged.endpoint), { method: 'POST' });
    expect(restore.status).toBe(204);
    await waitFor(
      () => tools.events.find((e) => e.key === server.id && e.type === 'server.tools.drift_cleared'),
      { what: 'server.tools.drift_cleared', timeoutMs: 60_000 },
    );
    const cleared = (await call('GET', `/api/servers/${server.id}/tools`)).body!;
    expect(cleared).toMatchObject({ drifted: false, changed: [], digest: r.tool_manifest!.digest });
    expect(cleared.tools.every((t) => !t.blocked)).toBe(true);

    await call('POST', `/api/servers/${server.id}/stop`, {});
  });
});
