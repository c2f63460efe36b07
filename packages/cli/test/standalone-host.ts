// The built standalone host for CLI end-to-end tests: started on a fresh data dir and port 0, ready when every
// service is, with the embedded broker's address so a test can publish what another service (the build-service,
// say) would, and a runner for `mcpctl` pointed at its gateway with the admin token. On request the host brings up its
// own container engine and registry (Podman's API socket and docker-registry under its data dir), so a server it
// launches is a real container; the test then gets the engine's address and a podman CLI on the same storage.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventPayload, EventType } from '@mcp-host/contracts';
import { runCli, type CliResult } from './stub-server';

const HOST_BIN = join(__dirname, '..', '..', 'standalone', 'dist', 'bin.js');
// The kit's test helpers, from the built package next door (the CLI itself never depends on the kit).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kit = require(join(__dirname, '..', '..', 'platform', 'dist', 'testing')) as {
  publishTestEvent<T extends EventType>(
    brokers: string[],
    type: T,
    payload: EventPayload<T>,
  ): Promise<string>;
  waitFor<T>(fn: () => Promise<T | undefined | false>, o: { timeoutMs: number; what?: string }): Promise<T>;
};
export const waitFor = kit.waitFor;
// The host's own engine settings (its storage, vfs, the project-local config files), so the CLI here and the host's
// Podman service see the same images and containers.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const localEngine = require(join(__dirname, '..', '..', 'standalone', 'dist', 'local-engine')) as {
  podmanEnv(root: string): { args: string[]; env: NodeJS.ProcessEnv };
};

/** The container engine and registry a host started for itself. */
export interface HostEngine {
  /** `unix://…/podman.sock`, as the host printed it. */
  dockerHost: string;
  /** `127.0.0.1:<port>`, as the host printed it. */
  registry: string;
  /** Runs the podman CLI on the engine's storage; returns its stdout. */
  podman(args: string[]): string;
}

export interface StandaloneHost {
  url: string;
  token: string;
  brokers: string[];
  /** Set when the host was started with `localEngine`. */
  engine?: HostEngine;
  mcpctl(...args: string[]): Promise<CliResult>;
  /** Publishes an event onto the host's broker, as the service that owns it would. */
  publish<T extends EventType>(type: T, payload: EventPayload<T>): Promise<string>;
  stop(): Promise<void>;
}

export interface StandaloneHostOptions {
  /**
   * Lets the host start its own Podman service and registry (off by default: most tests launch nothing, and the
   * engine's first start imports the base image). The host's stop then also removes the containers it launched,
   * which outlive the host otherwise (conmon keeps them running).
   */
  localEngine?: boolean;
}

/** Starts `mcp-host start`; `env` adds variables (service configuration) to a clean environment. */
export async function startStandaloneHost(
  name: string,
  env: Record<string, string> = {},
  options: StandaloneHostOptions = {},
): Promise<StandaloneHost> {
  // Podman refuses a run root longer than 50 characters (its sockets' paths must fit), and the host's is
  // <data dir>/engine/run: a host with an engine gets a short directory name.
  const dir = await fs.mkdtemp(join(tmpdir(), options.localEngine ? 'mcpe-' : `mcpctl-${name}-`));
  const base = { ...process.env };
  for (const k of [
    'DATABASE_URL',
    'KAFKA_BROKERS',
    'LOG_LEVEL',
    'MCP_HOST_DATA_DIR',
    'BIND_PORT',
    'BIND_ADDRESS',
    // An engine or registry from the caller's environment would replace the host's own.
    ...(options.localEngine ? ['MCP_HOST_LOCAL_ENGINE', 'DOCKER_HOST', 'REGISTRY_URL'] : []),
  ])
    delete base[k];
  const dataDir = join(dir, 'data');
  const engineRoot = join(dataDir, 'engine');
  const podman = (args: string[]): string => {
    const p = localEngine.podmanEnv(engineRoot);
    return execFileSync('podman', [...p.args, ...args], { env: p.env, encoding: 'utf8', stdio: 'pipe' });
  };
  const host: ChildProcess = spawn(
    process.execPath,
    [HOST_BIN, 'start', '--data-dir', dataDir, '--port', '0'],
    {
      env: { ...base, ...(options.localEngine ? {} : { MCP_HOST_LOCAL_ENGINE: 'false' }), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  host.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  // The tail of its stderr, to say why a host that exits before it is ready did.
  let err = '';
  host.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-4000);
  });
  const exited = () => host.exitCode !== null || host.signalCode !== null;
  const stop = async (): Promise<void> => {
    if (!exited()) {
      host.kill('SIGINT');
      await new Promise((r) => host.once('exit', r));
    }
    // The host stops its Podman service, not the containers its runtime launched: remove them here, before their
    // storage goes (a container's shm mount under the run root would make the directory's removal fail). No storage:
    // the host failed before its engine started, and nothing ran.
    if (options.localEngine && existsSync(join(engineRoot, 'storage')))
      podman(['rm', '--all', '--force', '--time', '0']);
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => exited() || /gateway\s+http:\/\/\S+/.test(out), {
      timeoutMs: 240_000,
      what: 'the host to start',
    });
    if (exited())
      throw new Error(`the host exited (${host.exitCode ?? host.signalCode}) before it was ready: ${err}`);
    const url = /gateway\s+(http:\/\/\S+)/.exec(out)?.[1] ?? '';
    const brokers = (/kafka\s+(\S+)/.exec(out)?.[1] ?? '').split(',');
    let engine: HostEngine | undefined;
    if (options.localEngine) {
      const dockerHost = /^\s*engine\s+(\S+)/m.exec(out)?.[1];
      const registry = /^\s*registry\s+(\S+)/m.exec(out)?.[1];
      if (!dockerHost || !registry)
        throw new Error(`the host started without its engine and registry:\n${out}`);
      engine = { dockerHost, registry, podman };
    }
    const token = (await fs.readFile(join(dir, 'data', 'admin-token'), 'utf8')).trim();
    await waitFor(
      async () => {
        const res = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
        return ((await res.json()) as { status: string }).status === 'ready';
      },
      { timeoutMs: 60_000, what: 'every service ready' },
    );
    return {
      url,
      token,
      brokers,
      engine,
      mcpctl: (...args) => runCli([...args, '--url', url, '--token', token]),
      publish: (type, payload) => kit.publishTestEvent(brokers, type, payload),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
