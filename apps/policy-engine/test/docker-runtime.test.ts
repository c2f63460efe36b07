// The orchestrator on a real engine: the sample weather server, built on the offline base image and pushed to a
// loopback registry, is launched by digest through Podman's Docker-compatible socket, runs with the secure defaults,
// answers MCP, recovers from a kill -9, streams its logs and stops (idempotently).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  TOPICS,
  type Server,
  type ServerLogsResponse,
  type StartServerResponse,
  type StopServerResponse,
} from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  publishTestEvent,
  SseClient,
  startTestKafka,
  waitFor,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { logTimestampNs } from '../src/runtime/server-logs.stream';
import { startLocalEngine, WEATHER_IMAGE, type LocalEngine } from './support/local-engine';

jest.setTimeout(240_000);

/** Any answer of these routes, loosely. */
type ApiBody = StartServerResponse &
  StopServerResponse &
  ServerLogsResponse &
  Omit<Server, 'status'> & { error: { code: string; message: string } };

const HEALTH_INTERVAL_MS = 2000;

interface Inspect {
  Id: string;
  Config: { User: string; Labels: Record<string, string> };
  State: { Running: boolean };
  HostConfig: {
    CapDrop: string[] | null;
    SecurityOpt: string[] | null;
    ReadonlyRootfs: boolean;
    Tmpfs: Record<string, string> | null;
    Memory: number;
    NanoCpus: number;
    PidsLimit: number;
    NetworkMode: string;
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

const inspectAll = (filter: string): Inspect[] => {
  const ids = engine.podman(['ps', '-a', '-q', '--no-trunc', '--filter', filter]).split('\n').filter(Boolean);
  return ids.length ? (JSON.parse(engine.podman(['inspect', ...ids])) as Inspect[]) : [];
};

describe('docker executor on a real engine', () => {
  let db: TestDatabase;
  let service: ServiceApp;
  let url: string;
  let lifecycle: EventCollector;
  const instance = `t${randomUUID().slice(0, 8)}`;
  const network = `mcp-test-${instance}`;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };

  const containersOf = (serverId: string): Inspect[] =>
    inspectAll(`label=org.mcp-host.server-id=${serverId}`);

  /** Registers a server and records a ledger artifact for it: the weather image in the registry, by digest. */
  async function registeredWithArtifact(name: string): Promise<Server> {
    const server = (await call('POST', '/api/servers', { name, server_type: 'Weather' })).body as Server;
    const artifactId = randomUUID();
    const at = new Date().toISOString();
    await publishTestEvent(kafka.brokers, 'artifact.recorded', {
      id: artifactId,
      server_id: server.id,
      build_id: null,
      source_repo: 'https://example.test/weather.git',
      source_branch: 'main',
      source_revision: null,
      local_image: WEATHER_IMAGE,
      registry_image: `${engine.weatherRepository}:v1`,
      manifest_tag: 'v1',
      manifest_digest: engine.weatherDigest,
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
    const ds = service.app.get(DataSource);
    await waitFor(
      async () =>
        ((await ds.query('SELECT 1 FROM policy_artifacts WHERE id = $1', [artifactId])) as unknown[]).length >
        0,
      { what: 'the artifact projection' },
    );
    return server;
  }

  async function statusOf(id: string): Promise<string> {
    return ((await call('GET', `/api/servers/${id}`)).body as Server).status;
  }

  beforeAll(async () => {
    db = await createTestDatabase('policy_docker');
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          DOCKER_HOST: engine.dockerHost,
          RUNTIME_INSTANCE: instance,
          RUNTIME_DOCKER_NETWORK: network,
          RUNTIME_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
          RUNTIME_RESTART_BACKOFF_MS: '100',
          RUNTIME_DEFAULT_IMAGES: `*=${WEATHER_IMAGE}`,
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    lifecycle = await collectEvents(kafka.brokers, TOPICS.runtimeLifecycle.name);
  });

  afterAll(async () => {
    await lifecycle?.stop();
    await service?.close();
    await db?.drop();
  });

  it('when the sample server is started, then it runs by digest with the secure defaults and answers initialize and tools/list', async () => {
    const server = await registeredWithArtifact('weather-real');

    const started = await call('POST', `/api/servers/${server.id}/start`, { tier: 'dev' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: 'starting',
      decision: {
        backend: 'docker',
        executor_name: 'docker-local',
        image: `${engine.weatherRepository}@${engine.weatherDigest}`,
        manifest_digest: engine.weatherDigest,
        requires_build: false,
        evaluation_required: false,
        governance_required: false,
      },
    });
    await waitFor(async () => (await statusOf(server.id)) === 'running', {
      what: 'running',
      timeoutMs: 90_000,
    });

    const [c] = containersOf(server.id);
    expect(c.State.Running).toBe(true);
    expect(c.Config.User).toBe('10001:10001');
    expect(c.Config.Labels).toMatchObject({
      'org.mcp-host.server-id': server.id,
      'org.mcp-host.decision-id': started.body!.decision.id,
      'org.mcp-host.orchestrator': instance,
    });
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(Object.keys(c.HostConfig.Tmpfs ?? {})).toContain('/tmp');
    expect(c.HostConfig.SecurityOpt ?? []).toEqual(
      expect.arrayContaining([expect.stringMatching(/no-new-privileges/)]),
    );
    expect(c.EffectiveCaps ?? []).toEqual([]);
    expect(c.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(c.HostConfig.NanoCpus).toBe(500_000_000);
    expect(c.HostConfig.PidsLimit).toBe(128);
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([network]);
    const binding = c.HostConfig.PortBindings['8080/tcp'][0];
    expect(binding.HostIp).toBe('127.0.0.1');

    const hostPort = engine.podman(['port', c.Id, '8080/tcp']).trim().split('\n')[0].split(':').pop();
    const client = new Client({ name: 'runtime-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${hostPort}/mcp`)));
    expect(client.getServerVersion()).toMatchObject({ name: 'weather-server' });
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual([
      'convert_temperature',
      'get_alerts',
      'get_forecast',
      'list_cities',
    ]);
    await client.close();

    const launched = lifecycle.events.filter((e) => e.key === server.id).map((e) => e.type);
    await waitFor(
      () => lifecycle.events.some((e) => e.key === server.id && e.type === 'runtime.launch.started'),
      {
        what: 'runtime.launch.started',
      },
    );
    expect(launched[0]).toBe('runtime.launch.requested');
  });

  it('when the container is killed -9, then the server is unhealthy and running again within two health intervals', async () => {
    const server = await registeredWithArtifact('weather-kill');
    await call('POST', `/api/servers/${server.id}/start`, { tier: 'dev' });
    await waitFor(async () => (await statusOf(server.id)) === 'running', {
      what: 'running',
      timeoutMs: 90_000,
    });
    const [before] = containersOf(server.id);

    const killedAt = Date.now();
    engine.podman(['kill', '--signal', 'KILL', before.Id]);

    const changes = () =>
      lifecycle.events
        .filter((e) => e.key === server.id && e.type === 'runtime.server.status_changed')
        .map((e) => e.payload as { to_status: string; changed_at: string });
    await waitFor(() => changes().some((c) => c.to_status === 'unhealthy'), {
      what: 'unhealthy',
      timeoutMs: 20_000,
    });
    await waitFor(
      () => {
        const all = changes();
        const u = all.findIndex((c) => c.to_status === 'unhealthy');
        return all.slice(u + 1).find((c) => c.to_status === 'running');
      },
      { what: 'running again', timeoutMs: 20_000 },
    );
    const back = changes()
      .filter((c) => c.to_status === 'running')
      .pop()!;
    expect(new Date(back.changed_at).getTime() - killedAt).toBeLessThanOrEqual(2 * HEALTH_INTERVAL_MS + 1000);
    const after = containersOf(server.id);
    expect(after).toHaveLength(1);
    expect(after[0].State.Running).toBe(true);
  });

  it('when logs are asked for, then the tail comes back and follow streams lines over SSE', async () => {
    const server = await registeredWithArtifact('weather-logs');
    await call('POST', `/api/servers/${server.id}/start`, { tier: 'dev' });
    await waitFor(async () => (await statusOf(server.id)) === 'running', {
      what: 'running',
      timeoutMs: 90_000,
    });

    const tail = await call('GET', `/api/servers/${server.id}/logs?tail=20`);
    expect(tail.status).toBe(200);
    expect(tail.body!.lines).toEqual(
      expect.arrayContaining([expect.stringContaining('weather-server listening')]),
    );

    const sse = await SseClient.open(url, `/api/servers/${server.id}/logs?follow=true&tail=5`, {});
    expect(sse.status).toBe(200);
    await sse.waitFor((c) => c.events.some((e) => e.event === 'log'), 15_000, 'a log event');
    expect(JSON.parse(sse.events.find((e) => e.event === 'log')!.data)).toMatchObject({
      server_id: server.id,
    });
    // The health checks log `mcp initialize`/`mcp ping` lines, each stamped; wait for a few, then drop the stream.
    await sse.waitFor(
      (c) => c.events.filter((e) => e.event === 'log').length >= 3,
      15_000,
      'three log lines',
    );
    sse.close();
    const first = sse.events.filter((e) => e.event === 'log');
    const lastId = first[first.length - 1].id!;
    expect(lastId).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Resumed with Last-Event-ID: only lines stamped after it come, none of those already seen.
    const resumed = await SseClient.open(url, `/api/servers/${server.id}/logs?follow=true&tail=5`, {
      'last-event-id': lastId,
    });
    await resumed.waitFor((c) => c.events.some((e) => e.event === 'log'), 15_000, 'a newer log line');
    resumed.close();
    const seen = new Set(first.map((e) => e.id));
    for (const e of resumed.events.filter((x) => x.event === 'log')) {
      expect(seen.has(e.id)).toBe(false);
      expect(logTimestampNs(e.id!)! > logTimestampNs(lastId)!).toBe(true);
    }
  });

  it('when a running server is stopped twice, then its container is removed once and the second stop changes nothing', async () => {
    const server = await registeredWithArtifact('weather-stop');
    await call('POST', `/api/servers/${server.id}/start`, { tier: 'dev' });
    await waitFor(async () => (await statusOf(server.id)) === 'running', {
      what: 'running',
      timeoutMs: 90_000,
    });

    const first = await call('POST', `/api/servers/${server.id}/stop`, { reason: 'maintenance' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'stopped', stopped: true });
    expect(containersOf(server.id)).toHaveLength(0);

    const second = await call('POST', `/api/servers/${server.id}/stop`);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'stopped', stopped: false });

    const logs = await call('GET', `/api/servers/${server.id}/logs`);
    expect(logs.status).toBe(409);
    expect(logs.body!.error.code).toBe('SERVER_NOT_RUNNING');
  });

  it('when a server has no artifact, then the configured catalog image runs and the decision says requires_build', async () => {
    const server = (await call('POST', '/api/servers', { name: 'weather-default', server_type: 'Weather' }))
      .body as Server;
    const started = await call('POST', `/api/servers/${server.id}/start`, {});
    expect(started.status).toBe(202);
    expect(started.body!.decision).toMatchObject({
      image: WEATHER_IMAGE,
      requires_build: true,
      manifest_digest: null,
      tier: 'dev',
      policy_notes: ['image:default:catalog', 'governance:ungated:dev'],
    });
    await waitFor(async () => (await statusOf(server.id)) === 'running', {
      what: 'running',
      timeoutMs: 90_000,
    });
    await call('POST', `/api/servers/${server.id}/stop`);
  });
});

describe('crash mid-launch', () => {
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  const instance = `c${randomUUID().slice(0, 8)}`;

  async function startChild(): Promise<string> {
    const proc = spawn(
      process.execPath,
      [join(__dirname, '../../../scripts/run-from-source.js'), join(__dirname, 'support/service-child.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          DOCKER_HOST: engine.dockerHost,
          RUNTIME_INSTANCE: instance,
          RUNTIME_DOCKER_NETWORK: `mcp-test-${instance}`,
          RUNTIME_RECONCILE_INTERVAL_MS: '500',
          RUNTIME_DEFAULT_IMAGES: `*=${WEATHER_IMAGE}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let out = '';
    return new Promise((resolve, reject) => {
      proc.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /LISTENING (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
      proc.once('exit', (code) =>
        reject(new Error(`policy engine exited with ${code}: ${out.slice(-2000)}`)),
      );
    });
  }

  function killChild(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase('policy_crash');
  });

  afterAll(async () => {
    await killChild();
    for (const c of inspectAll(`label=org.mcp-host.orchestrator=${instance}`))
      engine.podman(['rm', '-f', c.Id]);
    await db?.drop();
  });

  it('when the policy engine is killed -9 mid-launch and restarted, then no container is orphaned and the server runs', async () => {
    let url = await startChild();
    const post = async (path: string, body: unknown) =>
      (await (
        await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { id: string; status: string };
    const server = await post('/api/servers', { name: 'crash-weather', server_type: 'Weather' });
    // A labelled container no assignment knows: what a crash between a stop and its removal leaves behind.
    const orphan = engine
      .podman([
        'run',
        '-d',
        '--label',
        'org.mcp-host.managed=true',
        '--label',
        `org.mcp-host.orchestrator=${instance}`,
        '--label',
        `org.mcp-host.server-id=${randomUUID()}`,
        '--label',
        `org.mcp-host.decision-id=${randomUUID()}`,
        WEATHER_IMAGE,
      ])
      .trim();

    const started = await post(`/api/servers/${server.id}/start`, {});
    expect(started.status).toBe('starting');
    // Kill the moment the engine has created the container, before the launch is recorded as running.
    await waitFor(() => inspectAll(`label=org.mcp-host.server-id=${server.id}`).length > 0, {
      what: 'the container being created',
      intervalMs: 20,
    });
    await killChild();

    url = await startChild();
    await waitFor(
      async () =>
        ((await (await fetch(`${url}/api/servers/${server.id}`)).json()) as { status: string }).status ===
        'running',
      { what: 'running after the restart', timeoutMs: 60_000 },
    );
    await waitFor(() => inspectAll(`id=${orphan}`).length === 0, { what: 'the orphan removed' });
    const mine = inspectAll(`label=org.mcp-host.server-id=${server.id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0].State.Running).toBe(true);
    expect(inspectAll(`label=org.mcp-host.orchestrator=${instance}`)).toHaveLength(1);
  });
});
