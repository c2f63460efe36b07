// `status`, `whoami`, and what every command shares: URL and token resolution, the bearer header, error passthrough.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ID, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const STATUS = {
  status: 'degraded',
  services: {
    gateway: { status: 'ready', checks: { database: 'up', kafka: 'up' } },
    marketplace: { status: 'not_ready', checks: { database: 'up', kafka: 'down: timeout' } },
    governance: { status: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:3004' },
  },
};

const ME = { id: ID, name: 'admin', subject: 'admin', role: 'admin' };

describe('mcpctl status', () => {
  it('when the host is degraded, then it prints the overall state and one row per service with its checks', async () => {
    stub.on('GET', '/api/status', { body: STATUS });

    const result = await runCli(['status', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(result.exitCalls).toEqual([0]);
    expect(result.stdout).toContain('MCP Host is degraded.');
    const rows = result.stdout.split('\n');
    expect(rows.find((l) => l.includes('gateway'))).toMatch(/ready.*database: up/);
    expect(rows.find((l) => l.includes('marketplace'))).toMatch(/not_ready.*database: up/);
    expect(result.stdout).toContain('kafka: down: timeout');
    expect(rows.find((l) => l.includes('governance'))).toMatch(/unreachable.*error: connect ECONNREFUSED/);
    expect(result.stderr).toBe('');
  });

  it('when --json is given, then stdout is the API body and parses as JSON', async () => {
    stub.on('GET', '/api/status', { body: STATUS });

    const result = await runCli(['--json', 'status', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(STATUS);
  });

  it('when the answer does not match the contract, then it exits 1 and suggests --json', async () => {
    stub.on('GET', '/api/status', { body: { status: 'sideways' } });

    const result = await runCli(['status', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^mcpctl: The answer to GET \/api\/status is not what this mcpctl expects .*--json\.\n$/,
    );
  });
});

describe('mcpctl whoami', () => {
  it('when the token is valid, then it sends it as a bearer token and prints id, name, subject and role', async () => {
    stub.on('GET', '/api/tokens/me', { body: ME });

    const result = await runCli(['whoami', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.stdout).toMatch(/id\s*│\s*0b6c7d0e-3f1a-4c55-9d3e-2a7b9c1d4e5f/);
    expect(result.stdout).toMatch(/role\s*│\s*admin/);
  });

  it('when the gateway answers 401, then the API message and code go to stderr and the exit code is 1', async () => {
    stub.on('GET', '/api/tokens/me', {
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'The bearer token has been revoked.' } },
    });

    const result = await runCli(['whoami', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(1);
    expect(result.exitCalls).toEqual([1]);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('mcpctl: The bearer token has been revoked. (UNAUTHENTICATED)\n');
  });

  it('when an error body is not the API shape, then it names the route and the HTTP status', async () => {
    stub.on('GET', '/api/tokens/me', { status: 502, raw: '<html>Bad Gateway</html>' });

    const result = await runCli(['whoami', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: GET /api/tokens/me failed with HTTP 502: <html>Bad Gateway</html>\n');
  });
});

describe('where the CLI connects and which token it sends', () => {
  it('when MCP_HOST_URL and MCP_HOST_TOKEN are set, then they are used without flags', async () => {
    stub.on('GET', '/api/tokens/me', { body: ME });

    const result = await runCli(['whoami'], {
      env: { MCP_HOST_URL: stub.url, MCP_HOST_TOKEN: 'mcph_from_env' },
    });

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer mcph_from_env');
  });

  it('when --token and MCP_HOST_TOKEN are both set, then the flag wins', async () => {
    stub.on('GET', '/api/tokens/me', { body: ME });

    await runCli(['whoami', '--token', 'mcph_flag'], {
      env: { MCP_HOST_URL: stub.url, MCP_HOST_TOKEN: 'mcph_env' },
    });

    expect(stub.requests[0]?.headers.authorization).toBe('Bearer mcph_flag');
  });

  describe('with token files on disk', () => {
    let dir: string;
    const fsIo = {
      readFile: (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mcpctl-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('when no token is given but ./.mcp-host/admin-token exists, then its content is the bearer token', async () => {
      mkdirSync(join(dir, '.mcp-host'));
      writeFileSync(join(dir, '.mcp-host', 'admin-token'), 'mcph_admin_file\n');
      stub.on('GET', '/api/tokens/me', { body: ME });

      const result = await runCli(['whoami', '--url', stub.url], { ...fsIo, cwd: () => dir });

      expect(result.code).toBe(0);
      expect(stub.requests[0]?.headers.authorization).toBe('Bearer mcph_admin_file');
    });

    it('when --token-file is given, then it beats MCP_HOST_TOKEN and the admin token file', async () => {
      mkdirSync(join(dir, '.mcp-host'));
      writeFileSync(join(dir, '.mcp-host', 'admin-token'), 'mcph_admin_file\n');
      writeFileSync(join(dir, 'ops-token'), '  mcph_ops  \n');
      stub.on('GET', '/api/tokens/me', { body: ME });

      await runCli(['whoami', '--url', stub.url, '--token-file', 'ops-token'], {
        ...fsIo,
        cwd: () => dir,
        env: { MCP_HOST_TOKEN: 'mcph_env' },
      });

      expect(stub.requests[0]?.headers.authorization).toBe('Bearer mcph_ops');
    });

    it('when --token-file does not exist, then it exits 1 naming the file and sends nothing', async () => {
      const result = await runCli(['whoami', '--url', stub.url, '--token-file', 'missing'], {
        ...fsIo,
        cwd: () => dir,
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`mcpctl: --token-file ${join(dir, 'missing')} does not exist.\n`);
      expect(stub.requests).toHaveLength(0);
    });
  });

  it('when there is no token anywhere, then no Authorization header is sent and the 401 is passed through', async () => {
    stub.on('GET', '/api/tokens/me', {
      status: 401,
      body: {
        error: {
          code: 'UNAUTHENTICATED',
          message: 'A bearer token is required (Authorization: Bearer mcph_...).',
        },
      },
    });

    const result = await runCli(['whoami', '--url', stub.url]);

    expect(stub.requests[0]?.headers.authorization).toBeUndefined();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('A bearer token is required');
  });

  it('when --url has a path prefix, then API paths are appended to it', async () => {
    stub.on('GET', '/mcp/api/tokens/me', { body: ME });

    const result = await runCli(['whoami', '--url', `${stub.url}/mcp/`, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.path).toBe('/mcp/api/tokens/me');
  });

  it('when nothing listens at the URL, then one line names the URL and the exit code is 1', async () => {
    const port = await closedPort();

    const result = await runCli(['status', '--url', `http://127.0.0.1:${port}`, '--token', TOKEN]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `mcpctl: Cannot connect to MCP Host at http://127.0.0.1:${port}: connection refused. Is it running? Set --url or MCP_HOST_URL. (ECONNREFUSED)\n`,
    );
  });

  it('when --url is not a URL, then it exits 1 with a message and sends nothing', async () => {
    const result = await runCli(['status', '--url', 'localhost:3000']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: --url "localhost:3000" must start with http:// or https://.\n');
  });

  it('when an option is unknown, then commander reports it on one line and the exit code is 1', async () => {
    const result = await runCli(['status', '--nope']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe("mcpctl: unknown option '--nope'\n");
  });
});

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
