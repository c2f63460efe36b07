// `mcp-host start` end to end: the built bin, a fresh data dir, every service behind the gateway, stop and restart.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@mcp-host/platform/testing';
import { runCli, type CliProcess } from './cli-process';

jest.setTimeout(180_000);

const SERVICES = ['gateway', 'build-service', 'policy-engine', 'governance', 'marketplace'];

async function startHost(dataDir: string): Promise<{ cli: CliProcess; url: string; token: string }> {
  const cli = runCli(['start', '--data-dir', dataDir, '--port', '0']);
  const [, url] = await cli.waitForOutput(/gateway\s+(http:\/\/\S+)/, 120_000);
  const token = (await fs.readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  return { cli, url, token };
}

async function stopHost(cli: CliProcess, signal: NodeJS.Signals = 'SIGINT') {
  cli.child.kill(signal);
  return cli.exited;
}

describe('mcp-host start', () => {
  let dir: string;
  let running: CliProcess | undefined;

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'mcp-host-start-'));
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) await stopHost(running);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when started on an empty data dir, then every service is ready and a server survives a stop and a restart', async () => {
    const dataDir = join(dir, 'data');
    const first = await startHost(dataDir);
    running = first.cli;
    const auth = { authorization: `Bearer ${first.token}` };
    expect((await fs.stat(join(dataDir, 'admin-token'))).mode & 0o777).toBe(0o600);
    expect(first.cli.stdout()).not.toContain(first.token);

    const status = await waitFor(
      async () => {
        const res = await fetch(`${first.url}/api/status`, { headers: auth });
        const body = (await res.json()) as { status: string; services: Record<string, { status: string }> };
        return body.status === 'ready' ? body : undefined;
      },
      { timeoutMs: 30_000, what: 'every service ready' },
    );
    expect(Object.keys(status.services).sort()).toEqual([...SERVICES].sort());
    for (const name of SERVICES) expect([name, status.services[name].status]).toEqual([name, 'ready']);

    const created = await fetch(`${first.url}/api/servers`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'survives-restart', server_type: 'node' }),
    });
    expect(created.status).toBe(201);
    const server = (await created.json()) as { id: string };

    // The attack: a local user skips the gateway and claims to be an admin on a service's loopback port.
    const marketplaceUrl = /marketplace\s+(http:\/\/\S+)/.exec(first.cli.stdout())?.[1];
    expect(marketplaceUrl).toBeDefined();
    const direct = await fetch(`${marketplaceUrl}/api/servers/${server.id}`, {
      headers: {
        'x-mcp-host-role': 'admin',
        'x-mcp-host-subject': 'root',
        'x-mcp-host-internal-token': 'guess',
      },
    });
    expect(direct.status).toBe(401);
    await expect(direct.json()).resolves.toMatchObject({ error: { code: 'INTERNAL_AUTH_REQUIRED' } });
    expect((await fetch(`${marketplaceUrl}/healthz`)).status).toBe(200);

    await expect(stopHost(first.cli, 'SIGINT')).resolves.toEqual({ code: 0, signal: null });
    expect(first.cli.stdout()).toContain('mcp-host: stopped');

    const second = await startHost(dataDir);
    running = second.cli;
    expect(second.cli.stdout()).toMatch(/postgres .*reused/);
    expect(second.token).toBe(first.token);
    const fetched = await fetch(`${second.url}/api/servers/${server.id}`, { headers: auth });
    expect(fetched.status).toBe(200);
    await expect(fetched.json()).resolves.toMatchObject({ id: server.id, name: 'survives-restart' });

    await expect(stopHost(second.cli, 'SIGTERM')).resolves.toEqual({ code: 0, signal: null });
  });

  it('when the host was killed with SIGKILL, then the next start stops the orphaned Postgres and reuses its port', async () => {
    const dataDir = join(dir, 'killed');
    const first = await startHost(dataDir);
    running = first.cli;
    const state = JSON.parse(await fs.readFile(join(dataDir, 'state.json'), 'utf8')) as {
      postgres: { port: number };
    };
    first.cli.child.kill('SIGKILL');
    await first.cli.exited;

    const second = await startHost(dataDir);
    running = second.cli;
    expect(second.cli.stdout()).toContain(`postgres  127.0.0.1:${state.postgres.port} (embedded, reused`);
    const res = await fetch(`${second.url}/api/tokens/me`, {
      headers: { authorization: `Bearer ${second.token}` },
    });
    expect(res.status).toBe(200);
    await expect(stopHost(second.cli)).resolves.toEqual({ code: 0, signal: null });
  });

  it('when the gateway port is taken, then it exits non-zero with one line naming the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const cli = runCli(['start', '--data-dir', join(dir, 'busy'), '--port', String(port)]);
      const { code } = await cli.exited;
      expect(code).not.toBe(0);
      const lines = cli.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(String(port));
      expect(lines[0]).toMatch(/in use/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
