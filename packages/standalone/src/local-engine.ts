// The container engine and registry a standalone host brings up for itself when the machine has them (Debian's
// podman and docker-registry, which scripts/setup.sh installs): Podman's Docker-compatible API socket and a CNCF
// distribution registry on loopback, both under the data dir, so build, push and launch work with no other set-up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';

export const BASE_IMAGE = 'localhost/mcp-host/node-base:latest';

export interface LocalEngine {
  /** `unix://…/podman.sock`, for DOCKER_HOST. */
  dockerHost?: string;
  /** `127.0.0.1:<port>`, the registry's address. */
  registry?: string;
  /** Why a part is not there (a missing package), for the start summary. */
  notes: string[];
  stop(): Promise<void>;
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function probe(opts: { socketPath?: string; port?: number; path: string }): Promise<number> {
  return new Promise((done) => {
    const req = request({ ...opts, host: '127.0.0.1', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.once('error', () => done(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

async function until(what: string, child: ChildProcess, log: string[], ready: () => Promise<boolean>) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited (${child.exitCode}): ${log.join('').slice(-500)}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer within 30 s`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; log: string[] } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (b: Buffer) => {
    log.push(b.toString());
    if (log.length > 50) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Podman refuses a run root longer than this (it holds sockets, whose paths are short by nature). */
const PODMAN_RUNROOT_MAX = 50;

/**
 * Where the engine under `root` keeps its run state: `<root>/run`, or, when a long data dir makes that path longer
 * than Podman accepts, a short directory under /tmp named by a hash of `root` (the same for every start of one host,
 * owned by its user, 0700).
 */
export function podmanRunRoot(root: string): string {
  const own = join(root, 'run');
  if (own.length <= PODMAN_RUNROOT_MAX) return own;
  const short = join('/tmp', `mcph-${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16)}`);
  mkdirSync(short, { recursive: true, mode: 0o700 });
  return short;
}

/** Podman's global flags for the engine under `root`: its own storage, vfs, and the project-local config files. */
export function podmanEnv(root: string): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: ['--root', join(root, 'storage'), '--runroot', podmanRunRoot(root), '--storage-driver', 'vfs'],
    env: {
      ...process.env,
      CONTAINERS_CONF: join(root, 'containers.conf'),
      CONTAINERS_REGISTRIES_CONF: join(root, 'registries.conf'),
      TMPDIR: join(root, 'tmp'),
    },
  };
}

/**
 * Starts what is missing. `dockerHost` and `registry` come from the environment when set there (then nothing is
 * started for them); a part whose package is not installed is left out with a note, and builds or launches then
 * report that no engine is reachable.
 */
export async function startLocalEngine(o: {
  dir: string;
  registryPort: number;
  env: Record<string, string | undefined>;
}): Promise<LocalEngine> {
  const children: ChildProcess[] = [];
  const notes: string[] = [];
  // A host killed with SIGKILL leaves its engine and registry running: stop them before starting ours.
  const pidFile = join(o.dir, 'engine.pids');
  await stopOrphans(pidFile);
  const engine: LocalEngine = {
    notes,
    stop: async () => {
      for (const c of children.reverse()) await stopChild(c);
    },
  };
  try {
    if (o.env.DOCKER_HOST) engine.dockerHost = o.env.DOCKER_HOST;
    else if (!hasCommand('podman')) notes.push('no container engine (install podman, or set DOCKER_HOST)');
    else {
      const root = join(o.dir, 'engine');
      mkdirSync(join(root, 'tmp'), { recursive: true });
      // The sandbox-friendly settings the project's tests use: cgroupfs, runc, small ulimits, a file events log.
      writeFileSync(
        join(root, 'containers.conf'),
        '[containers]\ndefault_ulimits = ["nofile=1024:1024","nproc=1024:1024"]\n\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n',
      );
      writeFileSync(
        join(root, 'registries.conf'),
        'unqualified-search-registries = []\n\n[[registry]]\nlocation = "127.0.0.1"\ninsecure = true\n',
      );
      const socket = join(root, 'podman.sock');
      rmSync(socket, { force: true });
      const p = podmanEnv(root);
      const { child, log } = run(
        'podman',
        [...p.args, 'system', 'service', '--time=0', `unix://${socket}`],
        p.env,
      );
      children.push(child);
      await until(
        'podman system service',
        child,
        log,
        async () => (await probe({ socketPath: socket, path: '/_ping' })) === 200,
      );
      engine.dockerHost = `unix://${socket}`;
      await ensureBaseImage(root);
    }

    if (o.env.REGISTRY_URL) engine.registry = o.env.REGISTRY_URL.split('/')[0];
    else if (!hasCommand('docker-registry'))
      notes.push('no registry (install docker-registry, or set REGISTRY_URL)');
    else {
      const root = join(o.dir, 'registry');
      mkdirSync(join(root, 'data'), { recursive: true });
      writeFileSync(
        join(root, 'config.yml'),
        `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${o.registryPort}\n`,
      );
      const { child, log } = run('docker-registry', ['serve', join(root, 'config.yml')], process.env);
      children.push(child);
      await until(
        'docker-registry',
        child,
        log,
        async () => (await probe({ port: o.registryPort, path: '/v2/' })) > 0,
      );
      engine.registry = `127.0.0.1:${o.registryPort}`;
    }
    writeFileSync(pidFile, children.map((c) => String(c.pid)).join('\n'));
    return engine;
  } catch (err) {
    await engine.stop();
    throw err;
  }
}

async function stopOrphans(pidFile: string): Promise<void> {
  let pids: number[] = [];
  try {
    pids = readFileSync(pidFile, 'utf8')
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1);
  } catch {
    return;
  }
  for (const pid of pids) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    // Only ours: a recycled pid that belongs to something else is left alone.
    if (!/podman|docker-registry/.test(cmdline)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

/** Imports the offline base image (node and its libraries) into the engine once, with the project's script. */
async function ensureBaseImage(root: string): Promise<void> {
  const p = podmanEnv(root);
  if (spawnSync('podman', [...p.args, 'image', 'exists', BASE_IMAGE], { env: p.env }).status === 0) return;
  const script = resolve(__dirname, '../../../scripts/make-base-image.sh');
  if (!existsSync(script)) return;
  const res = spawnSync('bash', [script, BASE_IMAGE], {
    env: { ...p.env, PODMAN: ['podman', ...p.args].join(' ') },
    encoding: 'utf8',
  });
  if (res.status !== 0)
    throw new Error(`the base image could not be made: ${(res.stderr || res.stdout).slice(-500)}`);
}
