// Registry faults through the fault proxy: transient 500s retried, retries exhausted (server `error`, then a clean
// retry), expired credentials refreshed by the configured command with the pull-secret patch, and proactive rotation.
import { mkdtempSync, utimesSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TOPICS, type ArtifactRun, type BuildRun, type Metric, type Server } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { BuildServiceModule } from '../src';
import {
  call,
  dockerConfig,
  readManifest,
  registerBuildableServer,
  waitForBuild,
} from './support/build-helpers';
import { engineEnv } from './support/engine-env';
import { FaultProxy } from './support/fault-proxy';
import { createGitRepo, type TestRepo } from './support/fixtures';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { KubernetesStandIn } from './support/k8s-stand-in';

const e = engineEnv();
let h: Harness;
let proxy: FaultProxy;
let k8s: KubernetesStandIn;
let repo: TestRepo;
let dir: string;
let configPath: string;
let freshConfig: string;
let runs: EventCollector;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(e.root, 'faults-'));
  proxy = await FaultProxy.start(e.openRegistry);
  k8s = await KubernetesStandIn.start();
  configPath = join(dir, 'config.json');
  freshConfig = dockerConfig(proxy.address, e.authUser, e.authPassword);
  writeFileSync(configPath, freshConfig);
  writeFileSync(join(dir, 'fresh.json'), freshConfig);
  // The refresher contract: rewrite $REGISTRY_AUTH_DOCKERCONFIG atomically and exit 0.
  const refresher = join(dir, 'refresh.sh');
  writeFileSync(
    refresher,
    `#!/bin/sh\nset -e\necho "$REGISTRY_AUTH_MODE $REGISTRY_ENDPOINT" >> "${join(dir, 'refresh.log')}"\ncp "${join(dir, 'fresh.json')}" "$REGISTRY_AUTH_DOCKERCONFIG.tmp"\nmv "$REGISTRY_AUTH_DOCKERCONFIG.tmp" "$REGISTRY_AUTH_DOCKERCONFIG"\n`,
  );
  chmodSync(refresher, 0o755);
  const logDestination = {
    write(line: string) {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  h = await startHarness(
    'build_service_faults',
    (env) => BuildServiceModule.forRoot({ env: { ...env, LOG_LEVEL: 'info' }, logDestination }),
    {
      LOG_LEVEL: 'error',
      DOCKER_HOST: e.dockerHost,
      REGISTRY_URL: `${proxy.address}/faults`,
      REGISTRY_INSECURE: 'true',
      REGISTRY_ARCH_TARGETS: 'linux/amd64',
      REGISTRY_PUSH_RETRIES: '3',
      REGISTRY_PUSH_BACKOFF_MS: '20',
      REGISTRY_PUSH_TIMEOUT_SECONDS: '8',
      BUILD_WORKDIR: join(dir, 'work'),
      BUILD_ALLOW_LOCAL_SOURCES: 'true',
      REGISTRY_AUTH_DOCKERCONFIG: configPath,
      REGISTRY_AUTH_REFRESH_COMMAND: refresher,
      K8S_REGISTRY_SECRET_NAME: 'mcp-registry-pull',
      K8S_NAMESPACE: 'mcp-host',
      KUBECONFIG: k8s.writeKubeconfig(dir),
    },
  );
  repo = createGitRepo(e.root);
  runs = await collectEvents(h.kafka.brokers, TOPICS.buildRuns.name);
});

afterAll(async () => {
  await runs?.stop();
  await h?.close();
  await proxy?.stop();
  await k8s?.stop();
});

beforeEach(() => {
  proxy.clear();
  proxy.setUpstream(e.openRegistry);
  writeFileSync(configPath, freshConfig);
});

function registered(): Promise<Server> {
  return registerBuildableServer(h, 'flaky', repo.path);
}

async function build(serverId: string): Promise<BuildRun> {
  const res = await call<BuildRun>(h.url, 'POST', `/api/servers/${serverId}/builds`, {});
  expect(res.status).toBe(202);
  return waitForBuild(h.url, res.body.id);
}

async function metricsOf(buildId: string): Promise<Metric[]> {
  const rows = await h.serviceDb.query<{ id: string }[]>(
    'SELECT server_id AS id FROM build_runs WHERE id = $1',
    [buildId],
  );
  const res = await call<{ items: Metric[] }>(h.url, 'GET', `/api/servers/${rows[0].id}/metrics?limit=200`);
  return res.body.items.filter((m) => m.build_id === buildId).reverse();
}

async function policyStatus(id: string): Promise<string> {
  const res = await fetch(`${h.policyUrl}/api/servers/${id}`);
  return ((await res.json()) as Server).status;
}

/** The build-service's projection of the server, written only from the policy engine's server events. */
async function serverStatus(id: string): Promise<{ status: string }> {
  const rows = await h.serviceDb.query<{ status: string }[]>('SELECT status FROM servers WHERE id = $1', [
    id,
  ]);
  return rows[0];
}

describe('transient registry faults', () => {
  it('when the registry answers 500 twice and then succeeds, then one artifact run and push_retry attempts 1 and 2', async () => {
    repo.commit(`flaky ${randomUUID()}\n`);
    const server = await registered();
    proxy.failNext(2, 500);
    const run = await build(server.id);
    expect(run.status).toBe('succeeded');
    expect(proxy.requests.filter((r) => r.injected === '500')).toHaveLength(2);

    const rows = await h.serviceDb.query<unknown[]>(
      'SELECT id FROM build_artifact_runs WHERE build_id = $1',
      [run.id],
    );
    expect(rows).toHaveLength(1);
    const metrics = await metricsOf(run.id);
    const retries = metrics.filter((m) => m.event === 'push_retry');
    expect(retries.map((m) => m.details.attempt)).toEqual([1, 2]);
    for (const r of retries)
      expect(r.details).toMatchObject({
        reason: 'transient',
        error_kind: 'http_5xx',
        retry_limit: 3,
        platform: 'linux/amd64',
      });
    expect(metrics.filter((m) => m.event === 'push_failed').map((m) => m.details.attempt)).toEqual([1, 2]);
    expect(metrics.find((m) => m.event === 'push_succeeded')?.details).toMatchObject({
      attempt: 3,
      reason: 'succeeded_after_retry',
    });
    await waitFor(
      () => runs.events.some((ev) => ev.payload.build_id === run.id && ev.type === 'build.succeeded'),
      {
        timeoutMs: 15_000,
      },
    );
    expect(runs.events.filter((ev) => ev.payload.build_id === run.id).map((ev) => ev.payload.line)).toEqual(
      expect.arrayContaining([expect.stringContaining('registry push succeeded after retry')]),
    );
    // The structured log lines operators search for (runbook step 1 and 4).
    const logs = logLines.filter((l) => l.build_id === run.id && l.target === 'registry.push');
    expect(logs.filter((l) => l.msg === 'registry push failed').map((l) => l.attempt)).toEqual([1, 2]);
    expect(logs.find((l) => l.msg === 'registry push succeeded after retry')).toMatchObject({
      event: 'push_succeeded',
      attempt: 3,
      server_id: server.id,
      registry_endpoint: proxy.address,
      scopes: [
        `repository:faults/${server.name.toLowerCase()}:push`,
        `repository:faults/${server.name.toLowerCase()}:pull`,
      ],
    });
    expect(logs.find((l) => l.msg === 'registry push target derived')).toMatchObject({
      server_id: server.id,
      image: `${proxy.address}/faults/${server.name.toLowerCase()}`,
    });
  });

  it('when every attempt fails, then the run and the server are marked error, and a later build retries cleanly', async () => {
    repo.commit(`down ${randomUUID()}\n`);
    const server = await registered();
    proxy.failNext(1000, 503);
    const failed = await build(server.id);
    expect(failed).toMatchObject({
      status: 'failed',
      stage: 'push',
      error_kind: 'http_5xx',
      artifact_run_id: null,
    });
    expect(failed.error).toMatch(/503/);
    // This service's projection says `error` with the reason at once; the policy engine (the server's owner)
    // follows build.failed, and its republished server.updated keeps it `error`.
    await waitFor(async () => (await serverStatus(server.id)).status === 'error', {
      timeoutMs: 15_000,
      what: 'the projected server status error',
    });
    await waitFor(async () => (await policyStatus(server.id)) === 'error', {
      timeoutMs: 15_000,
      what: 'the policy engine to mark the server error',
    });
    const metrics = await metricsOf(failed.id);
    expect(metrics.filter((m) => m.event === 'push_retry').map((m) => m.details.attempt)).toEqual([1, 2, 3]);
    expect(metrics.filter((m) => m.event === 'push_failed').map((m) => m.details.attempt)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(metrics.at(-1)).toMatchObject({
      event: 'build_failed',
      details: { error_kind: 'http_5xx', reason: 'push' },
    });
    const failedEvent = await waitFor(
      () => runs.events.find((ev) => ev.type === 'build.failed' && ev.payload.build_id === failed.id),
      { timeoutMs: 15_000, what: 'build.failed on Kafka' },
    );
    expect(failedEvent.payload).toMatchObject({
      stage: 'push',
      error_kind: 'http_5xx',
      server_id: server.id,
    });
    await expect(
      h.serviceDb.query('SELECT 1 FROM build_artifact_runs WHERE build_id = $1', [failed.id]),
    ).resolves.toEqual([]);

    proxy.clear();
    const retried = await build(server.id);
    expect(retried).toMatchObject({ status: 'succeeded', error: null });
    expect(retried.artifact_run_id).toEqual(expect.any(String));
    await waitFor(async () => (await policyStatus(server.id)) === 'built', {
      timeoutMs: 15_000,
      what: 'the policy engine to mark the server built',
    });
    await waitFor(async () => (await serverStatus(server.id)).status === 'built', {
      timeoutMs: 15_000,
      what: 'the projected server status built',
    });
  });
});

describe('slow and broken connections', () => {
  it('when a push attempt hangs past REGISTRY_PUSH_TIMEOUT_SECONDS, then it is retried as a timeout', async () => {
    repo.commit(`slow ${randomUUID()}\n`);
    const server = await registered();
    proxy.delayNext(1, 20_000, /\/blobs\/uploads\//);
    const run = await build(server.id);
    expect(run.status).toBe('succeeded');
    const retries = (await metricsOf(run.id)).filter((m) => m.event === 'push_retry');
    expect(retries.map((m) => m.details)).toEqual([
      expect.objectContaining({ attempt: 1, error_kind: 'timeout', reason: 'transient' }),
    ]);
  });

  it('when connections are reset, then the push recovers and any failed attempt is classified as a transport fault', async () => {
    repo.commit(`reset ${randomUUID()}\n`);
    const server = await registered();
    proxy.resetNext(2, /\/manifests\//);
    const run = await build(server.id);
    expect(run.status).toBe('succeeded');
    expect(proxy.requests.filter((r) => r.injected === 'reset')).toHaveLength(2);
    for (const m of (await metricsOf(run.id)).filter((x) => x.event === 'push_failed')) {
      expect(['connection_reset', 'io']).toContain(m.details.error_kind);
    }
  });
});

describe('credentials', () => {
  it('when the credentials have expired, then the push gets 401, the refresher runs, the push succeeds and the pull secret is patched', async () => {
    proxy.setUpstream(e.authRegistry);
    writeFileSync(configPath, dockerConfig(proxy.address, e.authUser, 'expired-secret'));
    const patchesBefore = k8s.requests.length;
    repo.commit(`expired ${randomUUID()}\n`);
    const server = await registered();
    const run = await build(server.id);
    expect(run.status).toBe('succeeded');

    const metrics = await metricsOf(run.id);
    const events = metrics.map((m) => m.event);
    const failedAt = events.indexOf('push_failed');
    expect(events.slice(failedAt, failedAt + 4)).toEqual([
      'push_failed',
      'auth_refresh_started',
      'auth_refresh_succeeded',
      'push_retry',
    ]);
    const pushFailed = metrics[failedAt];
    expect(pushFailed.details).toMatchObject({ attempt: 1, error_kind: 'auth', auth_expired: true });
    const retry = metrics[failedAt + 3];
    expect(retry.details).toMatchObject({
      reason: 'auth_refresh',
      attempt: 1,
      auth_expired: true,
      error: pushFailed.details.error,
    });
    expect(metrics[failedAt + 2].details).toMatchObject({
      pull_secret_patched: true,
      pull_secret: 'mcp-host/mcp-registry-pull',
    });
    expect(metrics.find((m) => m.event === 'push_succeeded')?.details.attempt).toBe(2);
    expect(readFileSync(join(dir, 'refresh.log'), 'utf8')).toContain(`refresh ${proxy.address}`);

    const patches = k8s.requests.slice(patchesBefore);
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/namespaces/mcp-host/secrets/mcp-registry-pull?fieldManager=mcp-host-build-service',
      contentType: 'application/strategic-merge-patch+json',
      authorization: 'Bearer stand-in-token',
      body: {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(freshConfig).toString('base64') },
      },
    });

    const artifact = await call<ArtifactRun>(h.url, 'GET', `/api/artifacts/${run.artifact_run_id}`);
    expect(artifact.body).toMatchObject({
      auth_refresh_attempted: true,
      auth_refresh_succeeded: true,
      auth_rotation_attempted: false,
    });
    expect(artifact.body.platforms[0]).toMatchObject({
      auth_refresh_attempted: true,
      auth_refresh_succeeded: true,
    });
    const pushed = await readManifest(e.authRegistry, `faults/${server.name.toLowerCase()}`, 'latest', {
      user: e.authUser,
      password: e.authPassword,
    });
    expect(pushed.digest).toBe(run.manifest_digest);
  });

  it('when the registry answers 401 until the credentials change, then the refreshed credentials get through', async () => {
    const stale = dockerConfig(proxy.address, e.authUser, 'revoked-secret');
    writeFileSync(configPath, stale);
    proxy.rejectUntilCredentialsChange(
      `Basic ${Buffer.from(`${e.authUser}:revoked-secret`).toString('base64')}`,
    );
    repo.commit(`revoked ${randomUUID()}\n`);
    const server = await registered();
    const run = await build(server.id);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(proxy.requests.filter((r) => r.injected === '401').length).toBeGreaterThan(0);
    const fresh = `Basic ${Buffer.from(`${e.authUser}:${e.authPassword}`).toString('base64')}`;
    // The manifest publish through the registry HTTP API answered the challenge with the refreshed credentials.
    expect(
      proxy.requests.some(
        (r) => r.method === 'PUT' && /\/manifests\//.test(r.path) && r.authorization === fresh,
      ),
    ).toBe(true);
    const events = (await metricsOf(run.id)).map((m) => m.event);
    expect(events).toEqual(
      expect.arrayContaining(['auth_refresh_started', 'auth_refresh_succeeded', 'push_retry']),
    );
  });

  it('when the dockerconfig cannot be read, then push_failed with attempt 0 (before the push stream) and the build fails at auth', async () => {
    writeFileSync(configPath, '{ not json');
    repo.commit(`broken config ${randomUUID()}\n`);
    const server = await registered();
    const run = await build(server.id);
    expect(run).toMatchObject({ status: 'failed', stage: 'auth', error_kind: 'credentials' });
    const metrics = await metricsOf(run.id);
    const failed = metrics.filter((m) => m.event === 'push_failed');
    expect(failed.map((m) => m.details)).toEqual([
      expect.objectContaining({ attempt: 0, error_kind: 'credentials', platform: 'linux/amd64' }),
    ]);
    expect(metrics.map((m) => m.event)).not.toContain('push_started');
    expect(metrics.map((m) => m.event)).toEqual(expect.arrayContaining(['tag_started', 'tag_succeeded']));
  });

  it('when the dockerconfig is older than max age minus lead, then it is rotated before the push', async () => {
    proxy.setUpstream(e.authRegistry);
    const aged = (Date.now() - (86400 - 1800) * 1000) / 1000;
    utimesSync(configPath, aged, aged);
    const patchesBefore = k8s.requests.length;
    repo.commit(`rotate ${randomUUID()}\n`);
    const server = await registered();
    const run = await build(server.id);
    expect(run.status).toBe('succeeded');

    const metrics = await metricsOf(run.id);
    const events = metrics.map((m) => m.event);
    expect(events.indexOf('auth_health_reported')).toBeLessThan(events.indexOf('auth_rotation_started'));
    expect(events.indexOf('auth_rotation_succeeded')).toBeLessThan(events.indexOf('push_started'));
    expect(events).not.toContain('push_retry');
    const health = metrics.find((m) => m.event === 'auth_health_reported')!;
    expect(health.details).toMatchObject({
      status: 'expiring',
      rotation_recommended: true,
      rotation_configured: true,
      auth_expired: false,
    });
    expect(health.details.seconds_until_expiry).toBeGreaterThan(1700);
    expect(health.details.seconds_until_expiry).toBeLessThanOrEqual(1800);
    expect(Date.parse(health.details.expires_at!)).toBeGreaterThan(Date.now());
    expect(metrics.find((m) => m.event === 'auth_rotation_succeeded')?.details).toMatchObject({
      status: 'healthy',
      rotation_recommended: false,
      pull_secret_patched: true,
    });
    expect(k8s.requests.length - patchesBefore).toBe(1);
    const artifact = await call<ArtifactRun>(h.url, 'GET', `/api/artifacts/${run.artifact_run_id}`);
    expect(artifact.body).toMatchObject({
      auth_rotation_attempted: true,
      auth_rotation_succeeded: true,
      auth_refresh_attempted: false,
      credential_health_status: 'healthy',
    });
  });
});
