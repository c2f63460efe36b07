// build-service benchmark, in one run against the same Podman socket and registry:
// 1. wall time of the service's build-and-push pipeline (POST → succeeded: clone, build, tag, push, manifest, ledger)
//    against the same build, tag and push done straight through the engine API (the baseline), alternating rounds;
// 2. eight concurrent builds: throughput and the service process's peak RSS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { median, printTable } from '../lib/stats';
// The same engine and registry set-up the build-service tests use.
import {
  freePort,
  started as engineProcesses,
  startPodmanService,
  startRegistry,
} from '../../apps/build-service/test/support/local-engine';

const MAIN = resolve(__dirname, '..', '..', 'apps', 'build-service', 'dist', 'main.js');
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const PAYLOAD_MIB = Number(process.env.PAYLOAD_MIB ?? 16);
const CONCURRENT = 8;
const GOAL_RATIO = 1.1;
const children: ChildProcess[] = [];
let stopping = false;

const stderrTail = new Map<ChildProcess, string>();

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const c = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderr?.on('data', (b: Buffer) =>
    stderrTail.set(c, ((stderrTail.get(c) ?? '') + b.toString()).slice(-4000)),
  );
  c.once('exit', (code, signal) => {
    if (!stopping) console.error(`${cmd} exited (${code ?? signal}): ${stderrTail.get(c) ?? ''}`);
  });
  children.push(c);
  return c;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One Docker Engine API call over the socket; resolves with the status and the whole body. */
function engine(
  socketPath: string,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((res, rej) => {
    const req = request({ socketPath, method, path, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.once('error', rej);
    req.end(body);
  });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@example.invalid',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@example.invalid',
    },
  })
    .toString()
    .trim();
}

const DOCKERFILE = 'FROM scratch\nCOPY payload.bin /payload.bin\n';

/** A fresh payload so neither side reuses a layer or a blob from an earlier round. */
function newPayload(dir: string): void {
  writeFileSync(join(dir, 'payload.bin'), randomBytes(PAYLOAD_MIB * 1024 * 1024));
}

/**
 * A new commit with a fresh payload; both sides build the same kind of source: one git revision. The dirty pages
 * are written out before the clock starts, so neither side pays for the other's (or its own setup's) writeback.
 */
function newRevision(repoDir: string): void {
  newPayload(repoDir);
  git(repoDir, 'add', '-A');
  git(repoDir, 'commit', '--quiet', '-m', randomUUID());
  execFileSync('sync');
}

/** The same build and push straight through the engine API: the revision's tree as the context, build, tag, push. */
async function baselineOnce(
  socket: string,
  registry: string,
  repoDir: string,
  name: string,
): Promise<number> {
  newRevision(repoDir);
  const t0 = performance.now();
  const context = execFileSync('git', ['archive', '--format=tar', 'HEAD'], {
    cwd: repoDir,
    maxBuffer: 1 << 30,
  });
  const local = `localhost/bench/${name}:amd64`;
  const built = await engine(
    socket,
    'POST',
    `/build?t=${encodeURIComponent(local)}&platform=linux%2Famd64&rm=1`,
    context,
    { 'content-type': 'application/x-tar' },
  );
  if (built.status !== 200 || built.text.includes('"error"'))
    throw new Error(`baseline build: ${built.text.slice(-500)}`);
  const repo = `${registry}/bench/${name}`;
  const tagged = await engine(
    socket,
    'POST',
    `/images/${encodeURIComponent(local)}/tag?repo=${encodeURIComponent(repo)}&tag=v1`,
  );
  if (tagged.status >= 300) throw new Error(`baseline tag: ${tagged.text}`);
  const auth = Buffer.from(JSON.stringify({ serveraddress: registry })).toString('base64');
  const pushed = await engine(socket, 'POST', `/images/${encodeURIComponent(repo)}/push?tag=v1`, undefined, {
    'x-registry-auth': auth,
  });
  if (pushed.status !== 200 || pushed.text.includes('"error"'))
    throw new Error(`baseline push: ${pushed.text.slice(-500)}`);
  return performance.now() - t0;
}

async function pipelineOnce(
  url: string,
  serverId: string,
  repoDir: string,
  platforms = ['linux/amd64'],
): Promise<number> {
  newRevision(repoDir);
  const t0 = Date.now();
  const res = await fetch(`${url}/api/servers/${serverId}/builds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ platforms }),
  });
  const run = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`pipeline: ${res.status} ${JSON.stringify(run)}`);
  // Polled slowly so the client does not compete for the CPU; the wall time ends at the run's completed_at.
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const b = (await (await fetch(`${url}/api/builds/${run.id}`)).json()) as {
      status: string;
      error: string | null;
      completed_at: string | null;
    };
    if (b.status === 'failed') throw new Error(`pipeline build failed: ${b.error}`);
    if (b.status === 'succeeded' && b.completed_at) return Date.parse(b.completed_at) - t0;
  }
  throw new Error('pipeline build did not finish in 300s');
}

function vm(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm build\` first`);
  for (const cmd of ['podman', 'docker-registry', 'git', 'tar']) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`]);
    } catch {
      throw new Error(`${cmd} is missing: run scripts/setup.sh`);
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'bench-build-'));
  const kafka = await startEmbeddedKafka({ port: 0, host: '127.0.0.1', dataDir: join(root, 'kafka') });
  const db = await createTestDatabase('bench_build');
  try {
    // Registry and engine, as the tests start them.
    const registry = (await startRegistry(root, 'registry')).address;
    const { socket } = await startPodmanService(root);

    // The service, as its own process, so its RSS is its own.
    const port = await freePort();
    const service = start(process.execPath, [MAIN], {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      BIND_ADDRESS: '127.0.0.1',
      BIND_PORT: String(port),
      LOG_LEVEL: 'error',
      DOCKER_HOST: `unix://${socket}`,
      REGISTRY_URL: `${registry}/bench`,
      REGISTRY_INSECURE: 'true',
      BUILD_WORKDIR: join(root, 'work'),
      // The bench's repository is a local path; its eight concurrent builds all run at once, as before the cap.
      BUILD_ALLOW_LOCAL_SOURCES: 'true',
      BUILD_MAX_CONCURRENT: '8',
      OUTBOX_POLL_INTERVAL_MS: '100',
    });
    const url = `http://127.0.0.1:${port}`;
    await until('the build service', async () => (await fetch(`${url}/readyz`)).ok);

    // Servers go straight into the service's projection (the policy engine is not part of this benchmark).
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const repoDir = mkdtempSync(join(root, 'repo-'));
    git(repoDir, 'init', '--quiet', '-b', 'main');
    writeFileSync(join(repoDir, 'Dockerfile'), DOCKERFILE);
    newPayload(repoDir);
    git(repoDir, 'add', '-A');
    git(repoDir, 'commit', '--quiet', '-m', 'init');
    const addServer = async (name: string, repo: string) => {
      const id = randomUUID();
      await pg.query(
        `INSERT INTO build_service.servers (id, name, server_type, source_repository, source_branch, dockerfile_path, status, version, created_at, updated_at)
         VALUES ($1, $2, 'Router', $3, 'main', 'Dockerfile', 'registered', 1, now(), now())`,
        [id, name, repo],
      );
      return id;
    };
    const serverId = await addServer('bench-pipeline', repoDir);
    const baseRepo = mkdtempSync(join(root, 'baseline-'));
    git(baseRepo, 'init', '--quiet', '-b', 'main');
    writeFileSync(join(baseRepo, 'Dockerfile'), DOCKERFILE);
    newRevision(baseRepo);

    // Warm-up: one of each, not counted.
    await baselineOnce(socket, registry, baseRepo, 'bench-baseline');
    await pipelineOnce(url, serverId, repoDir);
    const base: number[] = [];
    const pipe: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      base.push(await baselineOnce(socket, registry, baseRepo, 'bench-baseline'));
      pipe.push(await pipelineOnce(url, serverId, repoDir));
    }

    // Eight builds at once, each of its own server and fresh payload.
    const repos: { id: string; dir: string }[] = [];
    for (let i = 0; i < CONCURRENT; i++) {
      const dir = mkdtempSync(join(root, `repo${i}-`));
      git(dir, 'init', '--quiet', '-b', 'main');
      writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
      newPayload(dir);
      git(dir, 'add', '-A');
      git(dir, 'commit', '--quiet', '-m', 'init');
      repos.push({ id: await addServer(`bench-concurrent-${i}`, dir), dir });
    }
    // Reference: the same eight builds straight through the engine API at once.
    const engineRepos: string[] = [];
    for (let i = 0; i < CONCURRENT; i++) {
      const dir = mkdtempSync(join(root, `engine${i}-`));
      git(dir, 'init', '--quiet', '-b', 'main');
      writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
      newRevision(dir);
      engineRepos.push(dir);
    }
    const e0 = performance.now();
    await Promise.all(engineRepos.map((dir, i) => baselineOnce(socket, registry, dir, `bench-engine-${i}`)));
    const engineTotal = (performance.now() - e0) / 1000;

    const rssBefore = vm(service.pid!, 'VmRSS');
    let peak = rssBefore;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, vm(service.pid!, 'VmRSS'));
      } catch {
        // The process is gone; its exit is reported by start().
      }
    }, 50);
    const t0 = performance.now();
    const walls = await Promise.all(repos.map((r) => pipelineOnce(url, r.id, r.dir)));
    const total = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const hwm = vm(service.pid!, 'VmHWM');

    const mb = base.map((x) => x / 1000);
    const mp = pipe.map((x) => x / 1000);
    const ratio = median(mp) / median(mb);
    printTable(
      `build and push of a ${PAYLOAD_MIB} MiB FROM scratch image, linux/amd64, ${ROUNDS} alternating rounds (median), ${cpus().length} CPUs`,
      [
        {
          path: 'engine API directly (git archive, build, tag, push)',
          'wall s': median(mb),
          'min s': Math.min(...mb),
          'max s': Math.max(...mb),
        },
        {
          path: 'build-service pipeline (POST → succeeded)',
          'wall s': median(mp),
          'min s': Math.min(...mp),
          'max s': Math.max(...mp),
        },
        { path: `ratio (goal ≤ ${GOAL_RATIO.toFixed(2)})`, 'wall s': ratio, 'min s': '', 'max s': '' },
      ],
    );
    printTable(`${CONCURRENT} concurrent builds (${PAYLOAD_MIB} MiB each, one server each)`, [
      {
        path: 'engine API directly',
        'total s': engineTotal,
        'builds/min': (CONCURRENT / engineTotal) * 60,
        'median build s': '',
        'RSS before MiB': '',
        'peak RSS MiB': '',
        'VmHWM MiB': '',
      },
      {
        path: 'build-service pipeline',
        'total s': total,
        'builds/min': (CONCURRENT / total) * 60,
        'median build s': median(walls) / 1000,
        'RSS before MiB': rssBefore,
        'peak RSS MiB': peak,
        'VmHWM MiB': hwm,
      },
    ]);
    await pg.end();
    const verdict = ratio <= GOAL_RATIO ? 'met' : 'NOT met';
    console.log(`\npipeline/baseline ratio ${ratio.toFixed(3)}: goal ${verdict}`);
  } finally {
    stopping = true;
    for (const c of [...engineProcesses, ...children].reverse()) {
      if (c.exitCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            c.kill('SIGKILL');
            r(undefined);
          }, 10_000);
          c.once('exit', () => {
            clearTimeout(t);
            r(undefined);
          });
        });
      }
    }
    await kafka.stop();
    await db.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
