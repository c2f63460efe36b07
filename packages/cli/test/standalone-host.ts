// The built standalone host for CLI end-to-end tests: started on a fresh data dir and port 0, ready when every
// service is, with the embedded broker's address so a test can publish what another service (the build-service,
// say) would, and a runner for `mcpctl` pointed at its gateway with the admin token.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
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

export interface StandaloneHost {
  url: string;
  token: string;
  brokers: string[];
  mcpctl(...args: string[]): Promise<CliResult>;
  /** Publishes an event onto the host's broker, as the service that owns it would. */
  publish<T extends EventType>(type: T, payload: EventPayload<T>): Promise<string>;
  stop(): Promise<void>;
}

/** Starts `mcp-host start`; `env` adds variables (service configuration) to a clean environment. */
export async function startStandaloneHost(
  name: string,
  env: Record<string, string> = {},
): Promise<StandaloneHost> {
  const dir = await fs.mkdtemp(join(tmpdir(), `mcpctl-${name}-`));
  const base = { ...process.env };
  for (const k of [
    'DATABASE_URL',
    'KAFKA_BROKERS',
    'LOG_LEVEL',
    'MCP_HOST_DATA_DIR',
    'BIND_PORT',
    'BIND_ADDRESS',
  ])
    delete base[k];
  const host: ChildProcess = spawn(
    process.execPath,
    [HOST_BIN, 'start', '--data-dir', join(dir, 'data'), '--port', '0'],
    { env: { ...base, MCP_HOST_LOCAL_ENGINE: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  host.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  host.stderr?.on('data', () => undefined);
  const stop = async (): Promise<void> => {
    if (host.exitCode === null) {
      host.kill('SIGINT');
      await new Promise((r) => host.once('exit', r));
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => /gateway\s+http:\/\/\S+/.test(out), {
      timeoutMs: 240_000,
      what: 'the host to start',
    });
    const url = /gateway\s+(http:\/\/\S+)/.exec(out)?.[1] ?? '';
    const brokers = (/kafka\s+(\S+)/.exec(out)?.[1] ?? '').split(',');
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
      mcpctl: (...args) => runCli([...args, '--url', url, '--token', token]),
      publish: (type, payload) => kit.publishTestEvent(brokers, type, payload),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
