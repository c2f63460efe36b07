// The real engine the runtime tests run against: Podman's Docker-compatible API socket (project-local
// containers.conf, vfs storage under a directory this run owns), a CNCF distribution registry on loopback, the
// offline base image made by scripts/make-base-image.sh, and the sample weather server built on it and pushed.
// The Podman and registry start-up mirrors the build-service's test support (apps may not import each other).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@mcp-host/platform/testing';

const REPO = resolve(__dirname, '../../../..');
export const BASE_IMAGE = 'localhost/mcp-host/node-base:test';
export const WEATHER_IMAGE = 'localhost/mcp-host/weather-server:test';

export interface LocalEngine {
  root: string;
  dockerHost: string;
  registry: string;
  /** `<registry>/mcp/weather-server` and the digest it was pushed with. */
  weatherRepository: string;
  weatherDigest: string;
  /** Runs the podman CLI on this engine's storage. */
  podman(args: string[]): string;
  stop(): Promise<void>;
}

function requireCommand(cmd: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    throw new Error(`runtime tests need \`${cmd}\`; run scripts/setup.sh as root to install it.`);
  }
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

async function until(what: string, fn: () => Promise<boolean>, child: ChildProcess, log: string[]) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log.join('')}`);
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within 30s: ${log.join('').slice(-2000)}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export async function startLocalEngine(): Promise<LocalEngine> {
  for (const cmd of ['podman', 'docker-registry', 'runc']) requireCommand(cmd);
  const root = mkdtempSync(join(tmpdir(), 'mcp-runtime-test-'));
  const children: ChildProcess[] = [];
  const spawnLogged = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    const keep = (b: Buffer) => {
      log.push(b.toString());
      if (log.length > 100) log.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    return { child, log };
  };
  const stop = async () => {
    for (const c of children.reverse()) await stopChild(c);
    // Containers' vfs layers are owned by root-in-container ids; podman removes them best.
    spawnSync('podman', [...storageArgs, 'system', 'reset', '--force'], { env: podmanEnv, stdio: 'ignore' });
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };

  writeFileSync(
    join(root, 'containers.conf'),
    '[containers]\ndefault_ulimits = ["nofile=1024:1024","nproc=1024:1024"]\n\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n',
  );
  writeFileSync(
    join(root, 'registries.conf'),
    'unqualified-search-registries = []\n\n[[registry]]\nlocation = "127.0.0.1"\ninsecure = true\n',
  );
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const podmanEnv = {
    ...process.env,
    CONTAINERS_CONF: join(root, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: join(root, 'registries.conf'),
    TMPDIR: join(root, 'tmp'),
  };
  const storageArgs = [
    '--root',
    join(root, 'storage'),
    '--runroot',
    join(root, 'run'),
    '--storage-driver',
    'vfs',
  ];
  const podman = (args: string[]) =>
    execFileSync('podman', [...storageArgs, ...args], { env: podmanEnv, encoding: 'utf8', stdio: 'pipe' });

  try {
    // Registry.
    const port = await freePort();
    mkdirSync(join(root, 'registry', 'data'), { recursive: true });
    writeFileSync(
      join(root, 'registry', 'config.yml'),
      `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'registry', 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
    const reg = spawnLogged('docker-registry', ['serve', join(root, 'registry', 'config.yml')], process.env);
    await until('docker-registry', async () => (await probe({ port, path: '/v2/' })) > 0, reg.child, reg.log);

    // Podman API socket.
    const socket = join(root, 'podman.sock');
    const svc = spawnLogged(
      'podman',
      [...storageArgs, 'system', 'service', '--time=0', `unix://${socket}`],
      podmanEnv,
    );
    await until(
      'podman system service',
      async () => (await probe({ socketPath: socket, path: '/_ping' })) === 200,
      svc.child,
      svc.log,
    );

    // Base image, sample server image, pushed to the registry by digest.
    execFileSync(join(REPO, 'scripts/make-base-image.sh'), [BASE_IMAGE], {
      env: { ...podmanEnv, PODMAN: `podman ${storageArgs.join(' ')}` },
      stdio: 'pipe',
    });
    const example = join(REPO, 'examples/weather-server');
    execFileSync('pnpm', ['--silent', 'build'], { cwd: example, stdio: 'pipe' });
    podman(['build', '--quiet', '--build-arg', `BASE_IMAGE=${BASE_IMAGE}`, '-t', WEATHER_IMAGE, example]);
    const registry = `127.0.0.1:${port}`;
    const weatherRepository = `${registry}/mcp/weather-server`;
    const digestFile = join(root, 'weather.digest');
    podman([
      'push',
      '--quiet',
      '--tls-verify=false',
      '--digestfile',
      digestFile,
      WEATHER_IMAGE,
      `${weatherRepository}:v1`,
    ]);
    const weatherDigest = readFileSync(digestFile, 'utf8').trim();

    return { root, dockerHost: `unix://${socket}`, registry, weatherRepository, weatherDigest, podman, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
