// Kill -9 the build service mid-push and start it again: the interrupted run is failed (never half-written),
// no ledger row exists for it, every event written before the kill reaches Kafka, and a new build succeeds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TOPICS, type BuildRun, type Server } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { BuildServiceModule } from '../src';
import { call, registerBuildableServer, waitForBuild } from './support/build-helpers';
import { engineEnv } from './support/engine-env';
import { FaultProxy } from './support/fault-proxy';
import { createGitRepo, type TestRepo } from './support/fixtures';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';

const e = engineEnv();
let h: Harness;
let proxy: FaultProxy;
let repo: TestRepo;
let dir: string;
let runs: EventCollector;
let telemetry: EventCollector;
const children: ChildProcess[] = [];

function startChild(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(
      process.execPath,
      [
        resolve(__dirname, '../../../scripts/run-from-source.js'),
        resolve(__dirname, 'support/service-child.ts'),
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(proc);
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolvePromise({ proc, url: m[1] });
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) =>
      reject(new Error(`service exited with ${code} before listening: ${out.slice(-2000)}`)),
    );
  });
}

function kill9(proc: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return r();
    proc.once('exit', () => r());
    proc.kill('SIGKILL');
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(e.root, 'crash-'));
  proxy = await FaultProxy.start(e.openRegistry);
  // The in-process service only keeps the projection; its sweep waits an hour, so recovery is the restarted child's.
  h = await startHarness('build_service_crash', (env) => BuildServiceModule.forRoot({ env }), {
    LOG_LEVEL: 'error',
    DOCKER_HOST: e.dockerHost,
    REGISTRY_URL: `${proxy.address}/crash`,
    REGISTRY_INSECURE: 'true',
    BUILD_WORKDIR: join(dir, 'work'),
    BUILD_ALLOW_LOCAL_SOURCES: 'true',
    BUILD_STALE_AFTER_SECONDS: '3600',
  });
  repo = createGitRepo(e.root);
  [runs, telemetry] = await Promise.all([
    collectEvents(h.kafka.brokers, TOPICS.buildRuns.name),
    collectEvents(h.kafka.brokers, TOPICS.buildTelemetry.name),
  ]);
});

afterAll(async () => {
  for (const c of children) await kill9(c);
  await Promise.all([runs?.stop(), telemetry?.stop()]);
  await h?.close();
  await proxy?.stop();
});

it('when the service is killed mid-push and started again, then the run is failed as interrupted with no event lost', async () => {
  const childEnv = { ...h.env, BUILD_STALE_AFTER_SECONDS: '2', EVENT_CONSUMER_ENABLED: 'false' };
  const first = await startChild(childEnv);
  repo.commit(`crash ${randomUUID()}\n`);
  const server: Server = await registerBuildableServer(h, 'crashy', repo.path);
  // Blob uploads hang, so the push is in flight when the process dies.
  proxy.setLatency(60_000, /\/blobs\/uploads\//);
  const accepted = await call<BuildRun>(first.url, 'POST', `/api/servers/${server.id}/builds`, {});
  expect(accepted.status).toBe(202);
  const buildId = accepted.body.id;
  await waitFor(
    async () =>
      (
        await h.serviceDb.query<unknown[]>(
          `SELECT 1 FROM usage_metrics WHERE build_id = $1 AND event = 'push_started'`,
          [buildId],
        )
      ).length > 0,
    { timeoutMs: 60_000, what: 'the push to start' },
  );
  await waitFor(() => proxy.requests.some((r) => /\/blobs\/uploads\//.test(r.path)), { timeoutMs: 30_000 });
  await kill9(first.proc);
  proxy.clear();

  const second = await startChild(childEnv);
  const failed = await waitForBuild(second.url, buildId, 60_000);
  expect(failed).toMatchObject({
    status: 'failed',
    stage: 'push',
    error_kind: 'interrupted',
    artifact_run_id: null,
  });
  await expect(
    h.serviceDb.query('SELECT 1 FROM build_artifact_runs WHERE build_id = $1', [buildId]),
  ).resolves.toEqual([]);
  await waitFor(
    async () =>
      (
        await h.serviceDb.query<{ status: string }[]>('SELECT status FROM servers WHERE id = $1', [server.id])
      )[0]?.status === 'error',
    { timeoutMs: 15_000, what: 'the server status error' },
  );

  // Every metric written before and after the kill is on the topic, once.
  const metricIds = (
    await h.serviceDb.query<{ id: string }[]>('SELECT id FROM usage_metrics WHERE build_id = $1', [buildId])
  ).map((r) => r.id);
  expect(metricIds.length).toBeGreaterThanOrEqual(5);
  await waitFor(
    () => {
      const seen = telemetry.events
        .filter((ev) => ev.payload.build_id === buildId)
        .map((ev) => ev.payload.id);
      return metricIds.every((id) => seen.includes(id)) ? true : undefined;
    },
    { timeoutMs: 20_000, what: 'every metric of the build on the telemetry topic' },
  );
  const onTopic = telemetry.events.filter((ev) => ev.payload.build_id === buildId);
  expect(new Set(onTopic.map((ev) => ev.attributes.id)).size).toBe(metricIds.length);
  const mine = await waitFor(
    () => {
      const evs = runs.events.filter((ev) => ev.payload.build_id === buildId);
      return evs.some((ev) => ev.type === 'build.failed') ? evs : undefined;
    },
    { timeoutMs: 20_000, what: 'build.failed on Kafka' },
  );
  expect(mine[0].type).toBe('build.started');
  expect(mine.find((ev) => ev.type === 'build.failed')?.payload).toMatchObject({
    error_kind: 'interrupted',
    stage: 'push',
  });
  const seqs = mine.filter((ev) => ev.type === 'build.progress').map((ev) => ev.payload.sequence as number);
  expect(new Set(seqs).size).toBe(seqs.length);
  await waitFor(async () => (await h.serviceDb.query<unknown[]>('SELECT 1 FROM outbox')).length === 0, {
    timeoutMs: 20_000,
    what: 'an empty outbox',
  });

  const again = await call<BuildRun>(second.url, 'POST', `/api/servers/${server.id}/builds`, {});
  await expect(waitForBuild(second.url, again.body.id)).resolves.toMatchObject({ status: 'succeeded' });
});
