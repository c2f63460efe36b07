// The local engine and registries the build-service tests (and its benchmark) run against: Podman's API socket and
// CNCF distribution registries on loopback, each under a directory the caller owns. `started` lists every process
// started here, in order, for the caller to stop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { freePort } from '@mcp-host/platform/testing';

export const started: ChildProcess[] = [];

export function requireCommand(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    throw new Error(
      `build-service tests need \`${cmd}\` (Debian package ${pkg}); run scripts/setup.sh as root to install it.`,
    );
  }
}

export { freePort };

function probe(opts: { socketPath?: string; port?: number; path: string }): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ ...opts, host: '127.0.0.1', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

async function until(
  what: string,
  fn: () => Promise<boolean>,
  child: ChildProcess,
  log: string[],
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited with ${child.exitCode}: ${log.join('').slice(-2000)}`);
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within 30s: ${log.join('').slice(-2000)}`);
}

function startProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; log: string[] } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (b: Buffer) => {
    log.push(b.toString());
    if (log.length > 100) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  started.push(child);
  return { child, log };
}

export async function startRegistry(
  root: string,
  name: string,
  auth?: { user: string; password: string },
): Promise<{ address: string; child: ChildProcess }> {
  const port = await freePort();
  const dir = join(root, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  let authBlock = '';
  if (auth) {
    writeFileSync(join(dir, 'htpasswd'), `${auth.user}:${hashSync(auth.password, 5)}\n`);
    authBlock = `auth:\n  htpasswd:\n    realm: mcp-host-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\n${authBlock}http:\n  addr: 127.0.0.1:${port}\n`,
  );
  const { child, log } = startProcess('docker-registry', ['serve', join(dir, 'config.yml')], process.env);
  await until(`docker-registry ${name}`, async () => (await probe({ port, path: '/v2/' })) > 0, child, log);
  return { address: `127.0.0.1:${port}`, child };
}

/**
 * Podman's Docker-compatible API on a socket under `root`: project-local containers.conf (cgroupfs, runc, small
 * ulimits, as this sandbox needs), vfs storage, and plain HTTP to loopback registries.
 */
export async function startPodmanService(root: string): Promise<{ socket: string; child: ChildProcess }> {
  writeFileSync(
    join(root, 'containers.conf'),
    '[containers]\ndefault_ulimits = ["nofile=1024:1024","nproc=1024:1024"]\n\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n',
  );
  writeFileSync(
    join(root, 'registries.conf'),
    'unqualified-search-registries = []\n\n[[registry]]\nlocation = "127.0.0.1"\ninsecure = true\n',
  );
  const socket = join(root, 'podman.sock');
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const { child, log } = startProcess(
    'podman',
    [
      '--root',
      join(root, 'storage'),
      '--runroot',
      join(root, 'run'),
      '--storage-driver',
      'vfs',
      'system',
      'service',
      '--time=0',
      `unix://${socket}`,
    ],
    {
      ...process.env,
      CONTAINERS_CONF: join(root, 'containers.conf'),
      CONTAINERS_REGISTRIES_CONF: join(root, 'registries.conf'),
      TMPDIR: join(root, 'tmp'),
    },
  );
  await until(
    'podman system service',
    async () => (await probe({ socketPath: socket, path: '/_ping' })) === 200,
    child,
    log,
  );
  return { socket, child };
}
