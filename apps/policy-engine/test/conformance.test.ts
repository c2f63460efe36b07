// The conformance evaluator on a real engine: requested mcp-conformance evaluations run one at a time, each in its
// own container with the runtime's secure defaults on a network of its own; the sample weather server passes, a
// server whose tool has an invalid inputSchema fails, and one that does not answer initialize fails; every result
// carries its evidence and validity window, and no evaluation container is left behind.
import { randomUUID } from 'node:crypto';
import {
  TOPICS,
  type EvaluationRequested,
  type EvaluationResultRecorded,
  type Server,
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
import { CONFORMANCE_LABEL } from '../src/conformance/conformance-evaluator.service';
import { startLocalEngine, type LocalEngine } from './support/local-engine';
import { buildVariantImage } from './support/variant-images';

jest.setTimeout(420_000);

const VALIDITY_DAYS = 7;

interface Inspect {
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    CapDrop: string[] | null;
    SecurityOpt: string[] | null;
    ReadonlyRootfs: boolean;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  };
  EffectiveCaps?: string[] | null;
  NetworkSettings: { Networks: Record<string, unknown> };
}

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

describe('conformance evaluator on a real engine', () => {
  let db: TestDatabase;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;
  let results: EventCollector;
  const instance = `c${randomUUID().slice(0, 8)}`;
  const network = `mcp-conf-${instance}`;

  const evaluationContainers = (): string[] =>
    engine
      .podman(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${CONFORMANCE_LABEL}`])
      .split('\n')
      .filter(Boolean);

  /** Registers a server with an artifact of `image` and requests its mcp-conformance evaluation. */
  async function requestEvaluation(name: string, registryImage: string, digest: string): Promise<string> {
    const res = await fetch(`${url}/api/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, server_type: 'Weather' }),
    });
    const server = (await res.json()) as Server;
    const artifactId = randomUUID();
    const at = new Date().toISOString();
    await publishTestEvent(kafka.brokers, 'artifact.recorded', {
      id: artifactId,
      server_id: server.id,
      build_id: null,
      source_repo: `https://example.test/${name}.git`,
      source_branch: 'main',
      source_revision: null,
      local_image: `localhost/${name}:test`,
      registry_image: registryImage,
      manifest_tag: 'v1',
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
    const certificationId = randomUUID();
    await publishTestEvent(kafka.brokers, 'evaluation.requested', {
      id: certificationId,
      artifact_run_id: artifactId,
      server_id: server.id,
      manifest_digest: digest,
      tier: 'gold',
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
    return certificationId;
  }

  const resultOf = (certificationId: string) =>
    waitFor(
      () =>
        results.events
          .map((e) => e.payload as unknown as EvaluationResultRecorded)
          .find((p) => p.certification_id === certificationId),
      { what: `the result of ${certificationId}`, timeoutMs: 240_000 },
    );

  beforeAll(async () => {
    db = await createTestDatabase('policy_conformance');
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          DOCKER_HOST: engine.dockerHost,
          RUNTIME_INSTANCE: instance,
          CONFORMANCE_NETWORK: network,
          CONFORMANCE_CONCURRENCY: '1',
          CONFORMANCE_START_TIMEOUT_MS: '15000',
          CONFORMANCE_VALIDITY_DAYS: String(VALIDITY_DAYS),
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
    results = await collectEvents(kafka.brokers, TOPICS.evaluationResults.name);
  });

  afterAll(async () => {
    await results?.stop();
    await service?.close();
    await db?.drop();
  });

  it('when the sample server, a server with an invalid inputSchema and one that does not answer initialize are evaluated, then the first passes and the others fail, each in an isolated container that is removed', async () => {
    const bad = buildVariantImage(engine, 'bad-schema');
    const silent = buildVariantImage(engine, 'no-initialize');
    const weatherId = await requestEvaluation(
      'weather-conf',
      `${engine.weatherRepository}:v1`,
      engine.weatherDigest,
    );
    const badId = await requestEvaluation('bad-schema-conf', bad.registryImage, bad.digest);
    const silentId = await requestEvaluation('silent-conf', silent.registryImage, silent.digest);

    // The silent server's evaluation waits out the start timeout: its container is seen running meanwhile.
    const inspected = await waitFor(
      () => {
        const ids = evaluationContainers();
        if (ids.length === 0) return undefined;
        const all = JSON.parse(engine.podman(['inspect', ...ids])) as Inspect[];
        return all.find((c) => c.Config.Labels[CONFORMANCE_LABEL] === silentId);
      },
      { what: 'the silent server evaluation container', timeoutMs: 240_000, intervalMs: 200 },
    );
    expect(inspected.Config.User).toBe('10001:10001');
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspected.EffectiveCaps ?? []).toEqual([]);
    expect(inspected.HostConfig.SecurityOpt ?? []).toEqual(
      expect.arrayContaining([expect.stringMatching(/no-new-privileges/)]),
    );
    expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([network]);
    expect(inspected.HostConfig.PortBindings['8080/tcp'][0].HostIp).toBe('127.0.0.1');

    const weather = await resultOf(weatherId);
    expect(weather.status).toBe('pass');
    expect(weather.policy_requirement).toBe('mcp-conformance');
    expect(weather.evidence).toMatchObject({
      evaluator: 'mcp-conformance',
      checks: {
        initialize: 'pass',
        ping: 'pass',
        tools_list: 'pass',
        input_schemas: 'pass',
        safe_calls: 'skipped',
      },
      server_info: { name: 'weather-server' },
      tools_count: 4,
      failures: [],
    });
    expect((weather.evidence.transcript as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(weather.tool_manifest!.tools.map((t) => t.name)).toEqual([
      'convert_temperature',
      'get_alerts',
      'get_forecast',
      'list_cities',
    ]);
    const validMs = Date.parse(weather.valid_until) - Date.parse(weather.valid_from);
    expect(validMs).toBe(VALIDITY_DAYS * 24 * 60 * 60 * 1000);

    const badResult = await resultOf(badId);
    expect(badResult.status).toBe('fail');
    expect(badResult.evidence).toMatchObject({
      checks: { initialize: 'pass', tools_list: 'pass', input_schemas: 'fail', safe_calls: 'pass' },
      invalid_input_schemas: [{ tool: 'list_cities' }],
    });
    // The read-only safe tool was still called, with arguments generated from its schema; the destructive one not.
    expect(
      (badResult.evidence.safe_calls as { tool: string; is_error: boolean }[]).map((c) => c.tool),
    ).toEqual(['get_forecast']);

    const silentResult = await resultOf(silentId);
    expect(silentResult.status).toBe('fail');
    expect(silentResult.tool_manifest).toBeNull();
    expect(silentResult.evidence).toMatchObject({
      checks: { initialize: 'fail', ping: 'skipped', tools_list: 'skipped' },
    });
    expect((silentResult.evidence.failures as string[])[0]).toMatch(/^initialize: /);
    expect(Date.parse(silentResult.valid_until)).toBeGreaterThan(Date.parse(silentResult.valid_from));

    // One at a time (CONFORMANCE_CONCURRENCY=1), every queued run done, and no container left.
    const runs = (await ds.query(
      'SELECT certification_id, status, result_status FROM conformance_runs ORDER BY created_at',
    )) as { certification_id: string; status: string; result_status: string }[];
    expect(runs.map((r) => [r.certification_id, r.status, r.result_status])).toEqual([
      [weatherId, 'done', 'pass'],
      [badId, 'done', 'fail'],
      [silentId, 'done', 'fail'],
    ]);
    await waitFor(() => evaluationContainers().length === 0, { what: 'no evaluation container left' });
  });

  it('when the same request is delivered again, then it is evaluated once', async () => {
    const [first] = (await ds.query('SELECT request FROM conformance_runs ORDER BY created_at LIMIT 1')) as {
      request: EvaluationRequested;
    }[];
    await publishTestEvent(kafka.brokers, 'evaluation.requested', first.request);
    // A new certification of the same artifact run: same key, so it is consumed after the redelivery.
    const marker = { ...first.request, id: randomUUID() };
    await publishTestEvent(kafka.brokers, 'evaluation.requested', marker);
    expect((await resultOf(marker.id)).status).toBe('pass');
    const ofFirst = results.events.filter(
      (e) => (e.payload as { certification_id?: string }).certification_id === first.request.id,
    );
    expect(ofFirst).toHaveLength(1);
    const rows = (await ds.query('SELECT 1 FROM conformance_runs WHERE certification_id = $1', [
      first.request.id,
    ])) as unknown[];
    expect(rows).toHaveLength(1);
  });

  it('when runs are queued together, then they ran one at a time', () => {
    const spans = results.events
      .map((e) => e.payload as unknown as EvaluationResultRecorded)
      .map((p) => [Date.parse(p.evidence.started_at as string), Date.parse(p.evaluated_at)] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(spans.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });
});
