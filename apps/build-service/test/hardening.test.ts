// The build doors tried as an attacker: sources that reach git's helpers, local files, internal hosts or redirects;
// credentials in repository URLs; archives with owners, special files, or past the size and entry caps; Dockerfile
// paths that leave the context; more builds than the service runs at once; retried requests; and who asked.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { ALL_TOPICS, type BuildRun, type Server } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { BuildServiceModule } from '../src';
import { call, registerBuildableServer, waitForBuild } from './support/build-helpers';
import { engineEnv } from './support/engine-env';
import { contextArchive, createGitRepo, SCRATCH_DOCKERFILE, type TestRepo } from './support/fixtures';
import { startGitHttpsServer, type GitHttpsServer } from './support/git-https-server';

const e = engineEnv();
const SECRET = 's3cret';
const logs: string[] = [];
const logDestination = new Writable({
  write(chunk: Buffer, _enc, done) {
    logs.push(chunk.toString());
    done();
  },
});

let h: Harness;
let root: string;
let workdir: string;
let repo: TestRepo;
let git: GitHttpsServer;
let strict: ServiceApp;
let strictUrl: string;
const caBefore = process.env.GIT_SSL_CAINFO;

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

beforeAll(async () => {
  root = mkdtempSync(join(e.root, 'hardening-'));
  workdir = join(root, 'work');
  repo = createGitRepo(root);
  // The repository answers only with the credentials from the configured file, never from the URL.
  git = await startGitHttpsServer(root, mkdtempSync(join(root, 'tls-')), { user: 'user', password: SECRET });
  process.env.GIT_SSL_CAINFO = git.caFile;
  const credentials = join(root, 'git-credentials');
  writeFileSync(credentials, `https://user:${SECRET}@127.0.0.1:${git.port}\n`, { mode: 0o600 });
  h = await startHarness(
    'build_service_hardening',
    (env) => BuildServiceModule.forRoot({ env: { ...env, LOG_LEVEL: 'debug' }, logDestination }),
    {
      LOG_LEVEL: 'error',
      DOCKER_HOST: e.dockerHost,
      REGISTRY_URL: `${e.openRegistry}/hardening`,
      REGISTRY_INSECURE: 'true',
      REGISTRY_ARCH_TARGETS: 'linux/amd64',
      BUILD_WORKDIR: workdir,
      BUILD_ALLOW_LOCAL_SOURCES: 'true',
      BUILD_ALLOW_PRIVATE_SOURCES: 'true',
      BUILD_GIT_CREDENTIALS_FILE: credentials,
      BUILD_MAX_CONCURRENT: '1',
      BUILD_GIT_TIMEOUT_SECONDS: '20',
    },
  );
  // The same service as shipped: no local sources, no internal hosts, small caps for the size tests.
  strict = await createServiceApp(
    BuildServiceModule.forRoot({
      env: {
        ...h.env,
        BUILD_ALLOW_LOCAL_SOURCES: 'false',
        BUILD_ALLOW_PRIVATE_SOURCES: 'false',
        BUILD_GIT_CREDENTIALS_FILE: '',
        BUILD_WORKDIR: join(root, 'strict-work'),
        BUILD_CONTEXT_MAX_BYTES: '4096',
        BUILD_CONTEXT_MAX_ENTRIES: '10',
        EVENT_CONSUMER_ENABLED: 'false',
      },
      logDestination,
    }),
  );
  strictUrl = await strict.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await strict?.close();
  await h?.close();
  await git?.close();
  if (caBefore === undefined) delete process.env.GIT_SSL_CAINFO;
  else process.env.GIT_SSL_CAINFO = caBefore;
});

function registered(extra: Record<string, unknown> = {}): Promise<Server> {
  return registerBuildableServer(h, 'hard', repo.path, { dockerfile_path: 'Dockerfile', ...extra });
}

async function post(base: string, serverId: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/servers/${serverId}/builds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as BuildRun & ErrorBody };
}

describe('source_repository rules', () => {
  it('when the source is an ext:: remote helper, then 422 SOURCE_NOT_ALLOWED (scheme) and the command never runs', async () => {
    const server = await registered();
    const marker = join(root, `pwned-${randomUUID()}`);
    const res = await post(h.url, server.id, { source_repository: `ext::sh -c touch% ${marker}` });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'SOURCE_NOT_ALLOWED', details: { rule: 'scheme' } });
    expect(res.body.error.message).toMatch(/only https:\/\/, ssh:\/\/ and scp-like/);
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['a local path', 'local_source', () => repo.path],
    ['a file:// URL', 'local_source', () => `file://${repo.path}`],
    ['a loopback host', 'private_address', () => `${git.origin}/${basename(repo.path)}`],
    ['the metadata address', 'private_address', () => 'https://169.254.169.254/latest/meta-data/'],
    ['a private host over ssh', 'private_address', () => 'ssh://git@10.0.0.7/repo.git'],
    ['a scp-like loopback host', 'private_address', () => 'git@127.0.0.1:repo.git'],
    ['plain http', 'scheme', () => 'http://example.com/repo.git'],
  ])(
    'when the shipped service is given %s, then 422 SOURCE_NOT_ALLOWED naming the %s rule',
    async (_w, rule, source) => {
      const server = await registered();
      const before = git.requests.length;
      const res = await post(strictUrl, server.id, { source_repository: source() });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'SOURCE_NOT_ALLOWED', details: { rule } });
      expect(git.requests.length).toBe(before);
    },
  );

  it('when the source is another build’s scratch directory, then 422 SOURCE_NOT_ALLOWED (scratch_dir)', async () => {
    const server = await registered();
    mkdirSync(join(workdir, randomUUID(), 'context'), { recursive: true });
    const res = await post(h.url, server.id, { source_repository: join(workdir, 'other', 'context') });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'SOURCE_NOT_ALLOWED', details: { rule: 'scratch_dir' } });
  });

  it('when the repository redirects, then git does not follow and the build is refused', async () => {
    const server = await registered();
    const before = git.requests.length;
    const res = await post(h.url, server.id, {
      source_repository: `${git.origin}/redirect/${basename(repo.path)}`,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('GIT_SOURCE_UNAVAILABLE');
    const seen = git.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.startsWith('/redirect/'))).toBe(true);
  });
});

describe('credentials in repository URLs', () => {
  /**
   * Reads every declared topic (and its dead letters) from the beginning, once the build's final events are there
   * (the marker), and names the topics whose events hold the secret.
   */
  async function topicsHolding(secret: string, buildId: string, artifact: boolean): Promise<string[]> {
    const topics: EventCollector[] = await Promise.all(
      ALL_TOPICS.map((t) => collectEvents(h.kafka.brokers, t.name)),
    );
    try {
      const seen = (type: string) =>
        topics.some((c) => c.events.some((ev) => ev.type === type && ev.payload.build_id === buildId));
      await waitFor(() => seen('build.succeeded') && (!artifact || seen('artifact.recorded')), {
        timeoutMs: 30_000,
        what: 'the build’s final events',
      });
      return ALL_TOPICS.filter((_t, i) => JSON.stringify(topics[i].events).includes(secret)).map(
        (t) => t.name,
      );
    } finally {
      await Promise.all(topics.map((c) => c.stop()));
    }
  }

  /** Every row of every table of every schema whose text holds the secret, as `schema.table`. */
  async function tablesHolding(secret: string): Promise<string[]> {
    const tables = await h.serviceDb.query<{ s: string; t: string }[]>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const hex = Buffer.from(secret).toString('hex');
    const found: string[] = [];
    for (const { s, t } of tables) {
      const [row] = await h.serviceDb.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${s}"."${t}" x WHERE x::text ILIKE $1 OR x::text ILIKE $2`,
        [`%${secret}%`, `%${hex}%`],
      );
      if (row.n > 0) found.push(`${s}.${t}`);
    }
    return found.sort();
  }

  it('when a build names https://user:s3cret@host/repo.git, then the secret is in no table, topic, log line or answer', async () => {
    const server = await registered({ source_repository: null });
    const res = await post(h.url, server.id, {
      source_repository: `https://user:${SECRET}@127.0.0.1:${git.port}/${basename(repo.path)}`,
    });
    expect(res.status).toBe(202);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(res.body.source_repository).toBe(`${git.origin}/${basename(repo.path)}`);
    const run = await waitForBuild(h.url, res.body.id);
    expect(run.status).toBe('succeeded');
    expect(JSON.stringify(run)).not.toContain(SECRET);
    const artifact = await call(h.url, 'GET', `/api/artifacts/${run.artifact_run_id}`);
    expect(artifact.body).toMatchObject({ source_repo: `${git.origin}/${basename(repo.path)}` });
    expect(await topicsHolding(SECRET, run.id, true)).toEqual([]);
    expect(await tablesHolding(SECRET)).toEqual([]);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.includes(SECRET))).toEqual([]);
  });

  it('when the server is registered with the credential, then the build clones with the configured credentials and keeps the secret out of everything it writes', async () => {
    const server = await registered({
      source_repository: `https://user:${SECRET}@127.0.0.1:${git.port}/${basename(repo.path)}`,
    });
    const res = await post(h.url, server.id, {});
    expect(res.status).toBe(202);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    const run = await waitForBuild(h.url, res.body.id);
    expect(run.status).toBe('succeeded');
    const onTopics = await topicsHolding(SECRET, run.id, true);
    // The registry strips the credential at registration, so no table, topic or projection ever holds it.
    expect(await tablesHolding(SECRET)).toEqual([]);
    expect(onTopics).toEqual([]);
    expect(logs.filter((l) => l.includes(SECRET))).toEqual([]);
  });
});

describe('uploaded contexts', () => {
  function tarOf(files: Record<string, string>, setup?: (dir: string) => void, gzip = true): string {
    const dir = mkdtempSync(join(root, 'raw-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    setup?.(dir);
    const out = join(root, `${randomUUID()}.tar`);
    execFileSync('tar', [gzip ? '-czf' : '-cf', out, '-C', dir, '.']);
    return readFileSync(out).toString('base64');
  }

  it('when the archive holds a FIFO, then 400 UNSAFE_ARCHIVE and nothing is extracted', async () => {
    const server = await registered({ source_repository: null });
    const archive = tarOf({ Dockerfile: SCRATCH_DOCKERFILE, 'payload.txt': 'x' }, (dir) =>
      execFileSync('mkfifo', [join(dir, 'pipe')]),
    );
    const res = await post(h.url, server.id, { context_archive: archive });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('UNSAFE_ARCHIVE');
    expect(res.body.error.message).toMatch(/FIFO/);
  });

  it('when the decompressed context is past BUILD_CONTEXT_MAX_BYTES, then 413 CONTEXT_TOO_LARGE', async () => {
    const server = await registered({ source_repository: null });
    // 64 KiB of zeros compress to almost nothing: the cap is on what would be written, not on the upload.
    const archive = tarOf({ Dockerfile: SCRATCH_DOCKERFILE, 'payload.txt': '\0'.repeat(64 * 1024) });
    expect(Buffer.from(archive, 'base64').length).toBeLessThan(4096);
    const res = await post(strictUrl, server.id, { context_archive: archive });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('CONTEXT_TOO_LARGE');
  });

  it('when the context has more entries than BUILD_CONTEXT_MAX_ENTRIES, then 413 CONTEXT_TOO_LARGE', async () => {
    const server = await registered({ source_repository: null });
    const files: Record<string, string> = { Dockerfile: SCRATCH_DOCKERFILE, 'payload.txt': 'x' };
    for (let i = 0; i < 20; i += 1) files[`f${i}`] = '';
    const res = await post(strictUrl, server.id, { context_archive: tarOf(files) });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'CONTEXT_TOO_LARGE', details: { max_entries: 10 } });
  });

  it('when the work dir is created, then only the service user may enter it', () => {
    expect(statSync(workdir).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'strict-work')).mode & 0o777).toBe(0o700);
  });
});

describe('dockerfile_path', () => {
  it.each([
    ['a directory', { 'docker/x.txt': 'x' }, {}, 'docker', /not a regular file/],
    ['a link to a directory', { 'docker/x.txt': 'x' }, { df: 'docker' }, 'df', /not a regular file/],
    ['a dangling link', {}, { df: 'nothing-here' }, 'df', /to nothing/],
    ['a path through a file', {}, {}, 'payload.txt/Dockerfile', /not a directory|No Dockerfile/],
  ])('when an uploaded context’s dockerfile_path is %s, then 422', async (_w, files, links, path, reason) => {
    const server = await registered({ source_repository: null });
    const archive = await contextArchive(
      root,
      { Dockerfile: SCRATCH_DOCKERFILE, 'payload.txt': 'x', ...files },
      links as Record<string, string>,
    );
    const res = await post(h.url, server.id, { context_archive: archive, dockerfile_path: path });
    expect(res.status).toBe(422);
    expect(['INVALID_DOCKERFILE_PATH', 'DOCKERFILE_NOT_FOUND']).toContain(res.body.error.code);
    expect(res.body.error.message).toMatch(reason);
  });

  it('when a repository’s Dockerfile is a link out of the tree, then 422 INVALID_DOCKERFILE_PATH', async () => {
    const linked = createGitRepo(root, { 'real/Dockerfile': SCRATCH_DOCKERFILE });
    symlinkSync('/etc/passwd', join(linked.path, 'Dockerfile'));
    symlinkSync('real/Dockerfile', join(linked.path, 'Inside'));
    const rev = linked.commit('links\n');
    expect(rev).toMatch(/^[0-9a-f]{40}$/);
    const server = await registerBuildableServer(h, 'hard', linked.path, { dockerfile_path: 'Dockerfile' });
    const outside = await post(h.url, server.id, {});
    expect(outside.status).toBe(422);
    expect(outside.body.error).toMatchObject({ code: 'INVALID_DOCKERFILE_PATH' });
    expect(outside.body.error.message).toMatch(/outside the context/);
    // A link that stays inside the tree is followed.
    const inside = await post(h.url, server.id, { dockerfile_path: 'Inside' });
    expect(inside.status).toBe(202);
    expect((await waitForBuild(h.url, inside.body.id)).status).toBe('succeeded');
  });
});

describe('concurrency, retries and who asked', () => {
  it('when more builds start than BUILD_MAX_CONCURRENT, then the rest wait as queued and all finish', async () => {
    const server = await registered();
    const first = await post(h.url, server.id, {});
    const second = await post(h.url, server.id, {});
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(first.body.status).toBe('running');
    expect(second.body.status).toBe('queued');
    const queued = await call<BuildRun>(h.url, 'GET', `/api/builds/${second.body.id}`);
    expect(['queued', 'running', 'succeeded']).toContain(queued.body.status);
    const [a, b] = await Promise.all([
      waitForBuild(h.url, first.body.id),
      waitForBuild(h.url, second.body.id),
    ]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    // One at a time: the queued build completed after the first.
    expect(new Date(b.completed_at!).getTime()).toBeGreaterThanOrEqual(new Date(a.completed_at!).getTime());
  });

  it('when a request is retried with the same Idempotency-Key, then every answer names one build', async () => {
    const server = await registered();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post(h.url, server.id, {}, { 'idempotency-key': key })),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    const run = await waitForBuild(h.url, answers[0].body.id);
    const later = await post(h.url, server.id, {}, { 'idempotency-key': key });
    expect(later).toMatchObject({ status: 202, body: { id: run.id, status: 'succeeded' } });
    const rows = await h.serviceDb.query<unknown[]>('SELECT id FROM build_runs WHERE server_id = $1', [
      server.id,
    ]);
    expect(rows).toHaveLength(1);
    const other = await post(h.url, server.id, {}, { 'idempotency-key': randomUUID() });
    expect(other.body.id).not.toBe(run.id);
    await waitForBuild(h.url, other.body.id);
  });

  it('when two replicas get the same Idempotency-Key at once, then both answer with one build', async () => {
    const replica = await createServiceApp(
      BuildServiceModule.forRoot({
        env: { ...h.env, BUILD_WORKDIR: join(root, 'replica-work'), EVENT_CONSUMER_ENABLED: 'false' },
        logDestination,
      }),
    );
    try {
      const replicaUrl = await replica.listen(0, '127.0.0.1');
      const server = await registered();
      const key = randomUUID();
      const [a, b] = await Promise.all([
        post(h.url, server.id, {}, { 'idempotency-key': key }),
        post(replicaUrl, server.id, {}, { 'idempotency-key': key }),
      ]);
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(b.body.id).toBe(a.body.id);
      const rows = await h.serviceDb.query<unknown[]>('SELECT id FROM build_runs WHERE server_id = $1', [
        server.id,
      ]);
      expect(rows).toHaveLength(1);
      expect((await waitForBuild(h.url, a.body.id)).status).toBe('succeeded');
    } finally {
      await replica.close();
    }
  });

  it('when the Idempotency-Key is not a short single line, then 400', async () => {
    const server = await registered();
    const res = await post(h.url, server.id, {}, { 'idempotency-key': 'x'.repeat(300) });
    expect(res.status).toBe(400);
  });

  it('when the gateway names the caller, then requested_by is on the run, its row and build.started', async () => {
    const server = await registered();
    const runs = await collectEvents(h.kafka.brokers, 'mcp-host.build.runs.v1');
    try {
      const res = await post(h.url, server.id, {}, { 'x-mcp-host-subject': 'ops@example.com' });
      expect(res.status).toBe(202);
      expect(res.body.requested_by).toBe('ops@example.com');
      const run = await waitForBuild(h.url, res.body.id);
      expect(run.requested_by).toBe('ops@example.com');
      const started = await waitFor(
        () => runs.events.find((ev) => ev.type === 'build.started' && ev.payload.build_id === run.id),
        { timeoutMs: 15_000, what: 'build.started' },
      );
      expect(started.payload.requested_by).toBe('ops@example.com');
      const anonymous = await post(h.url, server.id, {});
      expect(anonymous.body.requested_by).toBeNull();
      await waitForBuild(h.url, anonymous.body.id);
    } finally {
      await runs.stop();
    }
  });
});
