// Git and archive builds end to end on Podman and a real registry: multi-arch manifest list, ledger, events on
// Kafka, the telemetry contract over REST and on the topic, pruning a dropped architecture, and bad input.
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  artifactRunSchema,
  buildRunSchema,
  metricSchema,
  TOPICS,
  type ArtifactRun,
  type BuildRun,
  type Metric,
  type Server,
} from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { BuildServiceModule } from '../src';
import { call, readManifest, registerBuildableServer, waitForBuild } from './support/build-helpers';
import { engineEnv } from './support/engine-env';
import {
  contextArchive,
  createGitRepo,
  rawTarWithEntry,
  SCRATCH_DOCKERFILE,
  type TestRepo,
} from './support/fixtures';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';

const TELEMETRY_KEYS = [
  'attempt',
  'retry_limit',
  'registry_endpoint',
  'error_kind',
  'auth_expired',
  'platform',
];

let h: Harness;
let repo: TestRepo;
let workdir: string;
let runs: EventCollector;
let telemetry: EventCollector;
let artifacts: EventCollector;
const e = engineEnv();

beforeAll(async () => {
  workdir = mkdtempSync(join(e.root, 'work-'));
  h = await startHarness('build_service_builds', (env) => BuildServiceModule.forRoot({ env }), {
    DOCKER_HOST: e.dockerHost,
    REGISTRY_URL: `${e.openRegistry}/happy`,
    REGISTRY_INSECURE: 'true',
    REGISTRY_ARCH_TARGETS: 'linux/amd64,linux/arm64',
    BUILD_WORKDIR: workdir,
    BUILD_ALLOW_LOCAL_SOURCES: 'true',
    REGISTRY_PUSH_BACKOFF_MS: '50',
    LOG_LEVEL: 'error',
    // Passed to the engine as cache-from; an image that does not exist yet must not break a build.
    REGISTRY_BUILD_CACHE_FROM: `${e.openRegistry}/happy/build-cache:latest`,
  });
  repo = createGitRepo(e.root);
  [runs, telemetry, artifacts] = await Promise.all([
    collectEvents(h.kafka.brokers, TOPICS.buildRuns.name),
    collectEvents(h.kafka.brokers, TOPICS.buildTelemetry.name),
    collectEvents(h.kafka.brokers, TOPICS.artifactRuns.name),
  ]);
});

afterAll(async () => {
  await Promise.all([runs?.stop(), telemetry?.stop(), artifacts?.stop()]);
  await h?.close();
});

function registered(extra: Record<string, unknown> = {}): Promise<Server> {
  return registerBuildableServer(h, 'app', repo.path, { dockerfile_path: 'Dockerfile', ...extra });
}

async function build(serverId: string, body: Record<string, unknown> = {}): Promise<BuildRun> {
  const res = await call<BuildRun>(h.url, 'POST', `/api/servers/${serverId}/builds`, body);
  expect(res.status).toBe(202);
  expect(buildRunSchema.safeParse(res.body).error).toBeUndefined();
  return waitForBuild(h.url, res.body.id);
}

async function metricsOf(serverId: string): Promise<Metric[]> {
  const res = await call<{ items: Metric[] }>(h.url, 'GET', `/api/servers/${serverId}/metrics?limit=200`);
  return res.body.items;
}

describe('a git-driven multi-arch build', () => {
  let server: Server;
  let run: BuildRun;
  let artifact: ArtifactRun;
  let revision: string;
  let secondId: string;

  beforeAll(async () => {
    revision = repo.commit(`multi-arch ${randomUUID()}\n`);
    server = await registered();
    run = await build(server.id);
  });

  it('when it runs for linux/amd64 and linux/arm64, then the registry holds a manifest list of both', async () => {
    expect(run).toMatchObject({
      status: 'succeeded',
      source_kind: 'git',
      source_revision: revision,
      error: null,
    });
    expect(run.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const repository = `happy/${server.name.toLowerCase()}`;
    const index = await readManifest(e.openRegistry, repository, revision);
    expect(index.status).toBe(200);
    expect(index.json.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.json.manifests?.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    expect(index.digest).toBe(run.manifest_digest);
    await expect(readManifest(e.openRegistry, repository, 'latest')).resolves.toMatchObject({
      digest: index.digest,
    });
  });

  it('when it succeeds, then the ledger rows carry the digests the registry holds', async () => {
    const res = await call<ArtifactRun>(h.url, 'GET', `/api/artifacts/${run.artifact_run_id}`);
    expect(res.status).toBe(200);
    expect(artifactRunSchema.safeParse(res.body).error).toBeUndefined();
    artifact = res.body;
    expect(artifact).toMatchObject({
      server_id: server.id,
      build_id: run.id,
      source_repo: repo.path,
      source_branch: 'main',
      source_revision: revision,
      registry_image: `${e.openRegistry}/happy/${server.name.toLowerCase()}:${revision}`,
      manifest_tag: revision,
      manifest_digest: run.manifest_digest,
      multi_arch: true,
      status: 'succeeded',
      auth_refresh_attempted: false,
      credential_health_status: 'unconfigured',
    });
    const index = await readManifest(e.openRegistry, `happy/${server.name.toLowerCase()}`, revision);
    const byArch = new Map(index.json.manifests?.map((m) => [`linux/${m.platform.architecture}`, m.digest]));
    expect(artifact.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const p of artifact.platforms) {
      expect(p.digest).toBe(byArch.get(p.platform));
      expect(p.remote_image).toBe(
        `${e.openRegistry}/happy/${server.name.toLowerCase()}:${revision}-${p.platform.replace('/', '-')}`,
      );
    }
    const rows = await h.serviceDb.query<{ platform: string; digest: string }[]>(
      'SELECT platform, digest FROM build_artifact_platforms WHERE artifact_run_id = $1 ORDER BY platform',
      [artifact.id],
    );
    expect(rows).toEqual(artifact.platforms.map((p) => ({ platform: p.platform, digest: p.digest })));
  });

  it('when it succeeds, then build, progress, ledger and telemetry events are on Kafka', async () => {
    const mine = await waitFor(
      () => {
        const evs = runs.events.filter((ev) => ev.payload.build_id === run.id);
        return evs.some((ev) => ev.type === 'build.succeeded') ? evs : undefined;
      },
      { timeoutMs: 15_000, what: 'build.succeeded on Kafka' },
    );
    expect(mine[0].type).toBe('build.started');
    const lines = mine.filter((ev) => ev.type === 'build.progress').map((ev) => ev.payload.line as string);
    expect(lines).toContain(`Manifest published with digest ${run.manifest_digest}`);
    const seqs = mine.filter((ev) => ev.type === 'build.progress').map((ev) => ev.payload.sequence as number);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(mine.find((ev) => ev.type === 'build.succeeded')?.payload).toMatchObject({
      artifact_run_id: artifact.id,
      manifest_digest: run.manifest_digest,
    });
    const recorded = await waitFor(() => artifacts.events.find((ev) => ev.payload.id === artifact.id), {
      timeoutMs: 15_000,
      what: 'artifact.recorded',
    });
    expect(recorded.payload).toEqual(artifact);

    const published = await waitFor(
      () =>
        telemetry.events.find(
          (ev) => ev.payload.build_id === run.id && ev.payload.event === 'manifest_published',
        ),
      { timeoutMs: 15_000, what: 'manifest_published' },
    );
    expect(published.payload.details).toMatchObject({
      architectures: ['linux/amd64', 'linux/arm64'],
      digest: run.manifest_digest,
      platform: 'linux/amd64,linux/arm64',
    });
  });

  it('when metrics are read over REST and from the topic, then every payload carries the telemetry contract keys', async () => {
    const rest = await metricsOf(server.id);
    const events = rest.map((m) => m.event);
    for (const ev of [
      'build_started',
      'auth_health_reported',
      'tag_started',
      'tag_succeeded',
      'push_started',
      'push_succeeded',
      'manifest_published',
      'build_succeeded',
    ]) {
      expect(events).toContain(ev);
    }
    for (const m of rest) {
      expect(metricSchema.safeParse(m).error).toBeUndefined();
      for (const k of TELEMETRY_KEYS) expect(m.details).toHaveProperty(k);
      expect(m.details.target).toBe('registry.push');
      expect(m.details.registry_endpoint).toBe(e.openRegistry);
      expect(m.details.scopes).toEqual([
        `repository:happy/${server.name.toLowerCase()}:push`,
        `repository:happy/${server.name.toLowerCase()}:pull`,
      ]);
    }
    const pushes = rest
      .filter((m) => m.event === 'push_succeeded')
      .map((m) => m.details.platform)
      .sort();
    expect(pushes).toEqual(['linux/amd64', 'linux/arm64']);
    // The topic carries the same payload, byte for byte what the gateway streams as SSE `data`.
    const onTopic = await waitFor(
      () => {
        const evs = telemetry.events.filter((ev) => ev.payload.server_id === server.id);
        return evs.length >= rest.length ? evs : undefined;
      },
      { timeoutMs: 15_000, what: 'every metric on the telemetry topic' },
    );
    const byId = new Map(onTopic.map((ev) => [ev.payload.id as string, ev]));
    for (const m of rest) {
      const ev = byId.get(m.id);
      expect(ev?.type).toBe('build.telemetry');
      expect(ev?.attributes.id).toBe(m.id);
      expect(ev?.payload).toEqual(m);
    }
  });

  it('when a later revision drops arm64, then the older tag keeps its arm64 manifest (prune never deletes history)', async () => {
    const rev2 = repo.commit(`amd64 only ${randomUUID()}\n`);
    const second = await build(server.id, { platforms: ['linux/amd64'] });
    expect(second.status).toBe('succeeded');
    secondId = second.id;
    const repository = `happy/${server.name.toLowerCase()}`;
    await expect(readManifest(e.openRegistry, repository, `${revision}-linux-arm64`)).resolves.toMatchObject({
      status: 200,
    });
    // The older tag's index still resolves whole: both of its per-platform manifests are there.
    const older = await readManifest(e.openRegistry, repository, revision);
    expect(older.json.manifests?.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    await expect(readManifest(e.openRegistry, repository, `${rev2}-linux-amd64`)).resolves.toMatchObject({
      status: 200,
    });
    const single = await readManifest(e.openRegistry, repository, rev2);
    expect(single.digest).toBe(second.manifest_digest);
    const events = (await metricsOf(server.id)).filter((m) => m.build_id === second.id).map((m) => m.event);
    expect(events).not.toContain('manifest_prune_started');
    expect(events).not.toContain('manifest_prune_failed');
  });

  it('when the same revision is published again without arm64, then only that tag’s arm64 manifest is pruned', async () => {
    const rev3 = repo.commit(`rebuilt ${randomUUID()}\n`);
    const both = await build(server.id, { platforms: ['linux/amd64', 'linux/arm64'] });
    expect(both.status).toBe('succeeded');
    const amd64Only = await build(server.id, { platforms: ['linux/amd64'] });
    expect(amd64Only.status).toBe('succeeded');
    const repository = `happy/${server.name.toLowerCase()}`;
    await expect(readManifest(e.openRegistry, repository, `${rev3}-linux-arm64`)).resolves.toMatchObject({
      status: 404,
    });
    await expect(readManifest(e.openRegistry, repository, `${rev3}-linux-amd64`)).resolves.toMatchObject({
      status: 200,
    });
    await expect(readManifest(e.openRegistry, repository, `${revision}-linux-arm64`)).resolves.toMatchObject({
      status: 200,
    });
    const metrics = await metricsOf(server.id);
    const events = metrics.filter((m) => m.build_id === amd64Only.id).map((m) => m.event);
    expect(events).toEqual(expect.arrayContaining(['manifest_prune_started', 'manifest_prune_succeeded']));
    expect(events).not.toContain('manifest_prune_failed');
    const started = metrics.find((m) => m.build_id === amd64Only.id && m.event === 'manifest_prune_started');
    expect(started?.details).toMatchObject({ architectures: ['linux/arm64'], platform: 'linux/arm64' });
  });

  it('when the ledger is paged, then the newest run comes first', async () => {
    const all = await call<{ items: ArtifactRun[] }>(
      h.url,
      'GET',
      `/api/servers/${server.id}/artifacts?limit=10`,
    );
    const ids = all.body.items.map((a) => a.build_id);
    expect(ids).toHaveLength(4);
    expect(ids[3]).toBe(run.id);
    expect(ids[2]).toBe(secondId);
    const page1 = await call<{ items: ArtifactRun[]; next_cursor: string | null }>(
      h.url,
      'GET',
      `/api/servers/${server.id}/artifacts?limit=3`,
    );
    expect(page1.body.items.map((a) => a.build_id)).toEqual(ids.slice(0, 3));
    const page2 = await call<{ items: ArtifactRun[]; next_cursor: string | null }>(
      h.url,
      'GET',
      `/api/servers/${server.id}/artifacts?limit=3&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body.items.map((a) => a.build_id)).toEqual([run.id]);
    expect(page2.body.next_cursor).toBeNull();
  });
});

describe('the layer cache', () => {
  async function progressLines(buildId: string): Promise<string[]> {
    const evs = await waitFor(
      () => {
        const mine = runs.events.filter((ev) => ev.payload.build_id === buildId);
        return mine.some((ev) => ev.type === 'build.succeeded') ? mine : undefined;
      },
      { timeoutMs: 15_000, what: 'the build log' },
    );
    return evs.filter((ev) => ev.type === 'build.progress').map((ev) => ev.payload.line as string);
  }

  it('when the same source is built again, then layers come from the cache unless no_cache is set', async () => {
    repo.commit(`cache ${randomUUID()}\n`);
    const server = await registered();
    const first = await build(server.id, { platforms: ['linux/amd64'] });
    const again = await build(server.id, { platforms: ['linux/amd64'] });
    const clean = await build(server.id, { platforms: ['linux/amd64'], no_cache: true });
    expect([first.status, again.status, clean.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect((await progressLines(again.id)).some((l) => l.includes('Using cache'))).toBe(true);
    expect((await progressLines(clean.id)).some((l) => l.includes('Using cache'))).toBe(false);
    // Same inputs, same layers: the cached rebuild publishes the same image digest.
    expect(again.manifest_digest).toBe(first.manifest_digest);
  });
});

describe('an uploaded build context', () => {
  it('when a tarball is uploaded, then it is built and pushed without a ledger row', async () => {
    const server = await registered({ source_repository: null });
    const archive = await contextArchive(e.root, {
      'docker/Dockerfile': SCRATCH_DOCKERFILE,
      'payload.txt': 'archive\n',
    });
    const run = await build(server.id, {
      context_archive: archive,
      dockerfile_path: 'docker/Dockerfile',
      platforms: ['linux/arm64'],
      build_args: { GREETING: 'hi' },
    });
    expect(run).toMatchObject({ status: 'succeeded', source_kind: 'archive', artifact_run_id: null });
    const m = await readManifest(e.openRegistry, `happy/${server.name.toLowerCase()}`, 'latest');
    expect(m.digest).toBe(run.manifest_digest);
  });
});

describe('bad input', () => {
  it('when the server is unknown, then 404 SERVER_NOT_FOUND', async () => {
    const res = await call(h.url, 'POST', `/api/servers/${randomUUID()}/builds`, {});
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'SERVER_NOT_FOUND' } } });
  });

  it('when the git URL is unreachable, then 422 with git’s reason', async () => {
    const server = await registered({ source_repository: join(e.root, 'no-such-repo') });
    const res = await call<{ error: { code: string; message: string; details: { git: string } } }>(
      h.url,
      'POST',
      `/api/servers/${server.id}/builds`,
      {},
    );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('GIT_SOURCE_UNAVAILABLE');
    expect(res.body.error.details.git).toMatch(/does not exist|not a git repository|Could not read/i);
  });

  it('when the branch or the revision is missing, then 422 with git’s reason', async () => {
    const server = await registered();
    const branch = await call<{ error: { code: string; message: string } }>(
      h.url,
      'POST',
      `/api/servers/${server.id}/builds`,
      {
        source_branch: 'no-such-branch',
      },
    );
    expect(branch.status).toBe(422);
    expect(branch.body.error.message).toMatch(
      /no-such-branch.*not found|Remote branch no-such-branch not found/,
    );
    const rev = await call<{ error: { code: string } }>(h.url, 'POST', `/api/servers/${server.id}/builds`, {
      source_revision: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
    });
    expect(rev).toMatchObject({ status: 422, body: { error: { code: 'GIT_SOURCE_UNAVAILABLE' } } });
  });

  it('when the Dockerfile is missing, then 422 DOCKERFILE_NOT_FOUND', async () => {
    const server = await registered({ dockerfile_path: 'build/Containerfile' });
    const res = await call(h.url, 'POST', `/api/servers/${server.id}/builds`, {});
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'DOCKERFILE_NOT_FOUND' } } });
  });

  it('when a platform is not supported, then 400 UNSUPPORTED_PLATFORM', async () => {
    const server = await registered();
    const res = await call(h.url, 'POST', `/api/servers/${server.id}/builds`, {
      platforms: ['linux/amd64', 'windows/sparc'],
    });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'UNSUPPORTED_PLATFORM' } } });
  });

  it.each([
    ['a ../ path', () => Promise.resolve(rawTarWithEntry('../escape.txt', 'x'))],
    ['an absolute path', () => Promise.resolve(rawTarWithEntry('/etc/escape.txt', 'x'))],
    [
      'a symlink outside the context',
      () => contextArchive(e.root, { Dockerfile: SCRATCH_DOCKERFILE }, { link: '../../etc/passwd' }),
    ],
    [
      'an absolute symlink',
      () => contextArchive(e.root, { Dockerfile: SCRATCH_DOCKERFILE }, { abs: '/etc/passwd' }),
    ],
  ])('when the tarball has %s, then 400 UNSAFE_ARCHIVE and nothing is extracted', async (_what, make) => {
    const server = await registered({ source_repository: null });
    const before = readdirSync(workdir);
    const res = await call(h.url, 'POST', `/api/servers/${server.id}/builds`, {
      context_archive: await make(),
    });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'UNSAFE_ARCHIVE' } } });
    expect(readdirSync(workdir)).toEqual(before);
  });
});

describe('no container engine', () => {
  let down: ServiceApp;
  let url: string;

  beforeAll(async () => {
    down = await createServiceApp(
      BuildServiceModule.forRoot({
        env: {
          ...h.env,
          DOCKER_HOST: `unix://${join(e.root, 'no-engine.sock')}`,
          EVENT_CONSUMER_ENABLED: 'false',
        },
      }),
    );
    url = await down.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await down?.close();
  });

  it('when no engine is reachable, then the build fails at once with ENGINE_UNAVAILABLE naming DOCKER_HOST', async () => {
    const server = await registered();
    const started = Date.now();
    const res = await call<{ error: { code: string; message: string; details: { build_id: string } } }>(
      url,
      'POST',
      `/api/servers/${server.id}/builds`,
      {},
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('ENGINE_UNAVAILABLE');
    expect(res.body.error.message).toContain(`DOCKER_HOST=unix://${join(e.root, 'no-engine.sock')}`);
    const run = await call<BuildRun>(url, 'GET', `/api/builds/${res.body.error.details.build_id}`);
    expect(run.body).toMatchObject({ status: 'failed', error_kind: 'engine_unavailable' });
    await waitFor(
      async () =>
        (
          await h.serviceDb.query<{ status: string }[]>('SELECT status FROM servers WHERE id = $1', [
            server.id,
          ])
        )[0]?.status === 'error',
      { timeoutMs: 15_000, what: 'the server status error' },
    );
  });

  it('when no engine is reachable and the source is bad too, then ENGINE_UNAVAILABLE wins and no scratch is left', async () => {
    const server = await registered();
    const res = await call<{ error: { code: string; details: { build_id: string } } }>(
      url,
      'POST',
      `/api/servers/${server.id}/builds`,
      { source_repository: join(e.root, 'no-such-repository'), source_branch: 'main' },
    );
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('ENGINE_UNAVAILABLE');
    expect(readdirSync(workdir)).not.toContain(res.body.error.details.build_id);
  });
});
