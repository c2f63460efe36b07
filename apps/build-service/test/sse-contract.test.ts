// The telemetry contract over SSE, through the real gateway: a build started through the gateway streams its log on
// /api/builds/:id/logs and its metrics on /api/servers/:id/metrics/stream, each `data` exactly the REST row.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { metricSchema, type BuildRun, type Metric, type Server } from '@mcp-host/contracts';
import { GatewayModule } from '@mcp-host/gateway';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import { SseClient } from '@mcp-host/platform/testing';
import { BuildServiceModule } from '../src';
import { registerBuildableServer } from './support/build-helpers';
import { engineEnv } from './support/engine-env';
import { createGitRepo, type TestRepo } from './support/fixtures';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';

const TELEMETRY_KEYS = [
  'attempt',
  'retry_limit',
  'registry_endpoint',
  'error_kind',
  'auth_expired',
  'platform',
];
const e = engineEnv();
let h: Harness;
let gateway: ServiceApp;
let base: string;
let token: string;
let repo: TestRepo;
const clients: SseClient[] = [];

async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  const dir = await fs.mkdtemp(join(e.root, 'sse-'));
  h = await startHarness('build_service_sse', (env) => BuildServiceModule.forRoot({ env }), {
    LOG_LEVEL: 'error',
    DOCKER_HOST: e.dockerHost,
    REGISTRY_URL: `${e.openRegistry}/sse`,
    REGISTRY_INSECURE: 'true',
    REGISTRY_ARCH_TARGETS: 'linux/amd64,linux/arm64',
    BUILD_WORKDIR: join(dir, 'work'),
    BUILD_ALLOW_LOCAL_SOURCES: 'true',
  });
  gateway = await createServiceApp(
    GatewayModule.forRoot({
      env: {
        ...h.env,
        GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
        GATEWAY_UPSTREAM_BUILD_SERVICE: h.url,
        GATEWAY_UPSTREAM_POLICY_ENGINE: h.policyUrl,
        SSE_HEARTBEAT_MS: '1000',
      },
    }),
  );
  base = await gateway.listen(0, '127.0.0.1');
  token = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
  repo = createGitRepo(e.root);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gateway?.close();
  await h?.close();
});

it('when a build runs, then its SSE log and metrics stream carry the contract, each metric exactly its REST row', async () => {
  repo.commit(`sse ${randomUUID()}\n`);
  const server: Server = await registerBuildableServer(h, 'sse', repo.path);
  const metrics = await SseClient.open(base, `/api/servers/${server.id}/metrics/stream`, {
    authorization: `Bearer ${token}`,
  });
  clients.push(metrics);
  expect(metrics.status).toBe(200);

  const started = await api<BuildRun>('POST', `/api/servers/${server.id}/builds`, {});
  expect(started.status).toBe(202);
  const logs = await SseClient.open(base, `/api/builds/${started.body.id}/logs`, {
    authorization: `Bearer ${token}`,
  });
  clients.push(logs);
  expect(logs.status).toBe(200);

  await logs.waitFor(
    (c) => c.events.some((ev) => ev.event === 'build.succeeded'),
    90_000,
    'build.succeeded on SSE',
  );
  const run = await api<BuildRun>('GET', `/api/builds/${started.body.id}`);
  expect(run.body.status).toBe('succeeded');
  const log = logs.events
    .filter((ev) => ev.event === 'build.progress')
    .map((ev) => JSON.parse(ev.data) as { line: string; build_id: string });
  expect(log.every((l) => l.build_id === started.body.id)).toBe(true);
  expect(log.map((l) => l.line)).toContain(`Manifest published with digest ${run.body.manifest_digest}`);

  const rest = await api<{ items: Metric[] }>('GET', `/api/servers/${server.id}/metrics?limit=200`);
  expect(rest.status).toBe(200);
  await metrics.waitFor(
    (c) => c.events.filter((ev) => ev.event === 'build.telemetry').length >= rest.body.items.length,
    20_000,
    'every metric on SSE',
  );
  const streamed = metrics.events.filter((ev) => ev.event === 'build.telemetry');
  const byId = new Map(rest.body.items.map((m) => [m.id, m]));
  expect(streamed).toHaveLength(rest.body.items.length);
  for (const ev of streamed) {
    const data = JSON.parse(ev.data) as Metric;
    expect(metricSchema.safeParse(data).error).toBeUndefined();
    for (const k of TELEMETRY_KEYS) expect(data.details).toHaveProperty(k);
    expect(data).toEqual(byId.get(data.id));
    expect(ev.id).toEqual(expect.any(String));
  }
  const platforms = streamed.map((ev) => (JSON.parse(ev.data) as Metric).details.platform);
  expect(platforms).toEqual(
    expect.arrayContaining(['linux/amd64', 'linux/arm64', 'linux/amd64,linux/arm64']),
  );
});
